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
OK_STATUSES = {200, 302, 400, 403, 404, 405, 409, 410, 429}  # 429: a public link's rate limit

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
    "fhir:upload": ("job",),
    "clinics:week": ("week",),
    "booking:review": ("tests_from", "talk_from"),
    "selfbook:tests": ("from",),  # behind the date of birth: tests/booking/test_self_booking.py tries it there
    "selfbook:conversation": ("from",),
    "booking:day": ("day", "staff"),
    "clinics:session_new": ("day",),
    "continuity:without_named": ("page",),
    "learn:dashboard": ("year", "conditions", "imd", "age"),
    "learn:step": ("year", "page", "conditions"),
    "learn:outcomes": ("format",),
    "people:sign_in": ("for",),  # a purpose, from a list: anything else is the page with the ways in
    "careteam:add": ("provider",),  # an organisation on the practice's list: anything else is not found
}
# Other query-string values that go with the ones above, so the number is what is tested.
QUERY_WITH: dict[str, dict[str, str]] = {
    "registers:worklist": {"check": "hba1c_no_diabetes"},
    "careplans:workspace_row": {"add": "goals"},
}
NOT_NUMBERS = {
    "print": "a print size for the person's own plan, from a list",
    "new": "a flag (start a new patient search)", "next": "a return address, checked against our own URLs",
    "back": "a return address, checked against our own URLs", "check": "a worklist check's key, from a list",
    "format": "a print format, from a list", "download": "a flag", "state": "a message state, from a list",
    "channel": "a channel, from a list", "variant": "a wording variant, from a list",
    "when": "a board filter, from a list", "status": "a board filter, from a list",
    "tier": "a board filter, from a list", "condition": "a board filter, from a list",
    "add": "a list's name, matched against a pattern",
    "partial": "a flag (the progress part of the page)", "reason": "why staff were signed out, from a list",
    "saved": "a results form's one-time token, matched against a pattern",
    "show": "which tasks, from a list",
    "table": "which of a page's tables to download, from a list",
}

