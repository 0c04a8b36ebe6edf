"""Hostile values in every place a page reads an id, a number or a date: a URL's id, a query string
(?version=, ?page=, ?index=, ?day=), a form's number or date boxes and the reply link's date of birth.

Whatever arrives, a member of staff (a nurse, the practice manager) or a person replying gets a page
that makes sense: the same page ignoring the value, a "not found", or the form again with an error
summary (400). Never a server error, on SQLite or on PostgreSQL, where a number beyond the integer
column's range is an error of the database itself ("integer out of range").

The URL list is discovered from the URLconf, and the query-string parameters from the views' source,
so a new URL or parameter is covered (or must be listed with what it is) the moment it is added.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from tandem.core import actions as core_actions
from tandem.core import clock
from tandem.core.rules import Role
from tests.core.url_patterns import named_patterns

HOSTILE = [
    "99999999999999999999999",  # beyond every integer column
    "2147483648",  # one beyond a 32-bit integer column
    "-1", "0",
    "\u0663",  # Arabic-Indic 3
    "\u00b2",  # superscript 2
    "\uff19",  # full-width 9
    "1e9", "0x10", "1_000", " 7 ",
    "9" * 10_000,  # longer than Python will turn into an int
    "x" * 10_000,
    "2026-02-30", "31/02/2026", "2026-W24-1", "20260615",
]
# Path ids: only ASCII digits reach a view through <int:...>, so these are the hostile ones.
HOSTILE_PATH_IDS = [2**31, 99999999999999999999999, 2**63]

ROLES = [Role.NURSE, Role.MANAGER]
OK_STATUSES = {200, 302, 400, 403, 404, 405, 409, 410}

# Query-string parameters the views read, by URL name. Every parameter a view reads (found in the
# source below) is either here or in NOT_NUMBERS with what it is.
QUERY_PARAMS: dict[str, tuple[str, ...]] = {
    "recall:board": ("page", "cohort"),
    "recall:export": ("cohort",),
    "registers:worklist": ("page",),
    "messaging:outbox": ("page",),
    "prepare:packs": ("day", "month"),
    "careplans:plan": ("version",),
    "careplans:plan_pdf": ("version",),
    "careplans:fhir": ("version",),
    "careplans:workspace_row": ("index",),
    "careplans:workspace_confidence": ("goals.0.actions.0.confidence",),
}
# Other query-string values that go with the ones above, so the number is what is tested.
QUERY_WITH: dict[str, dict[str, str]] = {
    "registers:worklist": {"check": "hba1c_no_diabetes"},
    "careplans:workspace_row": {"add": "goals"},
}
NOT_NUMBERS = {
    "new": "a flag (start a new patient search)", "next": "a return address, checked against our own URLs",
    "back": "a return address, checked against our own URLs", "check": "a worklist check's key, from a list",
    "format": "a print format, from a list", "download": "a flag", "state": "a message state, from a list",
    "channel": "a channel, from a list", "variant": "a wording variant, from a list",
    "when": "a board filter, from a list", "status": "a board filter, from a list",
    "tier": "a board filter, from a list", "condition": "a board filter, from a list",
    "add": "a list's name, matched against a pattern",
}

# Form fields that take an id, a number or a date, by URL name: (fields tried with each hostile
# value, the other fields posted with them).
FORM_FIELDS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "careplans:copy_given": (("on[day]", "on[month]", "on[year]", "version"),
                             {"version": "1", "how": "printed", "on[day]": "15", "on[month]": "6",
                              "on[year]": "2026"}),
    "careplans:workspace": (("base_version", "held_by_id", "held_on.day", "review_date.year",
                             "goals.0.importance", "goals.0.actions.0.confidence", "referrals.0.by_when",
                             "referrals.0.to", "services"),
                            {"save": "plan", "goals.0.words": "Walk to the shop", "referrals.0.what": "Physio",
                             "referrals.0.to": "role:nurse"}),
    "careplans:workspace_autosave": (("base_version", "held_by_id", "agreed_on.month"), {}),
    "careplans:service_new": (("version",), {"name": "Walking group"}),
    "prepare:book": (("date", "time", "minutes", "version", "clinician"),
                     {"date": "2026-07-14", "time": "10:30", "minutes": "20", "how": "in_person", "place": ""}),
    "prepare:settings": (("earliest", "latest", "version"), {"earliest": "14", "latest": "7"}),
    "prepare:send": (("day", "month"), {}),
    "prepare:agenda_paper": (("based_on",), {"via": "paper", "what_matters": "My garden"}),
    "prepare:wording_block": (("version",), {"text": "Hello"}),
    "recall:respond": (("on[day]", "on[month]", "on[year]", "appointment[day]", "appointment[year]",
                        "appointment_time"),
                       {"response": "booked", "appointment[day]": "20", "appointment[month]": "6",
                        "appointment[year]": "2026", "appointment_time": "10:30"}),
    "recall:settings": (("reminder_weeks", "first_invitation_weeks", "nurse_minutes"), {"scheme": "birth_month"}),
    "registers:cohort_new": (("age_min", "age_max"), {"name": "Older people"}),
    "reply:start": (("dob[day]", "dob[month]", "dob[year]"),
                    {"dob[day]": "2", "dob[month]": "3", "dob[year]": "1948"}),
}


URL_PATTERNS = dict(named_patterns(get_resolver().url_patterns))
ID_URLS = sorted(name for name, p in URL_PATTERNS.items()
                 if any(isinstance(c, IntConverter) for c in getattr(p.pattern, "converters", {}).values()))


class Things:
    """A practice with one of each thing a URL can name: a patient with a review, a booked
    conversation, a pack with its reply link, a saved care plan; a nurse and the manager."""


@pytest.fixture
def things(universe):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Plan
    from tandem.messaging import link_actions, links
    from tandem.messaging.wording import blocks
    from tandem.prepare import actions as prepare_actions
    from tandem.prepare.models import Pack
    from tandem.recall.models import Review

    t = Things()
    t.u = universe
    t.manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)
    now = clock.now()
    t.review = Review.objects.create(
        practice=universe.practice, patient=universe.patient, review_year=2026, due_month=dt.date(2026, 7, 1),
        status_on=clock.today(), created_at=now, updated_at=now)
    starts = dt.datetime.combine(clock.today() + dt.timedelta(days=10), dt.time(10),
                                 tzinfo=timezone.get_current_timezone())
    t.talk = prepare_actions.book_conversation(review=t.review, by=None, starts_at=starts, minutes=20,
                                               clinician=universe.nurse)
    Pack.objects.create(
        practice=universe.practice, patient=universe.patient, conversation=t.talk, with_results=True, content={},
        html="<p>Your results</p>", channel="letter", variant="standard", sent_on=clock.today(), created_at=now,
        created_by=universe.admin)
    t.token = link_actions.issue_links(practice=universe.practice, by=universe.admin, requests=[
        link_actions.LinkRequest(patient=universe.patient, purpose="pack", object_id=t.talk.pk,
                                 expires_at=links.expires_at(t.talk.starts_at))])[0].token
    plan_actions.save_plan(patient=universe.patient, by=universe.nurse, plan=Plan(information="Walking"),
                           base_version=0)
    t.block, t.variant = next(iter(blocks())), "standard"
    return t


def _kwargs(name: str, t: Things, *, hostile_id: int | None = None) -> dict:
    """The URL's parameters: our own objects, or one hostile id for every integer parameter."""
    kwargs = {}
    for key, converter in URL_PATTERNS[name].pattern.converters.items():
        if isinstance(converter, IntConverter):
            if hostile_id is not None:
                kwargs[key] = hostile_id
            elif name.startswith("prepare:") and key == "pk":
                kwargs[key] = t.talk.pk
            elif key == "review_pk":
                kwargs[key] = t.review.pk
            elif key in ("pk", "patient_id"):
                kwargs[key] = t.u.patient.pk
            else:
                kwargs[key] = 1
        elif key == "token":
            kwargs[key] = t.token
        elif key == "key":
            kwargs[key] = t.block
        elif key == "variant":
            kwargs[key] = t.variant
    return kwargs


