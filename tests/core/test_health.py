"""/healthz says whether the server, database and worker are fine (200) or not (503), revealing nothing;
/healthz/live answers without the database; the practice manager sees the queue and its failures."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import DatabaseError
from django.urls import reverse

from tandem.core import clock
from tandem.jobs import actions as job_actions
from tandem.jobs import worker
from tandem.jobs.models import Job, WorkerHeartbeat


def beat(**ago) -> None:
    job_actions.record_worker_heartbeat(worker="host:1", force=True)
    if ago:
        WorkerHeartbeat.objects.update(last_seen_at=clock.now() - dt.timedelta(**ago))


def health(client):
    response = client.get(reverse("healthz"))
    assert response.headers["Content-Type"] == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_all_fine_is_200(client, db):
    beat()
    status, body = health(client)
    assert status == 200 and body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "server": True, "database": True, "worker": True}
    assert body["checks"]["worker"]["last_seen_seconds"] == 0


def test_a_worker_that_has_never_run_is_503(client, db):
    status, body = health(client)
    assert status == 503 and body["status"] == "failing"
    assert body["checks"]["worker"] == {"ok": False, "queued": 0, "running": 0, "problem": "no worker has run"}


def test_a_silent_worker_is_503_with_how_long_jobs_have_waited(client, universe):
    beat(minutes=10)
    job_actions.enqueue(kind="registers.refresh", practice=universe.practice, by=universe.nurse,
                        idempotency_key="refresh 1")
    status, body = health(client)
    assert status == 503
    assert body["checks"]["worker"]["problem"] == "the worker has stopped"
    assert body["checks"]["worker"]["last_seen_seconds"] == 600
    assert body["checks"]["worker"]["queued"] == 1


def test_a_worker_busy_on_a_long_job_is_fine_while_the_job_moves(client, universe):
    beat(hours=1)
    job = job_actions.enqueue(kind="registers.refresh", practice=universe.practice, by=None, idempotency_key="k")
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, heartbeat_at=clock.now())
    status, body = health(client)
    assert status == 200 and body["checks"]["worker"]["running"] == 1


def test_running_jobs_leaves_a_heartbeat(client, db):
    job_actions._last_beat.clear()
    worker.run_pending()
    assert WorkerHeartbeat.objects.count() == 1
    assert health(client)[0] == 200


def test_a_database_that_does_not_answer_is_503(client, db, monkeypatch):
    beat()
    from tandem.core import health as core_health

    def broken():
        raise DatabaseError("connection to server at 10.0.0.5 failed for user tandem")

    monkeypatch.setattr(core_health, "connection", type("C", (), {"cursor": staticmethod(broken)}))
    status, body = health(client)
    assert status == 503 and body["checks"]["database"] == {"ok": False, "problem": "the database did not answer"}
    assert "10.0.0.5" not in json.dumps(body)


def test_health_needs_no_sign_in_and_reveals_nothing(client, universe):
    beat()
    job_actions.enqueue(kind="registers.refresh", practice=universe.practice, by=universe.nurse, idempotency_key="k")
    response = client.get(reverse("healthz"))
    text = response.content.decode()
    for secret in ("Riverside", "A81001", "nurse", "host:1", "registers.refresh", "Okafor"):
        assert secret not in text


def test_live_answers_without_the_database(client):  # no db fixture: touching the database would fail
    response = client.get(reverse("healthz_live"))
    assert response.status_code == 200 and response.content == b"ok\n"


def test_health_is_only_for_reading(client, db):
    assert client.post(reverse("healthz")).status_code == 405
    assert client.post(reverse("healthz_live")).status_code == 405


# --- The practice manager's page of background work ---------------------------------------------

@pytest.fixture
def manager(universe):
    from tandem.core import actions
    from tandem.core.rules import Role

    return actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)


def failed_job(practice, key: str, error: str) -> Job:
    job = job_actions.enqueue(kind="registers.refresh", practice=practice, by=None, idempotency_key=key)
    job_actions.fail(job=job, error=error)
    return job


def test_manager_sees_counts_oldest_wait_worker_state_and_failures(client, universe, manager):
    beat()
    with clock.frozen(dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)):
        job_actions.enqueue(kind="registers.refresh", practice=universe.practice, by=universe.nurse,
                            idempotency_key="waiting")
    failed = failed_job(universe.practice, "broken", "The mail server refused the batch.")
    failed_job(universe.other_practice, "theirs", "Another practice's problem.")
    client.force_login(manager)
    with clock.frozen(dt.datetime(2026, 6, 15, 11, 5, tzinfo=dt.UTC)):
        response = client.get(reverse("jobs:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    for label, value in (("Waiting", "1"), ("In progress", "0"), ("Stopped with a problem", "1"),
                         ("Longest wait", "2 hours 5 minutes")):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html
    assert "The mail server refused the batch." in html
    assert "Another practice" not in html
    assert reverse("jobs:retry", kwargs={"job_id": failed.pk}) in html


def test_manager_is_told_when_the_worker_has_stopped(client, universe, manager):
    beat(minutes=30)
    client.force_login(manager)
    html = client.get(reverse("jobs:queue")).content.decode()
    assert "The worker is not running" in html and "last seen 30 minutes ago" in html


def test_manager_can_try_a_failed_job_again_from_the_page(client, universe, manager):
    failed = failed_job(universe.practice, "broken", "It stopped.")
    client.force_login(manager)
    response = client.post(reverse("jobs:retry", kwargs={"job_id": failed.pk}), {"from": "queue"})
    assert response.status_code == 302 and response.url == reverse("jobs:queue")
    failed.refresh_from_db()
    assert failed.state == Job.State.QUEUED


def test_only_the_manager_sees_the_queue(client, universe):
    client.force_login(universe.nurse)
    assert client.get(reverse("jobs:queue")).status_code == 403
    client.force_login(universe.admin)
    assert client.get(reverse("jobs:queue")).status_code == 403
