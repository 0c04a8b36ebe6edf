"""The practice's continuity figures from the database: the same answers as the spec table, the
contacts that count, care plan or not, the named clinician, practice scoping, and the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.careplans import actions as careplan_actions
from tandem.careplans.rules.document import Plan
from tandem.continuity import queries, rules
from tandem.core import actions as core_actions
from tandem.core import clock
from tandem.core.rules import Role
from tandem.patients import actions as patient_actions
from tandem.patients.models import Encounter
from tandem.patients.rules import nhs_check_digit
from tests.perf.test_query_counts import _count

from .test_rules import SPEC


def _person(u, n: int, *, practice=None):
    first_nine = next(f"9990{n:03d}{i:02d}" for i in range(100) if nhs_check_digit(f"9990{n:03d}{i:02d}") is not None)
    return patient_actions.register_patient(
        practice=practice or u.practice, by=None, nhs_number=f"{first_nine}{nhs_check_digit(first_nine)}", given_name=f"Person{n}",
        family_name="Test", date_of_birth=dt.date(1950, 1, 1), sex="female")


def _seen(u, patient, sequence: str, *, practice=None, **extra) -> None:
    """Contacts in date order, one a week, ending yesterday: A is the GP, other letters imported
    practitioners (by reference)."""
    today = clock.today()
    start = today - dt.timedelta(weeks=len(sequence))
    Encounter.objects.bulk_create(
        Encounter(practice=practice or u.practice, patient=patient, date=start + dt.timedelta(weeks=i),
                  clinician=u.gp if c == "A" else None, clinician_ref="" if c == "A" else f"Practitioner/{c}",
                  **extra)
        for i, c in enumerate(sequence))


def queries_for(client, path: str) -> int:
    """The page's own queries: beyond the two every signed-in request makes (the session, then the
    user with their practices), which tests/perf/test_query_counts.py pins."""
    return _count(client, path) - 2


@pytest.fixture
def u(universe):
    universe.gp = core_actions.add_staff(practice=universe.practice, username="gp", role=Role.GP, by=None,
                                         password="correct-horse-battery", first_name="Sam", last_name="Lee")
    return universe


@pytest.mark.parametrize(("seen", "upc", "coc", "secon"), SPEC)
def test_the_database_gives_the_spec_tables_answers(u, seen, upc, coc, secon):
    _seen(u, u.patient, seen)
    found = queries.people(u.practice, today=clock.today())[u.patient.pk].indices
    assert found == rules.indices(list(seen))
    assert found.upc == pytest.approx(upc, abs=0.005)
    assert found.coc == pytest.approx(coc, abs=0.005)
    assert found.secon == pytest.approx(secon)


def test_only_attended_contacts_in_the_last_two_years_with_a_known_clinician_count(u):
    today = clock.today()
    _seen(u, u.patient, "AA")
    _seen(u, u.patient, "BB", status=Encounter.Status.DNA)
    _seen(u, u.patient, "BB", status=Encounter.Status.CANCELLED)
    Encounter.objects.create(practice=u.practice, patient=u.patient, date=today + dt.timedelta(days=3),
                             clinician_ref="Practitioner/B", status=Encounter.Status.BOOKED)
    Encounter.objects.create(practice=u.practice, patient=u.patient, date=queries.window_start(today)
                             - dt.timedelta(days=1), clinician_ref="Practitioner/B")
    Encounter.objects.create(practice=u.practice, patient=u.patient, date=today, clinician_role="nurse")
    Encounter.objects.create(practice=u.practice, patient=u.patient, date=queries.window_start(today),
                             kind=Encounter.Kind.HOME_VISIT, clinician=u.gp)
    person = queries.people(u.practice, today=today)[u.patient.pk]
    assert (person.contacts, person.indices.upc) == (3, 1.0)


def test_a_member_of_staff_is_one_clinician_whatever_reference_their_contacts_carry(u):
    _seen(u, u.patient, "AA")
    Encounter.objects.filter(patient=u.patient).update(clinician_ref="Practitioner/x")
    Encounter.objects.filter(patient=u.patient).order_by("date").filter(
        pk=Encounter.objects.filter(patient=u.patient).order_by("date").first().pk).update(clinician_ref="")
    assert queries.people(u.practice, today=clock.today())[u.patient.pk].indices.coc == 1.0


def test_the_practice_splits_people_with_a_care_plan_from_people_without(u):
    with_plan, without = _person(u, 101), _person(u, 102)
    _seen(u, with_plan, "AAAB")
    _seen(u, without, "ABCD")
    _seen(u, u.patient, "A")  # one contact: not worked out
    careplan_actions.save_plan(patient=with_plan, by=u.nurse, base_version=0, plan=Plan(agreed_with_person=True))
    figures = queries.practice_continuity(u.practice, today=clock.today())
    assert (figures.everyone.people, figures.everyone.too_few) == (2, 1)
    assert (figures.with_plan.people, figures.with_plan.upc, figures.with_plan.secon) == (1, 0.75, 2 / 3)
    assert (figures.without_plan.people, figures.without_plan.upc, figures.without_plan.coc) == (1, 0.25, 0.0)
    assert figures.everyone.upc == 0.5
    assert figures.contacts == 9


def test_how_often_people_saw_their_named_clinician(u):
    patient_actions.set_named_clinician(patient=u.patient, by=None, clinician=u.gp)
    other = _person(u, 103)
    _seen(u, u.patient, "AAAB")
    _seen(u, other, "AAAA")  # no named clinician: not in the share
    named = queries.practice_continuity(u.practice, today=clock.today()).named
    assert (named.people, named.contacts, named.with_named, named.share) == (1, 4, 3, 0.75)


def test_another_practices_contacts_are_not_counted(u):
    _seen(u, u.foreign_patient, "AABB", practice=u.other_practice)
    assert queries.people(u.practice, today=clock.today()) == {}
    assert queries.practice_continuity(u.practice, today=clock.today()).everyone.people == 0


def test_the_page_shows_the_practices_figures_in_a_fixed_number_of_queries(u, client):
    client.force_login(u.nurse)
    patient_actions.set_named_clinician(patient=u.patient, by=None, clinician=u.gp)
    _seen(u, u.patient, "AAAB")
    client.get(reverse("continuity:practice"))  # the first request of a test reads what later ones keep
    before = queries_for(client, reverse("continuity:practice"))
    for n in range(104, 110):
        _seen(u, _person(u, n), "ABAB")
    # the contacts grouped by clinician, the contacts in date order, the audit row
    assert queries_for(client, reverse("continuity:practice")) == before == 3
    page = " ".join(client.get(reverse("continuity:practice")).content.decode().split())
    assert "Continuity of care" in page
    assert "3 (75%)</strong> were with their named clinician" in page
    assert "PMC10229170" in page


def test_the_page_says_when_there_is_nothing_to_work_out(u, client):
    client.force_login(u.nurse)
    page = client.get(reverse("continuity:practice")).content.decode()
    assert "continuity cannot be worked out yet" in page


def test_administrators_cannot_open_the_page(u, client):
    client.force_login(u.admin)
    assert client.get(reverse("continuity:practice")).status_code == 403


def test_a_synthetic_practice_shows_continuity_and_its_named_clinicians(u):
    from tandem.synth.load import (
        SynthError,
        assign_named_clinicians,
        link_clinicians,
        load_practice,
    )

    load_practice(practice=u.practice, patients=60, seed=2, by=None)
    assign_named_clinicians(practice=u.practice, clinicians=[u.gp])
    linked = link_clinicians(practice=u.practice, clinicians={"synth-gp-1": u.gp})
    assert linked == Encounter.objects.filter(practice=u.practice, clinician=u.gp).count() > 0
    figures = queries.practice_continuity(u.practice, today=clock.today())
    assert figures.everyone.people > 10
    assert 0 < figures.named.share < 1
    with pytest.raises(SynthError):
        link_clinicians(practice=u.practice, clinicians={"synth-gp-2": u.other_nurse})
