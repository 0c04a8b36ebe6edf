"""Writers wait their turn: a clinician's autosave while a large import is being written succeeds.

SQLite allows one writer at a time, for the whole database. Tandem's connections begin their write
transactions IMMEDIATE and wait (the busy timeout) for the writer ahead of them, and the import holds
the write lock only while it writes a file it has already read, checked, compared with what the
practice holds and prepared for the database (tandem.fhir.actions), in the worker, not in a web
request: while it does all that, other writers do not wait at all. Each writer here has its own connection in its own thread, to a
database file (the suite's own SQLite database lives in memory, where connections share one cache and
do not wait for each other as separate connections to a file do). On PostgreSQL the same scenario
runs on the test database: there the two writers touch different rows and never wait.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from django.db import connection, connections

from tests.fhir.conftest import NHS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_connections(transactional_db, tmp_path, settings):
    """On SQLite: every connection opened during the test (any thread) goes to a file copy of the test
    database; the suite's in-memory database is put back afterwards."""
    settings.TANDEM_IMPORT_DIR = tmp_path / "imports"
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    path = tmp_path / "writers.sqlite3"
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.execute("PRAGMA journal_mode=WAL")
    copy.close()
    settings_dict = connections.settings["default"]
    assert settings_dict is connection.settings_dict
    in_memory, name = connection.connection, settings_dict["NAME"]
    connection.connection = None
    settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = name
        connection.connection = in_memory


def _number(i: int) -> str:
    from tandem.patients.rules import nhs_check_digit

    n = 0
    while True:
        first = f"999{(i * 7 + n) % 1_000_000:06d}"
        check = nhs_check_digit(first)
        if check is not None:
            return f"{first}{check}"
        n += 1


def _bundle(people: int) -> bytes:
    import json

    entries, seen = [], set()
    for i in range(people):
        number = _number(i + 1000)
        if number in seen:
            continue
        seen.add(number)
        entries.append({"resource": {"resourceType": "Patient", "id": f"p{i}",
                                     "identifier": [{"system": NHS, "value": number}],
                                     "name": [{"family": f"Family{i}", "given": ["Test"]}],
                                     "birthDate": "1950-01-01", "gender": "female"}})
        entries.append({"resource": {"resourceType": "Observation", "id": f"o{i}", "status": "final",
                                     "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
                                     "subject": {"reference": f"Patient/p{i}"}, "effectiveDateTime": "2026-01-05",
                                     "valueQuantity": {"value": 52, "unit": "mmol/mol"}}})
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def _in_thread(fn, outcome: dict, key: str) -> threading.Thread:
    def target():
        try:
            outcome[key] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_an_autosave_while_an_import_is_being_written_waits_and_succeeds(own_connections, monkeypatch):
    import datetime as dt
    import io

    from tandem.careplans import actions as plan_actions
    from tandem.careplans.forms import parse
    from tandem.careplans.models import Draft
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.fhir import actions as fhir_actions
    from tandem.jobs import worker
    from tandem.jobs.models import Job
    from tandem.patients import actions as patient_actions
    from tandem.patients.models import Observation, Patient

    practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None)
    nurse = core_actions.add_staff(practice=practice, username="nurse", role=Role.NURSE, by=None,
                                   password="correct-horse-battery-staple")
    manager = core_actions.add_staff(practice=practice, username="manager", role=Role.MANAGER, by=None,
                                     password="correct-horse-battery-staple")
    margaret = patient_actions.register_patient(practice=practice, by=None, nhs_number="9990000018",
                                                given_name="Margaret", family_name="Okafor",
                                                date_of_birth=dt.date(1948, 3, 2), sex="female")
    job = fhir_actions.start_import(files=[("export.json", io.BytesIO(_bundle(400)))], practice=practice,
                                    by=manager)

    # The import stops for a moment once it holds the write lock, until the autosave has started.
    writing, autosaving = threading.Event(), threading.Event()
    order: list[str] = []
    real_write = fhir_actions._write

    def write_slowly(writes, **kwargs):
        writing.set()
        assert autosaving.wait(30)
        threading.Event().wait(0.5)  # the autosave is now waiting for the lock (on SQLite)
        real_write(writes, **kwargs)
        order.append("import written")

    monkeypatch.setattr(fhir_actions, "_write", write_slowly)

    def autosave():
        assert writing.wait(30)
        autosaving.set()
        content = parse({"information": "Walks the dog every morning."}).plan.as_dict()
        draft = plan_actions.autosave(patient=Patient.objects.get(pk=margaret.pk), by=nurse, content=content,
                                      base_version=0)
        order.append("autosave saved")
        return draft.pk

    outcome: dict = {}
    importing = _in_thread(lambda: worker.run_pending(), outcome, "import")
    saving = _in_thread(autosave, outcome, "autosave")
    importing.join(60)
    saving.join(60)

    assert not isinstance(outcome["autosave"], BaseException), outcome["autosave"]  # no "database is locked"
    assert outcome["import"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.message == "1 of 1 files imported", job.error
    assert Patient.objects.filter(practice=practice).count() == 401
    assert Observation.objects.filter(practice=practice).count() == 400
    assert Draft.objects.get(pk=outcome["autosave"]).content["information"] == "Walks the dog every morning."
    if connection.vendor == "sqlite":
        assert order == ["import written", "autosave saved"]  # it waited for the import's commit


def test_while_an_import_is_read_checked_and_compared_other_writers_do_not_wait(own_connections, monkeypatch):
    """All the work on a file before its short write transaction holds no lock: a clinician who will not
    wait at all (no busy timeout) saves meanwhile."""
    import datetime as dt
    import io

    from tandem.careplans import actions as plan_actions
    from tandem.careplans.forms import parse
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.fhir import actions as fhir_actions
    from tandem.patients import actions as patient_actions
    from tandem.patients.models import Observation, Patient

    practice = core_actions.create_practice(ods_code="A81001", name="Riverside Surgery", by=None)
    nurse = core_actions.add_staff(practice=practice, username="nurse", role=Role.NURSE, by=None,
                                   password="correct-horse-battery-staple")
    margaret = patient_actions.register_patient(practice=practice, by=None, nhs_number="9990000018",
                                                given_name="Margaret", family_name="Okafor",
                                                date_of_birth=dt.date(1948, 3, 2), sex="female")
    real_prepare, outcome = fhir_actions._prepare, {}

    def autosave_impatiently():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 0")  # "database is locked" at once if anyone holds it
        content = parse({"information": "Walks the dog every morning."}).plan.as_dict()
        return plan_actions.autosave(patient=Patient.objects.get(pk=margaret.pk), by=nurse, content=content,
                                     base_version=0).pk

    def prepare_then_let_a_clinician_save(plan, report, **kwargs):
        writes = real_prepare(plan, report, **kwargs)
        _in_thread(autosave_impatiently, outcome, "autosave").join(30)
        return writes

    monkeypatch.setattr(fhir_actions, "_prepare", prepare_then_let_a_clinician_save)
    [report] = fhir_actions.import_files(files=[("export.json", io.BytesIO(_bundle(200)))], practice=practice,
                                         by=None)

    assert not isinstance(outcome["autosave"], BaseException), outcome["autosave"]
    assert report.imported, report.problems
    assert Observation.objects.filter(practice=practice).count() == 200
