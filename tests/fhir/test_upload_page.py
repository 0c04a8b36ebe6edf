"""The upload page: who may use it, what it reports, and that it escapes what it echoes. Uploads are
imported by the worker (a job); `post_and_import` posts, runs what is queued and opens the result."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.patients.models import Observation, Patient

from .conftest import FIXTURES, NHS, collection, load

pytestmark = pytest.mark.django_db
URL = reverse("fhir:upload")


def upload(name: str, data: dict | str | bytes) -> SimpleUploadedFile:
    if isinstance(data, dict):
        data = json.dumps(data)
    if isinstance(data, str):
        data = data.encode()
    return SimpleUploadedFile(name, data, content_type="application/json")


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


def post_and_import(client, files):
    """Upload as the page does; the worker imports; the page the person is sent to shows the report."""
    from tandem.jobs import worker

    response = client.post(URL, {"files": files})
    assert response.status_code == 302 and response["Location"].startswith(f"{URL}?job=")
    assert worker.run_pending() == 1
    return client.get(response["Location"])


def test_the_page_offers_a_multiple_file_upload(manager_client):
    response = manager_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-module="nhsuk-file-upload"' in html
    assert 'type="file"' in html and " multiple" in html
    assert 'enctype="multipart/form-data"' in html


def test_a_nurse_cannot_import_records(nurse_client):
    assert nurse_client.get(URL).status_code == 403
    response = nurse_client.post(URL, {"files": [upload("a.json", load("batch_update.json"))]})
    assert response.status_code == 403
    assert not Observation.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client, universe):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


def test_importing_files_shows_what_was_imported_per_file(manager_client, universe):
    files = [upload("ashworth.json", (FIXTURES / "transaction_multimorbid.json").read_bytes()),
             upload("batch.json", load("batch_update.json"))]
    response = post_and_import(manager_client, files)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Import results" in html
    assert html.count("nhsuk-tag--green") == 2 and "nhsuk-tag--red" not in html
    assert "5 conditions: 5 new" in html
    assert "6 observations: 6 new" in html
    assert "Skipped 1 Condition (not coded in SNOMED CT), 1 Observation (code not used by Tandem)" in html
    assert "nhsuk-error-summary" not in html
    assert Patient.objects.filter(practice=universe.practice, nhs_number="9990000034").exists()


def test_a_rejected_file_gets_an_error_summary_naming_entry_resource_and_reason(manager_client, universe):
    bundle = load("transaction_multimorbid.json")
    bundle["entry"][10]["resource"]["valueQuantity"] = {"value": 7.5, "unit": "mmol/mol"}
    response = post_and_import(manager_client, [upload("ashworth.json", bundle)])
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "nhsuk-error-summary" in html and "Some files were not imported" in html
    assert 'href="#file-1-problem-1"' in html and 'id="file-1-problem-1"' in html
    assert "nhsuk-tag--red" in html and "Nothing from this file was stored" in html
    assert "Entry 11" in html and "Observation/hba1c-2026-05-20" in html
    assert "outside the plausible range 15 to 200 mmol/mol" in html
    assert not Patient.objects.filter(nhs_number="9990000034").exists()


def test_choosing_no_file_is_an_error_on_the_field(manager_client):
    response = manager_client.post(URL, {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose one or more FHIR files to import" in html
    assert 'href="#files"' in html and "nhsuk-form-group--error" in html


def test_a_file_over_the_size_limit_is_refused_with_the_limit(manager_client, monkeypatch):
    from tandem.fhir import forms

    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 1024)
    response = manager_client.post(URL, {"files": [upload("big.json", " " * 4096 + "{}")]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "big.json is 4 KB; files must be 1 KB or smaller" in html
    assert "tandem import-fhir" in html


def test_hostile_strings_are_escaped_in_the_report(manager_client):
    hostile = "<script>alert('x')</script>"
    hostile_name = "<img src=x onerror=alert(1)>.json"  # uploads keep no path, so no '/' here
    patient = {"resourceType": "Patient", "id": "p1",
               "identifier": [{"system": NHS, "value": "9990000035"}],  # bad check digit: rejected
               "name": [{"family": hostile, "given": [hostile]}], "birthDate": "1950-01-01"}
    observation = {"resourceType": "Observation", "id": "o1", "status": "final",
                   "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
                   "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-01-01",
                   "valueQuantity": {"value": 50, "unit": hostile}}
    response = post_and_import(manager_client, [upload(hostile_name, collection(patient, observation))])
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.json" in html  # the file name, escaped
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html  # the unit, echoed in the reason
    assert not Patient.objects.filter(nhs_number="9990000035").exists()


def test_an_ndjson_export_can_be_uploaded_as_several_files(manager_client, universe):
    files = [upload(p.name, p.read_bytes()) for p in sorted((FIXTURES / "ndjson").glob("*.ndjson"))]
    response = post_and_import(manager_client, files)
    html = response.content.decode()
    assert html.count("nhsuk-tag--green") == 3, html
    assert Patient.objects.get(nhs_number="9990000042").observations.count() == 5
