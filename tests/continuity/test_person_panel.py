"""Continuity for one person on their summary page, and the people a clinician is named clinician for on
the home page.

The panel gives the published indices for the person's contacts of the last two years in words (the
spec table's answers: A, A, B is UPC 0.67, COC 0.33), says they cannot be worked out with fewer than
two contacts, and counts the contacts with their named clinician. The one-person read agrees with the
practice's set-based read for every row of the spec table.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from tandem.careplans import actions as careplan_actions
from tandem.careplans.rules.document import Plan
from tandem.continuity import queries
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.patients import actions as patient_actions

from .test_queries import _person, _seen, u  # noqa: F401
from .test_rules import SPEC


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def panel_of(client, patient) -> str:
    response = client.get(reverse("patients:summary", args=[patient.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('id="continuity"')
    return text_of(page[start:page.index("</section>", start)])


@pytest.mark.parametrize(("seen", "upc", "coc", "secon"), SPEC)
def test_one_person_read_agrees_with_the_practice_read(u, seen, upc, coc, secon):  # noqa: F811
    patient_actions.set_named_clinician(patient=u.patient, by=None, clinician=u.gp)
    _seen(u, u.patient, seen)
    whole = queries.people(u.practice, today=clock.today())[u.patient.pk]
    one = queries.one_person(u.practice, u.patient.pk, named_clinician_id=u.gp.pk, today=clock.today())
    assert one.indices == whole.indices
    assert one.with_named == whole.with_named == seen.count("A")
    assert one.indices.upc == pytest.approx(upc, abs=0.005)
    assert one.indices.coc == pytest.approx(coc, abs=0.005)


def test_the_panel_says_the_indices_in_words(u, nurse_client):  # noqa: F811
    patient_actions.set_named_clinician(patient=u.patient, by=None, clinician=u.gp)
    _seen(u, u.patient, "AAB")
    panel = panel_of(nurse_client, u.patient)
    assert "Continuity (last 2 years)" in panel
    assert "Contacts counted 3 contacts" in panel
    assert "Usual provider of care (UPC) 0.67 Saw the same clinician at 2 of 3 contacts." in panel
    assert "Continuity of care (COC) 0.33" in panel
    assert "Sequential continuity (SECON) 0.50 Saw the same clinician as the time before at 1 of 2" in panel
    assert "2 of 3 contacts were with their named clinician." in panel


@pytest.mark.parametrize(("seen", "why"), [("", "no contacts"), ("A", "1 contact")])
def test_fewer_than_two_contacts_are_not_calculable(u, nurse_client, seen, why):  # noqa: F811
    _seen(u, u.patient, seen)
    panel = panel_of(nurse_client, u.patient)
    assert f"Not calculable with fewer than 2 contacts ({why} in the last 2 years)." in panel
    assert "UPC" not in panel
    assert "They have no named clinician." in panel


def test_contacts_that_do_not_count_are_left_out(u, nurse_client):  # noqa: F811
    _seen(u, u.patient, "AB")
    _seen(u, u.patient, "AAAA", status="dna")  # missed: no one met
    old = clock.today() - dt.timedelta(days=800)
    patient_actions.record_encounter(patient=u.patient, by=None, date=old)  # more than 2 years ago
    assert "Contacts counted 2 contacts" in panel_of(nurse_client, u.patient)


def test_another_practices_person_has_no_panel_and_is_not_audited(u, nurse_client):  # noqa: F811
    assert nurse_client.get(reverse("patients:summary", args=[u.foreign_patient.pk])).status_code == 404
    assert not AuditEvent.objects.filter(patient_id=u.foreign_patient.pk, action="view").exists()


# --- The home page: people I am named clinician for ------------------------------------------------


def test_the_home_page_lists_my_people_with_overdue_care_plan_reviews_first(u, client):  # noqa: F811
    people = [_person(u, n) for n in range(1, 8)]
    for person in people:
        patient_actions.set_named_clinician(patient=person, by=None, clinician=u.gp)
    late = people[5]
    with clock.frozen(dt.datetime(2025, 6, 1, 12)):  # agreed a year ago, to be reviewed in the spring
        careplan_actions.save_plan(patient=late, by=u.gp, plan=Plan(information="Walking", review_date="2026-03-01"),
                                   base_version=0)
    careplan_actions.save_plan(patient=people[6], by=u.gp, plan=Plan(information="Walking", review_date="2026-12-01"),
                               base_version=0)
    client.force_login(u.gp)
    page = text_of(client.get(reverse("home")).content.decode())
    section = page[page.index("People you are named clinician for"):]
    assert "You are the named clinician of 7 people registered here, 1 with a care plan overdue for review" in section
    assert "The first 5, overdue reviews first:" in section
    assert section.index(late.full_name) < section.index(people[0].full_name)
    assert "Care plan review overdue since 1 March 2026" in section
    shown = section.split("Find a patient")[0]
    assert people[6].full_name in shown  # a review coming up comes next, before people without a plan
    assert people[4].full_name not in shown and people[5].full_name in shown
    seen = set(AuditEvent.objects.filter(what="home", user=u.gp).values_list("patient_id", flat=True))
    assert late.pk in seen and len(seen) == 5


def test_the_home_page_links_each_person_to_their_summary(u, client):  # noqa: F811
    patient_actions.set_named_clinician(patient=u.patient, by=None, clinician=u.gp)
    client.force_login(u.gp)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("patients:summary", args=[u.patient.pk])}"' in page
    assert "You are the named clinician of 1 person registered here." in text_of(page)


def test_someone_who_is_nobodys_named_clinician_is_told_so(u, client):  # noqa: F811
    client.force_login(u.gp)
    page = text_of(client.get(reverse("home")).content.decode())
    assert "You are not the named clinician of anyone registered here." in page
