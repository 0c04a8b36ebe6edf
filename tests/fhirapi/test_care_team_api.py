"""The API for the wider care team: a community matron's system, with a token she allowed, reads the people
whose care team she is in (who they are, their plan and goals, their care team; results only when the practice
allowed that), answers the referrals to her organisation with version checks, and adds to a plan; nothing else,
and nobody else."""

from __future__ import annotations

import json

import pytest

from tandem.careplans.models import Task
from tandem.careteam import actions as careteam
from tandem.careteam import rules as careteam_rules
from tandem.careteam.models import Contribution
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.fhirapi.auth import id_codec
from tests.careteam.referral_helpers import refer

from .conftest import Api, get_token, register

pytestmark = pytest.mark.django_db
KIND = "https://tandem.example.nhs.uk/fhir/CodeSystem/care-team-contribution-kind"
FIELD = "https://tandem.example.nhs.uk/fhir/CodeSystem/care-team-contribution-field"


class Writer(Api):
    def put(self, path: str, resource: dict, **extra):
        return self.client.put(f"/fhir/{path}", json.dumps(resource), content_type="application/fhir+json",
                               **{**self.headers(), **extra})

    def create(self, path: str, resource: dict, **extra):
        return self.client.post(f"/fhir/{path}", json.dumps(resource), content_type="application/fhir+json",
                                **{**self.headers(), **extra})


@pytest.fixture
def matron(world):  # noqa: F811
    """Jo Marsh in Dorothy's care team (adding to the plan, no results), a referral to her team, and her system's
    token for everything she may see and for answering and adding (Task.cu)."""
    u = world
    staff = u.matron.provider_roles.get()
    careteam.add_member(patient=u.dorothy, by=u.nurse, provider=u.nursing, professional=staff, role="Leg ulcer care",
                        scopes=(careteam_rules.CONTRIBUTE,), agreed_how="in_person", agreed_on=clock.today())
    u.referral = refer(u, to=u.nursing)
    u.api = Writer(get_token(register(), u.matron, "user/*.rs user/Task.cu")["access_token"])
    u.codec = id_codec()
    return u


def pid(u, patient) -> str:
    return u.codec.encode("Patient", patient.pk)


def test_she_reads_what_the_care_team_sees_of_dorothy_and_nothing_of_anyone_else(matron):
    u = matron
    assert u.api.get(f"Patient/{pid(u, u.dorothy)}").status_code == 200
    assert u.api.get(f"Patient/{pid(u, u.patient)}").status_code == 404  # Margaret: not in her care team
    assert u.api.get("Patient").json()["total"] == 1
    plans = u.api.get("CarePlan", {"patient": pid(u, u.dorothy)}).json()
    assert plans["total"] == 1
    team = u.api.get("CareTeam", {"patient": pid(u, u.dorothy)}).json()["entry"][0]["resource"]
    names = [p["member"]["display"] for p in team["participant"]]
    assert names == ["Rowan Patel", "Jo Marsh, Community matron"]
    for hidden in ("Condition", "MedicationStatement", "Observation", "QuestionnaireResponse"):
        assert u.api.get(hidden, {"patient": pid(u, u.dorothy)}).json()["total"] == 0, hidden


def test_results_only_when_the_practice_allowed_them(matron):
    from tandem.patients import actions as patient_actions

    u = matron
    patient_actions.record_observation(patient=u.dorothy, by=u.nurse, concept="hba1c", value=52,
                                       effective_date=clock.today(), code="4548-4", code_system="loinc")
    assert u.api.get("Observation", {"patient": pid(u, u.dorothy)}).json()["total"] == 0
    member = u.dorothy.care_team.get()
    careteam.end_member(member=member, by=u.nurse, reason="Scope change", expected_version=member.version)
    careteam.add_member(patient=u.dorothy, by=u.nurse, provider=u.nursing, professional=u.matron.provider_roles.get(),
                        role="Leg ulcer care", scopes=(careteam_rules.RESULTS,), agreed_how="in_person",
                        agreed_on=clock.today())
    assert u.api.get("Observation", {"patient": pid(u, u.dorothy)}).json()["total"] == 1


