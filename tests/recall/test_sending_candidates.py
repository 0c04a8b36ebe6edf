"""Sending reads, in SQL, exactly the reviews the schedule rule (schedule.invitation_to_send) can
accept: never fewer (nobody due is left out), never more (the page's cost follows what can go, not
the size of the practice). Checked over a grid of review states and sending days."""

from __future__ import annotations

import datetime as dt
import itertools

from tandem.core import clock
from tandem.recall.actions import sending
from tandem.recall.models import Review
from tandem.recall.rules import dates, schedule

from .crowd import crowd

D = dt.date

#: (round, stage, round started, first sent, last sent), each stage with the dates it can have
SHAPES = [
    (1, 0, None, None, None), (1, 0, None, None, D(2026, 6, 12)), (1, 0, None, None, D(2026, 5, 1)),
    (2, 0, D(2026, 6, 1), None, D(2026, 5, 20)), (2, 0, D(2026, 6, 20), None, None), (2, 0, None, None, None),
    (1, 1, None, D(2026, 5, 20), D(2026, 5, 20)), (1, 1, None, D(2026, 6, 5), D(2026, 6, 5)),
    (1, 2, None, D(2026, 5, 1), D(2026, 5, 15)), (1, 2, None, D(2026, 5, 20), D(2026, 6, 12)),
    (1, 3, None, D(2026, 4, 1), D(2026, 5, 1)), (2, 1, D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 2)),
]
DUE = [D(2026, 5, 1), D(2026, 6, 1), D(2026, 7, 1), D(2026, 8, 1), D(2026, 9, 1)]
STATUSES = ["planned", "invited", "did_not_attend", "booked"]


def accepted_by_the_rule(practice, policy, *, month_end, today) -> set[int]:
    out = set()
    for review in Review.objects.filter(practice=practice, review_year=dates.review_year_of(today)):
        if schedule.invitation_to_send(review.state(), policy, month_end=month_end, today=today):
            out.add(review.pk)
    return out


def test_the_sql_reads_exactly_what_the_rule_accepts(universe):
    people = crowd(universe.practice, len(SHAPES) * len(DUE))
    reviews = list(Review.objects.filter(patient__in=people).order_by("pk"))
    grid = itertools.product(SHAPES, DUE)
    for i, (review, ((round_, stage, started, first, last), due)) in enumerate(zip(reviews, grid, strict=False)):
        Review.objects.filter(pk=review.pk).update(
            round=round_, stage=stage, round_started_on=started, first_sent_on=first, last_sent_on=last,
            due_month=due, status=STATUSES[i % len(STATUSES)] if stage == 0 else "invited")
    policies = [schedule.InvitationPolicy(), schedule.InvitationPolicy(first_weeks_before=0, reminder_weeks=(1,)),
                schedule.InvitationPolicy(first_weeks_before=6, reminder_weeks=(2, 3, 6))]
    checked = 0
    for policy in policies:
        for today, month in [(clock.today(), clock.today()), (D(2026, 6, 15), D(2026, 7, 1)),
                             (D(2026, 6, 30), D(2026, 5, 1)), (D(2026, 7, 20), D(2026, 7, 1))]:
            month_end = dates.end_of_month(month)
            expected = accepted_by_the_rule(universe.practice, policy, month_end=month_end, today=today)
            read = set(sending._sendable(universe.practice, today=today)
                       .filter(sending._could_send(policy, month_end=month_end, today=today))
                       .values_list("pk", flat=True))
            assert read == expected, (policy, today, month)
            found = sending._candidate_reviews(universe.practice, month_end=month_end, today=today, policy=policy)
            assert {pk for pk, _due, _nxt in found} == expected
            checked += len(expected)
    assert checked > 20  # the grid reaches every branch of the rule, not only refusals


def test_the_page_counts_what_sending_would_send_without_reading_each_review(universe):
    """The send page's numbers (worked out per distinct review state, staff time added up in the
    database) are the ones the sending job works from (read per review, the rules in Python), with
    staff time tight, loose and not set."""
    from tandem.recall import actions
    from tandem.recall.actions import SettingsChange

    crowd(universe.practice, 40)
    today = clock.today()
    for hca, nurse in [(0, 0), (15, 20), (40, 60), (90, 140), (150, 240), (400, 600)]:
        actions.save_settings(practice=universe.practice, by=universe.nurse, change=SettingsChange(
            scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
            response_wait_days=14, hca_minutes=hca, nurse_minutes=nurse, pharmacist_minutes=0, gp_minutes=0))
        for month in (today, dates.add_months(today, 1)):
            full = actions.preview_sending(practice=universe.practice, month=month, today=today)
            counted = actions.preview_sending(practice=universe.practice, month=month, today=today, ids=False)
            assert (counted.first, counted.others, counted.within, counted.capacity_set) == \
                (full.first, full.others, full.within, full.capacity_set), (hca, nurse, month)
            assert full.first == len(full.first_ids) and counted.first_ids == ()
