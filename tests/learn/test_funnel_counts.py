"""The care planning cycle counted step by step, on a small practice built through the actions
(tests/prepare/conftest.py: six people on registers at Riverside, conversations booked in June 2026).

    Arthur    diabetes, hypertension  invited, came to tests, pack sent, agenda returned, plan made (not agreed)
    Beatrice  COPD                    invited, came to tests, pack sent, plan agreed, copy given, check-in answered
    Colin, Dilys, Edwin, Fatima       on a register, due; the July ones invited
Hillview's Brian is on a register too, with a plan: he never appears in Riverside's figures or lists.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import clock
from tests.checkins.conftest import agreed_plan
from tests.prepare.conftest import booked, planned, recall  # noqa: F401

D = dt.date


@pytest.fixture
def cycle(booked):  # noqa: F811
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.models import PlanVersion
    from tandem.careplans.rules.document import Plan
    from tandem.checkins.models import CheckIn
    from tandem.prepare import actions as prepare_actions
    from tandem.prepare.actions import agenda
    from tandem.recall import actions as recall_actions
    from tests.recall.conftest import review_of

    u = booked
    recall_actions.send_due_invitations(practice=u.practice, month=D(2026, 7, 1), by=u.admin, today=D(2026, 6, 3))
    for who in (u.arthur, u.beatrice):
        recall_actions.record_response(review=review_of(who), response="booked", by=u.admin,
                                       appointment_on=D(2026, 6, 1), appointment_time=dt.time(9))
        recall_actions.record_response(review=review_of(who), response="attended", by=u.admin, on=D(2026, 6, 1))
    prepare_actions.send_packs(practice=u.practice, by=u.admin, day=None, month=D(2026, 6, 1))
    agenda.record_agenda(conversation=u.arthur_talk, reply=agenda.Reply(what_matters="Sleep"),
                         via="online", by=None)
    with clock.frozen(D(2026, 6, 23)):
        plan_actions.save_plan(patient=u.arthur, by=u.nurse, plan=Plan(information="Walking"), base_version=0,
                               conversation=u.arthur_talk)
    with clock.frozen(D(2026, 6, 24)):
        u.version = plan_actions.save_plan(patient=u.beatrice, by=u.nurse, plan=agreed_plan(u), base_version=0,
                                           conversation=u.beatrice_talk).version
        plan_actions.record_copy_given(version=u.version, by=u.nurse, how="printed")
    now = clock.now()
    CheckIn.objects.create(  # answered (what tandem.checkins.actions.record_answer leaves)
        practice=u.practice, patient=u.beatrice, version=u.version, number=1, channel="phone", caller=u.nurse,
        opened_on=D(2026, 7, 24), closes_on=D(2026, 7, 31), created_at=now, questionnaire={}, questions={},
        status=CheckIn.Status.ANSWERED, answered_at=now)
    # Hillview: Brian on a register with an agreed plan, which must never count at Riverside.
    from tandem.patients import actions as patient_actions
    from tandem.registers import actions as register_actions
    from tests.recall.conftest import code_for
    patient_actions.record_condition(patient=u.foreign_patient, by=None, code=code_for("asthma"),
                                     onset_date=D(2015, 1, 1))
    register_actions.refresh_practice(practice=u.other_practice, by=None)
    with clock.frozen(D(2026, 6, 10)):
        plan_actions.save_plan(patient=u.foreign_patient, by=u.other_nurse, base_version=0,
                               plan=Plan(information="Inhaler", agreed_with_person=True, held_on="2026-06-10",
                                         agreed_on="2026-06-10"))
    assert PlanVersion.objects.filter(practice=u.other_practice).exists()
    return u


def counts(u, **filters):
    from tandem.learn import funnel_queries as fq

    return {s.key: s.count for s in fq.funnel(u.practice, year=2026, filters=fq.Filters(**filters))}


def test_each_step_counts_the_people_who_reached_it(cycle):
    assert counts(cycle) == {"on_register": 6, "due": 6, "invited": 4, "tests_done": 2, "pack_sent": 2,
                             "agenda": 1, "held": 2, "agreed": 1, "copy": 1, "checkin": 1}


def test_another_year_counts_nothing_of_this_one(cycle):
    from tandem.learn import funnel_queries as fq

    got = {s.key: s.count for s in fq.funnel(cycle.practice, year=2025)}
    assert got["on_register"] == 6  # the registers as they stand
    assert sum(got.values()) == 6


@pytest.mark.parametrize(("filters", "held", "on_register"), [
    ({"condition": "copd"}, 1, 1),
    ({"condition": "hypertension"}, 1, 2),
    ({"conditions": "2"}, 1, 1),  # Arthur: diabetes and hypertension
    ({"conditions": "1"}, 1, 5),
    ({"age": "70_79"}, 1, 1),  # Arthur, 76 on 1 April 2026
    ({"age": "60_69"}, 1, 1),  # Beatrice, 65
    ({"age": "80_plus"}, 0, 1),  # Edwin, 80
    ({"ethnicity": "not_recorded"}, 2, 6),
    ({"ethnicity": "white"}, 0, 0),
    ({"imd": "not_recorded"}, 2, 6),
    ({"imd": "1"}, 0, 0),
])
def test_filters_choose_the_people_counted(cycle, filters, held, on_register):
    got = counts(cycle, **filters)
    assert (got["held"], got["on_register"]) == (held, on_register)


def test_sex_imd_and_ethnicity_filters_read_the_record(cycle):
    from tandem.patients.models import Patient

    Patient.objects.filter(pk=cycle.beatrice.pk).update(sex="female", imd_decile=2, ethnicity="N")
    assert counts(cycle, sex="female")["agreed"] == 1
    assert counts(cycle, sex="male")["agreed"] == 0
    assert counts(cycle, imd="1")["copy"] == 1
    assert counts(cycle, ethnicity="black")["checkin"] == 1
    assert counts(cycle, ethnicity="not_recorded")["checkin"] == 0


def test_a_filter_value_not_in_the_list_is_refused():
    from tandem.learn import funnel_queries as fq

    with pytest.raises(fq.BadFilter):
        fq.read_filters({"age": "12_13"}, {"copd": "COPD"})
    with pytest.raises(fq.BadFilter):
        fq.read_filters({"condition": "x" * 10_000}, {"copd": "COPD"})
    assert fq.read_filters({"condition": "copd", "sex": ""}, {"copd": "COPD"}) == fq.Filters(condition="copd")


def test_the_gap_by_month_counts_each_person_once_in_their_first_month(cycle):
    from tandem.learn import funnel_queries as fq

    months = fq.gap_by_month(cycle.practice, year=2026, today=D(2026, 6, 15))
    assert [(m.month, m.held, m.written, m.gap) for m in months] == [
        (D(2026, 4, 1), 0, 0, 0), (D(2026, 5, 1), 0, 0, 0), (D(2026, 6, 1), 2, 1, 1)]


def test_the_people_at_a_step_are_this_practices_only(cycle):
    from tandem.learn import funnel_queries as fq

    total, people = fq.people_at_step(cycle.practice, year=2026, step="agreed")
    assert (total, [p.patient_id for p in people]) == (1, [cycle.beatrice.pk])
    total, people = fq.people_at_step(cycle.other_practice, year=2026, step="agreed")
    assert (total, [p.patient_id for p in people]) == (1, [cycle.foreign_patient.pk])
    total, people = fq.people_at_step(cycle.practice, year=2026, step="on_register", offset=4, limit=4)
    assert total == 6 and [p.family_name for p in people] == ["Ford", "Green"]
