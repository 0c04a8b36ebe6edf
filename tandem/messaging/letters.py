"""Letters as PDF (A4), made with WeasyPrint from the HTML rendered when the letter was queued.

`to_pdf(html)` makes one letter. `to_pdfs(htmls, workers=2)` makes many: letters that share their
`<head>` and `<body>` attributes (the same template, practice and format) are laid out together,
up to BATCH_SIZE to a document, which is cut into one PDF per letter with the same pages and words
as `to_pdf` gives; the batches are spread over `workers` processes. A letter that cannot be laid
out with the others is made on its own; one that cannot be made at all comes back as None, and the
rest are unaffected. `prepared()` lets a dispatcher make the PDFs of the letters it is about to send
that way, ahead of time: `to_pdf` then takes a letter's PDF from there when its HTML is the same.

Why (docs/benchmarks.md, "Results-and-prompts packs"): one document per batch parses the HTML
skeleton and the styles once instead of per letter (a pack carries its own style sheet), and each
process keeps its WeasyPrint font setup and URL fetcher between documents; laying out a page costs
the same either way, so most of the speed comes from using every CPU. `together=False` makes one
document per letter (still in batches and processes).

How a batch laid out as one document keeps each letter as it would be on its own (checked against
letters made alone in tests/messaging/test_letters_batch.py):

- each letter's `<body>` content goes in a `<tandem-letter>` block that starts a new page (an element
  no stylesheet names, so no letter's styles touch it); the letters of one batch have the same
  `<body>` attributes and `<style>` blocks (a body's styles are given once, after the head's), so
  rules such as `body.large_print p` still apply;
- its pages are found by the block's id, which every page it spans carries as an anchor;
- "Page X of Y" restarts per letter: each letter's first page starts a named page group and
  `@page :nth(1 of <name>)` resets the page counter there; `counter(pages)` is replaced by a named
  string holding `target-counter()` of an empty element at the block's end. The name is the one
  the letter's styles give its body (`body.large_print { page: large }`, so `@page large` still
  applies), carried by the block; a body with no page name gets an empty named block at its start
  instead (a named block would force a page break after any named page inside it, such as a
  pack's prompt sheet). The body itself has no page name in a batch (it would make all the letters
  one page group). Checked after layout, from WeasyPrint's page types: a letter whose pages do not
  start and end as they should is made alone;
- a running element that every letter of the batch has once, the same (the practice footer), is
  kept in the first letter only: later pages show the last one placed, which is the same, and
  WeasyPrint would otherwise lay out again each page on which one first appears;
- a letter whose styles could tell the difference (page selectors such as `:first`, counters on
  the page, child combinators after `body`, `*`) is made alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import io
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# WeasyPrint reports every rendering step at INFO; only its warnings are worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

logger = logging.getLogger(__name__)

BATCH_SIZE = 25  # letters laid out as one document (see docs/benchmarks.md, "Results-and-prompts packs")
POOL_FROM = 60  # letters in one run before starting a pool of processes (about 2 s) pays for itself
MAX_WORKERS = 2
PDF_VARIANT = "pdf/ua-1"

_PREFIX = "tandem-batch"  # ids and names used only in the batch document
_DEFAULT_PAGE = f"{_PREFIX}-letter"
_PAGES_STRING = f"{_PREFIX}-pages"

Pdf = tuple[bytes, int]


class LetterProblem(RuntimeError):
    pass


def _weasyprint():
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - a missing dependency, said plainly
        raise LetterProblem("WeasyPrint is not installed, so letters cannot be made into PDFs.") from exc
    return weasyprint


def _no_fetching(url: str, *args, **kwargs):
    raise LetterProblem("Letters may not load anything from outside")


@functools.cache
def _refusing_fetcher_class():
    from weasyprint.urls import URLFetcher

    class Refusing(URLFetcher):
        """Asked for any URL, refuses: WeasyPrint leaves that resource out and logs a warning."""

        def fetch(self, url, headers=None):
            return _no_fetching(url)

    return Refusing


_local = threading.local()


class _SameIdsInABatch(logging.Filter):
    """Letters of one template repeat the ids inside their SVG charts (a chart's title and
    description), so a batch has them several times; harmless, as each SVG is drawn on its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (getattr(_local, "batch", False) and record.msg == "Anchor defined twice: %r")


