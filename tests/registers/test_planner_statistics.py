"""After a bulk load or a register refresh the database has planner statistics for the tables just
written, so the first queries after it are planned for the rows actually there (without them
PostgreSQL guesses one row and loops over an index thousands of times, and SQLite, which never
gathers them by itself, scans a whole practice's index where one person's would do)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.patients.models import Observation, Patient
from tandem.registers.models import PatientRisk, RegisterMembership


def has_statistics(model) -> bool:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return False
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            cursor.execute("SELECT COUNT(*) FROM pg_stats WHERE tablename = %s", [table])
        return cursor.fetchone()[0] > 0


def test_a_synthetic_load_leaves_statistics_for_the_record_tables(universe):
    from tandem.synth.load import load_practice

    load_practice(practice=universe.practice, patients=40, seed=3, by=None, today=dt.date(2026, 6, 15))
    assert has_statistics(Patient) and has_statistics(Observation)


def test_a_register_refresh_leaves_statistics_for_registers_and_tiers(universe, django_capture_on_commit_callbacks):
    from tandem.registers import actions
    from tests.recall.crowd import crowd

    crowd(universe.practice, 12)
    with django_capture_on_commit_callbacks(execute=True):
        actions.refresh_practice(practice=universe.practice, by=None)
    assert has_statistics(RegisterMembership) and has_statistics(PatientRisk)


def test_statistics_for_every_table_on_request(universe):
    from tandem.core.db_statistics import refresh_statistics
    from tandem.recall.models import Review
    from tests.recall.crowd import crowd

    crowd(universe.practice, 12)
    refresh_statistics()
    assert has_statistics(Review)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only: PostgreSQL's autovacuum analyses by itself")
def test_a_sqlite_connection_kept_between_requests_is_optimised_now_and_then(transactional_db, monkeypatch):
    from tandem.core import db_statistics

    monkeypatch.setattr(db_statistics, "SQLITE_OPTIMIZE_EVERY", 0)
    connection.ensure_connection()
    monkeypatch.delattr(connection, "_tandem_optimized_at", raising=False)
    with CaptureQueriesContext(connection) as first:
        db_statistics.optimize_after_request()  # the first request on the connection starts the clock
    with CaptureQueriesContext(connection) as later:
        db_statistics.optimize_after_request()
    assert not any("optimize" in q["sql"] for q in first.captured_queries)
    assert any(q["sql"] == "PRAGMA optimize" for q in later.captured_queries)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PRAGMA optimize is SQLite's")
def test_the_housekeeping_after_a_request_never_fails_the_request(transactional_db, monkeypatch):
    """A database too busy (or one that may not be touched) skips the optimisation; nothing is raised."""
    from tandem.core import db_statistics

    connection.ensure_connection()
    monkeypatch.setattr(db_statistics, "SQLITE_OPTIMIZE_EVERY", 0)
    monkeypatch.setattr(connection, "_tandem_optimized_at", 0.0, raising=False)

    def refuse(*args, **kwargs):
        raise RuntimeError("Database access not allowed")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refuse)
        db_statistics.optimize_after_request()  # does not raise