def test_she_sees_the_referral_to_her_team_and_not_the_practices_own_tasks(matron):
    u = matron
    internal = Task.objects.create(practice=u.practice, patient=u.dorothy, referral_id="x1", what="Phone her",
                                   to_role="nurse", created_at=clock.now())
    found = u.api.get("Task").json()
    assert [e["resource"]["description"] for e in found["entry"]] == ["Wound check and dressing, left leg"]
    task = found["entry"][0]["resource"]
    assert task["owner"]["display"] == "Riverside Community Nursing" and task["status"] == "requested"
    request = u.api.get(task["focus"]["reference"]).json()
    assert request["resourceType"] == "ServiceRequest" and request["performer"][0]["display"] == (
        "Riverside Community Nursing")
    assert u.api.get(f"Task/{u.codec.encode('Task', internal.pk)}").status_code == 404


def test_she_answers_the_referral_with_version_checks(matron):
    u = matron
    rid = u.codec.encode("Task", u.referral.pk)
    read = u.api.get(f"Task/{rid}")
    assert read["ETag"] == 'W/"1"'
    task = read.json()
    assert u.api.put(f"Task/{rid}", task | {"status": "accepted"}).status_code == 428  # no If-Match
    accepted = u.api.put(f"Task/{rid}", task | {"status": "accepted"}, HTTP_IF_MATCH='W/"1"')
    assert accepted.status_code == 200 and accepted["ETag"] == 'W/"2"' and accepted.json()["status"] == "accepted"
    stale = u.api.put(f"Task/{rid}", task | {"status": "in-progress"}, HTTP_IF_MATCH='W/"1"')
    assert stale.status_code == 412 and stale.json()["resourceType"] == "OperationOutcome"
    u.referral.refresh_from_db()
    assert (u.referral.status, u.referral.revision) == ("accepted", 2)  # the stale change changed nothing
    no_outcome = u.api.put(f"Task/{rid}", task | {"status": "completed"}, HTTP_IF_MATCH='W/"2"')
    assert no_outcome.status_code == 422 and "outcome" in no_outcome.json()["issue"][0]["diagnostics"]
    done = u.api.put(f"Task/{rid}", task | {"status": "completed", "output": [
        {"type": {"text": "Outcome"}, "valueString": "Ulcer dressed; healing well. Weekly visits continue."}]},
        HTTP_IF_MATCH='W/"2"')
    assert done.status_code == 200
    u.referral.refresh_from_db()
    assert (u.referral.status, u.referral.outcome, u.referral.updated_by) == (
        "completed", "Ulcer dressed; healing well. Weekly visits continue.", u.matron)


def test_she_cannot_change_what_is_not_hers_to_answer(matron):
    u = matron
    other = refer(u, to=u.falls, what="Falls assessment")  # another organisation's referral
    rid = u.codec.encode("Task", other.pk)
    assert u.api.put(f"Task/{rid}", {"resourceType": "Task", "status": "accepted"},
                     HTTP_IF_MATCH='W/"1"').status_code == 404
    other.refresh_from_db()
    assert other.status == "requested"
    reader = Writer(get_token(register("Reader"), u.matron, "user/*.rs")["access_token"])
    mine = u.codec.encode("Task", u.referral.pk)
    assert reader.put(f"Task/{mine}", {"resourceType": "Task", "status": "accepted"},
                      HTTP_IF_MATCH='W/"1"').status_code == 403  # a read-only token


def addition(u, *fields, kind="agreed") -> dict:
    return {"resourceType": "Task", "status": "requested", "intent": "proposal",
            "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "change"}]},
            "for": {"reference": f"Patient/{pid(u, u.dorothy)}"},
            "input": [{"type": {"coding": [{"system": FIELD, "code": "kind"}]},
                       "valueCoding": {"system": KIND, "code": kind}},
                      *({"type": {"coding": [{"system": FIELD, "code": name}]}, "valueString": value}
                        for name, value in fields)]}


