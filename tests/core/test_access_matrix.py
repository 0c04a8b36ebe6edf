"""Who may open which page: every URL x every role x own practice / another practice, from the URLconf.

The expected answer comes from the one table, tandem.core.rules.URL_ACCESS (docs/roles.md says it in
words): a role without the capability gets 403; a role with it can use its own practice's objects and
gets 404 for another practice's; not signed in goes to the sign-in page; signed in without a practice
goes to choosing one. The URL list is discovered, so a new URL without a rule fails here, and a URL whose
parameter is new fails until MAKERS says how to make one for a practice.

The two practices, their staff and the objects the URLs take are made once (per test worker) in a
transaction rolled back at the end; each role signs in once. Each request runs in a savepoint that is
rolled back, and each client's cookies are put back after it, so one role's POST (a deletion, a
sign-out) never changes what the next request sees.
"""

from __future__ import annotations

import copy
import datetime as dt
from email.message import EmailMessage

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from tandem.core import clock
from tandem.core.rules import URL_ACCESS, Capability, Decision, Open, Role, decide
from tests.conftest import TODAY, build_universe
from tests.core.url_patterns import named_patterns

PATTERNS = dict(named_patterns(get_resolver().url_patterns))
URL_NAMES = sorted(PATTERNS)
WHO = [*(r.value for r in Role), "no_practice", "anonymous"]
METHODS = ("get", "post")
OK_PUBLIC_PARAMS = {"token": "not-a-real-token", "uidb64": "MQ", "key": "invitation_not_this_year",
                    "variant": "standard", "step": "due",  # step: a step of the care planning cycle (learn:step)
                    "reason": "state"}  # reason: why a person's sign-in was refused (people:refused)
# The FHIR API's resource type and opaque id (tandem.fhirapi): no practice's object until a bearer token
# says whose records may be seen (tests/fhirapi/test_api.py: another practice's resource is not found).
OK_PUBLIC_PARAMS.update({"type_name": "Patient", "ident": "0" * 32})
INVITATION = {"due_month": "2026-07", "conditions": ["type 2 diabetes"], "tests": ["a blood test"]}


def test_every_url_has_a_rule_and_every_rule_a_url():
    missing = sorted(set(URL_NAMES) - set(URL_ACCESS))
    assert not missing, (f"No access rule for {missing}: add each to tandem.core.rules.URL_ACCESS "
                         "(and docs/roles.md) saying who may read and change it")
    stale = sorted(set(URL_ACCESS) - set(URL_NAMES))
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


def test_the_view_decorators_agree_with_the_table():
    """practice_required(...) beside a view repeats the table's rule; they must not drift apart."""
    for name, pattern in PATTERNS.items():
        callback = pattern.callback
        if not hasattr(callback, "access_capability"):
            continue
        said = callback.access_capability or Open.MEMBER
        rule = URL_ACCESS[name]
        assert said in (rule.read, rule.change), f"{name}: the view says {said}, the table says {rule}"


def test_a_url_with_no_rule_is_refused_before_its_view_runs(universe):
    from tandem.core.access import AccessMiddleware

    ran = []
    request = RequestFactory().get("/new-page/")
    request.user, request.practice, request.roles = universe.nurse, universe.practice, frozenset({Role.MANAGER})
    request.resolver_match = type("Match", (), {"view_name": "newapp:new_page"})()
    with pytest.raises(PermissionDenied):
        AccessMiddleware(lambda r: None).process_view(request, lambda r: ran.append(r), (), {})
    assert not ran


# --- Objects for a practice, one kind per URL parameter -----------------------------------------

