"""A file is all or nothing whatever goes wrong while it is written, at every point of the write.

The import reads, checks and compares a file with what the practice holds first (no write lock), then
writes it in one short transaction, statement after statement. A failure at any of those statements
(SQLite giving up on the lock, a row taken meanwhile, a row that changed or went meanwhile, a fault)
leaves the practice's records, and its audit trail, exactly as they were, and the report says that
nothing from the file was stored.
"""

from __future__ import annotations

import copy

import pytest
from django.db import IntegrityError, OperationalError

from tandem.core.models import AuditEvent
from tandem.fhir import actions
from tandem.jobs import worker
from tandem.jobs.models import Job
from tandem.patients.models import Condition, Observation, Patient
from tandem.patients.rules import nhs_check_digit

from .conftest import as_file, load

pytestmark = pytest.mark.django_db

DOREEN = "9990000034"


def _new_number() -> str:
    return next(f"{n}{nhs_check_digit(str(n))}" for n in range(999000010, 999000100)
                if nhs_check_digit(str(n)) is not None and f"{n}{nhs_check_digit(str(n))}" != DOREEN)


NEWCOMER = _new_number()


def _resource(bundle: dict, rid: str | None) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == rid)


def corrected_file_with_a_newcomer() -> dict:
    """Doreen's record corrected (a new postcode, her HbA1c re-measured) and a newly registered person
    with a diagnosis and a reading: new and changed patients, new and changed rows, audit rows."""
    bundle = load("transaction_multimorbid.json")
    _resource(bundle, None)["address"][0]["postalCode"] = "HX7 9ZZ"
    _resource(bundle, "hba1c-2026-05-20")["valueQuantity"] = {"value": 61, "unit": "mmol/mol"}
    newcomer = {"resourceType": "Patient", "id": "newcomer",
                "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NEWCOMER}],
                "name": [{"family": "Newcomer", "given": ["Nia"]}], "birthDate": "1961-04-09", "gender": "female"}
    condition = copy.deepcopy(_resource(bundle, "ckd3"))
    condition.update(id="newcomer-ckd3", subject={"reference": "Patient/newcomer"})
    reading = copy.deepcopy(_resource(bundle, "hba1c-2026-05-20"))
    reading.update(id="newcomer-hba1c", subject={"reference": "Patient/newcomer"})
    bundle["entry"] += [{"fullUrl": f"https://gp.example/fhir/{r['resourceType']}/{r['id']}", "resource": r,
                         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                        for r in (newcomer, condition, reading)]
    return bundle


def held(practice) -> dict:
    """What a clinician (and an auditor) would see of the practice's records."""
    doreen = Patient.objects.get(practice=practice, nhs_number=DOREEN)
    return {
        "patients": sorted(Patient.objects.filter(practice=practice).values_list("nhs_number", flat=True)),
        "doreen's postcode": doreen.postcode,
        "doreen's hba1c": sorted(Observation.objects.filter(patient=doreen, concept="hba1c").values_list("value",
                                                                                                    flat=True)),
        "observations": Observation.objects.filter(practice=practice).count(),
        "conditions": Condition.objects.filter(practice=practice).count(),
        "audit": AuditEvent.objects.filter(practice=practice, what__startswith="fhir.",
                                           patient_id__isnull=False).count(),
    }


@pytest.fixture
def doreen_held(run_import, universe):
    [first] = run_import(as_file(load("transaction_multimorbid.json")))
    assert first.imported, first.problems
    return held(universe.practice)


def _table(model) -> str:
    return model._meta.db_table


# (SQL the failing statement starts with) for every statement the write runs, in order.
STATEMENTS = {
    "adding the new patient": f"INSERT INTO \"{_table(Patient)}\"",
    "correcting a patient's details": f"UPDATE \"{_table(Patient)}\"",
    "adding a diagnosis": f"INSERT INTO \"{_table(Condition)}\"",
    "adding a reading": f"INSERT INTO \"{_table(Observation)}\"",
    "correcting a reading": f"UPDATE \"{_table(Observation)}\"",
    "writing the audit trail": f"INSERT INTO \"{_table(AuditEvent)}\"",
}


def _fail_at(monkeypatch, prefix: str, error: Exception) -> list[str]:
    ran: list[str] = []
    real = actions._Statement.execute

    def execute(statement):
        if statement.params:
            ran.append(statement.sql)
        if statement.sql.startswith(prefix) and statement.params:
            raise error
        return real(statement)

    monkeypatch.setattr(actions._Statement, "execute", execute)
    return ran


def test_the_corrected_file_is_written_whole_when_nothing_goes_wrong(run_import, universe, doreen_held,
                                                                      monkeypatch):
    ran = _fail_at(monkeypatch, "nothing starts with this", RuntimeError())
    [report] = run_import(as_file(corrected_file_with_a_newcomer()))
    assert report.imported, report.problems
    after = held(universe.practice)
    assert after["patients"] == sorted([*doreen_held["patients"], NEWCOMER])
    assert after["doreen's postcode"] == "HX7 9ZZ" and after["doreen's hba1c"] == [61]
    assert after["audit"] > doreen_held["audit"]
    assert all(any(sql.startswith(prefix) for sql in ran) for prefix in STATEMENTS.values())  # every point is hit


@pytest.mark.parametrize("point", STATEMENTS)
def test_the_database_giving_up_at_any_statement_stores_nothing(run_import, universe, doreen_held, monkeypatch,
                                                                 point):
    _fail_at(monkeypatch, STATEMENTS[point], OperationalError("database is locked"))
    [report] = run_import(as_file(corrected_file_with_a_newcomer()))
    assert not report.imported
    assert [p.reason for p in report.problems] == [
        "The database was too busy to store this file. Nothing from it was stored; import it again."]
    assert not report.created and not report.updated
    assert held(universe.practice) == doreen_held


@pytest.mark.parametrize("point", ["writing the audit trail", "adding a reading"])
def test_a_fault_at_any_statement_stores_nothing(run_import, universe, doreen_held, monkeypatch, point):
    _fail_at(monkeypatch, STATEMENTS[point], RuntimeError("a fault"))
    with pytest.raises(RuntimeError):
        run_import(as_file(corrected_file_with_a_newcomer()))
    assert held(universe.practice) == doreen_held


def test_a_failure_after_the_last_statement_before_commit_stores_nothing(run_import, universe, doreen_held,
                                                                         monkeypatch):
    real = actions._write

    def write_then_fail(writes, **kwargs):
        real(writes, **kwargs)
        raise IntegrityError("at commit")

    monkeypatch.setattr(actions, "_write", write_then_fail)
    [report] = run_import(as_file(corrected_file_with_a_newcomer()))
    assert not report.imported and "Nothing was stored; import it again." in report.problems[0].reason
    assert held(universe.practice) == doreen_held


def _meanwhile(monkeypatch, change):
    """Run `change` after the file has been compared with the records, before it is written."""
    real = actions._prepare

    def prepare(plan, report, **kwargs):
        writes = real(plan, report, **kwargs)
        change()
        return writes

    monkeypatch.setattr(actions, "_prepare", prepare)


def test_a_reading_deleted_between_checking_and_writing_stores_nothing(run_import, universe, doreen_held,
                                                                       monkeypatch):
    hba1c = Observation.objects.filter(practice=universe.practice, concept="hba1c", patient__nhs_number=DOREEN)
    _meanwhile(monkeypatch, lambda: hba1c.delete())
    [report] = run_import(as_file(corrected_file_with_a_newcomer()))
    assert not report.imported
    assert report.problems[0].reason.startswith("The record changed while this file was being imported")
    after = held(universe.practice)
    assert NEWCOMER not in after["patients"] and after["doreen's postcode"] == doreen_held["doreen's postcode"]
    assert after["audit"] == doreen_held["audit"]


def test_a_person_registered_between_checking_and_writing_stores_nothing(run_import, universe, doreen_held,
                                                                         monkeypatch):
    import datetime as dt

    from tandem.patients import actions as patient_actions

    _meanwhile(monkeypatch, lambda: patient_actions.register_patient(
        practice=universe.practice, by=None, nhs_number=NEWCOMER, given_name="Nia", family_name="Newcomer",
        date_of_birth=dt.date(1961, 4, 9), sex="female"))
    [report] = run_import(as_file(corrected_file_with_a_newcomer()))
    assert not report.imported
    assert report.problems[0].reason.startswith("The record changed while this file was being imported")
    after = held(universe.practice)
    assert after["doreen's postcode"] == doreen_held["doreen's postcode"] and after["doreen's hba1c"] != [61]
    assert Observation.objects.filter(practice=universe.practice, patient__nhs_number=NEWCOMER).count() == 0


@pytest.fixture
def manager(universe):
    """The practice manager imports records (docs/roles.md)."""
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    return core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None,
                                  password="correct-horse-battery-staple")


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.TANDEM_IMPORT_DIR = tmp_path / "imports"
    return settings.TANDEM_IMPORT_DIR