logging.getLogger("weasyprint").addFilter(_SameIdsInABatch())


def _font_config():
    """One WeasyPrint font configuration per thread, kept between letters, so the fonts are not looked
    up again for each one. Letters use installed fonts only (no @font-face)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def _render(html: str):
    weasyprint = _weasyprint()
    fetcher = getattr(_local, "fetcher", None)
    if fetcher is None:  # kept: making one sets up TLS certificates, about 17 ms
        fetcher = _local.fetcher = _refusing_fetcher_class()(fail_on_errors=False)
    return weasyprint.HTML(string=html, url_fetcher=fetcher, base_url="about:blank").render(
        font_config=_font_config())


def _write(document) -> bytes:
    buffer = io.BytesIO()
    document.write_pdf(buffer, pdf_variant=PDF_VARIANT)
    return buffer.getvalue()


def to_pdf(html: str) -> Pdf:
    """The PDF bytes and the number of pages. Nothing is fetched from outside: the letter's HTML has
    its styles inline and its pictures as inline SVG, and any other URL is refused."""
    ready = _prepared.get()
    if ready is not None:
        found = ready.take(html)
        if found is not None:
            return found
    document = _render(html)
    return _write(document), len(document.pages)


def workers_for(count: int) -> int:
    """How many processes to make `count` letters with: one for a few, else one per CPU (at most
    MAX_WORKERS)."""
    if count < POOL_FROM:
        return 1
    cpus = getattr(os, "process_cpu_count", os.cpu_count)() or 1
    return max(1, min(MAX_WORKERS, cpus))


def to_pdfs(htmls: Sequence[str], *, workers: int = 1, together: bool = True) -> list[Pdf | None]:
    """The PDF and page count of each letter, in order (see Renderer); None for a letter that could
    not be made (the reason is logged), without stopping the others."""
    with Renderer(workers=workers, together=together) as renderer:
        return renderer.pdfs(htmls)


# --- Batches ---------------------------------------------------------------------------------

_SHAPE = re.compile(r"(?P<prefix>.*?<head\b[^>]*>)(?P<head>.*?)</head>\s*<body\b(?P<attrs>[^>]*)>"
                    r"(?P<body>.*)</body>\s*</html>\s*", re.S | re.I)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_SVG = re.compile(r"<svg\b.*?</svg>", re.S | re.I)  # ids inside an SVG are its own (WeasyPrint draws it alone)
_ID = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_PAGES = re.compile(r"counter\(\s*pages\s*\)")
_BODY_SELECTOR = re.compile(r"body((?:\.[-\w]+)*)")


@dataclass(frozen=True)
class _Letter:
    index: int
    # What letters sharing a batch have in common: the start of the document, the head, the body's
    # attributes and the <style> blocks inside the body (given once, after the head's).
    key: tuple[str, str, str, str]
    page: str  # the named page its body has on its own, which its block gets in a batch
    body: str  # without its <style> blocks
    ids: frozenset[str]  # the HTML ids it uses (not an SVG's own)
    running: tuple[str, ...]  # its running elements that are plain text (see _document)


def _value(match: re.Match | None) -> str:
    return next((g for g in match.groups() if g is not None), "") if match else ""


def _letter(index: int, html: str) -> _Letter | None:
    """The parts of a letter that can share a batch, or None if it must be made alone."""
    shape = _SHAPE.fullmatch(html)
    if shape is None or _PREFIX in html or re.search(r"\bstyle\s*=", shape["attrs"], re.I):
        return None
    body_styles = "".join(m.group(0) for m in _STYLE.finditer(shape["body"]))
    styles = _styles("\n".join(_STYLE.findall(shape["head"]) + _STYLE.findall(body_styles)))
    if styles is None:
        return None
    classes = frozenset(_value(_CLASS.search(shape["attrs"])).split())
    chosen = max(((len(need), order, name) for order, (need, name) in enumerate(styles.pages)
                  if need <= classes), default=None)
    body = _STYLE.sub("", shape["body"])
    running = tuple(m.group(0) for name in styles.running for m in re.finditer(
        rf"""<([a-z][a-z0-9]*)\b[^>]*\bclass\s*=\s*["']{re.escape(name)}["'][^>]*>[^<]*</\1>""", body))
    return _Letter(index=index, key=(shape["prefix"], shape["head"], shape["attrs"], body_styles),
                   page=chosen[2] if chosen and chosen[2] != "auto" else _DEFAULT_PAGE, body=body,
                   ids=frozenset(_value(m) for m in _ID.finditer(_SVG.sub("", body))), running=running)


@dataclass(frozen=True)
class _Styles:
    pages: tuple[tuple[frozenset[str], str], ...]  # (classes the body needs, page name), in source order
    running: tuple[str, ...]  # classes of running elements (`.practicefooter { position: running(x) }`)


@functools.lru_cache(maxsize=64)
def _styles(css: str) -> _Styles | None:
    """What batching needs to know of these styles; None if they could tell that letters share a
    document (see the module docstring)."""
    import tinycss2  # WeasyPrint's CSS parser

    names: list[tuple[frozenset[str], str]] = []
    running: list[str] = []

    def walk(rules) -> bool:
        for rule in rules:
            if rule.type == "error":
                return False
            if rule.type == "at-rule":
                keyword = rule.lower_at_keyword
                if keyword == "page" and ":" in tinycss2.serialize(rule.prelude or []):
                    return False  # :first, :left, :right, :blank and :nth() would count across letters
                if keyword == "page" and _touches_page_counter(tinycss2.serialize(rule.content or [])):
                    return False
                if keyword in ("media", "supports", "layer") and rule.content is not None and not walk(
                        tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)):
                    return False
                continue
            if rule.type != "qualified-rule":
                continue
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            # `*` would style the letter's block; `body > p` would no longer match its paragraphs.
            if any("*" in s or re.match(r"(html|body)\b[^\s>+~]*\s*[>+~]", s) for s in selectors):
                return False
            if _touches_page_counter(tinycss2.serialize(rule.content)):
                return False
            for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                                skip_whitespace=True):
                if declaration.type != "declaration":
                    continue
                value = tinycss2.serialize(declaration.value).strip()
                if declaration.lower_name == "position" and value.startswith("running("):
                    running.extend(s[1:] for s in selectors if re.fullmatch(r"\.[-\w]+", s))
                if declaration.lower_name != "page":
                    continue
                for selector in selectors:
                    body = _BODY_SELECTOR.fullmatch(selector)
                    if body is None:
                        continue  # a named page inside the letter (checked after layout, see _split)
                    if not re.fullmatch(r"[-\w]+", value):
                        return False
                    names.append((frozenset(filter(None, body[1].split("."))), value))
        return True

    if not walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)):
        return None
    return _Styles(pages=tuple(names), running=tuple(dict.fromkeys(running)))


