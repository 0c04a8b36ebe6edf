"""Tasks for the team from a care plan, followed through: requested, accepted, in progress, completed
with an outcome or declined with a reason, cancelled; reassigned to a person or a role; a new due
date; a stale page saves nothing; overdue ones marked; the history kept and shown; the person's
finished tasks still on their care plan page; the task as a FHIR R4 Task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.careplans import actions
from tandem.careplans.fhir import activity
from tandem.careplans.fhir.common import TeamTask, checked
from tandem.careplans.models import Task, TaskEvent
from tandem.careplans.rules import tasks as lifecycle
from tandem.careplans.rules.document import Plan, Referral
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.core.rules import Role

from .test_fhir import _bundle, _resources, saved  # noqa: F401 - the saved plan fixture

TODAY = dt.date(2026, 6, 15)  # tests/conftest.py pins the clock here


@pytest.fixture
def task(booked):
    """A task for the practice nurses from Beatrice's plan, due on 30 June 2026."""
    plan = Plan(referrals=(Referral(id="", what="Check inhaler technique", to_role="nurse",
                                                             by_when="2026-06-30"),))
    actions.save_plan(patient=booked.beatrice, by=booked.nurse, plan=plan, base_version=0)
    return Task.objects.get(patient=booked.beatrice)


def _post(client, task, **data):
    task.refresh_from_db()
    data.setdefault("version", str(task.revision))
    return client.post(reverse("careplans:task", args=[task.pk]), data)


# --- The lifecycle, through the actions ------------------------------------------------------------

def test_a_task_from_a_saved_plan_is_requested_with_its_first_history_row(task, booked):
    assert task.status == "requested" and task.revision == 1
    [created] = TaskEvent.objects.filter(task=task)
    assert (created.kind, created.status, created.to_role, created.by) == ("created", "requested", "nurse", booked.nurse)


def test_accepted_started_and_completed_with_an_outcome_each_change_kept(task, booked):
    task = actions.accept_task(task=task, by=booked.nurse, expected_revision=1)
    task = actions.start_task(task=task, by=booked.nurse, expected_revision=2)
    task = actions.complete_task(task=task, by=booked.nurse, outcome="  Technique good; spacer given  ",
                                 expected_revision=3)
    task.refresh_from_db()
    assert (task.status, task.outcome, task.revision, task.updated_by) == (
        "completed", "Technique good; spacer given", 4, booked.nurse)
    kinds = list(TaskEvent.objects.filter(task=task).values_list("kind", "status", "note"))
    assert kinds == [("created", "requested", ""), ("accepted", "accepted", ""), ("started", "in_progress", ""),
                     ("completed", "completed", "Technique good; spacer given")]
    audits = AuditEvent.objects.filter(what="careplans.task", action="update", object_id=str(task.pk))
    assert [a.detail["change"] for a in audits.order_by("pk")] == ["accepted", "started", "completed"]
    assert all(a.patient_id == booked.beatrice.pk and a.user_id == booked.nurse.pk for a in audits)
    assert "Technique" not in str([a.detail for a in audits])  # no free text in the audit log


@pytest.mark.parametrize("outcome", ["", "   ", "x" * (lifecycle.MAX_OUTCOME + 1)])
def test_a_task_cannot_be_completed_without_an_outcome_or_with_too_long_a_one(task, booked, outcome):
    with pytest.raises(actions.TaskError):
        actions.complete_task(task=task, by=booked.nurse, outcome=outcome, expected_revision=1)
    task.refresh_from_db()
    assert (task.status, task.revision) == ("requested", 1)
    assert TaskEvent.objects.filter(task=task).count() == 1


def test_declined_needs_a_reason_and_keeps_it(task, booked):
    with pytest.raises(actions.TaskError, match="why you are declining"):
        actions.decline_task(task=task, by=booked.nurse, reason=" ", expected_revision=1)
    actions.decline_task(task=task, by=booked.nurse, reason="Seen by the respiratory team last week",
                         expected_revision=1)
    task.refresh_from_db()
    assert (task.status, task.decline_reason) == ("declined", "Seen by the respiratory team last week")


