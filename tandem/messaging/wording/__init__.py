"""Wording blocks a practice may edit: Tandem's standard wording, and filling in a block.

One mechanism for every document people read: the results-and-prompts pack (`pack.toml`), the
invitation letter and messages (`invitation.toml`), the reminder (`reminder.toml`) and the invitation
after a missed appointment (`reinvitation.toml`). Block keys are unique across documents, so a
block is named by its key alone. Pure: no Django. A block is plain text a practice may edit. Paragraphs are separated by a blank
line; a "list" block has one item per line. Placeholders are names in braces, e.g. {value}: each
block allows its own set, and any other braces are a mistake the editor reports. Nothing in a
block is markup: the templates escape the filled-in text like anything else a person typed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STANDARD = "standard"
EASY_READ = "easy_read"
VARIANTS = (STANDARD, EASY_READ)
PARAGRAPHS = "paragraphs"
LIST = "list"

HERE = Path(__file__).resolve().parent
# Document -> (its title for the editor, the file of its standard wording).
DOCUMENTS = {
    "pack": ("Results-and-prompts pack", HERE / "pack.toml"),
    "invitation": ("Invitation letter and messages", HERE / "invitation.toml"),
    "reminder": ("Reminder letter and messages", HERE / "reminder.toml"),
    "reinvitation": ("Invitation after a missed appointment", HERE / "reinvitation.toml"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_BRACE = re.compile(r"[{}]")
MAX_TEXT = 4000  # characters in one block's wording: a pack's longest block is under 1,000


class WordingError(ValueError):
    pass


@dataclass(frozen=True)
class Block:
    key: str
    document: str  # pack | invitation | reminder | reinvitation (DOCUMENTS)
    group: str  # heading in the editor: "Opening and closing", "Results", "Prompt sheet", ...
    title: str  # what staff see
    help: str  # where it appears and what it is for
    kind: str  # paragraphs | list
    placeholders: tuple[str, ...]
    standard: str
    easy_read: str

    def default(self, variant: str) -> str:
        return self.easy_read if variant == EASY_READ else self.standard


def parse(text: str, document: str = "pack") -> dict[str, Block]:
    data = tomllib.loads(text)
    out: dict[str, Block] = {}
    for key, raw in data.get("blocks", {}).items():
        try:
            block = Block(key=key, document=document, group=raw["group"], title=raw["title"], help=raw.get("help", ""),
                          kind=raw.get("kind", PARAGRAPHS), placeholders=tuple(raw.get("placeholders", ())),
                          standard=raw["standard"].strip(), easy_read=raw["easy_read"].strip())
        except KeyError as exc:
            raise WordingError(f"Wording block {key!r} has no {exc.args[0]!r}.") from None
        if block.kind not in (PARAGRAPHS, LIST):
            raise WordingError(f"Wording block {key!r}: kind must be paragraphs or list.")
        for variant in VARIANTS:
            problems = check(block.default(variant), block)
            if problems:
                raise WordingError(f"Wording block {key!r} ({variant}): {problems[0]}")
        out[key] = block
    return out


@cache
def blocks() -> dict[str, Block]:
    """Every block of every document, by key (a key used by two documents is an error)."""
    out: dict[str, Block] = {}
    for document, (_title, path) in DOCUMENTS.items():
        for key, found in parse(path.read_text(encoding="utf-8"), document).items():
            if key in out:
                raise WordingError(f"Wording block {key!r} is in two documents: {out[key].document} and {document}.")
            out[key] = found
    return out


def blocks_of(document: str) -> dict[str, Block]:
    """The blocks of one document, in file order."""
    return {key: b for key, b in blocks().items() if b.document == document}


def block(key: str) -> Block:
    try:
        return blocks()[key]
    except KeyError:
        raise WordingError(f"There is no wording block called {key!r}.") from None


def check(text: str, block: Block) -> list[str]:
    """What is wrong with a block's text, in words a practice manager can act on (empty if fine)."""
    if len(text) > MAX_TEXT:  # refused before anything else looks at it
        return [too_long(text)]
    problems: list[str] = []
    if not text.strip():
        problems.append("This wording cannot be empty.")
    names = _PLACEHOLDER.findall(text)
    unknown = sorted({n for n in names if n not in block.placeholders})
    for name in unknown:
        allowed = ", ".join("{" + p + "}" for p in block.placeholders) or "none"
        problems.append(f"{{{name}}} is not something Tandem can fill in here. You can use: {allowed}.")
    if _BRACE.search(_PLACEHOLDER.sub("", text)):
        problems.append("Curly brackets { } are only for the names Tandem fills in, like {given_name}.")
    return problems


def too_long(text: str) -> str:
    return (f"This wording is too long: it has {len(text):,} characters and the limit is {MAX_TEXT:,}. "
            "Keep it to the few sentences a person needs here.")


def fill(text: str, values: dict[str, object]) -> str:
    """The text with its placeholders filled in (plain text: the caller's template escapes it)."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def pieces(text: str, kind: str) -> list[str]:
    """Paragraphs (split on blank lines) or list items (one per line), each with its spaces tidied."""
    if kind == LIST:
        return [" ".join(line.lstrip("-* ").split()) for line in text.splitlines() if line.strip()]
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


class Words:
    """A practice's wording for one variant, for message templates: `words(key, **values)` is the
    block's paragraphs (or list items) with its placeholders filled in. `texts` holds the practice's
    changed blocks (block key -> text); the rest use Tandem's standard wording."""

    def __init__(self, texts: dict[str, str], variant: str):
        self.texts = dict(texts)
        self.variant = EASY_READ if variant == EASY_READ else STANDARD

    def __call__(self, key: str, **values: object) -> list[str]:
        found = block(key)
        text = self.texts.get(key) or found.default(self.variant)
        missing = sorted({n for n in _PLACEHOLDER.findall(text) if n not in values})
        if missing:
            raise WordingError(f"Wording block {key!r} needs {', '.join(missing)}, which the template does not give.")
        return pieces(fill(text, values), found.kind)


def sample_values(block: Block) -> dict[str, str]:
    """Example values for a block's placeholders, for previews and readability scores."""
    return {name: SAMPLES.get(name, "something") for name in block.placeholders}


SAMPLES = {
    "given_name": "Sam", "name": "Sam Jones", "practice": "Riverside Surgery", "phone": "01632 960000", "date": "Tuesday 14 July",
    "time": "10:30am", "with": "Nurse Ada Jones", "place": "Riverside Surgery", "value": "62",
    "unit": "mmol/mol", "target": "58 or lower", "previous": "70", "when": "July 2025", "grade": "2",
    "reply_by": "Friday 10 July", "link": "https://example.org/r/abc", "tests": "a blood test",
    "minutes": "30", "month": "July 2026", "conditions": "diabetes and high blood pressure",
    "tests_with": "a health care assistant", "review_with": "your practice nurse", "code": "KX7M 4TQ9",
    "address": "example.org/r", "invited_on": "2 June",
}
