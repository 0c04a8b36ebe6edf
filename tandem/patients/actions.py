"""Writes to the patient record: the only write path. Atomic, keyword-only, audited."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from tandem.core import audit
from tandem.core.models import Practice, User

from .models import Patient
from .rules import InvalidNHSNumber, normalise_nhs_number


class PatientError(ValueError):
    """A change to the record that cannot be made, with a message a person can act on."""


@transaction.atomic
def register_patient(*, practice: Practice, by: User | None, nhs_number: str, given_name: str,
                     family_name: str, date_of_birth: dt.date, **fields) -> Patient:
    try:
        number = normalise_nhs_number(nhs_number)
    except InvalidNHSNumber as exc:
        raise PatientError(str(exc)) from exc
    if Patient.objects.filter(practice=practice, nhs_number=number).exists():
        raise PatientError("A patient with this NHS number is already registered at this practice.")
    try:
        with transaction.atomic():
            patient = Patient.objects.create(
                practice=practice, nhs_number=number, given_name=given_name, family_name=family_name,
                date_of_birth=date_of_birth, **fields,
            )
    except IntegrityError as exc:
        raise PatientError("A patient with this NHS number is already registered at this practice.") from exc
    audit.record(by=by, practice=practice, action="create", what="patient", patient_id=patient.pk)
    return patient
