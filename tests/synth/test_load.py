"""Loading a synthetic practice: the bulk path writes what the generator made, once, audited;
re-running is refused or replaces; named clinicians can be shared out. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from tandem.core import actions as core_actions
from tandem.core.models import AuditEvent, Practice
from tandem.core.rules import Role
from tandem.patients import actions as patient_actions
from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    ReasonableAdjustment,
    RelatedPerson,
)
from tandem.patients.rules import is_valid_nhs_number
from tandem.synth.generate import generate
from tandem.synth.generate.nhs_numbers import nhs_numbers
from tandem.synth.load import SynthError, assign_named_clinicians, load_practice

TODAY = dt.date(2026, 6, 15)
MODELS = {
    "patients": Patient, "reasonable_adjustments": ReasonableAdjustment, "related_people": RelatedPerson,
    "conditions": Condition, "observations": Observation, "medications": Medication, "encounters": Encounter,
    "hospital_events": HospitalEvent,
}


def expected_counts(patients: int, seed: int, **kwargs) -> dict[str, int]:
    counts = dict.fromkeys(MODELS, 0)
    for chunk in generate(patients=patients, seed=seed, today=TODAY, **kwargs):
        for name, rows in chunk.tables():
            counts[name] += len(rows)
    return counts


def counts_in(practice) -> dict[str, int]:
    return {
        name: model.objects.filter(
            **({"practice": practice} if name == "patients" else {"patient__practice": practice})
        ).count()
        for name, model in MODELS.items()
    }


@pytest.fixture
def practice(db):
    return core_actions.create_practice(ods_code="Y99001", name="Synthetic Surgery", by=None, town="Ashworth")


def test_load_writes_exactly_what_the_generator_made(practice):
    result = load_practice(practice=practice, patients=300, seed=7, by=None, chunk_size=120)
    expected = expected_counts(300, 7)
    assert result.rows == expected
    assert counts_in(practice) == expected
    numbers = list(Patient.objects.filter(practice=practice).values_list("nhs_number", flat=True))
    assert len(numbers) == len(set(numbers)) == 300 and all(map(is_valid_nhs_number, numbers))
    # Clinical rows carry their practice, so practice-scoped queries need no join.
    assert Observation.objects.filter(practice=practice).count() == expected["observations"]
    assert set(Condition.objects.values_list("practice_id", flat=True)) == {practice.pk}


def test_rows_are_stored_with_their_values_intact(practice):
    load_practice(practice=practice, patients=50, seed=3, by=None)
    chunk = next(generate(patients=50, seed=3, today=TODAY))
    first = Patient.objects.get(practice=practice, nhs_number=chunk.patients[0][0])
    assert (first.given_name, first.family_name, first.date_of_birth) == chunk.patients[0][1:4]
    stored = sorted(
        (o.concept, o.value, o.value_code, o.unit, o.effective_date) for o in first.observations.all()
    )
    made = sorted((r[1], r[4], r[5], r[6], r[7]) for r in chunk.observations if r[0] == 0)
    assert stored == made


def test_every_synthetic_patient_creation_is_audited(practice):
    load_practice(practice=practice, patients=120, seed=5, by=None)
    audited = set(AuditEvent.objects.filter(practice=practice, action="create", what="synth.patient")
                  .values_list("patient_id", flat=True))
    assert audited == set(Patient.objects.filter(practice=practice).values_list("pk", flat=True))
    run = AuditEvent.objects.get(practice=practice, what="synth.run")
    assert run.detail["patients"] == 120 and run.detail["seed"] == 5


def test_running_again_is_refused_and_adds_nothing(practice):
    load_practice(practice=practice, patients=80, seed=1, by=None)
    before = counts_in(practice)
    with pytest.raises(SynthError, match="already has 80 synthetic patients .*--replace"):
        load_practice(practice=practice, patients=80, seed=1, by=None)
    with pytest.raises(SynthError):
        load_practice(practice=practice, patients=80, seed=2, by=None)
    assert counts_in(practice) == before


def test_replace_deletes_the_old_synthetic_patients_and_keeps_real_ones(practice):
    real = patient_actions.register_patient(
        practice=practice, by=None, nhs_number="9990000018", given_name="Ada", family_name="Jones",
        date_of_birth=dt.date(1950, 1, 1), sex="female")
    load_practice(practice=practice, patients=60, seed=1, by=None)
    result = load_practice(practice=practice, patients=90, seed=2, by=None, replace=True)
    assert result.deleted == 60
    assert Patient.objects.filter(practice=practice).count() == 91
    assert Patient.objects.filter(pk=real.pk).exists()
    assert counts_in(practice)["conditions"] == expected_counts(90, 2)["conditions"]
    assert AuditEvent.objects.filter(practice=practice, action="delete", what="synth.patient").count() == 60


def test_nhs_numbers_already_in_the_practice_are_not_reused(practice):
    taken = next(nhs_numbers(4))
    patient_actions.register_patient(practice=practice, by=None, nhs_number=taken, given_name="Ben",
                                     family_name="Ode", date_of_birth=dt.date(1980, 5, 5))
    load_practice(practice=practice, patients=40, seed=4, by=None)
    assert Patient.objects.filter(practice=practice, nhs_number=taken).count() == 1
    assert Patient.objects.filter(practice=practice).count() == 41


def test_other_practices_are_untouched(practice, universe):
    load_practice(practice=practice, patients=30, seed=1, by=None)
    load_practice(practice=universe.other_practice, patients=30, seed=1, by=None)
    load_practice(practice=practice, patients=30, seed=1, by=None, replace=True)
    assert Patient.objects.filter(practice=universe.other_practice).count() == 31


def test_named_clinicians_are_shared_out_among_staff(universe):
    gp = core_actions.add_staff(practice=universe.practice, username="gp", role=Role.GP, by=None)
    load_practice(practice=universe.practice, patients=200, seed=6, by=None)
    registered = Patient.objects.filter(practice=universe.practice, registration_status="registered")
    assigned = assign_named_clinicians(practice=universe.practice, clinicians=[universe.nurse, gp], by=universe.admin)
    assert assigned == registered.count()
    assert not registered.filter(named_clinician__isnull=True).exists()
    split = [registered.filter(named_clinician=u).count() for u in (universe.nurse, gp)]
    assert abs(split[0] - split[1]) <= 0.2 * assigned
    assert not Patient.objects.filter(practice=universe.practice).exclude(registration_status="registered") \
        .exclude(named_clinician__isnull=True).exists()
    assert AuditEvent.objects.filter(what="patient.named_clinician", user=universe.admin).count() == assigned
    assert assign_named_clinicians(practice=universe.practice, clinicians=[gp]) == 0  # only the unassigned


def test_named_clinicians_must_work_at_the_practice(universe):
    with pytest.raises(SynthError, match="do not work at practice"):
        assign_named_clinicians(practice=universe.practice, clinicians=[universe.other_nurse])


def test_the_synth_command_creates_a_practice_and_refuses_to_duplicate(db, capsys):
    call_command("synth", patients=200, seed=1)
    practice = Practice.objects.get(ods_code="Y99999")
    assert practice.patients.count() == 200 and practice.postcode.startswith("YY")
    with pytest.raises(CommandError, match="--replace"):
        call_command("synth", patients=200, seed=1)
    call_command("synth", patients=150, seed=1, replace=True)
    assert practice.patients.count() == 150
    call_command("synth", patients=20, seed=3, practice="y99002", practice_name="Hill Surgery")
    assert Practice.objects.get(ods_code="Y99002").name == "Hill Surgery"
    out = capsys.readouterr().out
    assert "200 synthetic patients (seed 1)" in out and "Deleted 200" in out


def test_the_synth_command_rejects_impossible_sizes(db):
    with pytest.raises(CommandError, match="between 1 and 909,091"):
        call_command("synth", patients=1_000_000, seed=1)
