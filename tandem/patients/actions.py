"""Writes to the patient record: the only write path. Atomic, keyword-only, audited."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from tandem.core import audit, clock, derived
from tandem.core.models import Membership, Practice, User
from tandem.core.rules import Role
from tandem.terminology import codelists, observations

from .models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    PersonalTarget,
    ReasonableAdjustment,
    RelatedPerson,
)
from .rules import InvalidNHSNumber, blood_pressure_problem, is_ascii_digits, normalise_nhs_number


class PatientError(ValueError):
    """A change to the record that cannot be made, with a message a person can act on."""


@transaction.atomic
def register_patient(*, practice: Practice, by: User | None, nhs_number: str, given_name: str,
                     family_name: str, date_of_birth: dt.date, **fields) -> Patient:
    try:
        number = normalise_nhs_number(nhs_number)
    except InvalidNHSNumber as exc:
        raise PatientError(str(exc)) from exc
    _not_in_future(date_of_birth, "date of birth")
    died = fields.get("date_of_death")
    if died is not None:
        _not_in_future(died, "date of death")
        if died < date_of_birth:
            raise PatientError(f"The date of death ({_long(died)}) is before they were born "
                               f"({_long(date_of_birth)}). Check both dates.")
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


# --- The clinical record of one patient -------------------------------------------
# Each function writes one fact about one patient and one audit row naming the
# kind of fact (never its free text). The bulk paths (synthetic data, FHIR import)
# write many rows at once through their own set-based code; these are for single
# entries, tests and the screens that record one thing at a time.


def _not_in_future(day: dt.date, what: str) -> None:
    if day > clock.today():
        raise PatientError(f"The {what} cannot be in the future.")


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _in_life(patient: Patient, day: dt.date, what: str) -> None:
    """Nothing about a person happens before they were born."""
    if day < patient.date_of_birth:
        raise PatientError(f"The {what} ({_long(day)}) is before the person was born "
                           f"({_long(patient.date_of_birth)}). Check the date, and that this is the right person.")


_BP_PAIR = {"systolic_bp": "diastolic_bp", "diastolic_bp": "systolic_bp"}


def _check_blood_pressure_half(patient: Patient, concept: str, value: float, day: dt.date) -> None:
    """A systolic or diastolic reading entered on its own makes a pair with the other half recorded for
    the same day (when there is exactly one); the pair must be the right way round."""
    other = list(Observation.objects.filter(patient=patient, concept=_BP_PAIR[concept], effective_date=day)
                 .values_list("value", flat=True)[:2])
    if len(other) != 1 or other[0] is None:
        return
    systolic, diastolic = (value, other[0]) if concept == "systolic_bp" else (other[0], value)
    problem = blood_pressure_problem(systolic, diastolic)
    if problem:
        raise PatientError(f"{problem} (The other half of this blood pressure was recorded for the same day.)")


def _audit_created(*, by: User | None, patient: Patient, what: str, row, detail: dict | None = None) -> None:
    audit.record(by=by, practice=patient.practice, action="create", what=what, patient_id=patient.pk,
                 object_id=row.pk, detail=detail)


@transaction.atomic
def record_condition(*, patient: Patient, by: User | None, code: str, onset_date: dt.date, term: str = "",
                     resolved_date: dt.date | None = None, source_id: str = "") -> Condition:
    """A SNOMED CT coded diagnosis. The term defaults to the codelist's term for the code."""
    code = code.strip()
    if not is_ascii_digits(code):
        raise PatientError("A condition needs a SNOMED CT concept id (digits only).")
    _not_in_future(onset_date, "date the condition started")
    _in_life(patient, onset_date, "date the condition started")
    if resolved_date is not None and resolved_date < onset_date:
        raise PatientError("A condition cannot be resolved before it started.")
    term = term.strip() or codelists.term_for(code) or f"SNOMED CT {code}"
    row = Condition.objects.create(
        practice=patient.practice, patient=patient, code=code, term=term, onset_date=onset_date,
        resolved_date=resolved_date, source_id=source_id,
    )
    _audit_created(by=by, patient=patient, what="condition", row=row, detail={"code": code})
    return row


@transaction.atomic
def resolve_condition(*, condition: Condition, by: User | None, resolved_date: dt.date) -> Condition:
    _not_in_future(resolved_date, "date the condition resolved")
    if resolved_date < condition.onset_date:
        raise PatientError("A condition cannot be resolved before it started.")
    condition.resolved_date = resolved_date
    condition.recorded_at = clock.now()
    condition.save(update_fields=["resolved_date", "recorded_at"])
    audit.record(by=by, practice=condition.practice, action="update", what="condition",
                 patient_id=condition.patient_id, object_id=condition.pk, detail={"fields": ["resolved_date"]})
    return condition


