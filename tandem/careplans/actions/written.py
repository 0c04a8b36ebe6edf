"""The written plan's PDFs: made once per version and format, kept (PlanPdf), served from there.

Saving a version asks for its PDFs in the background (`request_pdfs`, run by the job in
careplans/tasks.py), so the first download is usually served from what is kept. A download that
comes first makes the PDF itself (`pdf_for`), once: on PostgreSQL concurrent first downloads of
the same version wait on a lock on the version row and the later ones find it made; on SQLite the
PDF is laid out outside any transaction (one would hold the database's write lock throughout), so
two first downloads at the same moment may both lay it out; on any database the unique (version,
format) constraint keeps a single row, and everyone is given that one.

A kept PDF is the version as printed on the day it was made ("Date" on the letter). It is made
again only when the practice letterhead or the person's name or address has changed since, so a
copy printed later goes to where they live now; the plan's words never change (versions are
append-only), and a new version gets PDFs of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.db import IntegrityError, connection, transaction

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, User
from tandem.jobs import actions as job_actions
from tandem.messaging import letters
from tandem.patients.models import Patient

from ..models import PlanPdf, PlanVersion
from ..presenters import written as presenters

logger = logging.getLogger(__name__)

PDF_JOB = "careplans.plan_pdfs"
WHAT = "careplans.plan.pdf"


def letterhead_digest(*, practice: Practice, patient: Patient) -> str:
    values = presenters.letterhead(practice=practice, patient=patient)
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def request_pdfs(*, version: PlanVersion, by: User | None):
    """Ask for the version's PDFs (every format) to be made in the background. Call it in the
    transaction that saves the version: the job commits, or not, with it."""
    return job_actions.enqueue(kind=PDF_JOB, practice=version.practice, by=by, params={"version": version.pk},
                               idempotency_key=f"careplans:plan-pdfs:{version.pk}")


def _kept(version: PlanVersion, variant: str, digest: str) -> PlanPdf | None:
    return PlanPdf.objects.filter(version=version, variant=variant, letterhead=digest).first()


def pdf_for(*, version: PlanVersion, patient: Patient, practice: Practice, variant: str,
            by: User | None) -> PlanPdf:
    """The version's PDF in `variant`: the kept one, else made now (once), kept and returned."""
    if variant not in presenters.FORMATS:
        raise ValueError(f"No such format: {variant}")
    if version.practice_id != practice.pk or version.patient_id != patient.pk:
        raise PermissionError("That care plan version is not this person's at this practice.")
    digest = letterhead_digest(practice=practice, patient=patient)
    kept = _kept(version, variant, digest)
    if kept is not None:
        return kept
    if not connection.features.has_select_for_update:
        # SQLite: a transaction takes the database's one write lock as it begins (IMMEDIATE), so the
        # PDF is laid out outside one and only kept in a short one.
        return _make(version=version, patient=patient, practice=practice, variant=variant, digest=digest, by=by)
    with transaction.atomic():
        # PostgreSQL: concurrent first downloads (and the job) queue on the version row; the later
        # ones find the PDF made. FOR NO KEY UPDATE does not hold up copies given (they reference it).
        PlanVersion.objects.select_for_update(no_key=True).filter(pk=version.pk).values_list("pk").get()
        kept = _kept(version, variant, digest)
        if kept is not None:
            return kept
        return _make(version=version, patient=patient, practice=practice, variant=variant, digest=digest, by=by)


def _make(*, version: PlanVersion, patient: Patient, practice: Practice, variant: str, digest: str,
          by: User | None) -> PlanPdf:
    today = clock.today()
    html = presenters.document_html(presenters.written(version, patient, practice), practice=practice,
                                    patient=patient, variant=variant, today=today)
    pdf, pages = letters.to_pdf(html)
    fields = {"practice": practice, "letterhead": digest, "pdf": pdf, "pages": pages, "made_on": today,
              "created_at": clock.now()}
    with transaction.atomic():
        try:
            with transaction.atomic():
                made, _ = PlanPdf.objects.update_or_create(version=version, variant=variant, defaults=fields)
        except IntegrityError:  # made meanwhile by another download (SQLite has no row locks): keep that one
            return PlanPdf.objects.get(version=version, variant=variant)
        audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what=WHAT, patient_id=patient.pk,
                     object_id=version.pk, detail={"version": version.version, "format": variant, "pages": pages})
    logger.info("careplans: made the %s PDF of plan version %s (%s pages)", variant, version.pk, pages)
    return made


def make_pdfs(*, practice: Practice, version_id: int, by: User | None) -> int:
    """Make whichever of a version's PDFs are not kept yet (the background job). Returns how many
    formats were made ready: none for a version that has been replaced by a newer one before the job
    ran (a quick correction, or plans loaded in bulk: an earlier version is made when it is asked for)."""
    version = (PlanVersion.objects.filter(practice=practice, pk=version_id)
               .select_related("plan", "patient", "conversation__clinician", "created_by").first())
    if version is None or version.plan.version != version.version:
        return 0
    for variant in presenters.FORMATS:
        pdf_for(version=version, patient=version.patient, practice=practice, variant=variant, by=by)
    return len(presenters.FORMATS)
