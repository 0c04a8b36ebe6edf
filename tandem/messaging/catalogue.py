"""Message templates: named wordings for letters, text messages and emails.

A template is a folder `jinja2/messaging/messages/<name>/` in messaging or in any other installed
app (e.g. `tandem/prepare/jinja2/messaging/messages/results_pack/`), holding any of:

    sms.txt.jinja                 the text message
    email_subject.txt.jinja       the email's subject line (one line)
    email.txt.jinja               the email's body (plain text)
    email.html.jinja              optional: the email as an HTML document, sent as an alternative
                                  part beside the plain text (returned as Rendered.letter_html)
    letter.html.jinja             the letter body (extends messaging/letters/base.html.jinja)
    letter.easy_read.html.jinja   an easy-read letter (short sentences, one idea per line)
    <file>.<variant>.<ext>.jinja  a variant of any of the above (large_print, easy_read)

A large-print letter uses `letter.html.jinja` in large type unless `letter.large_print.html.jinja`
exists. A channel is available for a template when its file exists. A template name must be unique
across apps (the same name in two apps is an error). Templates are looked up in every app's
`jinja2/` folder, messaging's first, so a message template may include or import another app's
partials (e.g. `{% include "prepare/pack/body.html.jinja" %}`); messaging never imports those apps,
it only reads the app registry. `.html.jinja` files are
autoescaped; `.txt.jinja` files are not (they are never shown as HTML: the outbox page escapes them).
Undefined variables are errors, so a missing piece of context fails when the message is queued,
not when it is sent; use `{{ x | default("...") }}` for optional wording.

Every template sees `patient` (given_name, family_name, name, nhs_number), `practice` (name,
address_lines, phone, ods_code), `today` (a date), `variant`, `channel`, plus the caller's `context`
(which may not reuse those names), and `words(key, **values)`: the practice's wording for a block
(tandem/messaging/wording), filled in, as a list of paragraphs. Filters: `date` ("15 June 2026"), `day` ("Tuesday 23 June", from a date,
datetime or ISO string), `month` ("June 2026"), `join_and` (["a", "b", "c"] -> "a, b and c").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.exceptions import TemplateError, UndefinedError

from . import rules, wording

ROOT = Path(__file__).resolve().parent / "jinja2"  # messaging's own templates
FOLDER = Path("messaging") / "messages"  # where message templates sit under any app's jinja2/
RESERVED = frozenset({"patient", "practice", "today", "variant", "channel", "recipient_lines", "words"})


class TemplateProblem(ValueError):
    pass


@dataclass(frozen=True)
class MessageTemplate:
    name: str
    title: str
    channels: frozenset[str]


def _date(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def _day(value: dt.date | str | None) -> str:
    """'Tuesday 23 June': the weekday, day and month, as people say a date that is coming soon."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
    return f"{value:%A} {value.day} {value:%B}"


def _month(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value if len(value) > 7 else f"{value}-01")
    return f"{value:%B %Y}"


def _join_and(items) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@cache
def roots() -> tuple[Path, ...]:
    """The template roots: messaging's `jinja2/` first, then every other installed app's `jinja2/`
    folder in INSTALLED_APPS order. Read from Django's app registry (once it is ready), so messaging
    needs no import of the apps that add templates: they sit above it in the layers."""
    found = [ROOT]
    for config in apps.get_app_configs():
        path = Path(config.path).resolve() / "jinja2"
        if path.is_dir() and path not in found:
            found.append(path)
    return tuple(found)


_FOUND: dict[str, list[Path]] = {}


def _folders(name: str) -> list[Path]:
    """Where the template called `name` is. Found once per process (a message template's folder does
    not move while Tandem runs; rendering thousands of messages would otherwise look again each time)."""
    if name in _FOUND:
        return _FOUND[name]
    found = [root / FOLDER / name for root in roots() if (root / FOLDER / name).is_dir()]
    if found:
        _FOUND[name] = found
    return found


def folder(name: str) -> Path:
    """The folder of the message template called `name` (TemplateProblem if none, or more than one)."""
    found = _folders(name) if name.replace("_", "").isalnum() else []
    if not found:
        raise TemplateProblem(f"There is no message template called {name!r}.")
    if len(found) > 1:
        places = " and ".join(str(p) for p in found)
        raise TemplateProblem(f"The message template {name!r} is defined twice: {places}. Rename one.")
    return found[0]