@transaction.atomic
def record_observation(*, patient: Patient, by: User | None, concept: str, effective_date: dt.date,
                       value: float | None = None, unit: str | None = None, value_code: str = "",
                       code: str = "", code_system: str = "", source_id: str = "",
                       pair_known: bool = False) -> Observation:
    """A measurement in any unit the concept understands, stored in its canonical unit. A systolic or
    diastolic reading is checked against the other half recorded that day, unless it is recorded
    with its other half (`pair_known`, as record_blood_pressure does)."""
    known = observations.BY_KEY.get(concept)
    if known is None:
        raise PatientError(f"'{concept}' is not a measurement Tandem knows.")
    _not_in_future(effective_date, "date of the measurement")
    _in_life(patient, effective_date, "date of the measurement")
    if known.coded:
        if not value_code:
            raise PatientError(f"{known.name} is recorded as a code, not a number.")
        value = None
    else:
        if value is None:
            raise PatientError(f"{known.name} needs a value.")
        try:
            value = observations.to_canonical(known, float(value), unit if unit is not None else known.unit)
        except observations.UnknownUnit as exc:
            raise PatientError(str(exc)) from exc
        if known.plausible and not known.plausible[0] <= value <= known.plausible[1]:
            low, high = known.plausible
            raise PatientError(f"{known.name} of {value:g} {known.unit} is outside the plausible range "
                               f"({low:g} to {high:g}). Check it was typed correctly.")
        if known.key in _BP_PAIR and not pair_known:
            _check_blood_pressure_half(patient, known.key, value, effective_date)
    if not code:
        code_system, code = _default_code(known, value)
    row = Observation.objects.create(
        practice=patient.practice, patient=patient, concept=known.key, code_system=code_system, code=code,
        value=value, value_code=value_code, unit=known.unit, effective_date=effective_date, source_id=source_id,
    )
    _audit_created(by=by, patient=patient, what="observation", row=row, detail={"concept": known.key})
    derived.changed(record_observation, practice_id=patient.practice_id, patient_ids=[patient.pk],
                    what={derived.OBSERVATIONS})
    return row


def _default_code(concept: observations.Concept, value: float | None) -> tuple[str, str]:
    """The code a reading is recorded under when none is given: MRC grades have one finding code each."""
    if concept.key == "mrc_dyspnoea" and value is not None:
        by_grade = {grade: code for code, grade in observations.MRC_GRADE_CODES.items()}
        if int(value) in by_grade:
            return "snomed", by_grade[int(value)]
    if concept.loinc:
        return "loinc", concept.loinc[0]
    if concept.snomed:
        return "snomed", concept.snomed[0]
    return "", ""


@transaction.atomic
def record_blood_pressure(*, patient: Patient, by: User | None, systolic: float, diastolic: float,
                          effective_date: dt.date) -> tuple[Observation, Observation]:
    """A clinic blood pressure reading: its two halves, recorded together."""
    problem = blood_pressure_problem(systolic, diastolic)
    if problem:
        raise PatientError(problem)
    return (
        record_observation(patient=patient, by=by, concept="systolic_bp", value=systolic,
                           effective_date=effective_date, pair_known=True),
        record_observation(patient=patient, by=by, concept="diastolic_bp", value=diastolic,
                           effective_date=effective_date, pair_known=True),
    )


@transaction.atomic
def record_medication(*, patient: Patient, by: User | None, name: str, start_date: dt.date, dose: str = "",
                      dmd_code: str = "", is_regular: bool = True, end_date: dt.date | None = None,
                      source_id: str = "") -> Medication:
    """A medicine the patient takes; with an end date it is recorded as stopped."""
    name = name.strip()
    if not name:
        raise PatientError("A medicine needs a name.")
    _not_in_future(start_date, "date the medicine started")
    _in_life(patient, start_date, "date the medicine started")
    if end_date is not None and end_date < start_date:
        raise PatientError("A medicine cannot stop before it started.")
    row = Medication.objects.create(
        practice=patient.practice, patient=patient, name=name, dose=dose.strip(), dmd_code=dmd_code.strip(),
        is_regular=is_regular, start_date=start_date, end_date=end_date,
        status=Medication.Status.STOPPED if end_date else Medication.Status.ACTIVE, source_id=source_id,
    )
    _audit_created(by=by, patient=patient, what="medication", row=row, detail={"dmd_code": row.dmd_code})
    return row


