"""An upload becomes a background job: the request only keeps the files, the worker imports them, the
page follows the progress and then shows the report; nobody else (another practice, another kind of
job) can read it, and the uploaded records do not stay on disk."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.jobs import worker
from tandem.jobs.models import Job
from tandem.patients.models import Observation, Patient

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
URL = reverse("fhir:upload")


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.TANDEM_IMPORT_DIR = tmp_path / "imports"
    return settings.TANDEM_IMPORT_DIR


@pytest.fixture
def manager(universe):
    """Importing adds diagnoses, results and medicines: the practice manager does it (docs/roles.md)."""
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    return core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None,
                                  password="correct-horse-battery-staple")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def ashworth() -> SimpleUploadedFile:
    return SimpleUploadedFile("ashworth.json", (FIXTURES / "transaction_multimorbid.json").read_bytes(),
                              content_type="application/json")


def test_an_upload_is_kept_and_queued_not_imported_in_the_request(manager_client, universe, manager, import_dir):
    response = manager_client.post(URL, {"files": [ashworth()]})
    job = Job.objects.get(practice=universe.practice, kind="fhir.import")
    assert response.status_code == 302 and response["Location"] == f"{URL}?job={job.pk}"
    assert job.state == Job.State.QUEUED and job.created_by == manager
    assert not Patient.objects.filter(nhs_number="9990000034").exists()  # nothing written yet
    [kept] = [p for p in import_dir.rglob("*") if p.is_file()]
    assert kept.read_bytes() == (FIXTURES / "transaction_multimorbid.json").read_bytes()
    assert "ashworth" not in str(kept)  # the stored name is not the uploaded one
    assert json.dumps(job.params).count("ashworth.json") == 1  # (the original name, for the report)


def test_while_it_waits_the_page_shows_progress_that_polls_itself(manager_client, universe):
    location = manager_client.post(URL, {"files": [ashworth()]})["Location"]
    page = manager_client.get(location)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Importing records" in html and "Import FHIR files" in html and "<progress" in html
    assert f'hx-get="{location}&amp;partial=1"' in html  # polls this page's own partial
    assert "You can leave this page" in html and f'href="{location.replace("&", "&amp;")}"' in html
    partial = manager_client.get(f"{location}&partial=1", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<progress" in partial.content.decode()


def test_when_the_worker_has_imported_the_files_the_page_shows_the_report(manager_client, universe, import_dir):
    location = manager_client.post(URL, {"files": [ashworth()]})["Location"]
    assert worker.run_pending() == 1
    job = Job.objects.get(kind="fhir.import")
    assert job.state == Job.State.DONE and job.done == job.total == 1
    assert job.message == "1 of 1 files imported"
    # The poll that sees it finished asks htmx to show the whole page again: now the report.
    poll = manager_client.get(f"{location}&partial=1", headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    html = manager_client.get(location).content.decode()
    assert "Import results" in html and "5 conditions: 5 new" in html and "nhsuk-tag--green" in html
    assert Patient.objects.get(nhs_number="9990000034").practice == universe.practice
    # The uploaded records are gone from disk; only the report is kept.
    assert [p.name for p in import_dir.rglob("*") if p.is_file()] == ["report.json"]


def test_a_rejected_file_is_reported_as_not_imported_and_stores_nothing(manager_client, universe):
    bundle = json.loads((FIXTURES / "transaction_multimorbid.json").read_text())
    bundle["entry"][10]["resource"]["valueQuantity"] = {"value": 7.5, "unit": "mmol/mol"}
    location = manager_client.post(URL, {"files": [SimpleUploadedFile("a.json", json.dumps(bundle).encode())]})["Location"]
    worker.run_pending()
    job = Job.objects.get(kind="fhir.import")
    assert job.state == Job.State.DONE and job.message == "0 of 1 files imported; 1 not imported"
    html = manager_client.get(location).content.decode()
    assert "Some files were not imported" in html and "Nothing from this file was stored" in html
    assert not Patient.objects.filter(nhs_number="9990000034").exists()
    assert not Observation.objects.filter(practice=universe.practice, source_id="hba1c-2026-05-20").exists()


def test_another_practices_import_is_not_found(client, universe, manager):
    client.force_login(manager)
    location = client.post(URL, {"files": [ashworth()]})["Location"]
    worker.run_pending()
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    other = core_actions.add_staff(practice=universe.other_practice, username="othermanager", role=Role.MANAGER,
                                   by=None, password="correct-horse-battery-staple")
    client.force_login(other)
    assert client.get(location).status_code == 404
    assert client.get(f"{location}&partial=1").status_code == 404


@pytest.mark.parametrize("value", ["", "x", "0", "²", "9" * 5000, "-1"])
def test_a_job_id_that_is_not_one_is_not_found(manager_client, value):
    assert manager_client.get(URL, {"job": value}).status_code == 404


def test_another_kind_of_job_is_not_shown_as_an_import(manager_client, universe):
    from tandem.jobs import actions as job_actions
    from tandem.jobs import registry

    registry.register("test.other", lambda job, progress: None)
    try:
        other = job_actions.enqueue(kind="test.other", practice=universe.practice, by=None, idempotency_key="k")
        assert manager_client.get(URL, {"job": other.pk}).status_code == 404
    finally:
        registry.unregister("test.other")


def test_when_the_uploaded_files_are_gone_the_job_stops_with_a_clear_message(manager_client, universe, import_dir):
    import shutil

    location = manager_client.post(URL, {"files": [ashworth()]})["Location"]
    shutil.rmtree(import_dir)
    worker.run_pending()
    job = Job.objects.get(kind="fhir.import")
    assert job.state == Job.State.FAILED and "no longer there" in job.error
    html = manager_client.get(location).content.decode()
    assert "Importing records" in html and "no longer there" in html and "hx-get" not in html


def test_a_nurse_cannot_follow_an_import(manager_client, universe):
    from django.test import Client

    location = manager_client.post(URL, {"files": [ashworth()]})["Location"]
    nurse = Client()
    nurse.force_login(universe.nurse)
    assert nurse.get(location).status_code == 403