@cache
def environment() -> Environment:
    env = Environment(  # noqa: S701 - autoescape is on for HTML, and by default, below
        loader=FileSystemLoader([str(root) for root in roots()]),
        autoescape=select_autoescape(enabled_extensions=("html.jinja",), disabled_extensions=("txt.jinja",),
                                     default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(date=_date, day=_day, month=_month, join_and=_join_and)
    return env


def title_of(name: str) -> str:
    return name.replace("_", " ").capitalize()


def get(name: str) -> MessageTemplate:
    where = folder(name)
    channels = set()
    if (where / "sms.txt.jinja").exists():
        channels.add(rules.SMS)
    if (where / "email.txt.jinja").exists() and (where / "email_subject.txt.jinja").exists():
        channels.add(rules.EMAIL)
    if (where / "letter.html.jinja").exists():
        channels.add(rules.LETTER)
    return MessageTemplate(name=name, title=title_of(name), channels=frozenset(channels))


def all_templates() -> list[MessageTemplate]:
    names = sorted({p.name for root in roots() if (root / FOLDER).is_dir()
                    for p in (root / FOLDER).iterdir() if p.is_dir()})
    return [get(name) for name in names]


def _pick(name: str, stem: str, ext: str, variant: str, *, optional: bool = False) -> str | None:
    """The template path for one file of a message template in a variant: the variant's own file if
    it has one, else the standard one. None for a missing optional file."""
    where = folder(name)
    base = f"{FOLDER.as_posix()}/{name}/"
    if variant != rules.STANDARD and (where / f"{stem}.{variant}.{ext}.jinja").exists():
        return f"{base}{stem}.{variant}.{ext}.jinja"
    if optional and not (where / f"{stem}.{ext}.jinja").exists():
        return None
    return f"{base}{stem}.{ext}.jinja"


def _render(path: str, values: dict) -> str:
    try:
        return environment().get_template(path).render(values)
    except UndefinedError as exc:
        raise TemplateProblem(f"{path} needs something the context does not give: {exc.message}") from None
    except TemplateNotFound:
        raise TemplateProblem(f"{path} does not exist.") from None
    except TemplateError as exc:
        raise TemplateProblem(f"{path} could not be rendered: {exc.message}") from None
    except wording.WordingError as exc:
        raise TemplateProblem(f"{path}: {exc}") from None


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str  # plain text
    letter_html: str = ""  # a letter's HTML (made into its PDF), or an email's HTML part (email.html.jinja)


def render(*, name: str, channel: str, variant: str, values: dict) -> Rendered:
    template = get(name)
    if channel not in template.channels:
        raise TemplateProblem(f"The {name} template has no {channel} version.")
    values = {"words": wording.Words({}, variant), **values, "variant": variant, "channel": channel}
    if channel == rules.SMS:
        return Rendered(subject="", body=_tidy(_render(_pick(name, "sms", "txt", variant), values)))
    if channel == rules.EMAIL:
        subject = " ".join(_render(_pick(name, "email_subject", "txt", variant), values).split())
        html_path = _pick(name, "email", "html", variant, optional=True)
        return Rendered(subject=subject, body=_tidy(_render(_pick(name, "email", "txt", variant), values)),
                        letter_html=_render(html_path, values) if html_path else "")
    html = _render(_pick(name, "letter", "html", variant), values)
    return Rendered(subject=_letter_heading(html), body=_html_text(html), letter_html=html)


def _tidy(text: str) -> str:
    """Trim trailing spaces and runs of blank lines left by template logic."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


def _letter_heading(html: str) -> str:
    from html.parser import HTMLParser

    class H1(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.text = False, []

        def handle_starttag(self, tag, attrs):
            self.inside = self.inside or tag == "h1"

        def handle_endtag(self, tag):
            if tag == "h1":
                self.inside = False

        def handle_data(self, data):
            if self.inside:
                self.text.append(data)

    parser = H1()
    parser.feed(html)
    return " ".join("".join(parser.text).split())[:200]


def _html_text(html: str) -> str:
    """The letter's words without markup (for search and the outbox page), one block per line."""
    from html.parser import HTMLParser

    blocks = {"p", "h1", "h2", "h3", "li", "div", "tr", "br", "address", "section", "header", "footer"}

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            if tag in ("style", "script", "title", "svg"):
                self.skip += 1
            if tag in blocks:
                self.parts.append("\n")

        def handle_endtag(self, tag):
            if tag in ("style", "script", "title", "svg"):
                self.skip -= 1
            if tag in blocks:
                self.parts.append("\n")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return _tidy("\n".join(lines))
