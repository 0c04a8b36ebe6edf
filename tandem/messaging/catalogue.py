"""Message templates: named wordings for letters, text messages and emails.

A template is a folder `tandem/messaging/jinja2/messaging/messages/<name>/` holding any of:

    sms.txt.jinja                 the text message
    email_subject.txt.jinja       the email's subject line (one line)
    email.txt.jinja               the email's body (plain text)
    letter.html.jinja             the letter body (extends messaging/letters/base.html.jinja)
    letter.easy_read.html.jinja   an easy-read letter (short sentences, one idea per line)
    <file>.<variant>.<ext>.jinja  a variant of any of the above (large_print, easy_read)

A large-print letter uses `letter.html.jinja` in large type unless `letter.large_print.html.jinja`
exists. A channel is available for a template when its file exists. `.html.jinja` files are
autoescaped; `.txt.jinja` files are not (they are never shown as HTML: the outbox page escapes them).
Undefined variables are errors, so a missing piece of context fails when the message is queued,
not when it is sent; use `{{ x | default("...") }}` for optional wording.

Every template sees `patient` (given_name, family_name, name, nhs_number), `practice` (name,
address_lines, phone, ods_code), `today` (a date), `variant`, `channel`, plus the caller's `context`
(which may not reuse those names). Filters: `date` ("15 June 2026"), `month` ("June 2026"),
`join_and` (["a", "b", "c"] -> "a, b and c").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.exceptions import TemplateError, UndefinedError

from . import rules

ROOT = Path(__file__).resolve().parent / "jinja2"
MESSAGES = ROOT / "messaging" / "messages"
RESERVED = frozenset({"patient", "practice", "today", "variant", "channel", "recipient_lines"})


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
def environment() -> Environment:
    env = Environment(  # noqa: S701 - autoescape is on for HTML, and by default, below
        loader=FileSystemLoader(str(ROOT)),
        autoescape=select_autoescape(enabled_extensions=("html.jinja",), disabled_extensions=("txt.jinja",),
                                     default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(date=_date, month=_month, join_and=_join_and)
    return env


def title_of(name: str) -> str:
    return name.replace("_", " ").capitalize()


def get(name: str) -> MessageTemplate:
    folder = MESSAGES / name
    if not name.replace("_", "").isalnum() or not folder.is_dir():
        raise TemplateProblem(f"There is no message template called {name!r}.")
    channels = set()
    if (folder / "sms.txt.jinja").exists():
        channels.add(rules.SMS)
    if (folder / "email.txt.jinja").exists() and (folder / "email_subject.txt.jinja").exists():
        channels.add(rules.EMAIL)
    if (folder / "letter.html.jinja").exists():
        channels.add(rules.LETTER)
    return MessageTemplate(name=name, title=title_of(name), channels=frozenset(channels))


def all_templates() -> list[MessageTemplate]:
    return [get(p.name) for p in sorted(MESSAGES.iterdir()) if p.is_dir()]


def _pick(name: str, stem: str, ext: str, variant: str) -> str:
    base = f"messaging/messages/{name}/"
    if variant != rules.STANDARD and (MESSAGES / name / f"{stem}.{variant}.{ext}.jinja").exists():
        return f"{base}{stem}.{variant}.{ext}.jinja"
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


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str  # plain text
    letter_html: str = ""


def render(*, name: str, channel: str, variant: str, values: dict) -> Rendered:
    template = get(name)
    if channel not in template.channels:
        raise TemplateProblem(f"The {name} template has no {channel} version.")
    values = {**values, "variant": variant, "channel": channel}
    if channel == rules.SMS:
        return Rendered(subject="", body=_tidy(_render(_pick(name, "sms", "txt", variant), values)))
    if channel == rules.EMAIL:
        subject = " ".join(_render(_pick(name, "email_subject", "txt", variant), values).split())
        return Rendered(subject=subject, body=_tidy(_render(_pick(name, "email", "txt", variant), values)))
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
