"""Fuzzing every form and every query-string parameter Tandem shows, as each role sees them.

The forms are not listed by hand: every page of the URL configuration is opened as a nurse, the
practice manager and an administrator (and the person's reply link signed out), and each <form> on
it (its action, method and fields, hidden ones included) and each link with a query string is
collected. Each is then sent again with hostile values put in one field at a time: huge, negative
and 5,000-digit numbers, superscript, full-width and Arabic-Indic digits, a megabyte of text,
control characters, impossible and far-away dates, the field missing, the field repeated.

Whatever is sent, the answer is never a server error, and a refusal (400) changes nothing that was
stored. The run is bounded: a fixed number of requests, chosen with a fixed seed, so it is the same
run every time and fails the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.urls import NoReverseMatch, resolve, reverse
from django.urls.exceptions import Resolver404

from tandem.core import actions as core_actions
from tandem.core.rules import Role
from tests.core.test_hostile_input import URL_PATTERNS, _kwargs, things  # noqa: F401 - the fixture

SEED = 10
BUDGET = 1200  # hostile requests to forms in one run, shared between the forms found (links: all values)
MEGABYTE = "x" * (1024 * 1024)
HOSTILE = [
    "99999999999999999999999", "-1", "-999999", "0", "2147483648",
    "\u00b2", "\uff11\uff15", "\u0663\u0660", "\u0969", "9" * 5000, "1e309", "NaN", "1_000", "0x10",
    MEGABYTE, "a" * 5000, "\x00", "\x1b[31m\x07", "\u202eevil", "<script>alert(1)</script>",
    "9999-12-31", "0001-01-01", "2026-02-30", "31/02/2026", "99/99/9999", "-2026-01-01",
    "../../etc/passwd", "/%5Cevil.example", "//evil.example", "user:99999999999", "role:nobody",
    "", " ", "\u00a0",
]
# Forms never sent: they end the session the run depends on.
NOT_SENT = {"core:logout", "core:sign_out_everywhere"}
# Rows written by reading a page, or kept on purpose whatever the outcome: not "stored by the request".
KEPT_ANYWAY = {"core.auditevent", "sessions.session", "careplans.draft", "axes.accessattempt",
               "axes.accessfailurelog", "axes.accesslog", "jobs.workerheartbeat"}


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    who: str = ""
    also: list[str] = field(default_factory=list)  # other addresses the same fields go to (formaction, hx-post)


class _Forms(HTMLParser):
    """The forms on a page (fields with their values as the page has them) and the links with a query."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.links = page, [], []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(page=self.page, action=a.get("action") or a.get("hx-post") or self.page,
                              method=(a.get("method") or ("post" if a.get("hx-post") else "get")).lower())
            self.forms.append(self._form)
        elif tag == "a" and "?" in (a.get("href") or ""):
            self.links.append(a["href"])
        if self._form is not None:
            for where in (a.get("hx-post"), a.get("formaction")):
                if where and where not in (self._form.action, *self._form.also):
                    self._form.also.append(where.split("#")[0])
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("file", "image", "reset"):
                self._form.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "button" and a.get("value") is not None:
            self._form.fields.append((name, a["value"]))
        elif tag == "textarea":
            self._textarea = name
            self._form.fields.append((name, ""))
        elif tag == "select":
            self._select, self._selected = name, False
        elif tag == "option" and self._select and not self._selected and a.get("value"):
            self._form.fields.append((self._select, a["value"]))
            self._selected = True

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            name, value = self._form.fields[-1]
            self._form.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _name_of(path: str) -> str:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return ""
    return match.view_name


def _pages(t) -> list[str]:
    out = []
    for name in sorted(URL_PATTERNS):
        try:
            out.append(reverse(name, kwargs=_kwargs(name, t)))
        except NoReverseMatch:  # a parameter no object of ours fills (a password reset's token)
            continue
    return out


def _fingerprint() -> dict[str, int]:
    """What every table holds (every row's every value), but those written by reading or kept on purpose."""
    return {m._meta.label_lower: hash(repr(list(m._default_manager.order_by("pk").values())))
            for m in apps.get_models()
            if m._meta.label_lower not in KEPT_ANYWAY and not m._meta.proxy and m._meta.managed}


@pytest.fixture
def people(things):  # noqa: F811 - the fixture, imported above
    t = things
    t.people = {"nurse": t.u.nurse, "manager": t.manager, "admin": t.u.admin, "person": None}
    t.gp = core_actions.add_staff(practice=t.u.practice, username="gp", role=Role.GP, by=None)
    return t


