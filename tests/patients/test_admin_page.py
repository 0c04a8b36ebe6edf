"""An administrator finds a person and opens their administrative page: contact details, how to
reach them, reasonable adjustments, annual reviews and invitations, and nothing clinical."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent

D = dt.date


@pytest.fixture
def margaret(universe):
    """Margaret with a clinical record (conditions, a result, a medicine) and administrative details,
    on the hypertension register, her review planned and her first invitation sent."""
    from tandem.patients import actions as patient_actions
    from tandem.recall import actions as recall_actions
    from tandem.registers import actions as register_actions
    from tandem.terminology import codelists

    u = universe
    p = u.patient
    p.address_line1, p.town, p.mobile, p.email, p.preferred_channel = (
        "4 Mill Lane", "Leeds", "07700 900123", "margaret@example.org", "sms")
    p.save()
    code = next(c for c in sorted(codelists.get("hypertension").codes)
                if codelists.conditions_for_code(c) == ("hypertension",))
    patient_actions.record_condition(patient=p, by=u.nurse, code=code, onset_date=D(2015, 1, 1),
                                     term="Essential hypertension")
    patient_actions.record_observation(patient=p, by=u.nurse, concept="hba1c", value=61,
                                       effective_date=D(2026, 5, 1))
    patient_actions.record_medication(patient=p, by=u.nurse, name="Amlodipine 5mg tablets",
                                      start_date=D(2024, 1, 1))
    patient_actions.set_reasonable_adjustment(patient=p, by=u.admin, kind="large_print")
    patient_actions.add_related_person(patient=p, by=u.admin, name="Grace Okafor", relationship="child",
                                       is_carer=True, phone="07700 900456")
    register_actions.refresh_practice(practice=u.practice, by=None)
    recall_actions.plan_reviews(practice=u.practice, by=u.admin)
    recall_actions.send_due_invitations(practice=u.practice, month=D(2027, 2, 1), by=u.admin,
                                        today=D(2027, 2, 1))
    return p


def page_url(patient) -> str:
    return reverse("recall:person", kwargs={"patient_id": patient.pk})


def test_an_administrator_reaches_the_administrative_page_from_search(client, universe, margaret):
    client.force_login(universe.admin)
    client.post(reverse("patients:search"), {"q": "Okafor"})
    results = client.get(reverse("patients:search")).content.decode()
    assert f'href="{page_url(margaret)}"' in results
    assert f'href="{reverse("patients:summary", args=[margaret.pk])}"' not in results
    assert client.get(reverse("patients:summary", args=[margaret.pk])).status_code == 403


def test_the_administrative_page_has_contact_details_reviews_and_invitations(client, universe, margaret):
    client.force_login(universe.admin)
    response = client.get(page_url(margaret))
    page = response.content.decode()
    assert response.status_code == 200
    for shown in ("Margaret OKAFOR", "999 000 0018", "4 Mill Lane, Leeds, LS1 4AB", "07700 900123",
                  "margaret@example.org", "Text message", "Large print", "Grace Okafor (son or daughter, carer)",
                  "Letter (large print)", "2026/27", "March 2027", "First invitation", "1 February 2027"):
        assert shown in page, shown
    assert AuditEvent.objects.filter(what="patient.admin", action="view", patient_id=margaret.pk,
                                     user=universe.admin).exists()


def test_the_administrative_page_holds_no_clinical_detail(client, universe, margaret):
    client.force_login(universe.admin)
    page = re.sub(r'nonce="[^"]*"', "", client.get(page_url(margaret)).content.decode().lower())  # random
    for clinical in ("hypertension", "blood pressure", "hba1c", "amlodipine", "condition", "result",
                     "medicine", "tests appointment"):
        assert clinical not in page, clinical
    # her HbA1c (61) is nowhere in what the page says (ids in its links are not values shown)
    text = re.sub(r"<[^>]*>", " ", page)
    assert not re.search(r"(?<![\d.])61(?![\d.])", text)
    assert f'href="{reverse("patients:summary", args=[margaret.pk])}"' not in page


def test_a_nurse_still_reaches_the_clinical_summary_from_search(client, universe, margaret):
    client.force_login(universe.nurse)
    client.post(reverse("patients:search"), {"q": "Okafor"})
    results = client.get(reverse("patients:search")).content.decode()
    assert f'href="{reverse("patients:summary", args=[margaret.pk])}"' in results
    assert client.get(reverse("patients:summary", args=[margaret.pk])).status_code == 200
    # and may open the administrative page too, which links back to the summary
    page = client.get(page_url(margaret)).content.decode()
    assert f'href="{reverse("patients:summary", args=[margaret.pk])}"' in page


def test_another_practices_patient_is_not_found_and_not_audited(client, universe):
    client.force_login(universe.admin)
    assert client.get(page_url(universe.foreign_patient)).status_code == 404
    assert not AuditEvent.objects.filter(what="patient.admin", patient_id=universe.foreign_patient.pk).exists()
