"""The worker keeps going through database trouble: a locked SQLite database or a dropped PostgreSQL
connection stops one turn, is logged without its text, and the worker waits longer each time it
repeats, then carries on with the queue as soon as the database answers again."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError

from tandem.jobs import actions, worker
from tandem.jobs.models import Job

pytestmark = pytest.mark.django_db
SECRET = "Margaret Okafor 9990000018"  # what a database error's text could quote


def _failing(times: int, exc: Exception):
    """claim_next that raises `exc` the first `times` calls, then claims as usual."""
    real = actions.claim_next
    calls = {"n": 0}

    def claim_next(*, worker):
        calls["n"] += 1
        if calls["n"] <= times:
            raise exc
        return real(worker=worker)

    return claim_next, calls


def test_a_database_error_stops_the_turn_not_the_worker_and_the_wait_grows(universe, tasks, monkeypatch, caplog):
    ran = []
    tasks.add("test.work", lambda job, progress: ran.append(job.pk))
    job = actions.enqueue(kind="test.work", practice=universe.practice, by=None, idempotency_key="k")
    claim, _ = _failing(3, OperationalError(f"database is locked ({SECRET})"))
    monkeypatch.setattr(actions, "claim_next", claim)
    loop = worker.Loop(worker="test", idle_sleep=1.0)
    with caplog.at_level(logging.WARNING, logger="tandem.jobs.worker"):
        waits = [loop.step() for _ in range(3)]
    assert waits == [(None, 1.0), (None, 2.0), (None, 4.0)]  # waits twice as long each time
    assert loop.failures == 3
    assert "OperationalError" in caplog.text and "3 in a row" in caplog.text
    assert SECRET not in caplog.text and "locked (" not in caplog.text  # the type, never the text
    done, wait = loop.step()  # the database answers again: the queue is worked as before
    assert done is not None and done.pk == job.pk and ran == [job.pk] and wait == 0.0
    assert loop.failures == 0
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


def test_the_wait_is_capped(universe, monkeypatch):
    claim, _ = _failing(100, InterfaceError("connection already closed"))
    monkeypatch.setattr(actions, "claim_next", claim)
    loop = worker.Loop(worker="test")
    waits = [loop.step()[1] for _ in range(10)]
    assert max(waits) == worker.BACKOFF_MAX_SECONDS and waits[-1] == worker.BACKOFF_MAX_SECONDS


def test_an_idle_turn_waits_the_idle_sleep(universe):
    loop = worker.Loop(worker="test", idle_sleep=0.25)
    while loop.step()[0] is not None:  # the day's first turns run its daily jobs
        pass
    assert loop.step() == (None, 0.25)


def test_a_task_hitting_a_locked_database_fails_its_job_and_the_next_job_still_runs(universe, tasks):
    def locked(job, progress):
        raise OperationalError(f"database is locked ({SECRET})")

    tasks.add("test.locked", locked, atomic=False)
    tasks.add("test.fine", lambda job, progress: None)
    first = actions.enqueue(kind="test.locked", practice=universe.practice, by=None, idempotency_key="a")
    second = actions.enqueue(kind="test.fine", practice=universe.practice, by=None, idempotency_key="b")
    assert worker.run_pending() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == Job.State.FAILED and "OperationalError" in first.error and SECRET not in first.error
    assert second.state == Job.State.DONE


def test_the_worker_command_carries_on_after_a_database_error(universe, tasks, monkeypatch):
    ran = []
    tasks.add("test.work", lambda job, progress: ran.append(job.pk))
    job = actions.enqueue(kind="test.work", practice=universe.practice, by=None, idempotency_key="k")
    claim, calls = _failing(1, OperationalError("database is locked"))
    monkeypatch.setattr(actions, "claim_next", claim)
    monkeypatch.setattr(worker, "BACKOFF_FIRST_SECONDS", 0.01)
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)  # before this change the error ended the command
    assert ran == [job.pk] and calls["n"] >= 2
    assert f"Job {job.pk} (test.work): done" in out.getvalue()


def test_the_worker_command_gives_up_with_a_message_when_the_database_stays_away(universe, monkeypatch):
    from django.core.management.base import CommandError

    claim, _ = _failing(100, OperationalError("could not connect"))
    monkeypatch.setattr(actions, "claim_next", claim)
    monkeypatch.setattr(worker, "BACKOFF_FIRST_SECONDS", 0.01)
    with pytest.raises(CommandError, match="database could not be reached"):
        call_command("worker", "--once", stdout=io.StringIO())