def test_in_the_background_a_failed_file_is_reported_and_the_worker_carries_on(universe, doreen_held, monkeypatch,
                                                                               import_dir, manager):
    from tandem.fhir import staging

    _fail_at(monkeypatch, STATEMENTS["adding a reading"], OperationalError("database is locked"))
    job = actions.start_import(files=[as_file(corrected_file_with_a_newcomer(), "corrected.json")],
                               practice=universe.practice, by=manager)
    assert worker.run_pending() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.message == "0 of 1 files imported; 1 not imported"
    [report] = staging.load_report(job.params["folder"])
    assert not report.imported and "Nothing from it was stored" in report.problems[0].reason
    assert held(universe.practice) == doreen_held


def test_after_a_background_import_the_query_planner_learns_the_new_numbers(universe, monkeypatch, import_dir,
                                                                            manager):
    from tandem.fhir import tasks

    analysed: list[set[str]] = []
    real = tasks.refresh_statistics
    monkeypatch.setattr(tasks, "refresh_statistics",
                        lambda models=(), **kw: (analysed.append({m.__name__ for m in models}), real(models, **kw)))
    actions.start_import(files=[as_file(load("transaction_multimorbid.json"))], practice=universe.practice,
                         by=manager)
    assert worker.run_pending() == 1
    assert analysed and {"Patient", "Observation", "Condition"} <= analysed[0]
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            assert _table(Observation) in {row[0] for row in cursor.fetchall()}
