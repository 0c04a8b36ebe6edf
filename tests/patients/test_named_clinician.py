"""Choosing a person's named clinician, and seeing it wherever staff see the person.

The practice chooses among its clinical staff (GPs, practice nurses, clinical pharmacists working
there) or no one; a choice made on a page that someone else has since changed is refused; another
practice's person is not found; the banner on the pages about one person names the clinician.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from tandem.core import actions as core_actions
from tandem.core.models import AuditEvent
from tandem.core.rules import URL_ACCESS, Capability, Role, can
from tandem.patients import actions, presenters
from tandem.patients.models import Patient
from tests.booking.conftest import booking_week  # noqa: F401 - fixtures
from tests.booking.test_day_list import day  # noqa: F401
from tests.clinics.conftest import team  # noqa: F401


def text_of(page: str) -> str:
    """The page as a person reads it: tags removed, entities read, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def gp(universe):
    return core_actions.add_staff(practice=universe.practice, username="gp", role=Role.GP, by=None,
                                  first_name="Tom", last_name="Ashby", password="correct-horse-battery")


def page_url(patient) -> str:
    return reverse("patients:named_clinician", args=[patient.pk])


def post(client, patient, **form):
    return client.post(page_url(patient), form)


def test_the_choices_are_the_practices_clinical_staff_and_no_one(universe, nurse_client, gp):
    core_actions.add_staff(practice=universe.practice, username="mgr", role=Role.MANAGER, by=None,
                           first_name="Mo", last_name="Manager")
    core_actions.add_staff(practice=universe.practice, username="hca", role=Role.HCA, by=None,
                           first_name="Hana", last_name="Assistant")
    response = nurse_client.get(page_url(universe.patient))
    assert response.status_code == 200
    page = text_of(response.content.decode())
    assert "Who is their named clinician?" in page
    assert "Tom Ashby GP" in page and "Nia Evans Practice nurse" in page and "No named clinician" in page
    assert "Mo Manager" not in page and "Hana Assistant" not in page  # not clinical staff who lead care
    assert "Now: no named clinician" in page
    assert AuditEvent.objects.filter(what="patient.named_clinician", patient_id=universe.patient.pk,
                                     action="view").exists()


def test_choosing_then_taking_away_the_named_clinician(universe, nurse_client, gp):
    response = post(nurse_client, universe.patient, clinician=str(gp.pk), seen="none")
    assert response.status_code == 302
    assert response.url == reverse("patients:summary", args=[universe.patient.pk])
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician == gp
    assert AuditEvent.objects.filter(what="patient", action="update", patient_id=universe.patient.pk,
                                     detail={"fields": ["named_clinician"]}).count() == 1
    summary = text_of(nurse_client.get(response.url).content.decode())
    assert f"Tom Ashby is now {universe.patient.full_name}'s named clinician." in summary
    response = post(nurse_client, universe.patient, clinician="none", seen=str(gp.pk))
    assert response.status_code == 302
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician is None


def test_a_choice_made_after_someone_else_changed_it_is_refused(universe, nurse_client, gp):
    seen = nurse_client.get(page_url(universe.patient)).content.decode()
    assert 'name="seen" value="none"' in seen
    actions.set_named_clinician(patient=universe.patient, by=universe.admin, clinician=universe.nurse)
    response = post(nurse_client, universe.patient, clinician=str(gp.pk), seen="none")
    assert response.status_code == 409
    page = text_of(response.content.decode())
    assert "Someone else changed the named clinician while you were choosing." in page
    assert "Now: Nia Evans, Practice nurse." in page  # what it is now, to choose again from
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician == universe.nurse
    # A damaged "seen" is refused the same way.
    assert post(nurse_client, universe.patient, clinician=str(gp.pk), seen="x").status_code == 409
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician == universe.nurse


def test_the_action_refuses_a_stale_choice(universe, gp):
    actions.set_named_clinician(patient=universe.patient, by=None, clinician=gp, seen=None)
    with pytest.raises(actions.NamedClinicianChanged):
        actions.set_named_clinician(patient=universe.patient, by=None, clinician=universe.nurse, seen=None)
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician == gp


@pytest.mark.parametrize("who", ["manager", "hca", "admin", "other_nurse", "left", "nobody", ""])
def test_someone_who_is_not_clinical_staff_here_cannot_be_chosen(universe, nurse_client, who):
    people = {
        "manager": core_actions.add_staff(practice=universe.practice, username="mgr", role=Role.MANAGER, by=None),
        "hca": core_actions.add_staff(practice=universe.practice, username="hca", role=Role.HCA, by=None),
    }
    left = core_actions.add_staff(practice=universe.practice, username="gone", role=Role.GP, by=None)
    left.memberships.update(left_on="2026-06-01")
    ids = {**{k: str(v.pk) for k, v in people.items()}, "admin": str(universe.admin.pk),
           "other_nurse": str(universe.other_nurse.pk), "left": str(left.pk), "nobody": "999999", "": ""}
    response = post(nurse_client, universe.patient, clinician=ids[who], seen="none")
    assert response.status_code == 400
    assert "Choose their named clinician, or no named clinician" in text_of(response.content.decode())
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician is None


def test_another_practices_person_is_not_found(universe, nurse_client):
    assert nurse_client.get(page_url(universe.foreign_patient)).status_code == 404
    assert post(nurse_client, universe.foreign_patient, clinician="none", seen="none").status_code == 404
    assert not AuditEvent.objects.filter(patient_id=universe.foreign_patient.pk, action="view").exists()


