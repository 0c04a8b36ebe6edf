"""Refreshing a practice: set-based, idempotent, practice by practice, audited with counts only."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tandem.core import actions as core_actions
from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.registers import actions, queries
from tandem.registers.models import PatientRisk, RegisterMembership
from tandem.registers.rules import risk

from .builders import add_patient

T2DM = ("diagnosis", "44054006", "2010-01-01")
COPD = ("diagnosis", "13645005", "2016-01-01")


@pytest.fixture
def practice(db):
    return core_actions.create_practice(ods_code="F00001", name="Refresh Surgery", by=None)


def snapshot(practice):
    return (sorted(queries.members(practice).values_list("patient_id", "register", "since")),
            sorted(PatientRisk.objects.filter(practice=practice).values_list("patient_id", "tier", "reasons")))


def test_refreshing_twice_gives_the_same_rows(practice):
    add_patient(practice, "1950-01-01", [T2DM, COPD])
    add_patient(practice, "1980-01-01", [COPD, ("emergency", "2026-03-01")])
    first = actions.refresh_practice(practice=practice, by=None)
    before = snapshot(practice)
    second = actions.refresh_practice(practice=practice, by=None)
    assert snapshot(practice) == before
    assert (first.patients, first.total_memberships) == (second.patients, second.total_memberships) == (2, 3)
    assert first.tiers == {"case_management": 0, "disease_management": 1, "self_care": 1}


def test_each_refresh_writes_one_audit_row_with_counts_only(practice):
    nurse = core_actions.add_staff(practice=practice, username="n", role=Role.NURSE, by=None)
    add_patient(practice, "1950-01-01", [T2DM], given="Zebedee", family="Quixote")
    actions.refresh_practice(practice=practice, by=nurse)
    events = AuditEvent.objects.filter(what="registers.refresh")
    assert events.count() == 1
    event = events.get()
    assert event.user == nurse and event.practice == practice and event.patient_id is None
    assert event.detail["patients"] == 1 and event.detail["registers"]["diabetes_type2"] == 1
    assert "Zebedee" not in str(event.detail) and "Quixote" not in str(event.detail)


def test_someone_who_leaves_drops_off_at_the_next_refresh(practice):
    patient = add_patient(practice, "1950-01-01", [T2DM])
    actions.refresh_practice(practice=practice, by=None)
    assert queries.members(practice).filter(patient=patient).exists()
    patient.registration_status = "left"
    patient.save()
    actions.refresh_practice(practice=practice, by=None)
    assert not queries.members(practice).filter(patient=patient).exists()
    assert not PatientRisk.objects.filter(patient=patient).exists()


def test_changed_thresholds_take_effect_at_the_next_refresh(practice):
    patient = add_patient(practice, "1950-01-01", [T2DM, COPD])
    actions.refresh_practice(practice=practice, by=None)
    assert PatientRisk.objects.get(patient=patient).tier == "self_care"
    actions.save_tier_settings(practice=practice, by=None, thresholds=risk.Thresholds(dm_ltc_count=2))
    actions.refresh_practice(practice=practice, by=None)
    assert PatientRisk.objects.get(patient=patient).tier == "disease_management"


def test_refresh_all_covers_every_practice(practice):
    other = core_actions.create_practice(ods_code="F00002", name="Other", by=None)
    add_patient(practice, "1950-01-01", [T2DM])
    add_patient(other, "1950-01-01", [COPD])
    summaries = actions.refresh_all(by=None)
    assert [s.practice_id for s in summaries] == [practice.pk, other.pk]
    assert RegisterMembership.objects.filter(practice=other).count() == 1


def test_command_refreshes_one_practice_by_ods_code(practice, capsys):
    other = core_actions.create_practice(ods_code="F00002", name="Other", by=None)
    add_patient(practice, "1950-01-01", [T2DM])
    add_patient(other, "1950-01-01", [COPD])
    call_command("refresh_registers", "--practice", "f00001")
    out = capsys.readouterr().out
    assert out.startswith("F00001: 1 person on 1 register entry; case management 0, disease management 0, "
                          "self-care support 1")
    assert RegisterMembership.objects.filter(practice=other).count() == 0


def test_command_refreshes_every_practice(practice, capsys):
    core_actions.create_practice(ods_code="F00002", name="Other", by=None)
    call_command("refresh_registers")
    assert "2 practices, 0 people on a register" in capsys.readouterr().out


def test_command_says_what_to_do_with_an_unknown_practice(practice):
    with pytest.raises(CommandError, match="No practice has ODS code 'X1'"):
        call_command("refresh_registers", "--practice", "X1")


def test_the_refresh_runs_as_a_background_job(practice):
    from tandem.jobs import registry
    from tandem.registers.tasks import REFRESH_JOB

    add_patient(practice, "1950-01-01", [T2DM, COPD])
    job = type("Job", (), {"practice": practice, "created_by": None, "params": {}})()
    said = []
    registry.get(REFRESH_JOB).fn(job, lambda done, total=None, message="": said.append((done, total, message)))
    assert said == [(1, 1, "1 person on 2 register entries")]
    assert RegisterMembership.objects.filter(practice=practice).count() == 2
