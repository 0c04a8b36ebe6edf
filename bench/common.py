"""What the benchmark scripts share: a PostgreSQL database of their own, synthetic practices to
measure against, and writing their section of docs/benchmarks.md."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DOCS_PREAMBLE = "# Benchmarks\n\nMeasured on this machine; each section says how to reproduce it.\n"


def postgres_admin(sql: str):
    """Run one statement on the server's maintenance database (create/drop databases)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


def fresh_postgres_database(name: str, *, reuse: bool = False) -> str:
    """Create (or, with reuse, keep) the benchmark's own database; return its URL."""
    exists = postgres_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    if not (reuse and exists):
        postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        postgres_admin(f"CREATE DATABASE {name}")
    return f"{PG_SERVER}/{name}"


def start_django(database_url: str) -> None:
    """Point Tandem at `database_url`, set Django up and migrate."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["TANDEM_DEBUG"] = "0"  # no query logging: it would slow the naive path most
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_practice(ods: str, patients: int, seed: int, log: Callable[[str], None]) -> tuple:
    """The practice with this ODS code, loaded with synthetic patients unless it already has some.
    Returns the practice and the seconds the load took (0 if nothing was loaded)."""
    from tandem.core import actions
    from tandem.core.models import Practice
    from tandem.synth.load import load_practice

    practice = Practice.objects.filter(ods_code=ods).first()
    if practice is not None and practice.patients.exists():
        return practice, 0.0
    if practice is None:
        practice = actions.create_practice(ods_code=ods, name=f"Bench {ods}", by=None)
    started = time.perf_counter()
    load_practice(practice=practice, patients=patients, seed=seed, by=None)
    seconds = time.perf_counter() - started
    log(f"loaded {patients:,} patients into {ods} in {seconds:.0f} s")
    return practice, seconds


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def write_docs_section(heading: str, section: str) -> None:
    """Replace the section under `heading` in docs/benchmarks.md (or append it)."""
    text = DOCS.read_text() if DOCS.exists() else DOCS_PREAMBLE
    start = text.find(heading)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1:] if end != -1 else "")
    DOCS.write_text(text.rstrip("\n") + "\n")
