"""How many queries the home page makes of its own, for tests that measure other pages against it."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# The home page's own queries, beyond the session and the user with their practices: the people
# registered and those whose named clinician the reader is (one), a staff survey round waiting for their
# answer (one: tandem.surveys.home), their appointments today (one), their
# tasks counted and the first few (two), check-ins they are to phone and answers that raised a flag for
# them (one: tandem.checkins.home), the people whose named clinician they are, counted with the first
# few, overdue care plan reviews first (one: tandem.continuity.home), and the audit row for the people it
# names (one; none when it names nobody).
HOME_QUERIES = 8


def home_queries(client) -> tuple[int, int]:
    """(all the queries of the home page, its own): its own are not the session (read, and written when
    the clock moves it on) nor the user with their memberships and practices, which every page reads."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    own = [q for q in sql[2:] if "django_session" not in q and "SAVEPOINT" not in q]
    return len(sql), len(own)
