"""Two workers never run the same job (PostgreSQL: FOR UPDATE SKIP LOCKED, each worker its own connection).

On SQLite Tandem runs one worker, and the claim is a conditional update (see test_jobs.py)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction

from tandem.jobs import actions, worker
from tandem.jobs.models import Job

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL; SQLite runs a single worker")


def _in_thread(fn):
    """Run fn in a thread with its own database connection; re-raise what it raised."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def _practice_with_jobs(n, tasks, fn):
    from tandem.core import actions as core_actions

    tasks.add("test.work", fn, atomic=False)
    practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None)
    return [actions.enqueue(kind="test.work", practice=practice, by=None, idempotency_key=f"k{i}")
            for i in range(n)]


def test_a_worker_skips_a_job_another_worker_holds(postgres, tasks):
    first, second = _practice_with_jobs(2, tasks, lambda job, progress: None)
    locked = threading.Event()
    release = threading.Event()

    def hold_first():
        with transaction.atomic():
            Job.objects.select_for_update().get(pk=first.pk)
            locked.set()
            release.wait(30)

    holder, outcome = _in_thread(hold_first)
    try:
        assert locked.wait(30), "the other connection did not take its lock"
        claimed = actions.claim_next(worker="B")
        assert claimed is not None and claimed.pk == second.pk
        assert actions.claim_next(worker="B") is None  # the held job is skipped, not waited for
    finally:
        release.set()
        holder.join(30)
    assert "error" not in outcome
    assert actions.claim_next(worker="B").pk == first.pk  # free again once released


def test_two_workers_side_by_side_run_every_job_exactly_once(postgres, tasks):
    runs = Counter()
    lock = threading.Lock()
    start = threading.Barrier(2)

    def work(job, progress):
        with lock:
            runs[job.pk] += 1
        progress(1, 1)

    jobs = _practice_with_jobs(40, tasks, work)

    def run(name):
        start.wait(30)
        return worker.run_pending(worker=name)

    threads = [_in_thread(lambda n=name: run(n)) for name in ("worker-1", "worker-2")]
    for thread, _ in threads:
        thread.join(60)
    outcomes = [outcome for _, outcome in threads]
    assert all("error" not in o for o in outcomes), outcomes
    assert sum(o["value"] for o in outcomes) == len(jobs)
    assert set(runs) == {j.pk for j in jobs} and set(runs.values()) == {1}
    assert set(Job.objects.values_list("state", "attempts")) == {(Job.State.DONE, 1)}
