"""The recall pages read what they show in a fixed number of queries: the number does not grow with
the practice (a board page of 25 works out facts for its 25; staff time is counted in the database),
and it is pinned here so it cannot creep back up unnoticed.

If a change adds a query on purpose, update PINNED; if the count grows with the people in the
practice, the page has gained a query per person (N+1): fix the page, not the number."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.query_counts import queries_per_page

from .crowd import crowd

#: page -> queries for one request by a nurse, session and practice checks included
PINNED = {
    "board": 11,  # the settings and the sending job are read once per page; the practice's recall state
    "board, whole year": 12,  # (its version and the people not yet planned) once; the counts, staff time and
    "board counts and staff time": 6,  # list length reused while the reviews are unchanged; each person's
    # facts (registers, tier, adjustments, last done) for the page's rows in one more; the staff time the
    # clinic sessions give (or that there are none) in one more
    "review": 11,
    "person": 8,
    "send": 9,  # the staff time checked twice: what can be sent now, and the months ahead; who sends
    "export": 6,
    "forecast": 5,  # the settings, whether there are clinic sessions, the month totals (one grouped statement);
    # with sessions, one more for the minutes held each week (tests/recall/test_forecast.py)
}


def pages(patient_id: int) -> dict[str, str]:
    return {
        "board": "/recall/",
        "board, whole year": "/recall/?when=year&status=open",
        "board counts and staff time": "/recall/summary/",
        "review": f"/recall/patients/{patient_id}/",
        "person": f"/recall/patients/{patient_id}/details/",
        "send": "/recall/send/",
        "export": "/recall/export.csv?when=year",
        "forecast": "/recall/forecast/",
    }


@pytest.fixture
def nurse(client, universe):
    client.force_login(universe.nurse)
    return client


def test_the_number_of_queries_does_not_grow_with_the_practice(nurse, universe):
    people = crowd(universe.practice, 10)
    small = queries_per_page(nurse, pages(people[0].pk))
    crowd(universe.practice, 60, start=10)  # more than two pages of the board (25 a page)
    large = queries_per_page(nurse, pages(people[0].pk))
    assert large == small


def test_the_number_of_queries_per_page_is_pinned(nurse, universe):
    people = crowd(universe.practice, 12)
    found = queries_per_page(nurse, pages(people[0].pk))
    assert found == PINNED, "queries per page changed: see this module's docstring"


def test_the_send_page_with_staff_time_set_reads_the_same_number_of_queries_for_a_larger_practice(nurse, universe):
    """With staff time set, the page also works out the minutes of the first invitations that could go
    (one statement for all of them) and the minutes already committed: still a fixed number of queries."""
    from tandem.recall import actions
    from tandem.recall.actions import SettingsChange

    actions.save_settings(practice=universe.practice, by=universe.nurse, change=SettingsChange(
        scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
        response_wait_days=14, hca_minutes=30, nurse_minutes=30, pharmacist_minutes=0, gp_minutes=0))
    crowd(universe.practice, 12)

    def send_page() -> tuple[int, str]:
        assert nurse.get("/recall/send/").status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = nurse.get("/recall/send/")
        assert response.status_code == 200
        return len(captured), response.content.decode()

    small, page = send_page()
    assert "Not enough staff time for every invitation" in page  # the minutes were worked out
    crowd(universe.practice, 60, start=12)
    large, _page = send_page()
    assert large == small == PINNED["send"] + 3
