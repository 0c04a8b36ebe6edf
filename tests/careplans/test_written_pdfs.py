"""The written plan's PDFs are made once per version and format, in the background when the version
is saved, and served from what is kept: a second download lays out nothing, a new version gets PDFs
of its own while an earlier version's still says what that version said, and a change of address
makes the next copy again with the new address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.careplans import actions
from tandem.careplans.actions import written as written_pdfs
from tandem.careplans.models import PlanPdf
from tandem.careplans.rules.document import Goal, Plan, TargetAgreement
from tandem.core.models import AuditEvent
from tandem.jobs.models import Job
from tandem.jobs.worker import run_pending
from tandem.messaging import letters
from tandem.patients.models import Patient
from tests.pdf import pdf_pages


def plan(hba1c: int) -> Plan:
    return Plan(goals=(Goal(id="g1", words="Walk to the shops", importance=8),),
                targets=(TargetAgreement("hba1c", upper=hba1c),), review_date="2027-06-14",
                review_by="Nurse Nia Evans", agreed_with_person=True)


@pytest.fixture
def renders(monkeypatch):
    """Every PDF laid out (letters.to_pdf), counted."""
    made: list[int] = []
    real = letters.to_pdf

    def counting(html, *args, **kwargs):
        made.append(1)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(letters, "to_pdf", counting)
    return made


def pdf_url(booked, **query) -> str:
    base = reverse("careplans:plan_pdf", kwargs={"patient_id": booked.arthur.pk})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def save(booked, hba1c: int, base: int):
    return actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=plan(hba1c), base_version=base).version


def test_a_second_download_is_served_from_what_was_kept(client, booked, renders):
    save(booked, 58, 0)
    client.force_login(booked.nurse)
    first = client.get(pdf_url(booked))
    second = client.get(pdf_url(booked))
    assert first.status_code == second.status_code == 200
    assert len(renders) == 1
    assert first.content == second.content
    assert "58 mmol/mol or lower" in " ".join(pdf_pages(second.content))
    # Each download is still audited as an export of that version.
    assert AuditEvent.objects.filter(what="careplans.plan", action="export").count() == 2


def test_each_format_is_made_once(client, booked, renders):
    save(booked, 58, 0)
    client.force_login(booked.nurse)
    for _ in range(2):
        client.get(pdf_url(booked))
        client.get(pdf_url(booked, format="large_print"))
    assert len(renders) == 2
    assert sorted(PlanPdf.objects.values_list("variant", flat=True)) == ["large_print", "standard"]


def test_saving_a_version_asks_for_its_pdfs_and_the_job_makes_them(client, booked, renders):
    version = save(booked, 58, 0)
    job = Job.objects.get(kind=written_pdfs.PDF_JOB)
    assert job.params == {"version": version.pk} and job.practice_id == booked.arthur.practice_id
    assert renders == []  # not on the request that saved it
    run_pending()
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert PlanPdf.objects.filter(version=version).count() == 2
    client.force_login(booked.nurse)
    response = client.get(pdf_url(booked, format="large_print"))
    assert response.status_code == 200 and len(renders) == 2  # the download itself made nothing
    assert "58 mmol/mol or lower" in " ".join(pdf_pages(response.content))


def test_a_new_version_gets_its_own_pdf_and_the_earlier_one_still_says_what_it_said(client, booked, renders):
    save(booked, 58, 0)
    client.force_login(booked.nurse)
    client.get(pdf_url(booked))
    save(booked, 53, 1)
    latest = " ".join(pdf_pages(client.get(pdf_url(booked)).content))
    earlier = " ".join(pdf_pages(client.get(pdf_url(booked, version=1)).content))
    assert len(renders) == 2
    assert "53 mmol/mol or lower" in latest and "58 mmol/mol or lower" not in latest
    assert "58 mmol/mol or lower" in earlier and "53 mmol/mol or lower" not in earlier


def test_a_job_for_a_version_already_replaced_makes_nothing(booked, renders):
    save(booked, 58, 0)
    save(booked, 53, 1)
    run_pending()
    assert list(PlanPdf.objects.values_list("version__version", flat=True).distinct()) == [2]
    assert len(renders) == 2


def test_after_a_change_of_address_the_next_copy_goes_to_the_new_address(client, booked, renders):
    save(booked, 58, 0)
    client.force_login(booked.nurse)
    before = " ".join(pdf_pages(client.get(pdf_url(booked)).content))
    Patient.objects.filter(pk=booked.arthur.pk).update(address_line1="1 New Road", postcode="LS1 1AA")
    after = " ".join(pdf_pages(client.get(pdf_url(booked)).content))
    assert "1 New Road" not in before and "1 New Road" in after
    client.get(pdf_url(booked))
    assert len(renders) == 2
    assert PlanPdf.objects.count() == 1  # made again in place: one per version and format


def test_a_version_is_never_made_into_another_persons_pdf(booked):
    version = save(booked, 58, 0)
    with pytest.raises(PermissionError):
        written_pdfs.pdf_for(version=version, patient=booked.beatrice, practice=booked.arthur.practice,
                             variant="standard", by=booked.nurse)


@pytest.mark.postgres
def test_concurrent_first_downloads_make_and_keep_one_pdf(transactional_db, booked, monkeypatch):
    """Each download its own connection, as in the server (PostgreSQL: row locks between connections)."""
    import threading
    import time

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need PostgreSQL")
    version = save(booked, 58, 0)
    made: list[int] = []
    real = letters.to_pdf

    def slow(html, *args, **kwargs):  # widens the window in which a second download could start
        made.append(1)
        time.sleep(0.3)
        return real(html, *args, **kwargs)

    monkeypatch.setattr(letters, "to_pdf", slow)
    got: list[bytes] = []
    problems: list[BaseException] = []

    def download():
        try:
            kept = written_pdfs.pdf_for(version=version, patient=booked.arthur, practice=booked.arthur.practice,
                                        variant="standard", by=booked.nurse)
            got.append(bytes(kept.pdf))
        except BaseException as exc:  # noqa: BLE001 - reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=download) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems, problems
    assert len(got) == 3 and len(set(got)) == 1  # everyone is given the one PDF kept
    assert PlanPdf.objects.filter(version=version, variant="standard").count() == 1
    assert len(made) == 1
