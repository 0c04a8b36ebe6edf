"""Background jobs: asking twice is safe, a job runs once, failures are recorded and roll back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction

from tandem.core import actions as core_actions
from tandem.core import clock
from tandem.core.models import AuditEvent, Practice
from tandem.jobs import actions, registry, worker
from tandem.jobs.models import Job


def noop(job, progress):
    pass


def test_asking_twice_with_the_same_key_gives_the_same_job(universe, tasks):
    tasks.add("test.noop", noop)
    first = actions.enqueue(kind="test.noop", practice=universe.practice, by=universe.admin, params={"month": "2026-07"},
                            idempotency_key="invitations 2026-07")
    again = actions.enqueue(kind="test.noop", practice=universe.practice, by=universe.admin, params={"month": "2026-07"},
                            idempotency_key="invitations 2026-07")
    assert again.pk == first.pk
    assert Job.objects.count() == 1
    assert AuditEvent.objects.filter(what="job").count() == 1
    assert first.created_by == universe.admin and first.state == Job.State.QUEUED


def test_the_same_key_after_the_job_has_run_still_creates_nothing(universe, tasks):
    tasks.add("test.noop", noop)
    job = actions.enqueue(kind="test.noop", practice=universe.practice, by=universe.admin, idempotency_key="k")
    worker.run_pending()
    again = actions.enqueue(kind="test.noop", practice=universe.practice, by=universe.admin, idempotency_key="k")
    assert again.pk == job.pk and again.state == Job.State.DONE
    assert worker.run_pending() == 0


def test_keys_belong_to_one_practice(universe, tasks):
    tasks.add("test.noop", noop)
    ours = actions.enqueue(kind="test.noop", practice=universe.practice, by=None, idempotency_key="k")
    theirs = actions.enqueue(kind="test.noop", practice=universe.other_practice, by=None, idempotency_key="k")
    assert ours.pk != theirs.pk


def test_unknown_kinds_and_non_json_parameters_are_refused_when_asked(universe):
    with pytest.raises(registry.UnknownTask):
        actions.enqueue(kind="test.nothing", practice=universe.practice, by=None, idempotency_key="k")
    assert not Job.objects.exists()


def test_parameters_must_be_json(universe, tasks):
    tasks.add("test.noop", noop)
    with pytest.raises(actions.EnqueueError, match="JSON"):
        actions.enqueue(kind="test.noop", practice=universe.practice, by=None, params={"day": dt.date(2026, 7, 1)},
                        idempotency_key="k")


def test_a_job_asked_for_in_a_transaction_that_rolls_back_is_never_run(universe, tasks):
    tasks.add("test.noop", noop)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.enqueue(kind="test.noop", practice=universe.practice, by=None, idempotency_key="k")
        raise RuntimeError("the change that asked for it failed")
    assert not Job.objects.exists()
    assert worker.run_pending() == 0


def test_a_task_gets_its_parameters_practice_and_the_person_who_asked(universe, tasks):
    seen = {}

    def remember(job, progress):
        seen.update(params=job.params, practice=job.practice, by=job.created_by)
        progress(2, 2)

    tasks.add("test.remember", remember)
    job = actions.enqueue(kind="test.remember", practice=universe.practice, by=universe.admin,
                          params={"month": "2026-07", "ids": [1, 2]}, idempotency_key="k")
    assert worker.run_pending() == 1
    assert seen == {"params": {"month": "2026-07", "ids": [1, 2]}, "practice": universe.practice, "by": universe.admin}
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.attempts) == (Job.State.DONE, 2, 2, 1)
    assert job.finished_at is not None and job.started_at is not None


def test_progress_is_recorded_as_the_task_goes(universe, tasks):
    observed = []

    def count(job, progress):
        for done in range(4):
            progress(done, 3, message=f"{done} letters made")
            observed.append(Job.objects.values_list("done", "total", "message").get(pk=job.pk))

    tasks.add("test.count", count, atomic=False)
    job = actions.enqueue(kind="test.count", practice=universe.practice, by=None, idempotency_key="k")
    worker.run_pending()
    # 4 of 3 is clamped: progress never claims more than the total.
    assert observed == [(0, 3, "0 letters made"), (1, 3, "1 letters made"), (2, 3, "2 letters made"),
                        (3, 3, "3 letters made")]
    job.refresh_from_db()
    assert job.state == Job.State.DONE


def test_progress_messages_lose_identifiers(universe, tasks):
    def careless(job, progress):
        progress(1, 2, message="sent to 999 000 0018 at LS1 4AB")

    tasks.add("test.careless", careless, atomic=False)
    job = actions.enqueue(kind="test.careless", practice=universe.practice, by=None, idempotency_key="k")
    worker.run_pending()
    job.refresh_from_db()
    assert "0018" not in job.message and "LS1 4AB" not in job.message


def test_a_failed_atomic_task_keeps_none_of_its_writes_and_says_why_without_identifiers(universe, tasks):
    def half_done(job, progress):
        core_actions.create_practice(ods_code="Z99999", name="Half-made practice", by=job.created_by)
        progress(1, 2)
        raise ValueError("could not write to Margaret Okafor, 999 000 0018")

    tasks.add("test.half_done", half_done)
    job = actions.enqueue(kind="test.half_done", practice=universe.practice, by=universe.admin, idempotency_key="k")
    worker.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert not Practice.objects.filter(ods_code="Z99999").exists()
    assert "ValueError" in job.error and "tests/jobs/test_jobs.py line" in job.error
    assert "Nothing this job changed was saved" in job.error
    assert "Okafor" not in job.error and "0018" not in job.error
    # its progress was rolled back with it
    assert job.done == 0 and job.total is None


def test_a_chunked_task_that_fails_keeps_the_chunks_it_finished(universe, tasks):
    def chunks(job, progress):
        core_actions.create_practice(ods_code="Z11111", name="First chunk", by=None)
        progress(1, 3)
        with transaction.atomic():
            core_actions.create_practice(ods_code="Z22222", name="Second chunk", by=None)
            raise registry.JobError("The mail server refused the second batch.")

    tasks.add("test.chunks", chunks, atomic=False)
    job = actions.enqueue(kind="test.chunks", practice=universe.practice, by=None, idempotency_key="k")
    worker.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error == "The mail server refused the second batch."
    assert (job.done, job.total) == (1, 3)
    assert Practice.objects.filter(ods_code="Z11111").exists()
    assert not Practice.objects.filter(ods_code="Z22222").exists()
    assert AuditEvent.objects.filter(what="job.failed", object_id=str(job.pk)).exists()


def test_a_failed_job_can_be_tried_again(universe, tasks):
    attempts = []

    def flaky(job, progress):
        attempts.append(1)
        if len(attempts) == 1:
            raise registry.JobError("Not yet.")

    tasks.add("test.flaky", flaky)
    job = actions.enqueue(kind="test.flaky", practice=universe.practice, by=None, idempotency_key="k")
    worker.run_pending()
    actions.retry(job=job, by=universe.admin)
    worker.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 2 and job.error == ""


def test_a_job_whose_task_no_longer_exists_fails_with_a_message(universe):
    job = Job.objects.create(practice=universe.practice, kind="test.retired", idempotency_key="k",
                             created_at=clock.now())
    worker.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "no task called test.retired" in job.error


def test_a_job_is_claimed_only_once(universe, tasks):
    tasks.add("test.noop", noop)
    actions.enqueue(kind="test.noop", practice=universe.practice, by=None, idempotency_key="k")
    first = actions.claim_next(worker="one")
    assert first is not None and first.state == Job.State.RUNNING and first.worker == "one"
    assert actions.claim_next(worker="two") is None


def test_jobs_run_in_the_order_they_were_asked_for(universe, tasks):
    ran = []
    tasks.add("test.remember", lambda job, progress: ran.append(job.params["n"]))
    for n in range(3):
        actions.enqueue(kind="test.remember", practice=universe.practice, by=None, params={"n": n},
                        idempotency_key=f"k{n}")
    worker.run_pending()
    assert ran == [0, 1, 2]


def test_a_job_left_running_by_a_worker_that_stopped_goes_back_to_the_queue(universe, tasks):
    tasks.add("test.noop", noop)
    job = actions.enqueue(kind="test.noop", practice=universe.practice, by=None, idempotency_key="k")
    actions.claim_next(worker="died")
    assert actions.requeue_stale(older_than=dt.timedelta(minutes=15)) == 0  # still fresh
    with clock.frozen(clock.now() + dt.timedelta(minutes=16)):
        assert actions.requeue_stale(older_than=dt.timedelta(minutes=15)) == 1
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    worker.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 2


def test_a_job_that_keeps_killing_its_worker_is_given_up(universe, tasks):
    tasks.add("test.noop", noop)
    job = actions.enqueue(kind="test.noop", practice=universe.practice, by=None, idempotency_key="k")
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=3,
                                         heartbeat_at=clock.now() - dt.timedelta(hours=1))
    actions.requeue_stale(older_than=dt.timedelta(minutes=15), max_attempts=3)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "stopped, 3 times" in job.error


def test_the_worker_command_runs_what_is_queued_and_exits_with_once(universe, tasks, capsys):
    tasks.add("test.noop", noop)
    job = actions.enqueue(kind="test.noop", practice=universe.practice, by=None, idempotency_key="k")
    call_command("worker", "--once")
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert f"Job {job.pk} (test.noop): done" in capsys.readouterr().out