@pytest.mark.parametrize(("status", "change", "allowed"), [
    ("requested", "accept", True), ("requested", "start", True), ("requested", "complete", True),
    ("requested", "decline", True), ("requested", "cancel", True),
    ("accepted", "accept", False), ("accepted", "start", True), ("accepted", "decline", True),
    ("in_progress", "accept", False), ("in_progress", "start", False), ("in_progress", "decline", False),
    ("in_progress", "complete", True), ("in_progress", "cancel", True),
    ("cancelled", "accept", False), ("cancelled", "complete", False), ("cancelled", "cancel", False),
    ("completed", "decline", False), ("completed", "cancel", False), ("declined", "accept", False),
])
def test_which_change_may_follow_which(status, change, allowed):
    assert lifecycle.can_move(status, change) is allowed


def test_a_cancelled_task_cannot_be_accepted_reassigned_or_given_a_new_date(task, booked):
    actions.cancel_task(task=task, by=booked.manager, expected_revision=1)
    for attempt in (lambda: actions.accept_task(task=task, by=booked.nurse, expected_revision=2),
                    lambda: actions.reassign_task(task=task, by=booked.manager, expected_revision=2, to_role="gp"),
                    lambda: actions.change_due_date(task=task, by=booked.manager, due_on=TODAY, expected_revision=2)):
        with pytest.raises(actions.TaskError, match="cancelled already"):
            attempt()
    task.refresh_from_db()
    assert (task.status, task.revision) == ("cancelled", 2)


def test_a_stale_revision_saves_nothing(task, booked):
    actions.accept_task(task=task, by=booked.nurse, expected_revision=1)
    with pytest.raises(actions.TaskConflict, match="Someone else changed this task"):
        actions.complete_task(task=task, by=booked.manager, outcome="Done", expected_revision=1)
    task.refresh_from_db()
    assert (task.status, task.outcome, task.revision) == ("accepted", "", 2)


def test_reassigned_to_a_person_then_a_role_it_is_requested_again(task, booked):
    actions.accept_task(task=task, by=booked.nurse, expected_revision=1)
    actions.reassign_task(task=task, by=booked.manager, expected_revision=2, to_user_id=booked.manager.pk)
    task.refresh_from_db()
    assert (task.to_user_id, task.to_role, task.status) == (booked.manager.pk, "manager", "requested")
    actions.reassign_task(task=task, by=booked.manager, expected_revision=3, to_role=Role.PHARMACIST.value)
    task.refresh_from_db()
    assert (task.to_user_id, task.to_role) == (None, "pharmacist")
    assert list(TaskEvent.objects.filter(task=task, kind="reassigned").values_list("to_role", flat=True)) == [
        "manager", "pharmacist"]


def test_reassigning_to_someone_not_working_at_the_practice_or_an_unknown_role_is_refused(task, booked):
    for to in ({"to_user_id": booked.other_nurse.pk}, {"to_role": "surgeon"}, {}):
        with pytest.raises(actions.TaskError):
            actions.reassign_task(task=task, by=booked.manager, expected_revision=1, **to)
    with pytest.raises(actions.TaskError, match="for them already"):
        actions.reassign_task(task=task, by=booked.manager, expected_revision=1, to_role="nurse")
    task.refresh_from_db()
    assert task.revision == 1


def test_the_due_date_changed_and_taken_off(task, booked):
    actions.change_due_date(task=task, by=booked.nurse, due_on=dt.date(2026, 7, 10), expected_revision=1)
    actions.change_due_date(task=task, by=booked.nurse, due_on=None, expected_revision=2)
    task.refresh_from_db()
    assert task.due_on is None
    assert list(TaskEvent.objects.filter(task=task, kind="due_changed").values_list("due_on", flat=True)) == [
        dt.date(2026, 7, 10), None]


