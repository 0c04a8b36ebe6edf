"""Reads whose SQL is built once per process (tandem.core.compiled) answer exactly what the ORM
answers, for every person they are run for: the SQL is kept, the ids and dates are not."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import clock
from tandem.core.compiled import CompiledRead
from tandem.patients import actions, presenters, queries
from tandem.patients.models import Encounter, Observation
from tests.browser.people import multimorbid_patient


def _encounters(practice, pk, since):
    return Encounter.objects.filter(practice_id=practice, patient_id=pk, date__gte=since).order_by("-date", "-pk")


def test_a_compiled_read_answers_what_the_orm_answers_for_each_person_and_date(universe):
    dorothy = multimorbid_patient(practice=universe.practice, by=universe.nurse)
    margaret = universe.patient
    for day in (dt.date(2025, 1, 1), dt.date(2026, 3, 1)):
        actions.record_encounter(patient=margaret, by=None, date=day)
    models = CompiledRead(_encounters, "practice", "pk", dates=("since",), models=True)
    values = CompiledRead(lambda practice, pk: Observation.objects.filter(practice_id=practice, patient_id=pk)
                          .order_by("concept", "-effective_date", "-pk")
                          .values_list("concept", "effective_date", "value"), "practice", "pk")
    for patient in (dorothy, margaret, universe.foreign_patient):
        for since in (dt.date(2000, 1, 1), dt.date(2025, 6, 1), dt.date(2030, 1, 1)):
            read = models.run(practice=universe.practice.pk, pk=patient.pk, since=since)
            expected = list(_encounters(universe.practice.pk, patient.pk, since))
            assert [(e.pk, e.date, e.status, e.kind) for e in read] == [(e.pk, e.date, e.status, e.kind)
                                                                      for e in expected]
            assert all(isinstance(e.date, dt.date) for e in read)
        assert values.run(practice=universe.practice.pk, pk=patient.pk) == list(
            Observation.objects.filter(practice=universe.practice, patient=patient)
            .order_by("concept", "-effective_date", "-pk").values_list("concept", "effective_date", "value"))
    # Another practice's person is never read through this practice, however the SQL was built.
    assert models.run(practice=universe.practice.pk, pk=universe.foreign_patient.pk, since=dt.date(2000, 1, 1)) == []


def test_an_argument_that_is_not_a_plain_parameter_is_refused():
    read = CompiledRead(lambda practice, pk: Observation.objects.filter(practice_id=practice), "practice", "pk")
    with pytest.raises(ValueError, match="not used"):
        read.run(practice=1, pk=2)


def test_one_summary_after_another_shows_each_person_their_own_record(universe):
    today = clock.today()
    dorothy = multimorbid_patient(practice=universe.practice, by=universe.nurse)
    actions.set_named_clinician(patient=dorothy, by=None, clinician=universe.nurse)
    window = {"contacts_since": presenters.contacts_since(today), "observations_since": presenters.observations_since(today)}
    first = queries.patient_summary(practice=universe.practice, pk=dorothy.pk, by=universe.nurse, **window)
    second = queries.patient_summary(practice=universe.practice, pk=universe.patient.pk, by=universe.nurse, **window)
    assert first.patient.pk == dorothy.pk and first.conditions and first.observations and first.medications
    assert first.patient.named_clinician == universe.nurse and first.named_clinician_role == "nurse"
    assert second.patient.pk == universe.patient.pk
    assert (second.conditions, second.observations, second.medications) == ([], [], [])
    assert second.patient.named_clinician is None and second.named_clinician_role == ""
    # What the workspace goes on to read through the person is what was read, with no more queries.
    assert list(first.patient.related_people.all()) == list(dorothy.related_people.order_by("pk"))
    assert {h.pk for h in first.patient.hospital_events.all()} == set(dorothy.hospital_events.values_list("pk", flat=True))


def test_a_named_clinician_who_has_left_the_practice_is_named_without_a_role(universe):
    from tandem.core.models import Membership

    today = clock.today()
    actions.set_named_clinician(patient=universe.patient, by=None, clinician=universe.nurse)
    Membership.objects.filter(user=universe.nurse, practice=universe.practice).delete()
    record = queries.patient_summary(practice=universe.practice, pk=universe.patient.pk, by=universe.admin,
                                     contacts_since=presenters.contacts_since(today),
                                     observations_since=presenters.observations_since(today))
    assert record.patient.named_clinician == universe.nurse
    assert record.named_clinician_role == ""


def test_register_facts_from_the_summarys_read_are_those_read_afresh(universe):
    """The summary works out the register facts from the conditions it has read (only frailty is
    read again): the same answer as reading them afresh, for every kind of record."""
    from tandem.patients import facts as record_facts
    from tandem.registers import actions as register_actions

    today = clock.today()
    dorothy = multimorbid_patient(practice=universe.practice, by=universe.nurse)
    edith = multimorbid_patient(practice=universe.practice, by=None, nhs_number="9990000042", given_name="Edith")
    actions.record_condition(patient=edith, by=None, code="38341003", onset_date=dt.date(2010, 1, 1),
                             resolved_date=dt.date(2015, 1, 1))
    register_actions.refresh_practice(practice=universe.practice, by=None)
    window = {"contacts_since": presenters.contacts_since(today), "observations_since": presenters.observations_since(today)}
    assert record_facts.for_patient(universe.practice, dorothy.pk, today=today).frailty  # 79: assessed
    for patient in (dorothy, edith, universe.patient):
        record = queries.patient_summary(practice=universe.practice, pk=patient.pk, by=universe.nurse, **window)
        for day in (today, dt.date(2012, 6, 1)):
            assert record_facts.for_record(universe.practice, record.patient, record.conditions, today=day) == \
                record_facts.for_patient(universe.practice, patient.pk, today=day)
