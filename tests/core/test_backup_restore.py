"""`tandem backup` and `tandem restore`: a backup restored into a fresh database holds every patient,
plan version and audit row; restore refuses a database that holds data unless told; on SQLite
(online backup API) and PostgreSQL (pg_dump custom format), whichever the suite runs on."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tandem.careplans import actions as plan_actions
from tandem.careplans.models import PlanVersion
from tandem.careplans.rules.document import Action, Goal, Plan
from tandem.core.models import AuditEvent
from tandem.patients.models import Patient

ROOT = Path(__file__).resolve().parents[2]
TANDEM = [sys.executable, "-m", "tandem.cli"]

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the copy see only committed rows


def _plan(words: str) -> Plan:
    return Plan(goals=(Goal(id="", words=words, importance=8,
                            actions=(Action(id="", what="Walk after lunch", when="every day", confidence=7),)),))


@pytest.fixture
def records(universe):
    """Two plan versions for one person, and the audit rows that saving them wrote."""
    plan_actions.save_plan(patient=universe.patient, by=universe.nurse, plan=_plan("Walk to the shop"), base_version=0)
    plan_actions.save_plan(patient=universe.patient, by=universe.nurse, plan=_plan("Walk to the park"), base_version=1)
    return {
        "patients": sorted(Patient.objects.values_list("pk", "nhs_number")),
        "plan versions": sorted(PlanVersion.objects.values_list("pk", "version", "content")),
        "audit rows": sorted(AuditEvent.objects.values_list("pk", "action", "what", "object_id")),
    }


def run_cli(*args: str, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_TEST")}
    env.update(DATABASE_URL=database_url, TANDEM_VAR_DIR=str(tmp_path / "var"), TANDEM_PROFILE="dev",
               DJANGO_SETTINGS_MODULE="tandem.settings", TANDEM_LOG_FORMAT="plain")
    return subprocess.run([*TANDEM, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


# --- A fresh database to restore into, of the kind the suite runs on -----------------------------

@pytest.fixture
def fresh_database(tmp_path):
    """(DATABASE_URL of a new, empty database, a function reading rows from it)."""
    if connection.vendor == "sqlite":
        path = tmp_path / "fresh.sqlite3"

        def rows(sql: str) -> list[tuple]:
            with sqlite3.connect(path) as db:
                return db.execute(sql).fetchall()

        yield f"sqlite:///{path}", rows
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    params = {"host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432, "user": db.get("USER"),
              "password": db.get("PASSWORD") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db.get("USER") + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")

    def rows(sql: str) -> list[tuple]:
        with psycopg.connect(dbname=name, **params) as fresh:
            return fresh.execute(sql).fetchall()

    try:
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}", rows
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restored(rows) -> dict:
    def normal(values):  # JSON content comes back as text from SQLite and as a dict from psycopg
        import json

        return tuple(json.loads(v) if isinstance(v, str) and v[:1] in "{[" else v for v in values)

    return {
        "patients": sorted(rows("SELECT id, nhs_number FROM patients_patient")),
        "plan versions": sorted(normal(r) for r in rows("SELECT id, version, content FROM careplans_planversion")),
        "audit rows": sorted(rows("SELECT id, action, what, object_id FROM core_auditevent")),
    }


def test_a_backup_restored_into_a_fresh_database_has_every_patient_plan_version_and_audit_row(
        records, fresh_database, tmp_path, capsys):
    url, rows = fresh_database
    target = tmp_path / "backups" / ("tandem.sqlite3" if connection.vendor == "sqlite" else "tandem.dump")
    call_command("backup", output=str(target))
    said = capsys.readouterr().out
    assert f"to {target}" in said and "2 patients" in said and "2 plan versions" in said
    assert stat.S_IMODE(target.stat().st_mode) == 0o600, "a backup holds records: its owner only"
    assert not list(target.parent.glob("*.partial"))

    result = run_cli("restore", str(target), database_url=url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout and "2 patients" in result.stdout and "2 plan versions" in result.stdout
    assert restored(rows) == records

    # Now the database holds data: restoring again is refused unless forced.
    again = run_cli("restore", str(target), database_url=url, tmp_path=tmp_path)
    assert again.returncode != 0
    assert "already holds data, so nothing was restored" in again.stderr and "--force" in again.stderr
    forced = run_cli("restore", str(target), "--force", database_url=url, tmp_path=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert restored(rows) == records


def test_restore_into_the_live_database_refuses_without_force(records, tmp_path):
    target = tmp_path / "backup"
    call_command("backup", output=str(target))
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(target))


def test_a_backup_never_overwrites_another(records, tmp_path):
    target = tmp_path / "backup"
    target.write_text("an older backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=str(target))
    assert target.read_text() == "an older backup"


def test_something_that_is_not_a_backup_is_refused_and_nothing_changes(records, tmp_path):
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(CommandError, match="(?i)nothing was restored"):
        call_command("restore", str(junk), force=True)
    with pytest.raises(CommandError, match="There is no backup at"):
        call_command("restore", str(tmp_path / "nowhere"), force=True)
    assert Patient.objects.count() == 2 and PlanVersion.objects.count() == 2
