"""Recall dates: review years, due month schemes, and when each invitation goes."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.recall.rules.dates import (
    add_months,
    month_in_review_year,
    review_year_end,
    review_year_label,
    review_year_of,
    review_year_start,
)
from tandem.recall.rules.schedule import (
    InvitationPolicy,
    ReviewState,
    due_month,
    invitation_to_send,
    next_invitation,
    no_response_exception_on,
    planned_due_month,
    spread,
)

D = dt.date
POLICY = InvitationPolicy()  # first 4 weeks before; reminders 2 and 4 weeks after; wait 14 days

REVIEW_YEARS = [
    (D(2026, 4, 1), 2026, "2026/27"),
    (D(2026, 6, 15), 2026, "2026/27"),
    (D(2027, 3, 31), 2026, "2026/27"),
    (D(2026, 3, 31), 2025, "2025/26"),
    (D(2000, 1, 1), 1999, "1999/00"),
]


@pytest.mark.parametrize(("day", "year", "label"), REVIEW_YEARS)
def test_review_year_runs_april_to_march(day, year, label):
    assert review_year_of(day) == year
    assert review_year_label(year) == label
    assert review_year_start(year) <= day <= review_year_end(year)


def test_months_of_a_review_year():
    assert month_in_review_year(2026, 4) == D(2026, 4, 1)
    assert month_in_review_year(2026, 12) == D(2026, 12, 1)
    assert month_in_review_year(2026, 1) == D(2027, 1, 1)
    assert month_in_review_year(2026, 3) == D(2027, 3, 1)


def test_add_months_keeps_the_day_or_the_month_end():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 6, 15), -12) == D(2025, 6, 15)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)


# Spec table: scheme, birth date, conditions, condition months -> due month in review year 2026/27
DUE_MONTHS = [
    ("birth_month", D(1948, 3, 2), ["hypertension"], [], D(2027, 3, 1)),
    ("birth_month", D(1960, 9, 30), ["asthma"], [], D(2026, 9, 1)),
    ("birth_month", D(1960, 4, 1), [], [], D(2026, 4, 1)),
    # by condition: the first of the person's conditions in the practice's list decides
    ("condition", D(1960, 9, 30), ["asthma", "copd"], [("copd", 10), ("asthma", 11)], D(2026, 10, 1)),
    ("condition", D(1960, 9, 30), ["asthma"], [("copd", 10), ("asthma", 11)], D(2026, 11, 1)),
    ("condition", D(1960, 9, 30), ["diabetes_type2"], [("diabetes_type2", 2)], D(2027, 2, 1)),
    # none of the listed conditions: birth month
    ("condition", D(1960, 9, 30), ["depression"], [("copd", 10)], D(2026, 9, 1)),
]


@pytest.mark.parametrize(("scheme", "born", "conditions", "months", "due"), DUE_MONTHS)
def test_due_month_schemes(scheme, born, conditions, months, due):
    assert due_month(patient_id=1, date_of_birth=born, conditions=conditions, review_year=2026,
                     scheme=scheme, condition_months=months) == due


def test_quarter_scheme_uses_the_first_month_of_each_quarter_evenly():
    dues = Counter(due_month(patient_id=i, date_of_birth=D(1950, 5, 5), conditions=[], review_year=2026,
                             scheme="quarter") for i in range(1, 4001))
    assert set(dues) == {D(2026, 4, 1), D(2026, 7, 1), D(2026, 10, 1), D(2027, 1, 1)}
    assert all(950 <= n <= 1050 for n in dues.values())


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=2, max_value=12))
def test_spread_is_stable_and_in_range(patient_id, buckets):
    assert spread(patient_id, buckets) == spread(patient_id, buckets)
    assert 0 <= spread(patient_id, buckets) < buckets


@given(st.integers(min_value=1, max_value=10**9))
def test_any_run_of_consecutive_ids_spreads_over_the_quarters(start):
    counts = Counter(spread(i, 4) for i in range(start, start + 400))
    assert all(80 <= counts[q] <= 120 for q in range(4))


PLANNED = [
    # planned in June 2026: a March birthday is still ahead (March 2027)
    (D(2026, 6, 15), D(1948, 3, 2), D(2027, 3, 1)),
    (D(2026, 6, 15), D(1948, 7, 1), D(2026, 7, 1)),
    (D(2026, 6, 15), D(1948, 6, 30), D(2026, 6, 1)),
    # planned in March 2027: only March is left
    (D(2027, 3, 10), D(1948, 5, 2), D(2027, 3, 1)),
]


@pytest.mark.parametrize(("today", "born", "due"), PLANNED)
def test_planned_due_month(today, born, due):
    assert planned_due_month(today=today, patient_id=7, date_of_birth=born, conditions=["asthma"]) == due


def test_reviews_whose_month_has_passed_are_spread_over_the_rest_of_the_year():
    """A practice starting recall in June: its April and May birthdays go evenly over June to March."""
    dues = Counter(planned_due_month(today=D(2026, 6, 15), patient_id=i, date_of_birth=D(1950, 4 + i % 2, 1),
                                     conditions=[]) for i in range(1, 2001))
    assert set(dues) == {D(2026, m, 1) for m in range(6, 13)} | {D(2027, m, 1) for m in range(1, 4)}
    assert all(170 <= n <= 230 for n in dues.values())


@given(st.integers(min_value=1, max_value=10**9), st.dates(min_value=D(2020, 1, 1), max_value=D(2040, 1, 1)),
       st.dates(min_value=D(1920, 1, 1), max_value=D(2008, 1, 1)))
def test_a_planned_review_is_never_due_before_this_month_nor_after_the_year(patient_id, today, born):
    due = planned_due_month(today=today, patient_id=patient_id, date_of_birth=born, conditions=[])
    assert due.day == 1
    assert due >= today.replace(day=1)
    assert due <= review_year_end(review_year_of(today))


# Spec table for invitations, due in August 2026 (first invitation on 4 July 2026).
DUE = D(2026, 8, 1)
STAGES = [
    # state, expected next (stage, on)
    (ReviewState("planned", DUE), (1, D(2026, 7, 4))),
    (ReviewState("invited", DUE, stage=1, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 1)),
     (2, D(2026, 7, 15))),
    (ReviewState("invited", DUE, stage=2, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 15)),
     (3, D(2026, 7, 29))),
    # a late first reminder pushes the second to 7 days after it
    (ReviewState("invited", DUE, stage=2, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 27)),
     (3, D(2026, 8, 3))),
    (ReviewState("invited", DUE, stage=3, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 29)), None),
    (ReviewState("booked", DUE, stage=1, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 1)), None),
    (ReviewState("attended", DUE), None),
    (ReviewState("declined", DUE), None),
    (ReviewState("excepted", DUE, stage=3, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 29)), None),
    # after a did-not-attend on 20 August a new round starts at once
    (ReviewState("did_not_attend", DUE, round=2, round_started_on=D(2026, 8, 20), last_sent_on=D(2026, 7, 1)),
     (1, D(2026, 8, 20))),
    (ReviewState("invited", DUE, round=2, stage=1, round_started_on=D(2026, 8, 20), first_sent_on=D(2026, 8, 21),
                 last_sent_on=D(2026, 8, 21)), (2, D(2026, 9, 4))),
]


@pytest.mark.parametrize(("state", "expected"), STAGES)
def test_next_invitation(state, expected):
    found = next_invitation(state, POLICY)
    assert (None if found is None else (found.stage, found.on)) == expected


def test_practice_can_change_the_stages():
    policy = InvitationPolicy(first_weeks_before=6, reminder_weeks=(3,))
    planned = ReviewState("planned", DUE)
    assert next_invitation(planned, policy).on == D(2026, 6, 20)
    once = ReviewState("invited", DUE, stage=1, first_sent_on=D(2026, 6, 20), last_sent_on=D(2026, 6, 20))
    assert next_invitation(once, policy).on == D(2026, 7, 11)
    twice = ReviewState("invited", DUE, stage=2, first_sent_on=D(2026, 6, 20), last_sent_on=D(2026, 7, 11))
    assert next_invitation(twice, policy) is None


@pytest.mark.parametrize("weeks", [(0,), (4, 2), (2, 2), (-1,)])
def test_reminders_must_be_later_each_time(weeks):
    with pytest.raises(ValueError):
        InvitationPolicy(reminder_weeks=weeks)


# Sending in a month: first invitations go in the month's batch, reminders when their day comes.
SENDING = [
    # state, month end, today -> stage sent (or None)
    (ReviewState("planned", D(2026, 7, 1)), D(2026, 6, 30), D(2026, 6, 1), 1),  # 3 June is in June's batch
    (ReviewState("planned", D(2026, 8, 1)), D(2026, 6, 30), D(2026, 6, 1), None),  # 4 July is not
    (ReviewState("planned", D(2026, 5, 1)), D(2026, 6, 30), D(2026, 6, 1), 1),  # missed: goes now
    (ReviewState("invited", D(2026, 7, 1), stage=1, first_sent_on=D(2026, 6, 1), last_sent_on=D(2026, 6, 1)),
     D(2026, 6, 30), D(2026, 6, 1), None),  # first reminder is due on 15 June, not yet
    (ReviewState("invited", D(2026, 7, 1), stage=1, first_sent_on=D(2026, 6, 1), last_sent_on=D(2026, 6, 1)),
     D(2026, 6, 30), D(2026, 6, 15), 2),
    (ReviewState("did_not_attend", D(2026, 7, 1), round=2, round_started_on=D(2026, 7, 10),
                 last_sent_on=D(2026, 6, 15)), D(2026, 7, 31), D(2026, 7, 10), 1),
    (ReviewState("did_not_attend", D(2026, 7, 1), round=2, round_started_on=D(2026, 7, 20),
                 last_sent_on=D(2026, 6, 15)), D(2026, 7, 31), D(2026, 7, 10), None),
]


@pytest.mark.parametrize(("state", "month_end", "today", "stage"), SENDING)
def test_what_goes_when_the_month_is_sent(state, month_end, today, stage):
    found = invitation_to_send(state, POLICY, month_end=month_end, today=today)
    assert (None if found is None else found.stage) == stage


NO_RESPONSE = [
    (ReviewState("invited", DUE, stage=3, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 29)), POLICY,
     D(2026, 8, 12)),
    (ReviewState("invited", DUE, stage=2, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 15)), POLICY, None),
    (ReviewState("booked", DUE, stage=3, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 29)), POLICY, None),
    # one reminder: two invitations, then the exception
    (ReviewState("invited", DUE, stage=2, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 15)),
     InvitationPolicy(reminder_weeks=(2,), response_wait_days=7), D(2026, 7, 22)),
    # no reminders: one invitation is never enough for an exception
    (ReviewState("invited", DUE, stage=1, first_sent_on=D(2026, 7, 1), last_sent_on=D(2026, 7, 1)),
     InvitationPolicy(reminder_weeks=()), None),
]


@pytest.mark.parametrize(("state", "policy", "on"), NO_RESPONSE)
def test_no_response_exception_after_every_invitation_went_unanswered(state, policy, on):
    assert no_response_exception_on(state, policy) == on


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 1, 1)).map(lambda d: d.replace(day=1)),
       st.lists(st.integers(min_value=1, max_value=10), min_size=0, max_size=3, unique=True).map(sorted),
       st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=20))
def test_invitations_are_at_least_a_week_apart_and_end_in_an_exception(due, reminders, before, lateness):
    """Walk a review through every stage, each sent `lateness` days after its day."""
    policy = InvitationPolicy(first_weeks_before=before, reminder_weeks=tuple(reminders))
    state = ReviewState("planned", due)
    sent: list[dt.date] = []
    while (nxt := next_invitation(state, policy)) is not None:
        day = nxt.on + dt.timedelta(days=lateness)
        sent.append(day)
        state = ReviewState("invited", due, stage=nxt.stage, first_sent_on=sent[0], last_sent_on=day)
    assert len(sent) == policy.stages
    assert sent[0] - dt.timedelta(days=lateness) <= due  # the first is planned before the due month
    assert all(b - a >= dt.timedelta(days=7) for a, b in zip(sent, sent[1:], strict=False))
    exception = no_response_exception_on(state, policy)
    assert (exception is not None) == (policy.stages >= 2)