def _touches_page_counter(css: str) -> bool:
    return bool(re.search(r"counter-(?:reset|set|increment)\s*:[^;}]*\bpages?\b", css))


def _batches(htmls: Sequence[str], size: int) -> tuple[list[list[_Letter]], list[int]]:
    """Letters grouped into batches (same key, at most `size`, no HTML id used twice), and the
    indexes of letters to make alone."""
    alone: list[int] = []
    open_batches: dict[tuple[str, str, str, str], tuple[list[_Letter], set[str]]] = {}
    done: list[list[_Letter]] = []
    for index, html in enumerate(htmls):
        letter = _letter(index, html)
        if letter is None:
            alone.append(index)
            continue
        batch, ids = open_batches.get(letter.key, ([], set()))
        if len(batch) >= size or ids & letter.ids:
            done.append(batch)
            batch, ids = [], set()
        batch.append(letter)
        ids |= letter.ids
        open_batches[letter.key] = (batch, ids)
    done.extend(batch for batch, _ in open_batches.values())
    return [b for b in done if b], alone


def _document(batch: list[_Letter]) -> str:
    prefix, head, attrs, body_styles = batch[0].key
    rules = [
        "body { page: auto !important; }",
        f"tandem-letter {{ display: block; break-before: page; "
        f"string-set: {_PAGES_STRING} target-counter(attr(data-end url), page); }}",
        f"tandem-start {{ display: block; page: {_DEFAULT_PAGE}; }}",
        # Out of flow, so it never starts a page of its own (in flow, it could: a block after a named
        # page inside the letter gets a page break before it).
        "tandem-end { display: block; position: absolute; width: 0; height: 0; }",
        *(f"@page :nth(1 of {name}) {{ counter-reset: page 1; }}" for name in sorted({x.page for x in batch})),
    ]
    pages = f"string({_PAGES_STRING})"
    parts = [prefix, _PAGES.sub(pages, head), _PAGES.sub(pages, body_styles), "<style>", "\n".join(rules),
             "</style></head><body", attrs, ">"]
    # A running element (the practice footer) that every letter has once, the same, is kept in the
    # first letter only: the pages of the others show the last one placed, which is the same, and
    # WeasyPrint lays out again every page on which a running element first appears.
    shared = batch[0].running if all(len(x.running) == len(batch[0].running) == len(set(x.running)) and
                                     x.running == batch[0].running for x in batch) else ()
    for n, letter in enumerate(batch):
        body = letter.body
        if n > 0:
            for element in shared:
                body = body.replace(element, "", 1)
        if letter.page == _DEFAULT_PAGE:
            # Its body has no page name: only an empty block at its start has one (so its first page
            # starts a page group), as a named block would force a page break after any named page
            # inside it (WeasyPrint breaks before a sibling whose page value is a name).
            start = f'<tandem-letter id="{_PREFIX}-{n}" data-end="#{_PREFIX}-end-{n}"><tandem-start></tandem-start>'
        else:
            start = f'<tandem-letter id="{_PREFIX}-{n}" style="page: {letter.page}" data-end="#{_PREFIX}-end-{n}">'
        parts += [start, body, f'<tandem-end id="{_PREFIX}-end-{n}"></tandem-end></tandem-letter>']
    parts.append("</body></html>")
    return "".join(parts)


