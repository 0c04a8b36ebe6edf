"""Reads of the patient record. Every one is scoped to a practice, and reads of a
person's record are audited. Views never touch Patient.objects directly."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, User

from .models import Patient


def patients_of(practice: Practice) -> QuerySet[Patient]:
    return Patient.objects.filter(practice=practice)


def get_patient(*, practice: Practice, pk: int, by: User, what: str = "patient.summary") -> Patient:
    """The patient with this id *in this practice*, audited as viewed; 404 otherwise.

    A patient of another practice is indistinguishable from one that does not exist.
    """
    try:
        patient = patients_of(practice).select_related("named_clinician").get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient in this practice") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what=what, patient_id=patient.pk)
    return patient