# Form fields that take an id, a number or a date, by URL name: (fields tried with each hostile
# value, the other fields posted with them).
FORM_FIELDS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "carers:new": (("birth-day", "birth-month", "birth-year", "ends-day", "ends-month", "ends-year", "review-day",
                    "review-year"),
                   {"given_name": "Grace", "family_name": "Adeyemi", "birth-day": "4", "birth-month": "5",
                    "birth-year": "1975", "email": "grace@example.org", "relationship": "child", "scopes": "view_plan",
                    "ends-day": "15", "ends-month": "6", "ends-year": "2027", "basis": "lpa_health_welfare",
                    "basis_detail": "LPA checked with the Office of the Public Guardian",
                    "identity_check": "photo_id_seen"}),
    "carers:person": (("grant", "row_version", "ends-day", "ends-month", "ends-year"),
                      {"do": "renew", "grant": "1", "row_version": "1", "ends-day": "15", "ends-month": "6",
                       "ends-year": "2027"}),
    "carers:hide": (("object_id",), {"what": "observation"}),
    "people:checkin": (("goal-g", "confidence", "reading-home_bp", "phq2-1", "phq2-2"), {}),
    "people:reading_new": (("reading-home_bp", "taken-day", "taken-month", "taken-year"),
                           {"reading-home_bp": "120/80", "taken-day": "15", "taken-month": "6", "taken-year": "2026"}),
    "people:agenda": (("version",), {"what_matters": "My garden", "version": "0"}),
    "careteam:add": (("provider", "professional", "agreed-day", "agreed-month", "agreed-year"),
                     {"role": "Leg ulcer care", "agreed_how": "in_person"}),
    "careteam:accept": (("chosen", "plan_version"), {"chosen": "1", "plan_version": "0"}),
    "careteam:end": (("version",), {"reason": "Discharged"}),
    "careteam:decline": (("version",), {"reason": "Already in the plan"}),
    "careteam:organisation": (("version",), {"do": "off"}),
    # a professional of the organisation (tests/careteam/test_referrals_provider.py tries it as them too)
    "careteam:referral": (("version",), {"do": "complete", "outcome": "Seen at home"}),
    "careplans:copy_given": (("on[day]", "on[month]", "on[year]", "version"),
                             {"version": "1", "how": "printed", "on[day]": "15", "on[month]": "6",
                              "on[year]": "2026"}),
    "careplans:workspace": (("base_version", "held_by_id", "held_on.day", "review_date.year",
                             "goals.0.importance", "goals.0.actions.0.confidence", "referrals.0.by_when",
                             "referrals.0.to", "services", "goals.0.attainment", "named_clinician_id",
                             "checkins.caller_id", "checkins.reading.home_bp.amber"),
                            {"save": "plan", "goals.0.words": "Walk to the shop", "referrals.0.what": "Physio",
                             "referrals.0.to": "role:nurse"}),
    "careplans:workspace_autosave": (("base_version", "held_by_id", "agreed_on.month"), {}),
    "careplans:plan_send": (("version", "carer", "carer_agreed"),
                            {"version": "1", "channel": "letter", "carer": "1", "carer_channel": "letter"}),
    "careplans:service_new": (("version",), {"name": "Walking group"}),
    "careplans:task": (("version", "due[day]", "due[month]", "due[year]"),
                       {"do": "due", "version": "1", "due[day]": "15", "due[month]": "6", "due[year]": "2027"}),
    "results:review": (("taken-day", "taken-month", "taken-year", "bp1_systolic", "bp1_diastolic", "weight",
                        "height", "egfr"),
                       {"token": "0123456789abcdef0123456789abcdef", "bp1_systolic": "130", "bp1_diastolic": "80"}),
    "clinics:pattern_new": (("staff", "start_time", "end_time", "slot_minutes", "weekday", "every_weeks",
                             "first_day[day]", "first_day[year]", "last_day[month]"),
                            {"staff": "1", "role": "hca", "purpose": "tests", "start_time": "9:00",
                             "end_time": "12:00", "slot_minutes": "15", "weekday": "1", "every_weeks": "1",
                             "first_day[day]": "15", "first_day[month]": "6", "first_day[year]": "2026"}),
    "clinics:leave": (("staff", "first_day[day]", "last_day[year]"),
                      {"staff": "1", "first_day[day]": "1", "first_day[month]": "7", "first_day[year]": "2026",
                       "last_day[day]": "3", "last_day[month]": "7", "last_day[year]": "2026"}),
    "prepare:book": (("date", "time", "minutes", "version", "clinician"),
                     {"date": "2026-07-14", "time": "10:30", "minutes": "20", "how": "in_person", "place": ""}),
    "prepare:settings": (("earliest", "latest", "version"), {"earliest": "14", "latest": "7"}),
    "booking:settings": (("gap_days", "cutoff_hours", "version"),
                         {"gap_days": "14", "cutoff_hours": "24", "online_booking": "yes"}),
    "prepare:send": (("day", "month"), {}),
    "prepare:agenda_paper": (("based_on",), {"via": "paper", "what_matters": "My garden"}),
    "prepare:wording_block": (("version",), {"text": "Hello"}),
    "recall:respond": (("on[day]", "on[month]", "on[year]", "appointment[day]", "appointment[year]",
                        "appointment_time"),
                       {"response": "booked", "appointment[day]": "20", "appointment[month]": "6",
                        "appointment[year]": "2026", "appointment_time": "10:30"}),
    "recall:settings": (("reminder_weeks", "first_invitation_weeks", "nurse_minutes"), {"scheme": "birth_month"}),
    "registers:cohort_new": (("age_min", "age_max"), {"name": "Older people"}),
    "checkins:checkin": (("goal-g", "confidence", "reading-home_bp", "phq2-1", "phq2-2"), {}),
    "learn:changes": (("on[day]", "on[month]", "on[year]"), {"what": "New invitation letter", "on[day]": "1",
                                                         "on[month]": "4", "on[year]": "2026"}),
    "learn:over_time": (("target", "seen"), {"measure": "conversations", "seen": "0", "target": "10"}),
    "learn:exports": (("scope",), {"name": "An evaluation", "purpose": "For the ICB", "scope": "practice"}),
    "checkins:settings": (("open_days", "reminder_days", "revision"), {"open_days": "7", "reminder_days": "3, 6"}),
    "surveys:staff_rounds": (("weeks", "round", "revision"), {"do": "close"}),
    "surveys:staff_answer": (("a1", "b10"), {}),
    "patients:named_clinician": (("clinician", "seen"), {"clinician": "none", "seen": "none"}),
    # The FHIR API's consent page (tandem.fhirapi.consent); the API's own query parameters, with a token,
    # are tried in tests/fhirapi/test_api.py (every refusal there is a 400 OperationOutcome).
    "fhirapi:authorize": (("patient", "nhs_number"), {"decision": "allow"}),
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
    from tandem.careplans.models import Task
    from tandem.careplans.rules.document import Plan, Referral
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
    plan_actions.save_plan(patient=universe.patient, by=universe.nurse, plan=Plan(
        information="Walking", referrals=(Referral(id="", what="Check inhaler technique", to_role=Role.NURSE.value),)),
        base_version=0)
    t.task = Task.objects.get(patient=universe.patient)
    from tandem.careplans.models import PlanVersion
    from tandem.checkins.models import CheckIn

    t.checkin = CheckIn.objects.create(
        practice=universe.practice, patient=universe.patient, version=PlanVersion.objects.get(patient=universe.patient),
        number=1, channel="phone", caller=universe.nurse, opened_on=clock.today(),
        closes_on=clock.today() + dt.timedelta(days=6), created_at=now, questionnaire={},
        questions={"goals": [{"id": "g", "words": "Walk", "importance": 5, "watch": True}],
                   "readings": [{"key": "home_bp", "amber": "150/95", "red": "180/110"}], "mood": True})
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
            elif name.startswith("checkins:") and key == "pk":
                kwargs[key] = t.checkin.pk
            elif key == "review_pk":
                kwargs[key] = t.review.pk
            elif key == "task_pk":
                kwargs[key] = t.task.pk
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
        elif key == "step":  # a step of the care planning cycle (learn:step)
            kwargs[key] = "due"
        elif key == "kind":  # a kind of addition to a plan from its care team (careteam:add_to_plan)
            kwargs[key] = "agreed"
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