class World:
    """Staff of every role at Riverside, a patient at each practice, and objects made on demand."""

    def __init__(self, universe):
        from tandem.core import actions as core_actions
        from tandem.core.models import User

        self.u = universe
        self.staff = {Role.NURSE.value: universe.nurse, Role.ADMIN.value: universe.admin}
        for role in Role:
            if role.value not in self.staff:
                self.staff[role.value] = core_actions.add_staff(practice=universe.practice, username=f"m-{role.value}",
                                                                role=role, by=None)
        self.no_practice = User.objects.create_user(username="between-jobs")
        self.other_manager = core_actions.add_staff(practice=universe.other_practice, username="m-other-manager",
                                                    role=Role.MANAGER, by=None)
        for patient in (universe.patient, universe.foreign_patient):
            patient.address_line1, patient.town, patient.postcode = "12 Mill Lane", "Leeds", "LS1 4AB"
            patient.email = "person@example.org"
            patient.save()
        self.cache: dict[tuple[str, bool], object] = {}

    def side(self, own: bool):
        u = self.u
        if own:
            return u.practice, u.patient, self.staff[Role.MANAGER.value]
        return u.other_practice, u.foreign_patient, self.other_manager

    def get(self, kind: str, own: bool):
        key = (kind, own)
        if key not in self.cache:
            self.cache[key] = MAKERS[kind](self, *self.side(own), own)
        return self.cache[key]


def _review(w, practice, patient, by, own):
    from tandem.core import clock
    from tandem.recall.models import Review

    now = clock.now()
    review, _ = Review.objects.get_or_create(
        patient=patient, review_year=2026,
        defaults={"practice": practice, "due_month": dt.date(2026, 7, 1), "status_on": clock.today(),
                  "created_at": now, "updated_at": now})
    return review.pk


def _conversation(w, practice, patient, by, own):
    from django.utils import timezone

    from tandem.core import clock
    from tandem.prepare import actions
    from tandem.recall.models import Review

    review = Review.objects.get(pk=w.get("review", own))
    starts = dt.datetime.combine(clock.today() + dt.timedelta(days=10), dt.time(10),
                                 tzinfo=timezone.get_current_timezone())
    return actions.book_conversation(review=review, by=by, starts_at=starts, minutes=20, clinician=None).pk


def _message(w, practice, patient, by, own, channel="letter"):
    from tandem.messaging import actions

    return actions.queue_message(practice=practice, patient=patient, channel=channel, template="recall_invitation",
                                 context=INVITATION, idempotency_key=f"matrix:{channel}", by=by).pk


def _letter(w, practice, patient, by, own):
    from tandem.messaging import actions

    pk = w.get("message", own)
    actions.dispatch_pending(practice=practice)
    return pk


def _email(w, practice, patient, by, own):
    from tandem.messaging import actions
    from tandem.messaging.delivery import HEADER

    pk = _message(w, practice, patient, by, own, channel="email")
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"], mail[HEADER] = "Your review", "practice@example.org", "p@example.org", str(pk)
    mail.set_content("Your yearly health review is due.")
    mail.add_attachment(b"%PDF-1.7\n", maintype="application", subtype="pdf", filename="plan.pdf")  # demo_attachment 1
    envelope = type("Envelope", (), {"data": mail.as_bytes(), "mail_from": "practice@example.org",
                                     "recipients": ["person@example.org"]})()
    return actions.store_sink_email(envelope).pk


def _link(w, practice, patient, by, own):
    from tandem.core import clock
    from tandem.messaging import link_actions

    request = link_actions.LinkRequest(patient=patient, purpose="invitation", object_id=w.get("review", own),
                                       expires_at=clock.now() + dt.timedelta(days=30))
    return link_actions.issue_links(practice=practice, requests=[request], by=by)[0].link.pk


def _job(w, practice, patient, by, own):
    from tandem.messaging import actions

    return actions.request_dispatch(practice=practice, by=by, idempotency_key="matrix").pk


def _cohort(w, practice, patient, by, own):
    from tandem.registers import actions

    return actions.save_cohort(practice=practice, by=by, name="Matrix", definition={}).pk


def _service(w, practice, patient, by, own):
    from tandem.careplans import actions

    return actions.save_service(practice=practice, by=by, name="Walking for Health", kind="exercise").pk


