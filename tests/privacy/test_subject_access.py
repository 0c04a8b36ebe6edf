"""A person's copy of their data (subject access request): the practice manager finds them by NHS
number, asks for their copy, which is made in the background, and downloads one ZIP with a readable
PDF of everything held and the same record as FHIR. Nobody else can; another practice's person is
not found; asking, making and downloading are audited; the download is kept only for a while."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class

from tandem.careplans import actions as careplan_actions
from tandem.careplans.rules.document import Goal, Plan, TargetAgreement
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.jobs.worker import run_pending
from tandem.messaging import letters
from tandem.patients import actions as patient_actions
from tandem.prepare import actions as prepare_actions
from tandem.prepare.actions import agenda as agenda_actions
from tandem.privacy import retention
from tandem.privacy.models import SubjectAccessExport
from tests.pdf import pdf_pages

D = dt.date
SCRIPT = "<script>alert(1)</script> & sleep"


@pytest.fixture
def arthur(booked):
    """Arthur with a medicine, two care plan versions, a pack sent, a reply, and his record viewed."""
    u = booked
    patient_actions.record_medication(patient=u.arthur, by=u.nurse, name="Metformin 500mg tablets",
                                      start_date=D(2020, 1, 1), dose="One twice a day")
    plan = Plan(goals=(Goal(id="g1", words="Walk to the shops", importance=8),),
                targets=(TargetAgreement("hba1c", upper=58),), review_date="2027-06-14",
                review_by="Nurse Nia Evans", agreed_with_person=True)
    careplan_actions.save_plan(patient=u.arthur, by=u.nurse, plan=plan, base_version=0, note="First plan")
    careplan_actions.save_plan(patient=u.arthur, by=u.nurse, base_version=1, note="Target tightened",
                               plan=Plan(goals=plan.goals, targets=(TargetAgreement("hba1c", upper=53),),
                                         review_date="2027-06-14", review_by="Nurse Nia Evans",
                                         agreed_with_person=True))
    prepare_actions.send_packs(practice=u.practice, by=u.admin, month=D(2026, 6, 1))
    agenda_actions.record_agenda(conversation=u.arthur_talk, reply=agenda_actions.Reply(what_matters=SCRIPT),
                                 via="online", by=None)
    return u


def ask(client, u, patient=None):
    return client.post(reverse("privacy:export", args=[(patient or u.arthur).pk]))


def export(client, u, patient=None):
    """Ask, let the background job make it, and download it from the person's page."""
    patient = patient or u.arthur
    ask(client, u, patient)
    run_pending()
    url = reverse("privacy:download", args=[patient.pk])
    assert url in client.get(reverse("privacy:person", args=[patient.pk])).content.decode()
    return client.get(url)


