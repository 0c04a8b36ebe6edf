"""What the recall board keeps on each review (the person's registers, registration, name, "longer
appointment" and last spirometry) follows the record at once, through every way the record changes,
and the board's counts are worked out afresh whenever the reviews change. The board reads reviews
alone, so it costs the same in a practice of 100,000 as in one of 1,000 (bench/load.py)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.core import clock, derived
from tandem.patients import actions as patient_actions
from tandem.patients.models import Patient
from tandem.recall import actions, queries, stored
from tandem.recall.models import Review
from tandem.registers import actions as register_actions
from tests.fhir.conftest import as_file, load
from tests.registers.builders import add_patient

from .conftest import code_for
from .crowd import crowd

D = dt.date
TODAY = D(2026, 6, 15)


def minutes_now(practice, review, today=TODAY) -> tuple[int, int]:
    """(HCA, clinician) minutes of one review as the board works them out, from what is stored."""
    plan = queries.plans_by_review(practice, Review.objects.filter(pk=review.pk), today=today)[review.pk]
    return plan.hca_minutes, plan.clinician_minutes


def minutes_from_the_record(practice, review, today=TODAY) -> tuple[int, int]:
    """The same, worked out from the person's record as it is (the rules' own answer)."""
    facts = queries.person_facts(practice, [review.patient_id]).get(review.patient_id, queries.PersonFacts())
    plan = queries.plan_for(facts, today=today)
    return plan.hca_minutes, plan.clinician_minutes


@pytest.fixture
def copd(universe):
    """A person with COPD and no spirometry, their review planned."""
    person = add_patient(universe.practice, D(1950, 3, 1), [("diagnosis", code_for("copd"), "2015-01-01")],
                         given="Iris", family="Moss")
    register_actions.refresh_practice(practice=universe.practice, by=None)
    actions.plan_reviews(practice=universe.practice, by=None)
    return Review.objects.get(patient=person)


def test_a_new_review_carries_the_person_s_facts(copd):
    assert (copd.registered, copd.family_name, copd.given_name, copd.registers, copd.longer, copd.when_due_last) == \
        (True, "Moss", "Iris", "copd", False, None)


def test_spirometry_recorded_takes_it_out_of_the_tests_at_once(universe, copd):
    before = minutes_now(universe.practice, copd)
    person = Patient.objects.get(pk=copd.patient_id)
    patient_actions.record_observation(patient=person, by=universe.nurse, concept="fev1",
                                       effective_date=D(2026, 6, 1), value=1.8)
    after = minutes_now(universe.practice, copd)
    assert after[1] < before[1]
    assert after == minutes_from_the_record(universe.practice, copd)
    assert Review.objects.get(pk=copd.pk).when_due_last == D(2026, 6, 1)


@pytest.mark.parametrize(("recorded", "today", "recent"), [
    (D(2025, 6, 15), D(2026, 6, 15), False),  # exactly twelve months ago: due again
    (D(2025, 6, 16), D(2026, 6, 15), True),  # a day less than twelve months: not due
    (D(2026, 6, 1), D(2027, 6, 1), False),  # the same record a year on, with nothing written meanwhile
    (D(2027, 2, 28), D(2028, 2, 29), False),  # a leap day: twelve months before is 28 February
    (D(2027, 3, 1), D(2028, 2, 29), True),
])
def test_whether_spirometry_is_recent_is_decided_on_the_day_read(universe, copd, recorded, today, recent):
    person = Patient.objects.get(pk=copd.patient_id)
    with clock.frozen(max(recorded, TODAY)):
        patient_actions.record_observation(patient=person, by=universe.nurse, concept="fev1",
                                           effective_date=recorded, value=1.8)
    found = minutes_now(universe.practice, copd, today=today)
    assert found == minutes_from_the_record(universe.practice, copd, today=today)
    due = minutes_now(universe.practice, copd, today=D(2040, 1, 1))  # long after: spirometry due
    assert (found != due) is recent


def test_a_longer_appointment_added_and_removed(universe, copd):
    person = Patient.objects.get(pk=copd.patient_id)
    before = minutes_now(universe.practice, copd)
    patient_actions.set_reasonable_adjustment(patient=person, by=universe.nurse, kind="longer_appointment")
    assert Review.objects.get(pk=copd.pk).longer
    assert minutes_now(universe.practice, copd)[1] > before[1]
    patient_actions.remove_reasonable_adjustment(patient=person, by=universe.nurse, kind="longer_appointment")
    assert not Review.objects.get(pk=copd.pk).longer
    assert minutes_now(universe.practice, copd) == before


def test_a_new_diagnosis_reaches_the_review_when_the_registers_are_refreshed(universe, copd):
    person = Patient.objects.get(pk=copd.patient_id)
    patient_actions.record_condition(patient=person, by=universe.nurse, code=code_for("heart_failure"),
                                     onset_date=D(2026, 5, 1))
    register_actions.refresh_practice(practice=universe.practice, by=None)
    review = Review.objects.get(pk=copd.pk)
    assert set(stored.registers_of(review.registers)) == {"copd", "heart_failure"}
    assert minutes_now(universe.practice, review) == minutes_from_the_record(universe.practice, review)


def test_nothing_is_kept_from_a_write_that_is_undone(universe, copd):
    person = Patient.objects.get(pk=copd.patient_id)
    with pytest.raises(RuntimeError), transaction.atomic():
        patient_actions.record_observation(patient=person, by=universe.nurse, concept="fev1",
                                           effective_date=D(2026, 6, 1), value=1.8)
        raise RuntimeError("the save failed after the result was written")
    assert Review.objects.get(pk=copd.pk).when_due_last is None
    assert stored.drift() == []


def run_import(universe, *files):
    from tandem.fhir import actions as fhir_actions

    return fhir_actions.import_files(files=list(files), practice=universe.practice, by=universe.admin)


def test_an_import_that_renames_someone_or_records_that_they_left(universe):
    """A person's name and registration come from the practice's record system (FHIR import): the
    board's list is in the new order at once, and someone who has left leaves the board and its counts."""
    from tandem.recall.rules import dates

    bundle = load("transaction_multimorbid.json")
    [report] = run_import(universe, as_file(bundle, "ashworth.json"))
    assert report.imported, report.problems
    crowd(universe.practice, 4)
    with clock.frozen(TODAY):
        register_actions.refresh_practice(practice=universe.practice, by=None)
        actions.plan_reviews(practice=universe.practice, by=None)
    doreen = Review.objects.get(patient__nhs_number="9990000034")
    Review.objects.filter(pk=doreen.pk).update(due_month=dates.first_of_month(TODAY))
    stored.touched(universe.practice.pk)

    def listed():
        page = queries.board(practice=universe.practice, by=universe.nurse, filters=queries.BoardFilters(),
                             today=TODAY)
        return [(row.patient.family_name, row.patient.given_name) for row in page.rows], page.total

    names, total = listed()
    assert names[0] == ("Ashworth", "Doreen May")  # due this month, and before "Crowd..."
    renamed = copy.deepcopy(bundle)
    patient = next(e["resource"] for e in renamed["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["name"][0]["family"] = "Whitworth"
    [report] = run_import(universe, as_file(renamed, "renamed.json"))
    assert report.imported, report.problems
    names, total_after = listed()
    june = [name for name in names if name[0] != "Crowd003"]  # due in July, after everyone due in June
    assert june[-1] == ("Whitworth", "Doreen May") and total_after == total

    patient["deceasedDateTime"] = "2026-06-10"
    [report] = run_import(universe, as_file(renamed, "died.json"))
    assert report.imported, report.problems
    names, total_after = listed()
    assert ("Whitworth", "Doreen May") not in names and total_after == total - 1
    summary = queries.board_summary(universe.practice, today=TODAY)
    assert summary.listed == total - 1


def test_people_not_yet_planned_are_counted_when_registers_or_reviews_change(universe, copd):
    practice = universe.practice
    assert queries.unplanned_count(practice, today=TODAY) == 0
    add_patient(practice, D(1960, 1, 1), [("diagnosis", code_for("asthma"), "2010-01-01")])
    register_actions.refresh_practice(practice=practice, by=None)
    assert queries.unplanned_count(practice, today=TODAY) == 1
    with CaptureQueriesContext(connection) as captured:
        assert queries.unplanned_count(practice, today=TODAY) == 1
    assert len(captured) == 1  # stored, not counted across the practice on every view
    actions.plan_reviews(practice=practice, by=None)
    assert queries.unplanned_count(practice, today=TODAY) == 0
    # A new review year: counted from the record until the year's first planning stores it.
    assert queries.unplanned_count(practice, today=D(2027, 4, 1)) == 2


def test_the_board_s_counts_are_reused_until_a_review_changes(universe, copd):
    practice = universe.practice
    crowd(practice, 12)
    first = queries.board_summary(practice, today=TODAY)
    with CaptureQueriesContext(connection) as captured:
        again = queries.board_summary(practice, today=TODAY)
    assert again == first and len(captured) == 1  # the practice's version only
    review = Review.objects.filter(practice=practice, status="invited", due_month=D(2026, 6, 1)).first()
    actions.record_response(review=review, response="declined", by=universe.nurse)
    after = queries.board_summary(practice, today=TODAY)
    june = D(2026, 6, 1)
    assert after.counts[june].get("declined", 0) == first.counts[june].get("declined", 0) + 1
    assert after.counts[june].get("invited", 0) == first.counts[june]["invited"] - 1
    assert queries.board_summary(practice, today=D(2026, 6, 16)) is not after  # a new day: worked out again


def test_a_write_that_bypasses_the_actions_is_found(universe, copd):
    """The check run after every test finds a fact changed without the board being told."""
    Patient.objects.filter(pk=copd.patient_id).update(family_name="Changed")
    assert stored.drift() == [(copd.pk, "family_name", "Moss", "Changed")]
    derived.changed(None, practice_id=universe.practice.pk, patient_ids=[copd.patient_id], what={derived.NAMES})
    assert stored.drift() == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_board_s_page_is_read_from_its_index_in_order(universe, copd):
    """PostgreSQL reads a page of the board from the board's index, in its order (no sort of the
    month's reviews, no read of the people), whatever the size of the practice."""
    qs = queries.board_queryset(universe.practice, queries.BoardFilters(), today=TODAY) \
        .order_by(*queries.ORDERING).values_list("pk", flat=True)[:50]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # A test's few rows make any plan cheap: ask whether one exists without a scan of the table or a
        # sort (each then costs the planner far more than any index): only an index in the list's order does.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "recall_review_board" in plan and "Sort" not in plan and "patients_patient" not in plan, plan