def _task(w, practice, patient, by, own):
    from tandem.careplans import actions
    from tandem.careplans.models import Task
    from tandem.careplans.rules.document import Plan, Referral

    plan = Plan(referrals=(Referral(id="", what="Check inhaler technique", to_role=Role.NURSE.value),))
    actions.save_plan(patient=patient, by=by, plan=plan, base_version=_plan_version(patient))
    return Task.objects.get(patient=patient).pk


def _plan_version(patient) -> int:
    """The person's latest plan version's number (0: none yet): a check-in's maker saves one too."""
    from tandem.careplans.models import CarePlan

    return CarePlan.objects.filter(patient=patient).values_list("version", flat=True).first() or 0


def _wording_version(w, practice, patient, by, own):
    """Riverside has version 1; the other practice has versions 1 and 2, and the test asks for its 2."""
    from tandem.messaging import wording_actions

    texts = ["Tell us if you would rather skip it this year."] + ([] if own else ["Tell us if not this year."])
    for number, text in enumerate(texts):
        wording_actions.save_wording(practice=practice, block="invitation_not_this_year", variant="standard",
                                     text=text, expected_version=number, by=by)
    return len(texts)


def _clinic_staff(w, practice, own):
    from tandem.core import actions as core_actions

    return w.staff[Role.HCA.value] if own else core_actions.add_staff(
        practice=practice, username="m-other-hca", role=Role.HCA, by=None)


def _session_pattern(w, practice, patient, by, own):
    from tandem.clinics import actions
    from tandem.clinics.actions import Repeat, SessionEntry

    entry = SessionEntry(staff_id=_clinic_staff(w, practice, own).pk, role="hca", place="", purpose="tests",
                         start_time=dt.time(9, 0), end_time=dt.time(10, 0), slot_minutes=15)
    pattern, _ = actions.add_pattern(practice=practice, by=by, entry=entry,
                                     repeat=Repeat(weekday=2, every_weeks=1, first_day=dt.date(2026, 6, 15),
                                                   last_day=dt.date(2026, 8, 31)))
    return pattern.pk


def _clinic_session(w, practice, patient, by, own):
    from tandem.clinics.models import ClinicSession

    return ClinicSession.objects.filter(pattern_id=w.get("session_pattern", own)).order_by("day").first().pk


def _appointment(w, practice, patient, by, own):
    from tandem.booking.models import Appointment
    from tandem.clinics.models import ClinicSession
    from tandem.core import clock
    from tandem.recall.models import Review

    session = ClinicSession.objects.get(pk=w.get("clinic_session", own))
    return Appointment.objects.create(
        practice=practice, patient=patient, review=Review.objects.get(pk=w.get("review", own)), kind="tests",
        session=session, day=session.day, start_time=session.start_time, end_time=session.end_time, minutes=15,
        staff_id=session.staff_id, created_at=clock.now(), created_by=by).pk


def _staff_leave(w, practice, patient, by, own):
    from tandem.clinics import actions

    leave, _ = actions.add_leave(practice=practice, by=by, staff_id=_clinic_staff(w, practice, own).pk,
                                 first_day=dt.date(2026, 9, 1), last_day=dt.date(2026, 9, 4))
    return leave.pk


def _checkin(w, practice, patient, by, own):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Goal, Plan
    from tandem.checkins.models import CheckIn
    from tandem.core import clock

    version = plan_actions.save_plan(patient=patient, by=by, base_version=_plan_version(patient),
                                     plan=Plan(goals=(Goal(id="g", words="Walk"),))).version
    return CheckIn.objects.create(
        practice=practice, patient=patient, version=version, number=1, channel="phone", caller=by,
        opened_on=clock.today(), closes_on=clock.today() + dt.timedelta(days=6),
        questions={"goals": [{"id": "g", "words": "Walk", "importance": None, "watch": False}], "readings": [],
                   "mood": False},
        questionnaire={"resourceType": "Questionnaire"}, created_at=clock.now()).pk


def _practice_change(w, practice, patient, by, own):
    from tandem.learn import actions

    return actions.record_change(practice=practice, by=by, on=dt.date(2026, 4, 1), what="New letter").pk