def _split(document, batch: list[_Letter]) -> list[Pdf | None]:
    """Cut the batch document into its letters; None for a letter whose pages are not as they would
    be on its own: each letter's pages must run from a page that restarts the numbering to the page
    holding its end marker (whose number is its "of Y"), with no restart in between."""
    pages: list[list] = [[] for _ in batch]
    for page in document.pages:
        owners = [int(a.rsplit("-", 1)[1]) for a in page.anchors if re.fullmatch(rf"{_PREFIX}-\d+", a)]
        if len(owners) == 1:
            pages[owners[0]].append(page)
    if sum(len(own) for own in pages) != len(document.pages):
        return [None] * len(batch)  # a page of no letter, or of two: trust none of them
    restarts = {x.page for x in batch}

    whole = [bool(own) and f"{_PREFIX}-end-{n}" in own[-1].anchors and letter.page in _starts(own[0])
             and not any(restarts & _starts(page) for page in own[1:]) and _begins(own[0])
             for n, (own, letter) in enumerate(zip(pages, batch, strict=True))]
    for page in document.pages:  # the markers are no part of any letter's PDF
        for anchor in [a for a in page.anchors if a.startswith(_PREFIX)]:
            del page.anchors[anchor]
    return [(_write(document.copy(own)), len(own)) if ok else None for own, ok in zip(pages, whole, strict=True)]


def _starts(page) -> set[str]:
    """The page groups this page is the first page of (WeasyPrint's page type)."""
    page_type = getattr(getattr(page, "_page_box", None), "page_type", None)
    return {name for name, index in getattr(page_type, "groups", ()) if index == 0}


def _begins(page) -> bool:
    """The letter's own content starts on this page: its block holds something in flow besides the
    empty start marker (which a named page at the very start of the letter would push away alone)."""
    box = getattr(page, "_page_box", None)
    for found in (box.descendants() if box is not None else ()):
        if getattr(found, "element_tag", "") == "tandem-letter":
            return any(child.element_tag != "tandem-start" and child.is_in_normal_flow()
                       for child in getattr(found, "children", ()))
    return False


def _render_batch(htmls: list[str]) -> list[Pdf | None]:
    """Letters of one batch (same key) laid out together; any that could not be, made one at a time."""
    letters = [_letter(i, h) for i, h in enumerate(htmls)]
    out: list[Pdf | None] = [None] * len(htmls)
    if len(htmls) > 1 and all(letters):
        _local.batch = True
        try:
            out = _split(_render(_document(letters)), letters)
        except Exception as exc:  # noqa: BLE001 - each letter is tried again alone below
            logger.warning("messaging: a batch of %s letters could not be made together: %s", len(htmls),
                           type(exc).__name__)
        finally:
            _local.batch = False
    for i, html in enumerate(htmls):
        if out[i] is None:
            out[i] = _alone(html)
    return out


