"""Benchmark: a large FHIR upload imported while clinicians autosave, on SQLite (one writer at a time).

    .venv/bin/python bench/load_import.py [--megabytes 50] [--interval 0.25] [--write-docs]

Builds a collection Bundle of synthetic patients with readings (about --megabytes), loads it into a
fresh SQLite database (var/load/import.sqlite3) as the upload page does (staged, then imported by the
worker's task), while a second thread, with its own connection, autosaves a care plan draft every
--interval seconds. Reports the time to compare the file with the practice's records (reads only), the
time the import held the write lock (its one write transaction), and every autosave: how many, the slowest, and how many failed
("database is locked" or anything else).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import secrets
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = ROOT / "var" / "load" / "import.sqlite3"
HEADING = "## Pages under load"
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def numbers():
    from tandem.patients.rules import nhs_check_digit

    for n in range(1_000, 999_999):
        first = f"999{n:06d}"
        check = nhs_check_digit(first)
        if check is not None:
            yield f"{first}{check}"


def bundle(megabytes: float) -> tuple[bytes, int]:
    entries: list[str] = []
    size, people = 0, 0
    for number in numbers():
        if size >= megabytes * 1024 * 1024:
            break
        people += 1
        pid = f"p{people}"
        chunk = [json.dumps({"resource": {
            "resourceType": "Patient", "id": pid, "identifier": [{"system": NHS, "value": number}],
            "name": [{"family": f"Family{people}", "given": ["Test"]}], "birthDate": "1950-01-01",
            "gender": "female"}})]
        for k in range(10):
            chunk.append(json.dumps({"resource": {
                "resourceType": "Observation", "id": f"{pid}-o{k}", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4", "display": "HbA1c"}]},
                "subject": {"reference": f"Patient/{pid}"},
                "effectiveDateTime": (dt.date(2025, 1, 1) + dt.timedelta(days=30 * k)).isoformat(),
                "valueQuantity": {"value": 40 + k, "unit": "mmol/mol"}}}))
        size += sum(len(c) + 1 for c in chunk)
        entries.extend(chunk)
    text = '{"resourceType": "Bundle", "type": "collection", "entry": [' + ",".join(entries) + "]}"
    return text.encode(), people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    DB.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ["TANDEM_IMPORT_DIR"] = str(DB.parent / "imports")
    os.environ.pop("TANDEM_EXPECT_DB", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.TANDEM_IMPORT_DIR = DB.parent / "imports"
    call_command("migrate", verbosity=0)

    from tandem.careplans import actions as plan_actions
    from tandem.careplans.forms import parse
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.fhir import actions as fhir_actions
    from tandem.jobs import worker
    from tandem.patients import actions as patient_actions

    practice = core_actions.create_practice(ods_code="Y80000", name="Bench Surgery", by=None)
    nurse = core_actions.add_staff(practice=practice, username="nurse", role=Role.NURSE, by=None,
                                   password=secrets.token_urlsafe(16))
    manager = core_actions.add_staff(practice=practice, username="manager", role=Role.MANAGER, by=None,
                                     password=secrets.token_urlsafe(16))
    person = patient_actions.register_patient(practice=practice, by=None, nhs_number="9990000018",
                                              given_name="Bench", family_name="Person",
                                              date_of_birth=dt.date(1948, 3, 2), sex="female")
    data, people = bundle(args.megabytes)
    print(f"bundle: {len(data) / 1024 / 1024:.1f} MB, {people:,} patients, {people * 10:,} readings", flush=True)

    timings: dict[str, float] = {}
    real_prepare, real_write = fhir_actions._prepare, fhir_actions._write

    def timed_prepare(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_prepare(*args, **kwargs)
        finally:
            timings["compare"] = time.perf_counter() - started  # reads only: no lock

    def timed_write(*args, **kwargs):
        started = time.perf_counter()
        real_write(*args, **kwargs)
        timings["write"] = time.perf_counter() - started  # inside the transaction; commit follows

    fhir_actions._prepare, fhir_actions._write = timed_prepare, timed_write
    started = time.perf_counter()
    job = fhir_actions.start_import(files=[("export.json", io.BytesIO(data))], practice=practice, by=manager)
    timings["stage"] = time.perf_counter() - started
    del data

    stop = threading.Event()
    saves: list[float] = []
    failures: dict[str, int] = {}

    def autosaving():
        typed = 0
        try:
            while not stop.is_set():
                typed += 1
                content = parse({"information": f"Typed so far {typed}"}).plan.as_dict()
                began = time.perf_counter()
                try:
                    plan_actions.autosave(patient=person, by=nurse, content=content, base_version=0)
                    saves.append(time.perf_counter() - began)
                except Exception as exc:  # noqa: BLE001 - counted
                    key = "database is locked" if "locked" in str(exc) else type(exc).__name__
                    failures[key] = failures.get(key, 0) + 1
                stop.wait(args.interval)
        finally:
            connections.close_all()

    writer = threading.Thread(target=autosaving)
    writer.start()
    began = time.perf_counter()
    worker.run_pending()
    timings["import"] = time.perf_counter() - began
    stop.set()
    writer.join()
    job.refresh_from_db()
    result = {
        "megabytes": args.megabytes, "patients": people, "state": job.state, "message": job.message,
        "error": job.error, **timings, "autosaves": len(saves) + sum(failures.values()),
        "failed": failures, "slowest": max(saves) if saves else None,
    }
    line = (f"A {args.megabytes:g} MB upload ({people:,} patients, {people * 10:,} readings), imported by the worker on "
            f"SQLite while a clinician autosaved every {args.interval:g} s: the request kept the file in "
            f"{timings['stage']:.1f} s; the job took {timings['import']:.1f} s ({job.state}: {job.message}), "
            f"of which comparing it with the practice's records (reads only) {timings.get('compare', float('nan')):.1f} s "
            f"and the write transaction {timings.get('write', float('nan')):.1f} s; {result['autosaves']} "
            f"autosaves, {sum(failures.values())} failed{f' {failures}' if failures else ''}, the slowest "
            f"{(result['slowest'] or 0) * 1000:,.0f} ms.")
    print(json.dumps(result, indent=1))
    print(line)
    if args.write_docs:
        write_docs(line)


def write_docs(line: str) -> None:
    """Replace the measured sentence of "A large upload while clinicians write" in docs/benchmarks.md
    (the table and the explanation after it are written by hand and kept)."""
    docs = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
    text = docs.read_text()
    lead = "`.venv/bin/python bench/load_import.py --megabytes 50 --write-docs`: "
    at = text.find(lead)
    if at == -1:
        raise SystemExit("docs/benchmarks.md has no paragraph for the upload under load to replace.")
    end = text.find("\n", at)
    docs.write_text(text[:at] + lead + line + text[end:])


if __name__ == "__main__":
    main()