@transaction.atomic
def stop_medication(*, medication: Medication, by: User | None, end_date: dt.date) -> Medication:
    _not_in_future(end_date, "date the medicine stopped")
    if end_date < medication.start_date:
        raise PatientError("A medicine cannot stop before it started.")
    medication.status = Medication.Status.STOPPED
    medication.end_date = end_date
    medication.recorded_at = clock.now()
    medication.save(update_fields=["status", "end_date", "recorded_at"])
    audit.record(by=by, practice=medication.practice, action="update", what="medication",
                 patient_id=medication.patient_id, object_id=medication.pk, detail={"fields": ["status", "end_date"]})
    return medication


@transaction.atomic
def record_encounter(*, patient: Patient, by: User | None, date: dt.date,
                     kind: str = Encounter.Kind.FACE_TO_FACE, clinician_role: str = "",
                     status: str = Encounter.Status.ATTENDED, reason: str = "", source_id: str = "") -> Encounter:
    """An appointment: booked (may be in the future), attended, missed or cancelled."""
    kind, status = Encounter.Kind(kind), Encounter.Status(status)
    if clinician_role:
        clinician_role = Role(clinician_role).value
    if status in (Encounter.Status.ATTENDED, Encounter.Status.DNA):
        _not_in_future(date, "date of an attended or missed appointment")
    _in_life(patient, date, "date of the appointment")
    row = Encounter.objects.create(
        practice=patient.practice, patient=patient, date=date, kind=kind, clinician_role=clinician_role,
        status=status, reason=reason.strip(), source_id=source_id,
    )
    _audit_created(by=by, patient=patient, what="encounter", row=row, detail={"status": status.value})
    return row


@transaction.atomic
def record_hospital_event(*, patient: Patient, by: User | None, kind: str, start_date: dt.date,
                          end_date: dt.date | None = None, reason: str = "", reason_code: str = "",
                          source_id: str = "") -> HospitalEvent:
    """An A&E attendance or a hospital admission (with its discharge date once known)."""
    kind = HospitalEvent.Kind(kind)
    _not_in_future(start_date, "date of the hospital attendance or admission")
    _in_life(patient, start_date, "date of the hospital attendance or admission")
    if end_date is not None and end_date < start_date:
        raise PatientError("A hospital stay cannot end before it started.")
    row = HospitalEvent.objects.create(
        practice=patient.practice, patient=patient, kind=kind, start_date=start_date, end_date=end_date,
        reason=reason.strip(), reason_code=reason_code.strip(), source_id=source_id,
    )
    _audit_created(by=by, patient=patient, what="hospital_event", row=row, detail={"kind": kind.value})
    return row


@transaction.atomic
def add_related_person(*, patient: Patient, by: User | None, name: str, relationship: str,
                       is_carer: bool = False, is_next_of_kin: bool = False, has_proxy_access: bool = False,
                       phone: str = "", email: str = "") -> RelatedPerson:
    """A carer or someone important to the patient."""
    name = name.strip()
    if not name:
        raise PatientError("Enter the person's name.")
    row = RelatedPerson.objects.create(
        patient=patient, name=name, relationship=RelatedPerson.Relationship(relationship),
        is_carer=is_carer, is_next_of_kin=is_next_of_kin, has_proxy_access=has_proxy_access,
        phone=phone.strip(), email=email.strip(),
    )
    _audit_created(by=by, patient=patient, what="related_person", row=row,
                   detail={"relationship": row.relationship, "carer": is_carer})
    return row


@transaction.atomic
def set_reasonable_adjustment(*, patient: Patient, by: User | None, kind: str,
                              detail: str = "") -> ReasonableAdjustment:
    """Record (or update the detail of) one reasonable adjustment, e.g. an interpreter for Polish."""
    kind = ReasonableAdjustment.Kind(kind)
    detail = detail.strip()
    if kind in (ReasonableAdjustment.Kind.INTERPRETER, ReasonableAdjustment.Kind.OTHER) and not detail:
        raise PatientError("Say which language is needed." if kind == ReasonableAdjustment.Kind.INTERPRETER
                           else "Describe the adjustment needed.")
    row, created = ReasonableAdjustment.objects.update_or_create(
        patient=patient, kind=kind, defaults={"detail": detail}
    )
    audit.record(by=by, practice=patient.practice, action="create" if created else "update",
                 what="reasonable_adjustment", patient_id=patient.pk, object_id=row.pk, detail={"kind": kind.value})
    derived.changed(set_reasonable_adjustment, practice_id=patient.practice_id, patient_ids=[patient.pk],
                    what={derived.ADJUSTMENTS})
    return row