def _group(w, practice, patient, by, own):
    """The practice's primary care network (nobody in the matrix leads it: every role is refused)."""
    from tandem.core.models import OrganisationGroup

    group = OrganisationGroup.objects.create(code=f"U{practice.pk:05d}", name=f"Network {practice.pk}", kind="pcn")
    practice.group = group
    practice.save(update_fields=["group"])
    return group.pk


def _evaluation_project(w, practice, patient, by, own):
    """An evaluation project of the practice (its manager's): another practice's is not found."""
    from tandem.learn import actions

    return actions.create_project(by=by, name="Evaluation", purpose="Matrix", practice=practice).pk


MAKERS = {
    "practice_change": _practice_change, "group": _group, "evaluation_project": _evaluation_project,
    "checkin": _checkin,
    "patient": lambda w, practice, patient, by, own: patient.pk, "review": _review, "conversation": _conversation,
    "message": _message, "letter": _letter, "email": _email, "link": _link, "job": _job, "cohort": _cohort,
    "service": _service, "task": _task, "wording_version": _wording_version,
    "session_pattern": _session_pattern, "clinic_session": _clinic_session, "staff_leave": _staff_leave,
    "appointment": _appointment,
}
MAKERS["email_file"] = lambda w, practice, patient, by, own: (w.get("email", own), 1)[1]  # its first file
# Which kind of object each URL parameter is: by (namespace, parameter), then by parameter.
PARAM_KINDS = {("prepare", "pk"): "conversation", ("messaging", "message_id"): "message", ("checkins", "pk"): "checkin", ("learn", "pk"): "practice_change",
               "group_id": "group", ("learn", "project_id"): "evaluation_project",
               "pk": "patient", "patient_id": "patient", "review_pk": "review", "job_id": "job", "link_id": "link",
               "email_id": "email", "cohort_id": "cohort", "service_pk": "service", "task_pk": "task",
               "version": "wording_version", "pattern_id": "session_pattern", "session_id": "clinic_session",
               "leave_id": "staff_leave", "appointment_pk": "appointment"}
PARAM_KINDS[("messaging", "number")] = "email_file"  # the number of a file of the demo mailbox's email
# The person's own pages name no person: a version of the signed-in person's own plan, a measure's code.
PARAM_KINDS[("people", "number")] = "own_plan_version"
PARAM_KINDS[("people", "measure")] = "measure_code"
MAKERS["own_plan_version"] = lambda w, practice, patient, by, own: 1
MAKERS["measure_code"] = lambda w, practice, patient, by, own: "hba1c"


def _proxy_hidden(w, practice, patient, by, own):
    """A part of the person's plan hidden from their carers (tandem.people.views.staff)."""
    from tandem.people import actions

    return actions.hide(practice=practice, patient=patient, what="plan_part", object_id=None, part="goals",
                        reason="", by=by).pk


MAKERS["proxy_hidden"] = _proxy_hidden
PARAM_KINDS[("carers", "hidden_id")] = "proxy_hidden"
PARAM_KINDS[("people", "pk")] = "checkin"  # a check-in of the signed-in person's own (people:checkin)


def _provider(w, practice, patient, by, own):
    """An organisation on the practice's list (tandem.careteam), with a professional who uses Tandem."""
    from tandem.careteam import actions

    provider = actions.save_provider(practice=practice, by=by, values={
        "name": "Community Nursing", "kind": "community", "ods_code": "", "service": "", "email": "", "phone": "",
        "address": ""})
    actions.add_professional(provider=provider, by=by, username=f"matron-{practice.pk}", first_name="Jo",
                             last_name="Marsh", email=f"matron-{practice.pk}@example.org", job="Community matron")
    return provider.pk


def _provider_staff(w, practice, patient, by, own):
    from tandem.core.models import ProviderStaff

    return ProviderStaff.objects.get(provider_id=w.get("provider", own)).pk


def _care_team_member(w, practice, patient, by, own):
    from tandem.careteam import actions
    from tandem.core.models import Provider

    provider = Provider.objects.get(pk=w.get("provider", own))
    return actions.add_member(patient=patient, by=by, provider=provider, professional=provider.staff.get(),
                              role="Leg ulcer care", scopes=("contribute",), agreed_how="in_person",
                              agreed_on=dt.date(2026, 6, 15)).pk