def test_overdue_is_due_before_today_and_not_finished():
    assert lifecycle.is_overdue("requested", dt.date(2026, 6, 14), TODAY)
    assert not lifecycle.is_overdue("requested", TODAY, TODAY)
    assert not lifecycle.is_overdue("completed", dt.date(2026, 6, 1), TODAY)
    assert not lifecycle.is_overdue("in_progress", None, TODAY)


def test_history_rows_cannot_be_changed_or_deleted(task):
    event = TaskEvent.objects.get(task=task)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        TaskEvent.objects.filter(task=task).delete()


# --- The pages -------------------------------------------------------------------------------------

def test_the_task_page_completes_with_an_outcome_and_shows_the_history(task, booked, client):
    client.force_login(booked.nurse)
    page = client.get(reverse("careplans:task", args=[task.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Check inhaler technique" in text and "Accept the task" in text and "Requested of" in text
    assert _post(client, task, do="accept").status_code == 302
    response = _post(client, task, do="complete", outcome="")
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode() and "Enter the outcome" in response.content.decode()
    assert _post(client, task, do="complete", outcome="Spacer given").status_code == 302
    text = client.get(reverse("careplans:task", args=[task.pk])).content.decode()
    assert "Spacer given" in text and "Completed" in text and "cannot be changed now" in text
    assert AuditEvent.objects.filter(what="careplans.task", action="view", patient_id=booked.beatrice.pk).exists()


def test_a_stale_page_says_someone_else_changed_it_and_saves_nothing(task, booked, client):
    client.force_login(booked.nurse)
    actions.accept_task(task=task, by=booked.manager, expected_revision=1)
    response = client.post(reverse("careplans:task", args=[task.pk]),
                           {"do": "decline", "version": "1", "reason": "Not mine"})
    assert response.status_code == 409
    assert "Someone else changed this task" in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.decline_reason) == ("accepted", "")


def test_reassign_and_due_date_through_the_page(task, booked, client):
    client.force_login(booked.manager)
    assert _post(client, task, do="reassign", whom=f"user:{booked.nurse.pk}").status_code == 302
    assert _post(client, task, do="due", **{"due[day]": "1", "due[month]": "8", "due[year]": "2026"}).status_code == 302
    task.refresh_from_db()
    assert (task.to_user_id, task.due_on) == (booked.nurse.pk, dt.date(2026, 8, 1))
    response = _post(client, task, do="due", **{"due[day]": "1", "due[month]": "1", "due[year]": "2020"})
    assert response.status_code == 400 and "on or after" in response.content.decode()
    response = _post(client, task, do="reassign", whom="user:99999")
    assert response.status_code == 400 and "not working at the practice" in response.content.decode()


def test_only_whom_it_is_for_or_the_manager_may_change_it_but_the_team_can_read_it(task, booked, client):
    client.force_login(booked.admin)
    page = client.get(reverse("careplans:task", args=[task.pk]))
    assert page.status_code == 200 and "Accept the task" not in page.content.decode()
    assert _post(client, task, do="accept").status_code == 403
    task.refresh_from_db()
    assert task.status == "requested"


def test_another_practices_task_is_not_found(task, booked, client):
    client.force_login(booked.other_nurse)
    assert client.get(reverse("careplans:task", args=[task.pk])).status_code == 404
    assert _post(client, task, do="accept").status_code == 404


def test_the_lists_put_overdue_first_and_mark_them(task, booked, client):
    later = Plan(referrals=(Referral(id="", what="Arrange spirometry", to_role="nurse",
                                                              by_when="2026-06-20"),))
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=later, base_version=0)
    with clock.frozen(dt.date(2026, 7, 1)):  # the inhaler check (30 June) is overdue; spirometry too, earlier
        client.force_login(booked.nurse)
        text = client.get(reverse("careplans:tasks")).content.decode()
        assert text.index("Arrange spirometry") < text.index("Check inhaler technique")
        assert text.count("Overdue") == 2
        for show in ("role", "all"):
            assert "Check inhaler technique" in client.get(reverse("careplans:tasks"), {"show": show}).content.decode()
        actions.complete_task(task=task, by=booked.nurse, outcome="Done", expected_revision=1)
        text = client.get(reverse("careplans:tasks")).content.decode()
        assert "Check inhaler technique" not in text and text.count("Overdue") == 1


def test_finished_tasks_stay_on_the_persons_care_plan_page(task, booked, client):
    actions.complete_task(task=task, by=booked.nurse, outcome="Technique good", expected_revision=1)
    client.force_login(booked.nurse)
    text = client.get(reverse("careplans:plan", args=[booked.beatrice.pk])).content.decode()
    assert "Check inhaler technique" in text and "Technique good" in text and "Completed" in text


# --- FHIR R4 Task ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "fhir"), [
    ("requested", "requested"), ("accepted", "accepted"), ("in_progress", "in-progress"),
    ("completed", "completed"), ("declined", "rejected"), ("cancelled", "cancelled"),
])
def test_a_team_task_is_a_valid_fhir_r4_task(status, fhir):
    team = TeamTask(key=7, referral_id="r1", what="Check inhaler technique", status=status, to_role="nurse",
                    to_user_id=12, due_on=dt.date(2026, 6, 30),
                    outcome="Technique good" if status == "completed" else "",
                    decline_reason="Seen elsewhere" if status == "declined" else "")
    resource = checked(activity.team_task(team, patient={"resourceType": "Patient", "id": "abc"},
                                          role_label="Practice nurse"))
    assert (resource["status"], resource["intent"], resource["for"]) == (fhir, "order", {"reference": "urn:uuid:abc"})
    assert resource["restriction"]["period"]["end"] == "2026-06-30"
    assert resource["owner"]["identifier"]["value"] == "12"
    assert resource.get("note", [{}])[0].get("text") == ("Technique good" if status == "completed" else None)
    assert resource.get("statusReason", {}).get("text") == ("Seen elsewhere" if status == "declined" else None)