def _as(client, user):
    if user is None:
        client.logout()
    else:
        client.force_login(user)


def _discover(client, t) -> tuple[list[Form], list[tuple[str, str, str]]]:
    forms: dict[tuple, Form] = {}
    links: dict[tuple, tuple[str, str, str]] = {}
    pages = _pages(t)
    for who, user in t.people.items():
        _as(client, user)
        for page in pages:
            if (user is None) != page.startswith(("/r/", "/reply/")):
                continue
            response = client.get(page)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            found = _Forms(page)
            found.feed(response.content.decode(errors="replace"))
            for form in found.forms:
                if _name_of(form.action) in NOT_SENT or not form.action.startswith("/"):
                    continue
                form.who = who
                forms.setdefault((form.method, urlsplit(form.action).path, tuple(sorted({n for n, _ in form.fields}))),
                                 form)
            for href in found.links:
                parts = urlsplit(href)
                if parts.netloc or not parts.path.startswith("/"):
                    continue
                for key, _value in parse_qsl(parts.query, keep_blank_values=True):
                    links.setdefault((parts.path, key), (who, href, key))
    every = []
    for form in forms.values():  # the same fields sent to each address they can go to
        every.append(form)
        every += [Form(page=form.page, action=where, method="post", fields=form.fields, who=form.who)
                  for where in form.also if where.startswith("/") and _name_of(where) not in NOT_SENT]
    return every, list(links.values())


def _hostile_forms(form: Form, rng: random.Random, count: int):
    """`count` copies of the form's fields with one field made hostile (missing, repeated, or a
    value), taking the fields in turn (then at random) so that every field of the form is tried."""
    names = [n for n in dict.fromkeys(n for n, _ in form.fields) if n != "csrfmiddlewaretoken"]
    if not names:
        return
    for turn in range(max(count, len(names))):
        target = names[turn] if turn < len(names) else rng.choice(names)
        how = rng.random()
        data: dict[str, list[str]] = {}
        for name, value in form.fields:
            data.setdefault(name, []).append(value)
        if how < 0.1:
            del data[target]
            yield target, "(missing)", data
            continue
        value = rng.choice(HOSTILE)
        data[target] = [value, rng.choice(HOSTILE)] if how < 0.2 else [value]
        yield target, value[:20], data


def test_the_fuzz_finds_forms_and_links_on_the_pages(client, people):
    forms, links = _discover(client, people)
    actions = {urlsplit(f.action).path for f in forms}
    assert len(forms) >= 30, "too few forms found: the page walk or the form reader is broken"
    assert reverse("careplans:workspace", args=[people.u.patient.pk]) in actions
    assert reverse("prepare:wording_block", kwargs={"key": people.block, "variant": "standard"}) in actions
    assert any(key == "page" for _who, _href, key in links) or links


def test_no_hostile_value_in_any_form_or_query_string_is_a_server_error_or_changes_anything(client, people):
    client.raise_request_exception = False
    forms, links = _discover(client, people)
    rng = random.Random(SEED)
    per_form = max(4, BUDGET // max(1, len(forms)))
    failures: list[str] = []
    sent = 0
    for form in forms:
        user = people.people[form.who]
        for target, shown, data in _hostile_forms(form, rng, per_form):
            _as(client, user)
            before = _fingerprint() if form.method == "post" else None
            send = client.post if form.method == "post" else client.get
            response = send(form.action, data)
            sent += 1
            where = f"{form.method.upper()} {form.action} as {form.who}: {target}={shown!r}"
            if response.status_code >= 500:
                failures.append(f"{where} -> {response.status_code}")
            elif response.status_code == 400 and before is not None and _fingerprint() != before:
                failures.append(f"{where} -> 400 but something was stored")
    for who, href, key in links:
        parts = urlsplit(href)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        _as(client, people.people[who])
        for value in HOSTILE:  # every value in every query-string parameter (but a megabyte in an address)
            if value is MEGABYTE:
                continue
            response = client.get(parts.path, {**query, key: value})
            sent += 1
            if response.status_code >= 500:
                failures.append(f"GET {parts.path}?{key}={value[:20]!r} as {who} -> {response.status_code}")
    assert sent >= 200, f"only {sent} requests were sent"
    assert failures == [], "\n".join(failures[:40])