def _alone(html: str) -> Pdf | None:
    try:
        document = _render(html)
        return _write(document), len(document.pages)
    except Exception as exc:  # noqa: BLE001 - one letter must not stop the others
        logger.warning("messaging: a letter could not be made into a PDF: %s", type(exc).__name__)
        return None


def _render_many(groups: list[list[str]], together: bool) -> list[list[Pdf | None]]:
    if together:
        return [_render_batch(group) for group in groups]
    return [[_alone(html) for html in group] for group in groups]


class Renderer:
    """Makes PDFs of many letters, BATCH_SIZE at a time: laid out together as one document per batch
    (or, with together=False, one document per letter), in `workers` processes (a pool started when
    first needed and stopped on close(); if it cannot start, in this process)."""

    def __init__(self, *, workers: int = 1, batch_size: int | None = None, together: bool = True):
        self.workers = max(1, workers)
        self.batch_size = max(1, batch_size or BATCH_SIZE)
        self.together = together
        self._pool = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def pdfs(self, htmls: Sequence[str]) -> list[Pdf | None]:
        htmls = list(htmls)
        if self.together:
            batches, alone = _batches(htmls, self.batch_size)
            places = [[letter.index for letter in batch] for batch in batches] + [[i] for i in alone]
        else:
            places = [list(range(i, min(i + self.batch_size, len(htmls)))) for i in range(0, len(htmls),
                                                                                         self.batch_size)]
        groups = [[htmls[i] for i in indexes] for indexes in places]
        out: list[Pdf | None] = [None] * len(htmls)
        for indexes, results in zip(places, self._run(groups), strict=True):
            for i, result in zip(indexes, results, strict=True):
                out[i] = result
        return out

    def _run(self, groups: list[list[str]]) -> list[list[Pdf | None]]:
        if self.workers == 1 or len(groups) < 2:
            return _render_many(groups, self.together)
        try:
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                # spawn, not fork: a forked child would share the parent's database connections.
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context("spawn"))
            futures = [self._pool.submit(_render_many, [group], self.together) for group in groups]
            return [future.result()[0] for future in futures]
        except Exception as exc:  # noqa: BLE001 - the pool is only a speed-up
            logger.warning("messaging: letter processes unavailable (%s); making letters here", type(exc).__name__)
            self.close()
            self.workers = 1
            return _render_many(groups, self.together)


# --- Letters made ahead of time ----------------------------------------------------------------

class Prepared:
    """PDFs made ahead for letters about to be sent; `to_pdf` takes one when its HTML is the same
    (so nothing about a message changes: a PDF depends on its HTML alone)."""

    def __init__(self, renderer: Renderer):
        self.renderer = renderer
        self._ready: dict[bytes, Pdf] = {}

    @staticmethod
    def _key(html: str) -> bytes:
        return hashlib.sha256(html.encode()).digest()

    def add(self, htmls: Sequence[str]) -> int:
        """Make these letters' PDFs now; returns how many were made (the others will be made one at a
        time when sent)."""
        made = 0
        for html, result in zip(htmls, self.renderer.pdfs(htmls), strict=True):
            if result is not None:
                self._ready[self._key(html)] = result
                made += 1
        return made

    def take(self, html: str) -> Pdf | None:
        return self._ready.pop(self._key(html), None)

    def clear(self) -> None:
        self._ready.clear()


_prepared: contextvars.ContextVar[Prepared | None] = contextvars.ContextVar("tandem_letters_prepared", default=None)


@contextlib.contextmanager
def prepared(*, workers: int = 1, batch_size: int | None = None) -> Iterator[Prepared]:
    """Within this block, `to_pdf` uses the PDFs made by `Prepared.add`."""
    with Renderer(workers=workers, batch_size=batch_size) as renderer:
        ready = Prepared(renderer)
        token = _prepared.set(ready)
        try:
            yield ready
        finally:
            _prepared.reset(token)
            ready.clear()