def test_the_care_plan_document_carries_each_task_as_it_stands_now(saved):  # noqa: F811
    task = Task.objects.get(patient=saved.arthur, referral_id="r1")
    actions.reassign_task(task=task, by=saved.nurse, expected_revision=1, to_user_id=saved.nurse.pk)
    actions.change_due_date(task=task, by=saved.nurse, due_on=dt.date(2026, 8, 3), expected_revision=2)
    actions.decline_task(task=task, by=saved.nurse, reason="Done at the hospital clinic", expected_revision=3)
    bundle = _bundle(saved)  # validated against the R4B models
    inhaler = {t["description"]: t for t in _resources(bundle, "Task")}["Review inhaler technique"]
    assert inhaler["status"] == "rejected" and inhaler["statusReason"]["text"] == "Done at the hospital clinic"
    assert inhaler["owner"]["identifier"]["value"] == str(saved.nurse.pk)
    assert inhaler["restriction"]["period"]["end"] == "2026-08-03"
    assert inhaler["basedOn"] and inhaler["intent"] == "order"


# --- Queries ---------------------------------------------------------------------------------------

def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_list_and_a_task_page_read_a_fixed_number_of_queries_however_many_tasks_and_changes(task, booked, client):
    client.force_login(booked.nurse)
    tasks_page, task_page = reverse("careplans:tasks"), reverse("careplans:task", args=[task.pk])
    _queries(client, tasks_page)
    few, one = _queries(client, tasks_page), _queries(client, task_page)
    for i, person in enumerate((booked.arthur, booked.colin, booked.dilys, booked.edwin, booked.fatima)):
        actions.save_plan(patient=person, by=booked.nurse, base_version=0, plan=Plan(referrals=(
            Referral(id="", what=f"Task {i}", to_role="nurse", by_when="2026-06-20"),)))
    for revision, day in enumerate((20, 21, 22, 23), start=1):
        actions.change_due_date(task=task, by=booked.nurse, due_on=dt.date(2026, 7, day), expected_revision=revision)
    assert _queries(client, tasks_page) == few
    assert _queries(client, task_page) == one