def _signed_in(client, t: Things, role: str):
    client.force_login(t.manager if role == Role.MANAGER else t.u.nurse)
    return client


def _check(response, where: str) -> None:
    assert response.status_code in OK_STATUSES, f"{where}: {response.status_code}"
    if response.status_code == 400:
        assert "There is a problem" in response.content.decode(), f"{where}: a 400 without an error summary"


def test_every_query_string_parameter_a_view_reads_is_tried_or_said_not_to_be_a_number():
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("tandem").rglob("views*.py"))
    source += "\n".join(p.read_text(encoding="utf-8") for p in Path("tandem").rglob("views/*.py"))
    read = set(re.findall(r"request\.GET(?:\.get\(|\[)\"([^\"]+)\"", source))
    tried = {param for params in QUERY_PARAMS.values() for param in params}
    assert read, "no query-string parameters found: the search of the source is broken"
    assert read - tried - set(NOT_NUMBERS) - {"version", "page"} == set()


def test_there_are_urls_with_ids_to_try():
    assert {"careplans:plan", "patients:summary", "prepare:book", "jobs:detail"} <= set(ID_URLS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ID_URLS)
def test_an_id_beyond_any_database_integer_in_a_url_is_not_found(client, things, name, role):
    _signed_in(client, things, role)
    for hostile in HOSTILE_PATH_IDS:
        url = reverse(name, kwargs=_kwargs(name, things, hostile_id=hostile))
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (302, 403, 404, 405), f"{name} {hostile}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "params"), sorted(QUERY_PARAMS.items()))
def test_hostile_query_string_values_never_cause_a_server_error(client, things, name, params, role):
    _signed_in(client, things, role)
    url = reverse(name, kwargs=_kwargs(name, things))
    for param in params:
        for hostile in HOSTILE:
            response = client.get(url, {**QUERY_WITH.get(name, {}), param: hostile})
            _check(response, f"{name}?{param}={hostile[:30]!r}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "form"), sorted(FORM_FIELDS.items()))
def test_hostile_values_in_number_and_date_boxes_are_refused_or_ignored(client, things, name, form, role):
    fields, base = form
    if name.startswith("reply:"):
        client.logout()
    else:
        _signed_in(client, things, role)
    url = reverse(name, kwargs=_kwargs(name, things))
    for field in fields:
        for hostile in HOSTILE:
            value = f"user:{hostile}" if field.endswith(".to") else hostile
            response = client.post(url, {**base, field: value})
            _check(response, f"{name} {field}={hostile[:30]!r}")


@pytest.mark.parametrize(("boxes", "message"), [
    (("2", "3", "99999999999999999999999"), "Date of birth must be a real date, using numbers"),
    (("\u00b2", "3", "1948"), "Date of birth must be a real date, using numbers"),
    (("31", "2", "1948"), "Date of birth must be a real date"),
    (("9" * 10_000, "3", "1948"), "Date of birth must be a real date, using numbers"),
])
def test_the_reply_link_refuses_a_hostile_date_of_birth_with_a_message_and_counts_no_failure(
        client, things, boxes, message):
    from tandem.messaging.models import ReplyLink

    response = client.post(reverse("reply:start", args=[things.token]),
                           dict(zip(("dob[day]", "dob[month]", "dob[year]"), boxes, strict=True)))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ReplyLink.objects.get().failures == 0


def test_a_date_of_birth_in_full_width_or_arabic_indic_digits_opens_the_link(client, things):
    response = client.post(reverse("reply:start", args=[things.token]),
                           {"dob[day]": "\uff12", "dob[month]": "\u0663", "dob[year]": "1948"})
    assert response.status_code == 302
