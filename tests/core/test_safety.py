"""Practice scoping, audit and sign-in: the promises every later feature relies on."""

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent


def test_sign_in_page_rejects_wrong_password_with_a_clear_message(client, universe):
    response = client.post(reverse("core:login"), {"username": "nurse", "password": "wrong"})
    assert response.status_code == 400
    assert "Please enter a correct username and password" in response.content.decode()


def test_sign_in_takes_a_single_practice_member_straight_home(client, universe):
    response = client.post(reverse("core:login"), {"username": "nurse", "password": "correct-horse-battery"})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert "Riverside Surgery" in home.content.decode()


def test_pages_need_sign_in(client, universe):
    response = client.get(reverse("patients:summary", args=[universe.patient.pk]))
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]


def test_viewing_a_patient_is_audited_with_who_and_which_patient(nurse_client, universe):
    response = nurse_client.get(reverse("patients:summary", args=[universe.patient.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="view", patient_id=universe.patient.pk).get()
    assert event.user == universe.nurse
    assert event.practice == universe.practice


def test_another_practices_patient_is_not_found_and_not_audited_as_viewed(nurse_client, universe):
    response = nurse_client.get(reverse("patients:summary", args=[universe.foreign_patient.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="view", patient_id=universe.foreign_patient.pk).exists()


def test_audit_log_is_append_only(universe, nurse_client):
    nurse_client.get(reverse("patients:summary", args=[universe.patient.pk]))
    event = AuditEvent.objects.first()
    event.what = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(what="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_administrator_cannot_see_clinical_summary(client, universe):
    client.force_login(universe.admin)
    response = client.get(reverse("patients:summary", args=[universe.patient.pk]))
    assert response.status_code == 403


def test_staff_pages_are_never_cached(nurse_client, universe):
    response = nurse_client.get(reverse("patients:summary", args=[universe.patient.pk]))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_import_is_offered_only_to_roles_that_may_import(client, universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    client.force_login(universe.nurse)
    assert "Import records" not in client.get(reverse("home")).content.decode()
    # Imports bring results and diagnoses: administrators see no clinical detail, so only the manager imports.
    client.force_login(universe.admin)
    assert "Import records" not in client.get(reverse("home")).content.decode()
    manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None,
                                     password="correct-horse-battery")
    client.force_login(manager)
    assert "Import records" in client.get(reverse("home")).content.decode()


def test_home_counts_only_registered_patients(nurse_client, universe):
    from tandem.patients.models import Patient

    Patient.objects.filter(pk=universe.patient.pk).update(registration_status="deceased")
    assert "0 patients are registered here" in nurse_client.get(reverse("home")).content.decode()
