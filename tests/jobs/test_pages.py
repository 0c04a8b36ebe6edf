"""A job's progress as staff see it: the polled partial, the page and the JSON status."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.core.rules import Capability, Role
from tandem.jobs import actions, worker
from tandem.jobs.models import Job


@pytest.fixture
def job(universe, tasks):
    def send(job, progress):
        progress(123, 400, message="123 letters made")

    tasks.add("test.send", send, title="Send this month's invitations", atomic=False, needs=Capability.VIEW_PATIENT)
    return actions.enqueue(kind="test.send", practice=universe.practice, by=universe.admin, idempotency_key="k")


def test_progress_partial_keeps_polling_while_the_job_runs(nurse_client, job):
    actions.claim_next(worker="w")
    actions.record_progress(job=job, done=123, total=400)
    html = nurse_client.get(reverse("jobs:progress", kwargs={"job_id": job.pk}), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert re.search(r'<progress[^>]*max="400" value="123"', html)
    assert 'aria-valuetext="123 of 400"' in html
    assert "123 of 400" in html and "in progress" in html
    assert "hx-swap-oob" not in html  # nothing announced until it ends


def test_progress_partial_stops_polling_and_announces_once_the_job_is_done(nurse_client, job):
    worker.run_pending()
    html = nurse_client.get(reverse("jobs:progress", kwargs={"job_id": job.pk}), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html
    assert "400 of 400" in html
    assert 'hx-swap-oob="innerHTML"' in html and "Send this month&#39;s invitations: finished. 400 of 400." in html


def test_job_page_names_the_job_and_who_asked(client, universe, job):
    client.force_login(universe.admin)
    html = client.get(reverse("jobs:detail", kwargs={"job_id": job.pk})).content.decode()
    assert "<h1>Send this month&#39;s invitations</h1>" in html
    assert 'role="status"' in html and "waiting to start" in html
    assert "admin" in html


def test_status_json(nurse_client, job):
    worker.run_pending()
    data = nurse_client.get(reverse("jobs:status", kwargs={"job_id": job.pk})).json()
    assert data["state"] == "done" and data["done"] == 400 and data["total"] == 400
    assert data["count_text"] == "400 of 400" and data["finished"] is True


def test_a_failed_job_shows_why_and_can_be_tried_again(nurse_client, universe, tasks):
    from tandem.jobs.registry import JobError

    def broken(job, progress):
        raise JobError("The mail server <b>refused</b> the batch.")

    tasks.add("test.broken", broken, needs=Capability.EDIT_CLINICAL)
    job = actions.enqueue(kind="test.broken", practice=universe.practice, by=None, idempotency_key="b")
    worker.run_pending()
    html = nurse_client.get(reverse("jobs:detail", kwargs={"job_id": job.pk})).content.decode()
    assert "The mail server &lt;b&gt;refused&lt;/b&gt; the batch." in html
    assert "Try again" in html
    nurse_client.post(reverse("jobs:retry", kwargs={"job_id": job.pk}))
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED


def _failed_import(universe, tasks):
    from tandem.core import actions as core_actions
    from tandem.jobs.registry import JobError

    def broken(job, progress):
        raise JobError("The file could not be read.")

    manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None,
                                     password="correct-horse-battery")
    tasks.add("test.import", broken, needs=Capability.IMPORT_RECORDS)
    job = actions.enqueue(kind="test.import", practice=universe.practice, by=manager, idempotency_key="i")
    worker.run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    return manager, job


@pytest.mark.parametrize("role", ["admin", "nurse"])
def test_only_someone_who_may_start_a_kind_of_job_may_try_it_again(client, universe, tasks, role):
    _, job = _failed_import(universe, tasks)
    client.force_login(getattr(universe, role))  # neither may import records
    page = client.get(reverse("jobs:detail", kwargs={"job_id": job.pk})).content.decode()
    assert "Try again" not in page
    response = client.post(reverse("jobs:retry", kwargs={"job_id": job.pk}))
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert not AuditEvent.objects.filter(what="job.retry").exists()


def test_a_job_is_followed_by_who_asked_for_it_and_by_those_who_do_that_work(client, universe, tasks):
    """An import's page (and its progress and status) is for whoever asked and those who may import:
    not for the other roles of the practice."""
    manager, job = _failed_import(universe, tasks)
    urls = [reverse(name, kwargs={"job_id": job.pk}) for name in ("jobs:detail", "jobs:progress", "jobs:status")]
    client.force_login(manager)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    for role in ("admin", "nurse"):
        client.force_login(getattr(universe, role))
        assert [client.get(url).status_code for url in urls] == [403, 403, 403], role
    asked = actions.enqueue(kind="test.import", practice=universe.practice, by=universe.nurse, idempotency_key="n")
    client.force_login(universe.nurse)  # asked for it (as a job started on their behalf would be)
    assert client.get(reverse("jobs:detail", kwargs={"job_id": asked.pk})).status_code == 200


def test_the_manager_may_try_a_failed_import_again(client, universe, tasks):
    manager, job = _failed_import(universe, tasks)
    client.force_login(manager)
    assert "Try again" in client.get(reverse("jobs:detail", kwargs={"job_id": job.pk})).content.decode()
    client.post(reverse("jobs:retry", kwargs={"job_id": job.pk}))
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED


def test_a_kind_that_says_nothing_is_the_managers_alone(client, universe, tasks):
    from tandem.jobs.registry import JobError

    def broken(job, progress):
        raise JobError("Stopped.")

    tasks.add("test.undeclared", broken)
    job = actions.enqueue(kind="test.undeclared", practice=universe.practice, by=None, idempotency_key="u")
    worker.run_pending()
    client.force_login(universe.nurse)
    assert client.post(reverse("jobs:retry", kwargs={"job_id": job.pk})).status_code == 403


def test_every_kind_of_job_says_who_may_start_it():
    from tandem.jobs import registry

    undeclared = [kind for kind in registry.kinds() if registry.get(kind).needs is None]
    assert not undeclared, f"Say who may start (and retry) these jobs with @task(..., needs=...): {undeclared}"


def test_another_practices_job_is_not_found(client, universe, job):
    client.force_login(universe.other_nurse)
    for name in ("jobs:detail", "jobs:progress", "jobs:status"):
        assert client.get(reverse(name, kwargs={"job_id": job.pk})).status_code == 404
    assert client.post(reverse("jobs:retry", kwargs={"job_id": job.pk})).status_code == 404
