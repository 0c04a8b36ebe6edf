"""A person's copy of their data (a subject access request, UK GDPR Article 15): a readable PDF and
the same record as FHIR, in one ZIP. Asked for by the practice manager (`request_export`), made in
the background (`make_export`, the job in tasks.py: about 2 s of CPU, kept off the web request),
kept to download for a while; read from this practice only, and audited."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass

from django.db import transaction

from tandem.careplans.fhir.bundle import document
from tandem.careplans.fhir.common import Diagnosis, Organisation, Person
from tandem.careplans.presenters import written as plan_words
from tandem.careplans.queries.fhir import export_source
from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.jobs import actions as job_actions
from tandem.messaging import catalogue, letters
from tandem.patients.models import Patient
from tandem.terminology import codelists

from . import fhir, presenters, queries
from .models import SubjectAccessExport

logger = logging.getLogger(__name__)

WHAT = "privacy.subject_access"
EXPORT_JOB = "privacy.subject_access"
TEMPLATE = "privacy/record.html.jinja"
README = """This is a copy of the information {practice} holds about you in Tandem, made on {made}.

  your-data.pdf         everything, in words and tables, to read or print
  your-data.fhir.json   the same record as FHIR R4 (a Bundle of type "collection"), for another
                        health service or an app you choose; each version of your care plan is in
                        it as the same FHIR document care planning exports

Keep it safe: it holds your health information.
"""


@dataclass(frozen=True)
class Export:
    zip_bytes: bytes
    filename: str
    pages: int
    resources: int


def _record_html(held: queries.Held, practice: Practice, *, today) -> str:
    patient = held.patient
    copy = presenters.copy_of(held, made_on=today,
                              written_of=lambda v: plan_words.written(v, patient, practice))
    values = {"copy": copy, "variant": "standard", "channel": "letter", "today": today,
              **plan_words.letterhead(practice=practice, patient=patient)}
    return catalogue.environment().get_template(TEMPLATE).render(values)


def _record_fhir(held: queries.Held, practice: Practice, *, by: User | None) -> dict:
    patient = held.patient
    documents = []
    for version in held.versions:
        source = export_source(practice=practice, patient_id=patient.pk, by=by, number=version.version)
        if source is not None:
            documents.append(document(source, validate=False))
    return fhir.record_bundle(
        person=Person(key=patient.pk, nhs_number=patient.nhs_number, given_name=patient.given_name,
                      family_name=patient.family_name, birth_date=patient.date_of_birth, sex=patient.sex),
        practice=Organisation(ods_code=practice.ods_code, name=practice.name, phone=practice.phone),
        diagnoses=[Diagnosis(key=c.pk, code=c.code, term=c.term, onset=c.onset_date, resolved=c.resolved_date,
                             registers=codelists.conditions_for_code(c.code)) for c in held.conditions],
        results=[fhir.Result(key=o.pk, name=presenters.result_name(o), system=o.code_system, code=o.code,
                             on=o.effective_date, value=o.value, unit=o.unit, value_code=o.value_code)
                 for o in held.observations],
        medicines=[fhir.Medicine(key=m.pk, name=m.name, code=m.dmd_code, dose=m.dose, status=m.status,
                                 start=m.start_date, end=m.end_date) for m in held.medications],
        plan_documents=documents, made_at=clock.now(),
        questionnaires=[(c.questionnaire, c.answer.response if c.status == "answered" else None)
                        for c in held.checkins if c.questionnaire])


def subject_access(*, practice: Practice, patient: Patient, by: User | None) -> Export:
    """Everything held about the person as a ZIP: the readable PDF and the FHIR Bundle."""
    held = queries.held_about(practice, patient)
    today = clock.today()
    pdf, pages = letters.to_pdf(_record_html(held, practice, today=today))
    bundle = _record_fhir(held, practice, by=by)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(practice=practice.name, made=f"{today:%d %B %Y}"))
        archive.writestr("your-data.pdf", pdf)
        archive.writestr("your-data.fhir.json", json.dumps(bundle, ensure_ascii=False, indent=2))
    audit.record(by=by, practice=practice, action=AuditEvent.Action.EXPORT, what=WHAT, patient_id=patient.pk,
                 detail={"pages": pages, "resources": len(bundle["entry"]), "plan_versions": len(held.versions)})
    logger.info("privacy: subject access export for patient %s (%s pages, %s resources)", patient.pk, pages,
                len(bundle["entry"]))
    return Export(zip_bytes=buffer.getvalue(), filename=f"your-data-{patient.pk}-{today.isoformat()}.zip",
                  pages=pages, resources=len(bundle["entry"]))



def request_export(*, practice: Practice, patient: Patient, by: User | None) -> SubjectAccessExport:
    """Ask for the person's copy to be made in the background. While one is being made for them,
    asking again returns that one (a double press makes one copy)."""
    if patient.practice_id != practice.pk:
        raise PermissionError("This person is not registered at this practice.")
    with transaction.atomic():
        waiting = (SubjectAccessExport.objects.select_for_update(of=("self",))
                   .filter(practice=practice, patient=patient, made_at__isnull=True, job__state__in=("queued", "running"))
                   .order_by("-pk").first())
        if waiting is not None:
            return waiting
        row = SubjectAccessExport.objects.create(practice=practice, patient=patient, requested_by=by,
                                                 requested_at=clock.now())
        row.job = job_actions.enqueue(kind=EXPORT_JOB, practice=practice, by=by, params={"export": row.pk},
                                      idempotency_key=f"privacy:subject-access:{row.pk}")
        row.save(update_fields=["job"])
        audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what=f"{WHAT}.request",
                     patient_id=patient.pk, object_id=row.pk)
    return row


def make_export(*, practice: Practice, export_id: int) -> SubjectAccessExport | None:
    """Make the copy asked for (the job). Reading and laying out happen outside any transaction (no
    write lock is held on SQLite while the PDF is made); the ZIP is kept in one short one."""
    row = (SubjectAccessExport.objects.select_related("patient", "requested_by")
           .filter(practice=practice, pk=export_id).first())
    if row is None or row.made_at is not None:
        return row
    made = subject_access(practice=practice, patient=row.patient, by=row.requested_by)
    with transaction.atomic():
        SubjectAccessExport.objects.filter(pk=row.pk, made_at__isnull=True).update(
            zip=made.zip_bytes, size=len(made.zip_bytes), pages=made.pages, made_at=clock.now())
    row.refresh_from_db()
    return row