def test_administrators_keep_the_list_and_go_back_to_the_persons_administrative_page(universe, client):
    client.force_login(universe.admin)
    response = post(client, universe.patient, clinician=str(universe.nurse.pk), seen="none")
    assert response.status_code == 302
    assert response.url == reverse("recall:person", kwargs={"patient_id": universe.patient.pk})
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician == universe.nurse


def test_who_may_change_it_is_whoever_may_see_who_the_person_is(universe, client):
    """VIEW_PATIENT: every role holds it today (administrators keep the list). Someone signed in who
    does not work at the practice cannot change it: they work nowhere here (choose a practice) or at
    another practice (not found)."""
    rule = URL_ACCESS["patients:named_clinician"]
    assert rule.read == rule.change == Capability.VIEW_PATIENT
    assert not can(frozenset(), rule.change)
    from tandem.core.models import User
    client.force_login(User.objects.create_user(username="between-jobs"))
    response = post(client, universe.patient, clinician=str(universe.nurse.pk), seen="none")
    assert response.status_code == 302 and "practice" in response.url
    client.force_login(universe.other_nurse)
    assert post(client, universe.patient, clinician="none", seen="none").status_code == 404
    assert Patient.objects.get(pk=universe.patient.pk).named_clinician is None


def test_a_return_address_from_elsewhere_is_not_followed(universe, nurse_client):
    response = nurse_client.post(page_url(universe.patient) + "?back=//evil.example/",
                                 {"clinician": "none", "seen": "none"})
    assert response.status_code == 302 and response.url.startswith("/") and "evil" not in response.url


# --- The banner ----------------------------------------------------------------------------------


def test_the_banner_names_the_clinician_with_their_role(universe, nurse_client, gp):
    actions.set_named_clinician(patient=universe.patient, by=None, clinician=gp)
    summary = text_of(nurse_client.get(reverse("patients:summary", args=[universe.patient.pk])).content.decode())
    banner = summary[:summary.index("Long-term conditions")]
    assert "Named clinician Tom Ashby, GP" in banner
    page = text_of(nurse_client.get(page_url(universe.patient)).content.decode())
    assert "Named clinician Tom Ashby, GP" in page


def test_the_banner_says_when_there_is_no_named_clinician(universe, nurse_client):
    summary = text_of(nurse_client.get(reverse("patients:summary", args=[universe.patient.pk])).content.decode())
    assert "Named clinician No named clinician" in summary


def test_the_banner_never_reads_the_clinician_itself(universe, gp, django_assert_num_queries):
    """A list of people (search results) that did not read the clinician shows nothing rather than
    asking the database once per row."""
    actions.set_named_clinician(patient=universe.patient, by=None, clinician=gp)
    patient = Patient.objects.get(pk=universe.patient.pk)
    with django_assert_num_queries(0):
        assert presenters.banner(patient, today=universe.patient.registered_on or patient.date_of_birth)\
            .named_clinician is None
    nobody = Patient.objects.get(pk=universe.foreign_patient.pk)
    assert presenters.banner(nobody, today=nobody.date_of_birth).named_clinician == ""


@pytest.fixture
def named(universe, gp):
    actions.set_named_clinician(patient=universe.patient, by=None, clinician=gp)
    return universe.patient


@pytest.mark.parametrize("url_of", [
    lambda p: reverse("recall:person", kwargs={"patient_id": p.pk}),
    lambda p: reverse("recall:review", kwargs={"patient_id": p.pk}),
    lambda p: reverse("careplans:plan", args=[p.pk]),
], ids=["recall person", "recall review", "written plan"])
def test_the_banner_on_other_pages_about_one_person_names_the_clinician(universe, nurse_client, named, url_of):
    response = nurse_client.get(url_of(named))
    assert response.status_code == 200
    page = response.content.decode()
    banner = page[page.index('class="tandem-patient-banner"'):]
    banner = text_of(banner[:banner.index("</dl>")])
    assert "Named clinician Tom Ashby, GP" in banner


def test_the_administrative_page_links_to_choosing_the_named_clinician(universe, client, named):
    client.force_login(universe.admin)
    page = client.get(reverse("recall:person", kwargs={"patient_id": named.pk})).content.decode()
    assert f'href="{page_url(named)}"' in page


def test_the_task_page_names_the_persons_clinician(universe, nurse_client, named):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.models import Task
    from tandem.careplans.rules.document import Plan, Referral

    plan_actions.save_plan(patient=named, by=universe.nurse, base_version=0, plan=Plan(
        referrals=(Referral(id="", what="Check inhaler technique", to_role=Role.NURSE.value),)))
    task = Task.objects.get(patient=named)
    page = text_of(nurse_client.get(reverse("careplans:task", kwargs={"task_pk": task.pk})).content.decode())
    assert "Named clinician Tom Ashby" in page


def test_the_day_list_names_each_persons_clinician(client, day):  # noqa: F811
    """Read with the appointments (select_related): tests/booking pins the day list's queries."""
    from tandem.core import clock
    from tests.booking.test_day_list import WEDNESDAY, page, plain, rows

    actions.set_named_clinician(patient=day.four, by=None, clinician=day.nurse)
    client.force_login(day.hca)
    with clock.frozen(dt.datetime(2026, 6, 17, 8, 30)):
        found = [plain(r) for r in rows(page(client, day=WEDNESDAY.isoformat(), staff="all"))]
    assert any(day.four.full_name in r and f"Named clinician: {day.nurse.display_name}" in r for r in found)
    assert any(day.two.full_name in r and "Named clinician: none" in r for r in found)
