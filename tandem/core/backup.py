"""Backups of the whole database, and putting one back (`tandem backup`, `tandem restore`).

- SQLite: SQLite's online backup API copies the live database page by page into a new file while the
  server and worker carry on; the copy is checked (PRAGMA integrity_check) before it is kept.
- PostgreSQL: pg_dump in its custom format (compressed; pg_restore can read it selectively), checked by
  listing its contents with pg_restore.

A backup holds every person's record: it is written with permissions for its owner only (0600), and
first under a temporary name, so a backup that stopped half-way is never mistaken for a whole one.
Restoring refuses a database that already holds data unless told to overwrite it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

# What a restore reports, to show every patient, plan version and audit row came back.
COUNTED = {"practices": "core.Practice", "patients": "patients.Patient", "plan versions": "careplans.PlanVersion",
           "audit rows": "core.AuditEvent"}
# Tables a freshly migrated, empty database already has rows in.
SETUP_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Done:
    path: Path
    size: int
    counts: dict[str, int]


def engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Tandem backs up SQLite and PostgreSQL databases, not {vendor}.")
    return vendor


def default_path(now: dt.datetime) -> Path:
    suffix = ".sqlite3" if engine() == "sqlite" else ".dump"
    return Path(settings.VAR_DIR) / "backups" / f"tandem-{now:%Y%m%d-%H%M%S}{suffix}"


def counts() -> dict[str, int]:
    found = {}
    for label, model in COUNTED.items():
        try:
            found[label] = apps.get_model(model).objects.count()
        except LookupError:
            continue
    return found


def has_data() -> bool:
    """Whether this database holds anything beyond what `tandem migrate` puts in an empty one."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            if table in SETUP_TABLES or table.startswith("sqlite_"):
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 - a table name from introspection
            if cursor.fetchone() is not None:
                return True
    return False


def _private_temporary(final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".partial")
    os.close(fd)
    os.chmod(name, 0o600)
    return Path(name)


# --- Making a backup ----------------------------------------------------------------------------

def backup(path: Path) -> Done:
    if path.exists():
        raise BackupError(f"{path} already exists; choose another name (backups are never overwritten).")
    partial = _private_temporary(path)
    try:
        if engine() == "sqlite":
            _sqlite_backup(partial)
        else:
            _pg_dump(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Done(path=path, size=path.stat().st_size, counts=counts())


def _sqlite_backup(target: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)  # the online backup API: the server carries on meanwhile
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        destination.close()
    if result != "ok":
        raise BackupError(f"The copy failed SQLite's integrity check ({result}); nothing was kept.")


def _pg_environment() -> dict[str, str]:
    """libpq's environment for the configured database: the password never appears on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    env["PGDATABASE"] = connection.settings_dict["NAME"]
    return env


def _program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client, or scripts/setup-system).")
    return found


def _run(args: list[str], *, what: str) -> None:
    result = subprocess.run(args, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        # pg_dump's messages name tables and settings, never rows.
        detail = (result.stderr or "").strip().splitlines()[-3:]
        raise BackupError(f"{what} failed: " + " ".join(detail))


def _pg_dump(target: Path) -> None:
    _run([_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
         what="pg_dump")
    _run([_program("pg_restore"), "--list", str(target)], what="Checking the dump (pg_restore --list)")


# --- Restoring ------------------------------------------------------------------------------------

def restore(path: Path, *, force: bool) -> Done:
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    if has_data() and not force:
        raise BackupError(
            f"The database {describe()} already holds data, so nothing was restored. Restore into a new, "
            "empty database, or add --force to replace everything in this one with the backup.")
    if engine() == "sqlite":
        _sqlite_restore(path)
    else:
        _pg_restore(path)
    return Done(path=path, size=path.stat().st_size, counts=counts())


def describe() -> str:
    """The database, named without its password."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {db['NAME']}"
    return f"PostgreSQL {db['NAME']} on {db.get('HOST') or 'localhost'}"


def _sqlite_restore(path: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        result = source.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite backup ({exc}); nothing was restored.") from None
    try:
        if result != "ok":
            raise BackupError(f"{path} failed SQLite's integrity check ({result}); nothing was restored.")
        if "django_migrations" not in tables or "core_practice" not in tables:
            raise BackupError(f"{path} is a SQLite database but not a Tandem backup; nothing was restored.")
        connection.ensure_connection()
        source.backup(connection.connection)  # replaces every page of the database, in one step
    finally:
        source.close()


def _pg_restore(path: Path) -> None:
    try:
        _run([_program("pg_restore"), "--list", str(path)], what="Reading the backup (pg_restore --list)")
        connection.close()  # pg_restore needs the tables free of this process's connection
        # One transaction: a restore that fails part-way leaves the database as it was.
        _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(path)],
             what="pg_restore")
    except BackupError as exc:
        raise BackupError(f"{exc} Nothing was restored.") from None