@transaction.atomic
def remove_reasonable_adjustment(*, patient: Patient, by: User | None, kind: str) -> None:
    kind = ReasonableAdjustment.Kind(kind)
    deleted, _ = ReasonableAdjustment.objects.filter(patient=patient, kind=kind).delete()
    if deleted:
        audit.record(by=by, practice=patient.practice, action="delete", what="reasonable_adjustment",
                     patient_id=patient.pk, detail={"kind": kind.value})
        derived.changed(remove_reasonable_adjustment, practice_id=patient.practice_id, patient_ids=[patient.pk],
                        what={derived.ADJUSTMENTS})


class NamedClinicianChanged(PatientError):
    """Someone else changed the person's named clinician after the page was opened."""


_NOT_CHECKED = object()


@transaction.atomic
def set_named_clinician(*, patient: Patient, by: User | None, clinician: User | None,
                        seen: int | None | object = _NOT_CHECKED) -> Patient:
    """The clinician who leads this person's care; they must work at the patient's practice.

    `seen`: the named clinician's id (None: nobody) the page showing the choice was based on. When it is
    given, the change is made only if that is still the person's named clinician (one conditional UPDATE,
    so two people choosing at once cannot overwrite each other); otherwise NamedClinicianChanged."""
    if clinician is not None and not Membership.objects.filter(user=clinician, practice=patient.practice).exists():
        raise PatientError("The named clinician must be a member of staff at the patient's practice.")
    if seen is not _NOT_CHECKED:
        still = Patient.objects.filter(pk=patient.pk, practice_id=patient.practice_id)
        still = still.filter(named_clinician__isnull=True) if seen is None else still.filter(named_clinician_id=seen)
        if not still.update(named_clinician=clinician, updated_at=clock.now()):
            raise NamedClinicianChanged("Someone else changed the named clinician while you were choosing. "
                                        "Check who it is now and choose again if you need to.")
        patient.named_clinician = clinician
    else:
        patient.named_clinician = clinician
        patient.save(update_fields=["named_clinician", "updated_at"])
    audit.record(by=by, practice=patient.practice, action="update", what="patient", patient_id=patient.pk,
                 detail={"fields": ["named_clinician"]})
    return patient


@transaction.atomic
def agree_target(*, patient: Patient, by: User | None, concept: str, upper: float | None = None,
                 lower: float | None = None, reason: str = "", agreed_on: dt.date | None = None) -> PersonalTarget:
    """Record a target the person has agreed as their own; it replaces any current one for that
    measurement (the old one is ended, not deleted, so the history stays)."""
    known = observations.BY_KEY.get(concept)
    if known is None or known.coded:
        raise PatientError(f"'{concept}' is not a measurement a target can be agreed for.")
    if upper is None and lower is None:
        raise PatientError(f"A target for {known.name} needs an upper or a lower limit.")
    for limit in (upper, lower):
        if limit is not None and known.plausible and not known.plausible[0] <= limit <= known.plausible[1]:
            raise PatientError(f"A {known.name} target of {limit:g} {known.unit} is outside the plausible range.")
    if upper is not None and lower is not None and lower > upper:
        raise PatientError("The lower limit of a target cannot be above its upper limit.")
    agreed_on = agreed_on or clock.today()
    _not_in_future(agreed_on, "date the target was agreed")
    PersonalTarget.objects.filter(patient=patient, concept=known.key, ended_on__isnull=True).update(ended_on=agreed_on)
    row = PersonalTarget.objects.create(practice=patient.practice, patient=patient, concept=known.key, upper=upper,
                                        lower=lower, reason=reason.strip()[:300], agreed_on=agreed_on, agreed_by=by,
                                        created_at=clock.now())
    _audit_created(by=by, patient=patient, what="personal_target", row=row, detail={"concept": known.key})
    return row


@transaction.atomic
def end_target(*, target: PersonalTarget, by: User | None, ended_on: dt.date | None = None) -> None:
    """The person's own target no longer applies: the guideline default is used again."""
    ended_on = ended_on or clock.today()
    PersonalTarget.objects.filter(pk=target.pk, ended_on__isnull=True).update(ended_on=ended_on)
    audit.record(by=by, practice=target.practice, action="update", what="personal_target",
                 patient_id=target.patient_id, object_id=target.pk, detail={"ended": True})