def _contribution(w, practice, patient, by, own):
    from tandem.careteam import actions
    from tandem.careteam.models import Member

    member = Member.objects.select_related("professional__user", "provider", "patient").get(
        pk=w.get("care_team_member", own))
    return actions.contribute(member=member, by=member.professional.user, kind="agreed",
                              content={"text": "Weekly dressings"}, based_on=0).pk


MAKERS |= {"provider": _provider, "provider_staff": _provider_staff, "care_team_member": _care_team_member,
           "contribution": _contribution, "contribution_kind": lambda w, practice, patient, by, own: "agreed"}
PARAM_KINDS |= {("careteam", "provider_id"): "provider", ("careteam", "staff_id"): "provider_staff",
                ("careteam", "member_id"): "care_team_member", ("careteam", "contribution_id"): "contribution",
                ("careteam", "kind"): "contribution_kind"}


def _referral(w, practice, patient, by, own):
    """A referral in the person's plan to the organisation on the practice's list (careteam:referral)."""
    from dataclasses import replace

    from tandem.careplans import actions, queries
    from tandem.careplans.models import Task
    from tandem.careplans.rules.document import Referral

    provider_id = w.get("provider", own)
    plan = queries.plan_of(queries.latest(practice, patient))
    plan = replace(plan, referrals=(*plan.referrals, Referral(id="", what="Wound check", to_provider_id=provider_id)))
    actions.save_plan(patient=patient, by=by, plan=plan, base_version=_plan_version(patient))
    return Task.objects.get(patient=patient, to_provider_id=provider_id).pk


MAKERS["referral"] = _referral
PARAM_KINDS[("careteam", "referral_id")] = "referral"


def _kwargs(w: World, name: str, own: bool) -> dict:
    params = PATTERNS[name].pattern.converters.keys()
    namespace = name.split(":")[0] if ":" in name else ""
    out = {}
    for param in params:
        if param in OK_PUBLIC_PARAMS:
            out[param] = OK_PUBLIC_PARAMS[param]
            continue
        kind = PARAM_KINDS.get((namespace, param)) or PARAM_KINDS.get(param)
        assert kind, f"{name}: say in PARAM_KINDS what kind of object its parameter {param!r} is"
        if name == "messaging:letter":
            kind = "letter"
        out[param] = w.get(kind, own)
    return out


def _decision(w: World, who: str, need) -> Decision:
    if who == "anonymous":
        return decide(need, signed_in=False, has_practice=False, roles=frozenset())
    if who == "no_practice":
        return decide(need, signed_in=True, has_practice=False, roles=frozenset())
    return decide(need, signed_in=True, has_practice=True, roles=frozenset({Role(who)}))


def _signed_in_clients(w: World) -> dict[str, tuple[Client, object]]:
    """One client per kind of visitor, signed in once; with its cookies, to put back after each request."""
    clients = {}
    for who in WHO:
        client = Client()  # a server error fails the test with its traceback
        if who == "no_practice":
            client.force_login(w.no_practice)
        elif who != "anonymous":
            client.force_login(w.staff[who])
        clients[who] = (client, copy.deepcopy(client.cookies))
    return clients


def _request(w: World, who: str, method: str, url: str):
    from django.core.cache import caches

    client, cookies = w.clients[who]
    client.cookies = copy.deepcopy(cookies)  # a sign-out or a new session in an earlier request is undone
    try:
        with transaction.atomic():  # rolled back: sign-in failures and rate limits (in the database) too
            response = getattr(client, method)(url)
            transaction.set_rollback(True)
    finally:
        caches["default"].clear()  # nothing a rolled-back request cached in this process outlives it
    return response


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    """The practices, every role signed in and the objects, made once for every URL of the class below."""
    outer = transaction.atomic()
    outer._from_testcase = True  # as a TestCase's own: the actions' durable blocks may run inside it
    with clock.frozen(TODAY), django_db_blocker.unblock(), outer:
        w = World(build_universe())
        for kind in MAKERS:  # made here, not in a test (whose savepoint is rolled back after it)
            for own in (True, False):
                w.get(kind, own)
        w.clients = _signed_in_clients(w)
        yield w
        transaction.set_rollback(True)