def unzip(response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_manager_finds_the_person_by_nhs_number_typed_any_way(client, booked):
    client.force_login(booked.manager)
    response = client.post(reverse("privacy:find"), {"q": "999-000-0034"})
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("privacy:person", args=[booked.arthur.pk]) in html
    assert "999 000 0034" in html and "Arthur BENNETT" in html
    event = AuditEvent.objects.filter(what="patient.search", user=booked.manager).get()
    assert event.detail["results"] == 1  # how many, never what was typed


def test_a_search_that_is_not_a_valid_nhs_number_says_so(client, booked):
    client.force_login(booked.manager)
    html = client.post(reverse("privacy:find"), {"q": "999 000 0035"}).content.decode()
    assert "There is a problem" in html or "No one found" in html


def test_the_download_holds_a_readable_pdf_and_fhir(client, arthur):
    client.force_login(arthur.manager)
    response = export(client, arthur)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="your-data-')
    files = unzip(response)
    assert set(files) == {"README.txt", "your-data.pdf", "your-data.fhir.json"}
    text = " ".join(pdf_pages(files["your-data.pdf"]))
    for expected in (
        "The information we hold about you", "Arthur Bennett", "999 000 0034", "3 Park Row",  # about them
        "Diabetes mellitus", "111552007",  # conditions, with their codes
        "HbA1c", "62 mmol/mol",  # results
        "Metformin 500mg tablets", "One twice a day",  # medicines
        "Your care plan, version 1 of 2", "Your care plan, version 2 of 2", "Walk to the shops",  # plans
        "58 mmol/mol or lower", "53 mmol/mol or lower",
        "Annual reviews", "Results packs sent to you", "Messages sent to you",  # recall, packs, messages
        "Getting ready for your appointment",  # a message, in the words sent
        SCRIPT,  # their reply, literally
        "Who has looked at or changed your record", "Nia Evans",  # the audit
    ):
        assert expected in text, expected
    # The pack's reply link is described, never shown as the stored mark or a working link.
    assert "reply-token-" not in text and "reply-code-" not in text and "/r/" not in text


def test_the_fhir_is_a_valid_collection_with_every_plan_version_as_its_document(client, arthur):
    client.force_login(arthur.manager)
    bundle = json.loads(unzip(export(client, arthur))["your-data.fhir.json"])
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["type"] == "collection"
    by_type: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    patient = by_type["Patient"][0]
    assert patient["identifier"][0]["value"] == "9990000034"
    assert {c["code"]["text"] for c in by_type["Condition"]}
    assert any(o.get("valueQuantity", {}).get("value") == 62 for o in by_type["Observation"])
    assert by_type["MedicationStatement"][0]["medicationCodeableConcept"]["text"] == "Metformin 500mg tablets"
    documents = by_type["Bundle"]
    assert [d["type"] for d in documents] == ["document", "document"]


def test_asking_making_and_downloading_are_audited(client, arthur):
    client.force_login(arthur.manager)
    export(client, arthur)
    events = {e.what: e for e in AuditEvent.objects.filter(what__startswith="privacy.subject_access")}
    assert set(events) == {"privacy.subject_access.request", "privacy.subject_access",
                           "privacy.subject_access.download"}
    for event in events.values():
        assert (event.user, event.patient_id) == (arthur.manager, arthur.arthur.pk)
    made = events["privacy.subject_access"]
    assert made.action == "export" and made.detail["plan_versions"] == 2 and made.detail["pages"] >= 2


def test_it_is_made_in_the_background_not_on_the_request_and_a_double_press_makes_one(client, arthur, monkeypatch):
    run_pending()  # the care plan's own PDFs, asked for when it was saved
    made = []
    real = letters.to_pdf
    monkeypatch.setattr(letters, "to_pdf", lambda html, *a, **k: made.append(1) or real(html, *a, **k))
    client.force_login(arthur.manager)
    first, second = ask(client, arthur), ask(client, arthur)
    assert first.status_code == second.status_code == 302
    assert made == []
    page = client.get(reverse("privacy:person", args=[arthur.arthur.pk])).content.decode()
    assert "Make a copy of their data" in page and "Being made" in page and "<progress" in page
    run_pending()
    assert len(made) == 1 and SubjectAccessExport.objects.count() == 1
    page = client.get(reverse("privacy:person", args=[arthur.arthur.pk])).content.decode()
    assert "Ready" in page and "Download (ZIP)" in page


def test_the_download_is_kept_for_a_while_then_removed_and_that_is_recorded(client, arthur, settings):
    settings.TANDEM_SUBJECT_ACCESS_KEEP_DAYS = 30
    client.force_login(arthur.manager)
    assert export(client, arthur).status_code == 200
    copy = SubjectAccessExport.objects.get()
    url = reverse("privacy:download", args=[arthur.arthur.pk])
    with clock.frozen(clock.now() + dt.timedelta(days=29)):
        assert retention.remove_old_copies() == 0
    with clock.frozen(clock.now() + dt.timedelta(days=31)):
        assert retention.remove_old_copies() == 1
    copy.refresh_from_db()
    assert bytes(copy.zip) == b"" and copy.removed_at is not None
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, reverse("privacy:person", args=[arthur.arthur.pk]))
    assert "Removed" in client.get(reverse("privacy:person", args=[arthur.arthur.pk])).content.decode()
    assert AuditEvent.objects.filter(what="privacy.subject_access", action="delete", patient_id=arthur.arthur.pk).exists()


@pytest.mark.parametrize("who", ["nurse", "admin"])
def test_only_the_practice_manager_can_use_it(client, arthur, who):
    client.force_login(getattr(arthur, who))
    assert client.get(reverse("privacy:find")).status_code == 403
    assert client.get(reverse("privacy:person", args=[arthur.arthur.pk])).status_code == 403
    assert ask(client, arthur).status_code == 403
    assert not AuditEvent.objects.filter(what="privacy.subject_access").exists()


def test_another_practices_person_is_not_found(client, arthur):
    client.force_login(arthur.manager)
    assert client.get(reverse("privacy:person", args=[arthur.foreign_patient.pk])).status_code == 404
    assert ask(client, arthur, arthur.foreign_patient).status_code == 404
    assert not AuditEvent.objects.filter(patient_id=arthur.foreign_patient.pk, user=arthur.manager).exists()


def test_the_person_page_offers_the_copy_and_asking_needs_a_post(client, arthur):
    client.force_login(arthur.manager)
    html = client.get(reverse("privacy:person", args=[arthur.arthur.pk])).content.decode()
    assert "Make a copy of their data" in html and "Arthur BENNETT" in html
    assert "No copy of their data has been made." in html
    assert client.get(reverse("privacy:export", args=[arthur.arthur.pk])).status_code == 405


def test_only_the_newest_copy_of_that_person_is_given_out(client, arthur):
    client.force_login(arthur.manager)
    first = export(client, arthur)
    second = export(client, arthur)
    assert first.status_code == second.status_code == 200
    newest = SubjectAccessExport.objects.latest("pk")
    assert second.content == bytes(newest.zip)
    page = client.get(reverse("privacy:person", args=[arthur.arthur.pk])).content.decode()
    assert "Replaced" in page and page.count("Download (ZIP)") == 1
    assert client.get(reverse("privacy:download", args=[arthur.beatrice.pk])).status_code == 302  # none made
    assert client.get(reverse("privacy:download", args=[arthur.foreign_patient.pk])).status_code == 404


def test_someone_with_little_held_gets_a_copy_that_says_so(client, booked):
    client.force_login(booked.manager)
    files = unzip(export(client, booked, booked.patient))
    text = " ".join(pdf_pages(files["your-data.pdf"]))
    assert "Margaret Okafor" in text and "You have no written care plan with us." in text
    assert "Nothing held." in text
