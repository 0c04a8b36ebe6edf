"""Staff time (capacity) is worked out in the database: the reviews are grouped by what their minutes
depend on and each kind of person is planned once. These tests hold it to the same answer as
working out every person's plan one by one."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import derived
from tandem.recall import queries, stored
from tandem.recall.models import Review
from tandem.recall.rules import capacity as capacity_rules
from tandem.recall.rules import dates
from tandem.recall.rules.status import OPEN, Status

from .crowd import crowd

D = dt.date
TODAY = D(2026, 6, 15)
MONTHS = [D(2026, 6, 1), D(2026, 7, 1)]


def each_person(practice, statuses, months):
    """The answer one person at a time: every review's plan from that person's own facts."""
    reviews = list(Review.objects.filter(practice=practice, review_year=2026, status__in=statuses,
                                         patient__registration_status="registered"))
    facts = queries.person_facts(practice, [r.patient_id for r in reviews])
    this = dates.first_of_month(TODAY)
    out = {}
    for month in months:
        plans = [queries.plan_for(facts.get(r.patient_id, queries.PersonFacts()), today=TODAY) for r in reviews
                 if (r.due_month <= month if month == this else r.due_month == month)]
        out[month] = plans
    return out


@pytest.fixture
def crowded(universe):
    from tandem.recall import actions

    crowd(universe.practice, 44)
    crowd(universe.other_practice, 11, start=44)  # another practice's people never count here
    actions.save_settings(practice=universe.practice, by=None, change=actions.SettingsChange(
        scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
        response_wait_days=14, hca_minutes=120, nurse_minutes=200, pharmacist_minutes=0, gp_minutes=30))
    return universe


def test_staff_time_needed_is_the_sum_of_everyone_s_plans(crowded):
    practice = crowded.practice
    expected = each_person(practice, [s.value for s in OPEN], MONTHS)
    available = queries.settings_for(practice).available()
    found = queries.capacity(practice=practice, months=MONTHS, today=TODAY)
    assert found == [capacity_rules.month_capacity(m, expected[m], available) for m in MONTHS]
    june, july = found
    assert june.people == 20 and july.people == 12  # June carries April's and May's open reviews
    assert june.hca_minutes > 0 and june.clinician_minutes > june.hca_minutes


def test_a_longer_appointment_or_recent_spirometry_changes_the_minutes(crowded):
    """A spirometry result or a "longer appointment" adjustment, once recorded, changes the minutes at
    once: what the board keeps about the person is written with the record."""
    from tandem.patients import actions as patient_actions
    from tandem.patients.models import Patient

    practice = crowded.practice
    before = queries.capacity(practice=practice, months=MONTHS, today=TODAY)[0]
    copd = (Review.objects.filter(practice=practice, due_month=D(2026, 6, 1), status="planned",
                                  patient__register_memberships__register="copd")
            .exclude(patient__observations__concept="fev1", patient__observations__effective_date__gt=D(2025, 6, 15))
            .first())
    assert copd is not None
    person = Patient.objects.get(pk=copd.patient_id)
    patient_actions.record_observation(patient=person, by=None, concept="fev1", effective_date=D(2026, 6, 1),
                                       value=2.1)
    patient_actions.set_reasonable_adjustment(patient=person, by=None, kind="longer_appointment")
    after = queries.capacity(practice=practice, months=MONTHS, today=TODAY)[0]
    spirometry, longer = 30, 10  # spirometry is no longer due; the conversation is 10 minutes longer
    assert after.hca_minutes == before.hca_minutes
    assert after.clinician_minutes == before.clinician_minutes - spirometry + longer
    expected = each_person(practice, [s.value for s in OPEN], MONTHS)
    assert after.hca_minutes == sum(p.hca_minutes for p in expected[MONTHS[0]])


def test_minutes_already_promised_match_everyone_s_plans(crowded):
    practice = crowded.practice
    promised = [Status.INVITED.value, Status.BOOKED.value, Status.DID_NOT_ATTEND.value]
    months = [D(2026, 6, 1), D(2026, 7, 1), D(2026, 9, 1)]
    expected = each_person(practice, promised, months)
    found = queries.committed_minutes(practice, months=months, today=TODAY)
    assert found == {m: (sum(p.hca_minutes for p in expected[m]), sum(p.clinician_minutes for p in expected[m]))
                     for m in months}
    assert found[D(2026, 6, 1)][0] > 0


def test_months_before_this_one_are_counted_on_their_own(crowded):
    practice = crowded.practice
    months = [D(2026, 4, 1), D(2026, 6, 1)]
    expected = each_person(practice, [s.value for s in OPEN], months)
    available = queries.settings_for(practice).available()
    assert queries.capacity(practice=practice, months=months, today=TODAY) == [
        capacity_rules.month_capacity(m, expected[m], available) for m in months]


def test_the_board_s_summary_gives_the_same_counts_staff_time_and_list_length(crowded):
    """The board reads its counts per status, its staff time and the length of its unfiltered list in
    one statement: the same numbers as counting each on its own, with a review no longer needed and a
    person who has left the practice (neither is counted; the withdrawn review is counted per status)."""
    from tandem.patients.models import Patient

    practice = crowded.practice
    june = Review.objects.filter(practice=practice, due_month=MONTHS[0], status="planned").order_by("pk")
    Review.objects.filter(pk=june[0].pk).update(status=Status.WITHDRAWN)
    Patient.objects.filter(pk=june[1].patient_id).update(registration_status="left")
    derived.changed(None, practice_id=practice.pk, patient_ids=[june[1].patient_id],  # as the import recording it does
                    what={derived.REGISTRATION})
    summary = queries.board_summary(practice, today=TODAY)
    assert summary.counts == queries.status_counts(practice, months=MONTHS, today=TODAY)
    assert summary.counts[MONTHS[0]][Status.WITHDRAWN] == 1
    assert queries.capacity(practice=practice, months=MONTHS, today=TODAY, summary=summary) == \
        queries.capacity(practice=practice, months=MONTHS, today=TODAY)
    expected = each_person(practice, [s.value for s in OPEN], MONTHS)
    assert [summary.minutes[m] for m in MONTHS] == [
        (len(expected[m]), sum(p.hca_minutes for p in expected[m]), sum(p.clinician_minutes for p in expected[m]))
        for m in MONTHS]
    listed = queries.board_queryset(practice, queries.BoardFilters(), today=TODAY)
    assert summary.listed == listed.count() == sum(
        n for m in MONTHS for status, n in summary.counts[m].items() if status != Status.WITHDRAWN)


def test_the_board_summary_of_each_practice_counts_its_own_reviews_whichever_is_read_first(crowded):
    """The summary's statement is written once per practice and day, then run again: read in turn, and
    again after a change, each practice's summary is its own and up to date."""
    mine, theirs = crowded.practice, crowded.other_practice
    for _ in range(2):
        for practice in (mine, theirs, mine):
            listed = queries.board_queryset(practice, queries.BoardFilters(), today=TODAY).count()
            summary = queries.board_summary(practice, today=TODAY)
            assert summary.listed == listed > 0
            assert summary.counts == queries.status_counts(practice, months=MONTHS, today=TODAY)
        Review.objects.filter(practice=mine, due_month=MONTHS[0], status="planned").update(status=Status.INVITED)
        stored.touched(mine.pk)  # as every write to the reviews does: the summary is worked out afresh
    assert queries.board_summary(mine, today=TODAY).counts[MONTHS[0]].get("planned", 0) == 0
