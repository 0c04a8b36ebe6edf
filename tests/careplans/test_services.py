"""The local services directory and tasks from care plans."""

from __future__ import annotations

from django.urls import reverse

from tandem.careplans import actions
from tandem.careplans.models import LocalService, Task
from tandem.careplans.rules.document import Plan, Referral


def test_a_manager_adds_a_service_and_a_duplicate_name_is_refused(booked, client):
    client.force_login(booked.manager)
    data = {"name": "Walking group", "kind": "exercise", "description": "Free walks", "contact": "0113 496 0000",
            "how_to_refer": "Self-refer", "active": "yes"}
    assert client.post(reverse("careplans:service_new"), data).status_code == 302
    response = client.post(reverse("careplans:service_new"), {**data, "name": "walking  group"})
    assert response.status_code == 400
    assert "already a service called" in response.content.decode()
    assert LocalService.objects.filter(practice=booked.practice).count() == 1


def test_staff_without_manage_cannot_change_the_directory_but_can_read_it(booked, client):
    client.force_login(booked.nurse)
    assert client.get(reverse("careplans:service_new")).status_code == 403
    assert client.get(reverse("careplans:services")).status_code == 200


def test_a_stale_service_form_changes_nothing(booked):
    service = actions.save_service(practice=booked.practice, by=booked.manager, name="Talking", kind="talking_therapies")
    actions.save_service(practice=booked.practice, by=booked.manager, name="Talking", kind="talking_therapies",
                         description="new", service=service, expected_version=1)
    try:
        actions.save_service(practice=booked.practice, by=booked.manager, name="Talking", kind="talking_therapies",
                             description="old", service=service, expected_version=1)
    except ValueError as exc:
        assert "Someone else changed this service" in str(exc)
    service.refresh_from_db()
    assert service.description == "new"


def test_a_task_reaches_the_role_and_can_be_completed_but_not_by_another_practice(booked, client):
    plan = Plan(referrals=(Referral(id="", what="Check inhaler technique", to_role="nurse"),))
    actions.save_plan(patient=booked.beatrice, by=booked.nurse, plan=plan, base_version=0)
    task = Task.objects.get(patient=booked.beatrice)
    done = {"do": "complete", "version": str(task.revision), "outcome": "Technique checked: good"}
    client.force_login(booked.other_nurse)
    assert client.post(reverse("careplans:task", args=[task.pk]), done).status_code == 404
    client.force_login(booked.nurse)
    assert "Check inhaler technique" in client.get(reverse("careplans:tasks")).content.decode()
    client.post(reverse("careplans:task", args=[task.pk]), done)
    task.refresh_from_db()
    assert (task.status, task.outcome) == ("completed", "Technique checked: good")