def test_she_adds_to_the_plan_for_the_named_clinician_to_review_and_withdraws_it(matron):
    u = matron
    made = u.api.create("Task", addition(u, ("text", "Weekly dressing at home, Tuesdays.")))
    assert made.status_code == 201, made.content
    task = made.json()
    assert made["Location"].endswith(f"/Task/{task['id']}") and made["ETag"] == 'W/"1"'
    assert (task["intent"], task["status"], task["requester"]["display"]) == (
        "proposal", "requested", "Jo Marsh, community matron, Riverside Community Nursing")
    contribution = Contribution.objects.get()
    assert (contribution.kind, contribution.content, contribution.author) == (
        "agreed", {"text": "Weekly dressing at home, Tuesdays."}, u.matron)
    assert AuditEvent.objects.filter(what="fhirapi.Task", user=u.matron, patient_id=u.dorothy.pk).exists()
    withdrawn = u.api.put(f"Task/{task['id']}", task | {"status": "cancelled"}, HTTP_IF_MATCH='W/"1"')
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "cancelled"
    assert Contribution.objects.get().status == "withdrawn"


def test_a_bad_addition_or_one_for_someone_else_changes_nothing(matron):
    u = matron
    empty = u.api.create("Task", addition(u, ("text", "")))
    assert empty.status_code == 422 and "text" in empty.json()["issue"][0]["diagnostics"]
    unknown = u.api.create("Task", addition(u, ("words", "x"), kind="nonsense"))
    assert unknown.status_code == 422
    margaret = addition(u, ("text", "Hello")) | {"for": {"reference": f"Patient/{pid(u, u.patient)}"}}
    assert u.api.create("Task", margaret).status_code == 404
    order = addition(u, ("text", "Hello")) | {"intent": "order"}
    assert u.api.create("Task", order).status_code == 422
    not_json = u.api.client.post("/fhir/Task", "{", content_type="application/fhir+json", **u.api.headers())
    assert not_json.status_code == 400
    assert not Contribution.objects.exists()


def test_the_matron_allows_her_system_on_the_consent_page_without_a_practice(client, matron):
    """She works for no practice: the consent page is hers all the same, and lists only her care teams' people."""
    u = matron
    client.force_login(u.matron)
    token = get_token(register("Her other system"), u.matron, "patient/*.rs", patient=u.dorothy)
    assert token["patient"] == pid(u, u.dorothy)


def test_the_care_teams_searches_cost_the_same_few_queries_whatever_the_page(matron):
    """Tasks (with the additions to plans among them), referrals and care teams are read a page at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    u = matron
    u.api.create("Task", addition(u, ("text", "Dressings on Tuesdays.")))
    for n in range(4):
        refer(u, to=u.nursing, what=f"Visit {n}")
    counts = {}
    for type_name in ("Task", "ServiceRequest", "CareTeam"):
        for size in ("1", "50"):
            with CaptureQueriesContext(connection) as captured:
                found = u.api.get(type_name, {"_count": size}).json()
            assert len(found["entry"]) == min(int(size), found["total"]), type_name
            counts[type_name, size] = len(captured)
        assert counts[type_name, "1"] <= counts[type_name, "50"] <= 8, (type_name, counts)
    assert counts["Task", "50"] - counts["Task", "1"] <= 2  # the additions and their plans: one read each


def test_the_daily_task_deletes_expired_tokens_and_keeps_good_ones(matron):
    import datetime as dt

    from oauth2_provider.models import get_access_token_model

    from tandem.fhirapi.tasks import daily

    u = matron
    tokens = get_access_token_model().objects
    good = tokens.count()
    expired = tokens.first()
    expired.pk, expired.token, expired.token_checksum = None, "old-token", "0" * 64
    expired.expires = clock.now() - dt.timedelta(days=1)
    expired.save()
    daily(type("Job", (), {"practice": u.practice})(), lambda *a, **k: None)
    assert tokens.count() == good and not tokens.filter(token="old-token").exists()


def test_who_a_referral_to_her_team_is_for_can_be_read_but_nothing_else_of_them(matron):
    """Margaret is referred to the community nurses without being in Jo's care team: Jo's system reads who she
    is (as the referral page shows), and nothing clinical."""
    u = matron
    refer(u, to=u.nursing, patient=u.patient, what="Blood test at home")
    margaret = pid(u, u.patient)
    assert u.api.get(f"Patient/{margaret}").status_code == 200
    assert u.api.get("CarePlan", {"patient": margaret}).json()["total"] == 0
    assert u.api.get("Task", {"patient": margaret}).json()["total"] == 1