# --- Each defect found by the security review, at the depth it was fixed ---------------------------
# (issue 10, section 2). Each test fails on the code before the fix.

from tests.prepare.conftest import booked, planned, recall  # noqa: E402, F401 - fixtures


class _Counting:
    """A compiled pattern that counts the characters it is given (its work is at most proportional)."""

    def __init__(self, pattern, seen: list[int]):
        self.pattern, self.seen = pattern, seen

    def sub(self, repl, text, *args):
        self.seen.append(len(text))
        return self.pattern.sub(repl, text, *args)


def _pattern_work(monkeypatch, text: str) -> list[int]:
    from tandem.messaging.wording import readability

    seen: list[int] = []
    for name in ("_URL", "_EMAIL", "_PLACEHOLDER"):
        monkeypatch.setattr(readability, name, _Counting(getattr(readability, name), seen))
    readability.score(text)
    return seen


@pytest.mark.parametrize("unit", [
    "a" * 1000,  # one long run with no space: each start of the old email pattern scanned to its end
    "a-" * 500,  # a word boundary at every character
    "x@" + "." * 1000,  # an address that never ends
    "." * 1000 + "x ",  # a run of full stops that is not a sentence end
    "Take your tablets with food. Ring us on 0113 496 0000 or see www.nhs.uk/diabetes. ",
])
def test_reading_age_analysis_does_ten_times_the_work_for_ten_times_the_text(monkeypatch, unit):
    from tandem.messaging.wording import readability

    once, tenfold = _pattern_work(monkeypatch, unit), _pattern_work(monkeypatch, unit * 10)
    # The patterns that can backtrack only ever see one space-free run of bounded length...
    assert max(tenfold, default=0) <= readability.LONGEST_TOKEN
    # ...and between them see each character of the text at most once.
    assert sum(tenfold) <= 10 * max(sum(once), 1) + readability.LONGEST_TOKEN
    assert readability.score(unit * 200).words >= 0  # 200 copies (up to 200 kB) are scored, not stalled on


@pytest.fixture
def manager(client, universe):
    client.force_login(core_actions.add_staff(practice=universe.practice, username="pm", role=Role.MANAGER, by=None))
    return client


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize("url_name", ["prepare:wording_check", "prepare:wording_preview", "prepare:wording_block"])
def test_wording_of_48000_characters_is_refused_with_the_limit_before_it_is_analysed(
        manager, monkeypatch, url_name, htmx):
    from tandem.messaging.models import WordingVersion
    from tandem.messaging.wording import readability

    score = readability.score

    def not_analysed(text):  # the wording in use is scored as ever; the typed text never is
        assert len(text) < 10_000, "text over the limit was analysed"
        return score(text)

    monkeypatch.setattr(readability, "score", not_analysed)
    url = reverse(url_name, kwargs={"key": "intro", "variant": "standard"})
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = manager.post(url, {"text": "Hello there. " * 3700, "version": "0"}, **headers)
    text = response.content.decode()
    assert response.status_code in (200, 400)
    assert "it has 48,100 characters and the limit is 4,000" in text
    if not htmx or url_name == "prepare:wording_block":
        assert response.status_code == 400 and "There is a problem" in text
    assert not WordingVersion.objects.exists()


