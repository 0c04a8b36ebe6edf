"""Project-level promises: migrations match the models, the layering holds, the CLI and SQLite defaults."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


def test_import_layering_contracts_hold():
    result = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]


def test_tandem_command_maps_friendly_names_to_django_commands(monkeypatch):
    from tandem import cli

    seen = {}
    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: seen.setdefault("argv", argv))
    cli.main(["tandem", "import-fhir", "a.json"])
    assert seen["argv"] == ["tandem", "import_fhir", "a.json"]
    seen.clear()
    cli.main(["tandem", "serve", "127.0.0.1:8000"])
    assert seen["argv"][1] == "runserver"


def test_default_database_is_an_sqlite_file_in_wal_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"TANDEM_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tandem.settings"})
    result = subprocess.run([str(BIN / "tandem"), "migrate", "--verbosity", "0"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "tandem.sqlite3"
    assert db.exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
