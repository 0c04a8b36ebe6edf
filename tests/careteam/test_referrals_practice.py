"""The practice's side of referrals to organisations outside it: the referral chosen in the workspace's
referral row (the practice's active organisations offered; another practice's refused with a clear message and
nothing saved); the practice's list of what it sent, with status, outcome and reason, overdue first; for an
organisation that does not use Tandem, its answer recorded by the practice on its behalf; and the plan's FHIR
export: a ServiceRequest to the Organization (ODS code) and the Task that follows it, owned by it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from tandem.careplans import actions
from tandem.careplans.fhir.bundle import document
from tandem.careplans.models import CarePlan, Task, TaskEvent
from tandem.careplans.queries.fhir import export_source
from tandem.core.models import AuditEvent
from tests.careteam import referral_helpers
from tests.careteam.referral_helpers import refer

world = referral_helpers.world  # the shared people and organisations (a fixture)


def _workspace_post(client, u, **fields):
    data = {"base_version": "0", "save": "plan", "referrals.0.id": "", "referrals.0.what": "Wound check",
            "referrals.0.why": "Slow to heal", "referrals.0.by_when": "30/6/2026"} | fields
    return client.post(reverse("careplans:workspace", args=[u.dorothy.pk]), data)


def test_the_workspace_offers_the_practices_active_organisations_for_a_referral(client, world):
    from tandem.careteam import actions as careteam_actions

    u = world
    careteam_actions.set_provider_active(provider=u.falls, by=None, active=False, expected_version=u.falls.version)
    client.force_login(u.gp)
    page = client.get(reverse("careplans:workspace", args=[u.dorothy.pk])).content.decode()
    assert f'value="provider:{u.nursing.pk}"' in page and "Riverside Community Nursing (outside the practice" in page
    assert f'value="provider:{u.agewell.pk}"' in page
    assert f'value="provider:{u.falls.pk}"' not in page  # taken off the list
    assert f'value="provider:{u.hillview_nurses.pk}"' not in page  # another practice's


def test_a_referral_to_an_organisation_chosen_in_the_workspace_makes_its_task(client, world):
    u = world
    client.force_login(u.gp)
    response = _workspace_post(client, u, **{"referrals.0.to": f"provider:{u.nursing.pk}"})
    assert response.status_code == 302, response.content.decode()[:2000]
    task = Task.objects.get(patient=u.dorothy)
    assert (task.to_provider_id, task.why, task.due_on, task.sent_by) == (
        u.nursing.pk, "Slow to heal", dt.date(2026, 6, 30), "tandem")


def test_another_practices_organisation_posted_to_the_workspace_is_refused_and_nothing_saved(client, world):
    u = world
    client.force_login(u.gp)
    response = _workspace_post(client, u, **{"referrals.0.to": f"provider:{u.hillview_nurses.pk}"})
    assert response.status_code == 400
    assert "the one chosen is not one this practice refers to" in response.content.decode()
    assert not CarePlan.objects.filter(patient=u.dorothy, version__gt=0).exists()
    assert not Task.objects.filter(patient=u.dorothy).exists()


def test_the_practice_lists_what_it_sent_with_status_outcome_and_reason_overdue_first(client, world):
    u = world
    rejected = refer(u, to=u.nursing, what="Rejected: leg review", by_when="2026-07-20")
    actions.decline_task(task=rejected, by=u.matron, reason="Not our area", expected_revision=1)
    waiting = refer(u, to=u.nursing, what="Waiting: bloods at home", by_when="2026-07-01")
    overdue = refer(u, to=u.agewell, what="Overdue: befriending", by_when="2026-06-30")
    Task.objects.filter(pk=overdue.pk).update(due_on=dt.date(2026, 6, 1))
    client.force_login(u.nurse)
    text = client.get(reverse("careplans:tasks") + "?show=sent").content.decode()
    order = [text.index(w) for w in ("Overdue: befriending", "Waiting: bloods at home", "Rejected: leg review")]
    assert order == sorted(order)
    assert "Rejected: Not our area" in text and "Age Well Leeds" in text and "Riverside Community Nursing" in text
    assert "Sent to other organisations (2)" in text  # the open ones
    mine = client.get(reverse("careplans:tasks") + "?show=all").content.decode()
    assert "Waiting: bloods at home" not in mine  # the team's own tasks only
    assert waiting.status == "requested"


def test_the_practice_records_the_answer_of_an_organisation_without_tandem(client, world):
    u = world
    task = refer(u, to=u.agewell)
    client.force_login(u.nurse)
    page = client.get(reverse("careplans:task", args=[task.pk])).content.decode()
    assert "Record their answer" in page and "By secure email, with the referral letter attached" in page
    assert client.post(reverse("careplans:task", args=[task.pk]), {"do": "accept", "version": "1"}).status_code == 302
    refused = client.post(reverse("careplans:task", args=[task.pk]), {"do": "complete", "version": "2", "outcome": ""})
    assert refused.status_code == 400
    done = client.post(reverse("careplans:task", args=[task.pk]),
                       {"do": "complete", "version": "2", "outcome": "Matched with a volunteer; visits weekly"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.outcome, task.updated_by) == ("completed", "Matched with a volunteer; visits weekly",
                                                            u.nurse)
    events = list(TaskEvent.objects.filter(task=task).values_list("kind", "by", "on_behalf"))
    assert events == [("created", u.gp.pk, False), ("accepted", u.nurse.pk, True), ("completed", u.nurse.pk, True)]
    audit = AuditEvent.objects.filter(what="careplans.task", object_id=str(task.pk)).order_by("pk").last()
    assert audit.detail == {"change": "completed", "status": "completed", "provider": u.agewell.pk, "on_behalf": True}
    history = client.get(reverse("careplans:task", args=[task.pk])).content.decode()
    assert "Nia Evans, for Age Well Leeds" in history


def test_the_practice_cannot_answer_for_an_organisation_that_uses_tandem_but_may_cancel(client, world):
    u = world
    task = refer(u, to=u.nursing)
    client.force_login(u.nurse)
    page = client.get(reverse("careplans:task", args=[task.pk])).content.decode()
    assert "answers it in Tandem" in page and "They accepted it" not in page and "Reassign" not in page
    refused = client.post(reverse("careplans:task", args=[task.pk]), {"do": "accept", "version": "1"})
    assert refused.status_code == 400
    assert "Only the organisation it was referred to can do that" in refused.content.decode()
    assert client.post(reverse("careplans:task", args=[task.pk]), {"do": "reassign", "version": "1",
                                                                   "whom": "role:nurse"}).status_code == 400
    task.refresh_from_db()
    assert (task.status, task.revision, task.to_provider_id) == ("requested", 1, u.nursing.pk)
    assert client.post(reverse("careplans:task", args=[task.pk]), {"do": "cancel", "version": "1"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "cancelled"
    client.force_login(u.matron)
    assert "Cancelled by the practice" in client.get(reverse("careteam:referral", args=[task.pk])).content.decode()


def test_the_fhir_export_has_the_service_request_and_task_owned_by_the_organisation(world):
    u = world
    from tandem.careplans.rules.document import Referral

    task = refer(u, to=u.nursing, more=(Referral(id="", what="Befriending", to_provider_id=u.agewell.pk),))
    actions.accept_task(task=task, by=u.matron, expected_revision=1)
    actions.complete_task(task=task, by=u.matron, outcome="Healed; discharged", expected_revision=2)
    rejected = Task.objects.get(to_provider=u.agewell)
    actions.decline_task(task=rejected, by=u.nurse, reason="Waiting list closed", expected_revision=1,
                         on_behalf=True)
    bundle = document(export_source(practice=u.practice, patient_id=u.dorothy.pk, by=u.gp))
    Bundle.model_validate(bundle)  # valid FHIR R4 (R4B models), as the existing export tests check
    resources = [e["resource"] for e in bundle["entry"]]
    orgs = {r["name"]: r for r in resources if r["resourceType"] == "Organization"}
    nursing = orgs["Riverside Community Nursing"]
    assert nursing["identifier"] == [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RX1CN"}]
    assert "identifier" not in orgs["Age Well Leeds"]  # no ODS code: none made up
    requests = {r["code"]["text"]: r for r in resources if r["resourceType"] == "ServiceRequest"}
    wound = requests["Wound check and dressing, left leg"]
    careplan = next(r for r in resources if r["resourceType"] == "CarePlan")
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    assert (wound["intent"], wound["status"], wound["occurrenceDateTime"]) == ("order", "completed", "2026-06-30")
    assert wound["subject"]["reference"] == f"urn:uuid:{patient['id']}"
    assert wound["basedOn"] == [{"reference": f"urn:uuid:{careplan['id']}"}]
    assert wound["performer"][0]["reference"] == f"urn:uuid:{nursing['id']}"
    assert wound["performer"][0]["identifier"]["value"] == "RX1CN"
    assert wound["reasonCode"] == [{"text": "Leg ulcer healing slowly since May"}]
    assert "Rowan Patel" in json.dumps(wound["requester"]) or wound["requester"]["reference"].startswith("urn:uuid:")
    assert requests["Befriending"]["status"] == "revoked"
    tasks = {r["description"]: r for r in resources if r["resourceType"] == "Task"}
    done = tasks["Wound check and dressing, left leg"]
    assert (done["status"], done["intent"]) == ("completed", "order")
    assert done["focus"] == {"reference": f"urn:uuid:{wound['id']}"}
    assert done["owner"]["reference"] == f"urn:uuid:{nursing['id']}"
    assert done["output"] == [{"type": {"text": "Outcome"}, "valueString": "Healed; discharged"}]
    no = tasks["Befriending"]
    assert (no["status"], no["statusReason"]["text"]) == ("rejected", "Waiting list closed")
    assert {a["reference"]["reference"] for a in careplan["activity"] if "reference" in a} >= {
        f"urn:uuid:{done['id']}", f"urn:uuid:{no['id']}"}


@pytest.mark.parametrize("field", ["what", "why"])
def test_what_and_why_are_bounded_with_a_clear_message(client, world, field):
    u = world
    client.force_login(u.gp)
    response = _workspace_post(client, u, **{"referrals.0.to": f"provider:{u.nursing.pk}",
                                             f"referrals.0.{field}": "x" * 1001})
    assert response.status_code == 400
    assert "The limit is" in response.content.decode()
    assert not Task.objects.filter(patient=u.dorothy).exists()


def test_the_home_page_shows_answers_in_the_same_number_of_queries(client, world):
    from tests.core.home_queries import HOME_QUERIES, home_queries

    u = world
    client.force_login(u.gp)
    client.get(reverse("home"))
    _, before = home_queries(client)
    for i in range(3):
        task = refer(u, to=u.nursing, what=f"Visit {i}")
        actions.complete_task(task=task, by=u.matron, outcome=f"Seen {i}", expected_revision=1)
    waiting = refer(u, to=u.nursing, what="Still waiting")
    _, after = home_queries(client)
    page = client.get(reverse("home")).content.decode()
    assert "3 referrals to other organisations came back" in page and "Seen 2" in page
    assert "Still waiting" not in page  # only answers come back to the home page
    assert before == after == HOME_QUERIES
    assert waiting.status == "requested"


def test_answers_older_than_the_window_leave_the_home_page_but_stay_on_the_list(client, world):
    from tandem.core import clock

    u = world
    task = refer(u, to=u.nursing)
    actions.complete_task(task=task, by=u.matron, outcome="Healed", expected_revision=1)
    client.force_login(u.gp)
    with clock.frozen(dt.date(2026, 7, 16)):
        assert "Healed" not in client.get(reverse("home")).content.decode()
        assert "Healed" in client.get(reverse("careplans:tasks") + "?show=sent").content.decode()


def test_a_plan_document_with_a_referral_to_an_organisation_reads_back_to_that_organisation(world):
    from tandem.careplans import queries
    from tandem.careplans.actions.fhir import import_plan
    from tandem.careplans.fhir.importer import plan_from_bundle

    u = world
    task = refer(u, to=u.nursing)
    bundle = document(export_source(practice=u.practice, patient_id=u.dorothy.pk, by=u.gp))
    plan, _, problems = plan_from_bundle(json.dumps(bundle))
    assert problems == []
    [ref] = plan.referrals
    assert (ref.to_provider_name, ref.to_role, ref.to_user_id) == ("Riverside Community Nursing", "", None)
    import_plan(practice=u.practice, by=u.gp, document=bundle)
    [again] = queries.plan_of(queries.latest(u.practice, u.dorothy)).referrals
    assert (again.id, again.to_provider_id) == (task.referral_id, u.nursing.pk)
    assert Task.objects.filter(patient=u.dorothy).count() == 1  # the same referral: no second task


@pytest.mark.parametrize("hostile", ["99999999999999999999999", "2147483648", "-1", "\u00b2", "\uff19", "x" * 10_000])
def test_a_hostile_organisation_id_in_the_workspace_is_refused_and_nothing_saved(client, world, hostile):
    u = world
    client.force_login(u.gp)
    response = _workspace_post(client, u, **{"referrals.0.to": f"provider:{hostile}"})
    assert response.status_code == 400
    assert "from the list" in response.content.decode()  # who should do it; or (a full-width 9 read as 9) no such
    assert not Task.objects.filter(patient=u.dorothy).exists()  # organisation on the practice's list