def test_a_clinic_day_at_the_end_of_the_calendar_is_a_page_not_an_error(manager):
    for day in ("9999-12-31", "0001-01-01", "9999-12-30"):
        response = manager.get(reverse("prepare:packs"), {"day": day})
        assert response.status_code in (200, 400), day
    response = manager.get(reverse("prepare:packs"), {"month": "9999-12"})
    assert response.status_code in (200, 400)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(("name", "content", "message"), [
    ("deep.json", b'{"resourceType": "Patient", "extension": ' + _nested(100_000) + b"}", "nested too deeply"),
    ("deep.ndjson", b'{"resourceType": "Patient", "x": ' + _nested(100_000) + b"}\n", "nested too deeply"),
    ("Patient.ndjson", b'{"resourceType": "Patient", "x": ' + _nested(100_000) + b"}\n", "nested too deeply"),
    ("truncated.json", b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resour', "JSON"),
    ("latin1.json", '{"resourceType": "Patient", "name": [{"family": "M\u00fcller"}]}'.encode("latin-1"), "UTF-8"),
    ("huge.json", b'{"resourceType": "Observation", "valueQuantity": {"value": 1' + b"9" * 5000 + b"}}", "thousands of digits"),
    ("junk.ndjson", b"not json\n[1, 2]\n\x00\xff\n" + b"9" * 5000 + b"\n", "thousands of digits"),
])
def test_a_malformed_upload_is_reported_and_imports_nothing(universe, name, content, message):
    """At the depth every upload goes through (the import page's background job and the command)."""
    import io

    from tandem.fhir import actions as fhir_actions
    from tandem.patients.models import Observation, Patient

    before = (Patient.objects.count(), Observation.objects.count())
    [report] = fhir_actions.import_files(files=[(name, io.BytesIO(content))], practice=universe.practice,
                                         by=universe.nurse)
    assert report.rejected
    assert message in " ".join(p.reason for p in report.problems)
    assert (Patient.objects.count(), Observation.objects.count()) == before


def test_a_care_plan_document_nested_too_deeply_is_refused_with_a_reason():
    from tandem.careplans.fhir import importer

    _plan, _nhs_number, problems = importer.plan_from_bundle(
        b'{"resourceType": "Bundle", "x": ' + _nested(100_000) + b"}")
    assert "nested too deeply" in problems[0].message


@pytest.fixture
def arthurs_nurse(client, booked):  # noqa: F811 - the prepare fixture, imported above
    client.force_login(booked.nurse)
    return client


def _plan_form(u, **more) -> dict:
    return {"save": "plan", "base_version": "0", "conversation": str(u.arthur_talk.pk),
            "held_by_id": str(u.nurse.pk), "held_on.day": "15", "held_on.month": "6", "held_on.year": "2026",
            "agreed_on.day": "15", "agreed_on.month": "6", "agreed_on.year": "2026",
            "goals.0.id": "", "goals.0.words": "Walk to the allotment", "goals.0.importance": "8",
            "agreed_with_person": "yes", "review_date.day": "15", "review_date.month": "6",
            "review_date.year": "2027", "review_by": "Practice nurse", **more}


@pytest.mark.parametrize("who", ["other_practice", "left", "no_such_user"])
def test_a_referral_to_someone_not_working_at_the_practice_is_refused_and_nothing_saved(
        arthurs_nurse, booked, who):  # noqa: F811 - the prepare fixture, imported above
    from tandem.careplans.models import PlanVersion, Task

    if who == "other_practice":
        user_id = core_actions.add_staff(practice=booked.other_practice, username="elsewhere", role=Role.GP,
                                         by=None).pk
    elif who == "left":
        gone = core_actions.add_staff(practice=booked.practice, username="gone", role=Role.GP, by=None)
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        user_id = gone.pk
    else:
        user_id = 2**31 - 1
    response = arthurs_nurse.post(reverse("careplans:workspace", args=[booked.arthur.pk]), _plan_form(booked, **{
        "referrals.0.id": "", "referrals.0.what": "Foot check", "referrals.0.to": f"user:{user_id}"}))
    assert response.status_code == 400
    assert "not working at the practice now" in response.content.decode()
    assert not PlanVersion.objects.filter(patient=booked.arthur).exists()
    assert not Task.objects.exists()


@pytest.mark.parametrize(("field", "limit"), [("name", 120), ("description", 500), ("contact", 200),
                                              ("how_to_refer", 300)])
@pytest.mark.parametrize("extra", [1, 1024 * 1024])
def test_a_local_service_field_over_its_limit_is_refused_with_the_limit_not_cut_short(manager, field, limit, extra):
    from tandem.careplans.models import LocalService

    values = {"name": "Walking group", "kind": LocalService.Kind.values[0], field: "w" * (limit + extra)}
    response = manager.post(reverse("careplans:service_new"), values)
    assert response.status_code == 400
    assert f"must be {limit:,} characters or fewer" in response.content.decode()
    assert not LocalService.objects.exists()


@pytest.mark.parametrize("hostile", [
    "/%5Cevil.example", "/\\evil.example", "//evil.example", "https://evil.example/", "javascript:alert(1)",
    "/\tevil", "\\\\evil.example", "/jobs/\n/evil", " /jobs/", "/" + "a" * 5000,
])
def test_a_return_address_that_leaves_the_site_is_never_followed_or_shown(hostile):
    from urllib.parse import unquote

    from tandem.core.redirects import safe_path

    assert safe_path(unquote(hostile)) == ""
    assert safe_path(hostile) in ("", hostile) and not safe_path(hostile).startswith(("//", "/\\"))


def test_a_return_address_on_the_site_is_kept():
    from tandem.core.redirects import safe_path

    assert safe_path("/recall/?page=2&when=next#row-3") == "/recall/?page=2&when=next#row-3"
    assert safe_path("/recall/?page=2", within="/recall/") == "/recall/?page=2"
    assert safe_path("/patients/", within="/recall/") == ""


def test_the_job_page_does_not_link_back_to_another_site(nurse_client, universe):
    from tandem.jobs import actions as job_actions

    job = job_actions.enqueue(practice=universe.practice, kind="registers.refresh", by=universe.nurse,
                              idempotency_key="hostile-back")
    response = nurse_client.get(reverse("jobs:detail", args=[job.pk]) + "?back=/%5Cevil.example")
    assert response.status_code == 200
    assert "evil.example" not in response.content.decode()


def test_a_fresh_link_button_with_a_return_address_elsewhere_goes_back_to_the_outbox(manager, things):
    from tandem.messaging.models import ReplyLink

    link = ReplyLink.objects.get()
    response = manager.post(reverse("messaging:fresh_link", args=[link.pk]), {"next": "/\\evil.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:outbox")


def test_an_autosaved_draft_over_the_limit_is_not_kept_and_the_page_is_told_why(
        arthurs_nurse, booked):  # noqa: F811 - the prepare fixture, imported above
    from tandem.careplans.actions import MAX_DRAFT_CHARACTERS
    from tandem.careplans.models import Draft

    url = reverse("careplans:workspace_autosave", args=[booked.arthur.pk])
    small = arthurs_nurse.post(url, _plan_form(booked, **{"about.what_matters": "My garden"}))
    assert small.status_code == 200 and "Draft saved at" in small.content.decode()
    kept = Draft.objects.get().content
    big = arthurs_nurse.post(url, _plan_form(booked, **{f"needs.{i}.text": "x" * 20_000 for i in range(50)}))
    text = big.content.decode()
    assert big.status_code == 200  # htmx swaps it into the status line
    assert f"the limit is {MAX_DRAFT_CHARACTERS:,}" in text and "still on this page" in text
    assert Draft.objects.get().content == kept  # the earlier draft is still there, not the 1 MB one
    page = arthurs_nurse.post(reverse("careplans:workspace", args=[booked.arthur.pk]),
                              {**_plan_form(booked, **{"about.what_matters": "x" * (MAX_DRAFT_CHARACTERS + 1)}),
                               "draft": "yes"})
    assert page.status_code == 400
    assert f"the limit is {MAX_DRAFT_CHARACTERS:,}" in page.content.decode()
    assert "x" * 1000 in page.content.decode()  # what was typed is on the page again
