"""The workspace shows the person's risk tier from the record the page has already read (the
summary's), rather than reading it a second time: the tier it shows is the tier the registers' own
read gives, for people with every kind of record the tier counts, including events just inside and
just outside the windows it looks back over. And the conversation the plan is made in is the next one
booked, else the latest not cancelled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tandem.careplans.queries.workspace import conversation_for
from tandem.careplans.record import risk_record
from tandem.core import clock
from tandem.patients import actions
from tandem.patients import presenters as patient_presenters
from tandem.patients.queries import patient_summary
from tandem.registers import queries as register_queries
from tests.browser.people import multimorbid_patient

D = dt.date


def _record(practice, patient, by):
    today = clock.today()
    return patient_summary(practice=practice, pk=patient.pk, by=by,
                           contacts_since=patient_presenters.contacts_since(today),
                           observations_since=patient_presenters.observations_since(today))


def _both(practice, patient, by):
    today = clock.today()
    record = _record(practice, patient, by)
    thresholds = register_queries.thresholds_for(practice)
    ours = register_queries.assess_record(risk_record(record), today=today, thresholds=thresholds)
    theirs = register_queries.assess_record(register_queries.patient_record(patient), today=today,
                                            thresholds=thresholds)
    return ours, theirs


def test_the_tier_from_the_summarys_read_is_the_registers_tier(booked):
    u = booked
    for patient in (u.arthur, u.beatrice, u.colin, u.dilys, u.edwin, u.fatima, u.patient):
        ours, theirs = _both(u.practice, patient, u.nurse)
        assert ours == theirs, patient.given_name


@pytest.mark.parametrize("older", [False, True])
def test_a_full_record_gives_the_same_tier_either_way(universe, older):
    u = universe
    patient = multimorbid_patient(practice=u.practice, by=None, nhs_number="9990000247")  # with a carer
    today = clock.today()
    # Just inside (or, `older`, on and just outside) the 12 months the tier counts contacts over and
    # the 3 years it looks back for breathlessness and a low BMI; falls count whenever they were.
    a_year_ago, three_years_ago = D(today.year - 1, today.month, today.day), D(today.year - 3, today.month, today.day)
    edges = (a_year_ago, a_year_ago - dt.timedelta(days=2)) if older else (a_year_ago + dt.timedelta(days=2),)
    readings = ((three_years_ago, three_years_ago - dt.timedelta(days=2)) if older
                else (three_years_ago + dt.timedelta(days=2),))
    for day in edges:
        actions.record_hospital_event(patient=patient, by=None, kind="emergency", start_date=day)
        actions.record_hospital_event(patient=patient, by=None, kind="ae", start_date=day)
        for n in range(14):
            actions.record_encounter(patient=patient, by=None, date=day + dt.timedelta(days=n),
                                     kind="home_visit" if n % 3 == 0 else "face_to_face")
    actions.record_hospital_event(patient=patient, by=None, kind="emergency", start_date=D(2015, 1, 5),
                                  reason="Fall at home")
    actions.record_encounter(patient=patient, by=None, date=today + dt.timedelta(days=10), status="booked")
    for day in readings:
        actions.record_observation(patient=patient, by=None, concept="mrc_dyspnoea", value=4, effective_date=day)
        actions.record_observation(patient=patient, by=None, concept="bmi", value=17.5, effective_date=day)
    for n in range(12):
        actions.record_medication(patient=patient, by=None, name=f"Medicine {n}", start_date=D(2020, 1, 1 + n))
    from tandem.registers import actions as register_actions

    register_actions.refresh_practice(practice=u.practice, by=None)
    ours, theirs = _both(u.practice, patient, u.nurse)
    assert ours == theirs
    assert ours.placement is not None


def test_the_plan_is_made_in_the_next_conversation_booked_else_the_latest_not_cancelled(booked):
    from tandem.prepare import actions as prepare_actions

    u = booked
    tz = timezone.get_current_timezone()
    with clock.frozen(dt.datetime(2026, 6, 23, 11, 0, tzinfo=tz)):  # Arthur's has started: it still counts
        assert conversation_for(u.practice, u.arthur, now=clock.now()) == u.arthur_talk
    with clock.frozen(dt.datetime(2026, 6, 24, 9, 0, tzinfo=tz)):  # the day after: the latest one
        assert conversation_for(u.practice, u.arthur, now=clock.now()) == u.arthur_talk
    prepare_actions.cancel_conversation(conversation=u.beatrice_talk, by=u.admin)
    assert conversation_for(u.practice, u.beatrice, now=clock.now()) is None
    assert conversation_for(u.practice, u.edwin, now=clock.now()) is None