#: Sending, by who does each step at the practice (tandem.team; the defaults here): URL -> roles that send.
SENDERS = {"recall:send": (Role.ADMIN.value, Role.MANAGER.value), "prepare:send": (Role.ADMIN.value, Role.MANAGER.value)}


def _object_rule_refuses(name: str, who: str, method: str = "get") -> bool:
    """Rules the URL table cannot say: a task is closed by whom it is for (the matrix's task is for the
    nurses) or the manager; invitations and packs are sent by the roles the practice chose for those
    steps (tests/team/test_steps_enforced.py)."""
    if name in SENDERS and method.lower() == "post":
        return who not in SENDERS[name]
    return (name == "careplans:task" and method.lower() == "post"
            and who not in (Role.NURSE.value, Role.MANAGER.value))


@pytest.mark.django_db  # each test in a savepoint of the world's transaction (and the test database set up)
class TestEveryUrlForEveryone:
    @pytest.mark.parametrize("name", URL_NAMES)
    def test_each_role_gets_what_the_table_says(self, world, name):
        _check_every_role(world, name)


def _check_every_role(w: World, name: str) -> None:
    rule = URL_ACCESS.get(name)
    assert rule is not None, f"{name} has no access rule"
    has_objects = any(p not in OK_PUBLIC_PARAMS for p in PATTERNS[name].pattern.converters)
    sides = (True, False) if has_objects else (True,)
    problems = []
    for own in sides:
        url = reverse(name, kwargs=_kwargs(w, name, own))
        for who in WHO:
            statuses = {}
            for method in METHODS:
                need = rule.need(method.upper())
                decision = _decision(w, who, need)
                response = _request(w, who, method, url)
                status = response.status_code
                statuses[method] = status
                where = f"{method.upper()} {name} as {who}, {'own' if own else 'other'} practice: {status}"
                if status >= 500 and not (name == "healthz" and status == 503):  # 503: no worker in tests
                    problems.append(f"{where} (server error)")
                elif decision is Decision.SIGN_IN:
                    if status != 302 or not response["Location"].startswith(reverse("core:login")):
                        problems.append(f"{where}, expected the sign-in page")
                elif decision is Decision.CHOOSE_PRACTICE:
                    if status != 302 or not response["Location"].startswith(reverse("core:choose_practice")):
                        problems.append(f"{where}, expected choosing a practice")
                elif decision is Decision.PERSON_SIGN_IN:  # a person's own page: no staff account opens it
                    if status != 302 or response["Location"] != reverse("people:sign_in"):
                        problems.append(f"{where}, expected the person's sign-in page")
                elif decision is Decision.FORBIDDEN:
                    if status != 403:
                        problems.append(f"{where}, expected 403: the role lacks {need}")
                elif need in (Open.PUBLIC, Open.SIGNED_IN):
                    if status == 302 and response["Location"].startswith(reverse("core:login") + "?next="):
                        problems.append(f"{where}, sent to sign in although the page is {need}")
                elif own:
                    expected_refusal = _object_rule_refuses(name, who, method)
                    if expected_refusal and status != 403:
                        problems.append(f"{where}, expected 403: not theirs to do")
                    elif not expected_refusal and status in (403, 404):
                        problems.append(f"{where}, expected the page: the role has {need}")
                elif status not in (404, 405):
                    problems.append(f"{where}, expected 404: another practice's object")
            if not own and 404 not in statuses.values() and all(
                    _decision(w, who, rule.need(m.upper())) is Decision.ALLOW for m in METHODS):
                problems.append(f"{name} as {who}: another practice's object was never looked up ({statuses})")
    assert not problems, "\n".join(problems)


