import datetime as dt

import pytest

from tandem.core.models import AuditEvent
from tandem.patients import actions
from tandem.patients.models import Patient


def _register(practice, number, **extra):
    return actions.register_patient(practice=practice, by=None, nhs_number=number, given_name="Ann",
                                    family_name="Lee", date_of_birth=dt.date(1950, 1, 1), **extra)


def test_same_person_can_be_registered_at_two_practices_as_separate_records(universe):
    # Each practice holds its own registration record (ADR 0008).
    theirs = _register(universe.other_practice, "999 000 0018")
    assert theirs.pk != universe.patient.pk
    assert Patient.objects.filter(nhs_number="9990000018").count() == 2


def test_duplicate_nhs_number_in_one_practice_is_refused_clearly(universe):
    with pytest.raises(actions.PatientError, match="already registered at this practice"):
        _register(universe.practice, "9990000018")
    assert Patient.objects.filter(practice=universe.practice, nhs_number="9990000018").count() == 1


def test_invalid_nhs_number_is_refused_and_nothing_is_stored(universe):
    before = Patient.objects.count(), AuditEvent.objects.count()
    with pytest.raises(actions.PatientError, match="check digit"):
        _register(universe.practice, "9990000019")
    assert (Patient.objects.count(), AuditEvent.objects.count()) == before


def test_registration_is_audited(universe):
    patient = _register(universe.practice, "9990000034")
    assert AuditEvent.objects.filter(action="create", what="patient", patient_id=patient.pk).exists()