def test_the_table_keeps_clinical_pages_from_administrators():
    """The decisions in docs/roles.md, spot-checked in words a reviewer can read."""
    admin = frozenset({Role.ADMIN})

    def allowed(name, method="GET"):
        return decide(URL_ACCESS[name].need(method), signed_in=True, has_practice=True, roles=admin) is Decision.ALLOW

    for name in ("patients:summary", "careplans:workspace", "careplans:plan_pdf", "careplans:fhir",
                 "prepare:preview", "registers:worklist", "registers:patient_tier", "fhir:upload"):
        assert not allowed(name), name
    for name in ("recall:board", "recall:review", "messaging:outbox", "messaging:message", "prepare:book",
                 "prepare:agenda_paper", "careplans:tasks"):
        assert allowed(name), name
    assert URL_ACCESS["fhir:upload"].read is Capability.IMPORT_RECORDS


# --- What an administrator sees: who and how to reach them, not results ----------------------------

@pytest.fixture
def packs_sent(booked):  # noqa: F811 - tests/prepare's fixture, imported below
    """`booked` with its packs queued: Arthur's is a letter carrying his HbA1c (62 mmol/mol) and eGFR (58)."""
    from tandem.messaging.models import OutboxMessage
    from tandem.prepare import actions

    actions.send_packs(practice=booked.practice, by=booked.admin, day=None, month=dt.date(2026, 6, 1))
    booked.arthur_pack = OutboxMessage.objects.get(patient=booked.arthur, template="results_pack")
    booked.gp = _staff(booked, Role.GP, "gp")
    return booked


def _staff(u, role, username):
    from tandem.core import actions as core_actions

    return core_actions.add_staff(practice=u.practice, username=username, role=role, by=None)


def _page(client, user, url) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode(errors="replace")


def test_an_administrator_sees_a_results_pack_was_sent_but_not_the_results_in_it(client, packs_sent):
    u = packs_sent
    assert "62 mmol/mol" in u.arthur_pack.body  # the message itself does carry the results
    url = reverse("messaging:message", kwargs={"message_id": u.arthur_pack.pk})
    status, page = _page(client, u.admin, url)
    assert status == 200
    assert "Arthur" in page and "Letter" in page and "Queued" in page  # who it is for, how it goes, where it is
    for clinical in ("62 mmol/mol", "HbA1c", "eGFR", "Open the letter"):
        assert clinical not in page, clinical
    assert "carries clinical detail" in page
    status, page = _page(client, u.nurse, url)
    assert status == 200 and "62 mmol/mol" in page


def test_an_administrator_cannot_open_the_letter_of_a_results_pack_but_a_clinician_can(client, packs_sent):
    from tandem.messaging import actions

    u = packs_sent
    actions.dispatch_pending(practice=u.practice)
    url = reverse("messaging:letter", kwargs={"message_id": u.arthur_pack.pk})
    client.force_login(u.admin)
    assert client.get(url).status_code == 403
    outbox = client.get(reverse("messaging:outbox")).content.decode()
    assert url not in outbox  # no link to a letter they cannot open
    client.force_login(u.nurse)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_an_administrator_reads_an_invitation_which_says_only_what_an_invitation_must(client, universe):
    from tandem.messaging import actions

    universe.patient.address_line1, universe.patient.town = "12 Mill Lane", "Leeds"
    universe.patient.save()
    message = actions.queue_message(practice=universe.practice, patient=universe.patient, channel="letter",
                                    template="recall_invitation", context=INVITATION, idempotency_key="invite",
                                    by=universe.admin)
    status, page = _page(client, universe.admin, reverse("messaging:message", kwargs={"message_id": message.pk}))
    assert status == 200
    assert "type 2 diabetes" in page and "a blood test" in page and "July 2026" in page
    assert "carries clinical detail" not in page


def test_on_the_recall_pages_an_administrator_sees_what_to_book_but_not_why_or_what_was_found(client, packs_sent):
    u = packs_sent
    review = reverse("recall:review", kwargs={"patient_id": u.beatrice.pk})
    clinical = ("Risk tier", "Not needed this time", "Spirometry (FEV1 and FVC): done",
                "these topics come from their conditions", "COPD self-management plan")
    status, nurse_page = _page(client, u.nurse, review)
    assert status == 200
    assert all(words in nurse_page for words in clinical)
    status, admin_page = _page(client, u.admin, review)
    assert status == 200
    assert "Chronic obstructive pulmonary disease" in admin_page  # which clinic to book, as the invitation says
    assert "Inhaler technique" in admin_page and "July 2026" in admin_page  # what to book, and when
    for words in clinical:
        assert words not in admin_page, words
    status, board = _page(client, u.admin, reverse("recall:board"))
    assert status == 200 and "Beatrice" in board
    assert "Not needed this time" not in board and 'name="tier"' not in board
    _, nurse_board = _page(client, u.nurse, reverse("recall:board"))
    assert "Not needed this time" in nurse_board and 'name="tier"' in nurse_board


def test_an_administrator_cannot_import_records_and_is_not_offered_it(client, universe):
    status, _ = _page(client, universe.admin, reverse("fhir:upload"))
    assert status == 403
    _, home = _page(client, universe.admin, reverse("home"))
    assert "Import records" not in home
    manager = _staff(universe, Role.MANAGER, "pm")
    status, _ = _page(client, manager, reverse("fhir:upload"))
    assert status == 200


# --- Closing a task from a care plan ---------------------------------------------------------------

def _task_for(u, *, to_role="", to_user=None):
    from tandem.careplans import actions
    from tandem.careplans.models import Task
    from tandem.careplans.rules.document import Plan, Referral

    plan = Plan(referrals=(Referral(id="", what="Check inhaler technique", to_role=to_role,
                                    to_user_id=to_user.pk if to_user else None),))
    actions.save_plan(patient=u.patient, by=u.nurse, plan=plan, base_version=0)
    return Task.objects.get(patient=u.patient)


def _close(client, user, task) -> int:
    client.force_login(user)
    status = client.post(reverse("careplans:task", kwargs={"task_pk": task.pk}),
                         {"do": "complete", "version": str(task.revision), "outcome": "Done"}).status_code
    task.refresh_from_db()
    return status


def test_only_whom_a_task_is_for_or_the_manager_can_close_it(client, universe):
    u = universe
    task = _task_for(u, to_role=Role.NURSE.value)
    for role in (Role.ADMIN, Role.GP, Role.HCA, Role.PHARMACIST):
        someone = u.admin if role is Role.ADMIN else _staff(u, role, f"t-{role.value}")
        assert _close(client, someone, task) == 403, role
        assert task.status == "requested", role
    another_nurse = _staff(u, Role.NURSE, "t-nurse2")
    assert _close(client, another_nurse, task) == 302 and task.status == "completed"  # given to every nurse


def test_a_task_for_one_person_is_theirs_or_the_managers_to_close(client, universe):
    u = universe
    task = _task_for(u, to_user=u.nurse)
    assert _close(client, _staff(u, Role.NURSE, "t-nurse2"), task) == 403 and task.status == "requested"
    assert _close(client, _staff(u, Role.MANAGER, "t-pm"), task) == 302 and task.status == "completed"


@pytest.mark.parametrize(("roles", "to_user", "to_role", "allowed"), [
    ({Role.NURSE}, 7, "", True),  # the person it was given to
    ({Role.NURSE}, 8, "", False),  # another nurse, when it was given to one person
    ({Role.NURSE}, None, "nurse", True),  # anyone in the role it was given to
    ({Role.GP}, None, "nurse", False),
    ({Role.ADMIN}, None, "nurse", False),
    ({Role.ADMIN}, None, "admin", True),
    ({Role.MANAGER}, 8, "", True),  # the manager shares out work when someone is away
])
def test_who_may_close_a_task(roles, to_user, to_role, allowed):
    from tandem.core.rules import may_close_task

    assert may_close_task(roles, user_id=7, to_user_id=to_user, to_role=to_role) is allowed


from tests.prepare.conftest import booked, planned, recall  # noqa: E402, F401 - fixtures for the tests above
