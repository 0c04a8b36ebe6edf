"""Benchmark: generating and loading a synthetic practice, and the bulk path against a naive one.

    .venv/bin/python bench/synth_load.py [--patients 10000] [--database sqlite|postgres|both]
                                         [--naive-patients 500] [--scale-patients 100000] [--write-docs]

Each database run starts from a fresh, migrated database (SQLite: a temporary file; PostgreSQL:
tandem_bench_synth on 127.0.0.1, created and dropped here) and measures:

1. generation alone (pure Python, no database) of --patients patients;
2. generate + load end to end (`load_practice`: generation, bulk writes, audit rows, one transaction);
3. the bulk load alone on pre-generated rows of the same --patients patients;
4. the same rows of the first --naive-patients patients written twice: by the bulk path
   (`write_chunk`: executemany on SQLite, COPY on PostgreSQL) and by a naive per-row
   `Model.objects.create()` loop, both inside one transaction, as rows per second, and the ratio;
5. with --scale-patients, in a separate process on another fresh database, generate + load of that
   many patients, with the process's peak memory, to show the load streams in bounded memory.

--write-docs replaces the "## Synthetic practice load" section of docs/benchmarks.md with the results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DOCS, PG_SERVER, ROOT, postgres_admin, start_django, write_docs_section

HEADING = "## Synthetic practice load"
PG_NAME = "tandem_bench_synth"
SEED = 20260615
REFERENCE_DAY = dt.date(2026, 6, 15)


def _setup(database: str) -> str:
    if database == "sqlite":
        folder = tempfile.mkdtemp(prefix="tandem-bench-")
        url = f"sqlite:///{folder}/bench.sqlite3"
    else:
        postgres_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        postgres_admin(f"CREATE DATABASE {PG_NAME}")
        url = f"{PG_SERVER}/{PG_NAME}"
    start_django(url)
    return url


def _naive(practice, chunk) -> int:
    """The baseline: one Model.objects.create() per row, as a per-row loop would do it."""
    from tandem.synth.generate import COLUMNS
    from tandem.synth.load import CLINICAL, MODELS

    written = 0
    patients = []
    for row in chunk.patients:
        patients.append(MODELS["patients"].objects.create(practice=practice, **dict(zip(COLUMNS["patients"], row,
                                                                                        strict=True))))
        written += 1
    for name, rows in chunk.tables():
        if name == "patients":
            continue
        model, fields = MODELS[name], COLUMNS[name][1:]
        for row in rows:
            values = dict(zip(fields, row[1:], strict=True))
            if name in CLINICAL:
                values["practice"] = practice
            model.objects.create(patient=patients[row[0]], **values)
            written += 1
    return written


def run(database: str, patients: int, naive_patients: int) -> dict:
    url = _setup(database)
    from django.db import connection, transaction

    from tandem.core import actions, clock
    from tandem.synth.generate import generate
    from tandem.synth.load import _Writer, load_practice, write_chunk

    out: dict = {"database": database, "patients": patients, "naive_patients": naive_patients}
    with connection.cursor() as cursor:
        if database == "sqlite":
            import sqlite3

            out["server"] = f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
        else:
            cursor.execute("SHOW server_version")
            out["server"] = f"PostgreSQL {cursor.fetchone()[0]}"
    with clock.frozen(REFERENCE_DAY):
        today = clock.today()
        # 1. generation alone
        started = time.perf_counter()
        rows = sum(chunk.row_count() for chunk in generate(patients=patients, seed=SEED, today=today))
        out["generate_seconds"] = time.perf_counter() - started
        out["generate_rows"] = rows

        # 2. end to end
        practice = actions.create_practice(ods_code="Y99990", name="Bench end to end", by=None)
        result = load_practice(practice=practice, patients=patients, seed=SEED, by=None, today=today)
        out["end_to_end_seconds"] = result.seconds
        out["rows"] = result.rows
        out["total_rows"] = result.total_rows
        out["audit_rows"] = patients + 1
        out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # 3. bulk load alone, on pre-generated rows
        chunks = list(generate(patients=patients, seed=SEED, today=today))
        practice = actions.create_practice(ods_code="Y99991", name="Bench bulk only", by=None)
        updated_at = connection.ops.adapt_datetimefield_value(clock.now())
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            writer = _Writer(cursor)
            for chunk in chunks:
                write_chunk(writer, practice, chunk, updated_at=updated_at)
        out["bulk_only_seconds"] = time.perf_counter() - started
        del chunks

        # 4. the same rows, bulk versus naive
        subset = next(generate(patients=naive_patients, seed=SEED + 1, today=today, chunk_size=naive_patients))
        out["subset_rows"] = subset.row_count()
        practice = actions.create_practice(ods_code="Y99992", name="Bench subset bulk", by=None)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            write_chunk(_Writer(cursor), practice, subset, updated_at=updated_at)
        out["subset_bulk_seconds"] = time.perf_counter() - started
        practice = actions.create_practice(ods_code="Y99993", name="Bench subset naive", by=None)
        started = time.perf_counter()
        with transaction.atomic():
            written = _naive(practice, subset)
        out["subset_naive_seconds"] = time.perf_counter() - started
        assert written == out["subset_rows"]
    connection.close()
    if database == "postgres":
        postgres_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    else:
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
    return out


def run_scale(database: str, patients: int) -> dict:
    url = _setup(database)
    from django.db import connection

    from tandem.core import actions, clock
    from tandem.synth.load import load_practice

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with clock.frozen(REFERENCE_DAY):
        practice = actions.create_practice(ods_code="Y99994", name="Bench scale", by=None)
        result = load_practice(practice=practice, patients=patients, seed=SEED, by=None)
    out = {"database": database, "scale_patients": patients, "scale_seconds": result.seconds,
           "scale_rows": result.total_rows, "scale_rss_before_mib": before,
           "scale_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    connection.close()
    if database == "postgres":
        postgres_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    else:
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
    return out


def machine() -> dict:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    import django

    return {
        "nproc": len(os.sched_getaffinity(0)), "cpu": model, "memory": memory, "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(), "django": django.get_version(),
    }


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds else "-"


def render(results: list[dict], info: dict, command: str) -> str:
    by_db = {r["database"]: r for r in results}
    order = [d for d in ("sqlite", "postgres") if d in by_db]
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    first = by_db[order[0]]
    n, k = first["patients"], first["naive_patients"]

    def row(label: str, fn) -> str:
        return f"| {label} | " + " | ".join(fn(by_db[d]) for d in order) + " |"

    lines = [
        HEADING,
        "",
        "`tandem synth` generates a practice in pure Python (chunks of 5,000 patients) and loads it set-based in one",
        "transaction: `executemany` on SQLite, `COPY ... FROM STDIN` on PostgreSQL, with one audit row per patient.",
        f"Measured on {info['date']} on this machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['memory']} RAM;",
        f"Python {info['python']}, Django {info['django']}; "
        + "; ".join(by_db[d]["server"] for d in order) + ". Reproduce with:",
        "",
        "```",
        command,
        "```",
        "",
        "| | " + " | ".join(names[d] for d in order) + " |",
        "|---|" + "---:|" * len(order),
        row(f"generate only, {n:,} patients (no database)",
            lambda r: f"{r['generate_seconds']:.1f} s ({_rate(r['generate_rows'], r['generate_seconds'])} rows/s)"),
        row(f"**generate + load end to end, {n:,} patients**", lambda r: f"**{r['end_to_end_seconds']:.1f} s**"),
        row("rows written (plus audit rows)", lambda r: f"{r['total_rows']:,} (+{r['audit_rows']:,})"),
        row("end-to-end rate", lambda r: f"{_rate(r['total_rows'], r['end_to_end_seconds'])} rows/s"),
        row("peak memory of the process after it", lambda r: f"{r['peak_rss_mib']:.0f} MiB"),
        row(f"bulk load only, the same {n:,} patients pre-generated",
            lambda r: f"{r['bulk_only_seconds']:.1f} s ({_rate(r['total_rows'], r['bulk_only_seconds'])} rows/s)"),
        row(f"same rows of {k:,} patients: bulk path", lambda r: f"{_rate(r['subset_rows'], r['subset_bulk_seconds'])} rows/s"),
        row("same rows: naive `Model.objects.create()` per row",
            lambda r: f"{_rate(r['subset_rows'], r['subset_naive_seconds'])} rows/s"),
        row("**bulk / naive**", lambda r: f"**{r['subset_naive_seconds'] / r['subset_bulk_seconds']:.0f}x**"),
        "",
        f"Rows per table for {n:,} patients: "
        + ", ".join(f"{name.replace('_', ' ')} {count:,}" for name, count in first["rows"].items()) + ".",
        f"The bulk-versus-naive rows are the first {k:,} patients of another seed ({first['subset_rows']:,} rows),",
        "written into empty practices inside one transaction each, so the only difference is the write path.",
        "",
    ]
    if "postgres" in by_db:
        lines[-1:-1] = ["On PostgreSQL about a third of the load time is the commit, where Django's deferred",
                        "foreign-key checks run."]
    if "scale_patients" in first:
        lines += [
            f"Scale: {first['scale_patients']:,} patients end to end, each in a fresh process and database: "
            + "; ".join(f"{names[d]} {by_db[d]['scale_seconds']:.0f} s for {by_db[d]['scale_rows']:,} rows "
                        f"({_rate(by_db[d]['scale_rows'], by_db[d]['scale_seconds'])} rows/s), peak memory "
                        f"{by_db[d]['scale_peak_rss_mib']:.0f} MiB (Django alone {by_db[d]['scale_rss_before_mib']:.0f} MiB)"
                        for d in order) + ".",
            "Memory is bounded by the chunk size, not the practice size, so 1,000,000 patients stream through the",
            f"same way in roughly {1_000_000 / first['scale_patients']:.0f} times the time above. One practice holds at "
            "most 909,091 synthetic",
            "patients (the valid NHS numbers of the 999 test range), so a million is loaded as two practices.",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--naive-patients", type=int, default=500)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--scale-patients", type=int, default=0, help="also time a load of this many patients")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    if args.json:
        if args.scale_only:
            print(json.dumps(run_scale(databases[0], args.scale_patients)))
        else:
            print(json.dumps(run(databases[0], args.patients, args.naive_patients)))
        return

    def child(*extra: str) -> dict:  # a fresh process each: settings read DATABASE_URL once
        done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, __file__, "--json", *extra], check=True, capture_output=True, text=True, cwd=ROOT)
        return json.loads(done.stdout.strip().splitlines()[-1])

    results = []
    for database in databases:
        result = child("--database", database, "--patients", str(args.patients),
                       "--naive-patients", str(args.naive_patients))
        if args.scale_patients:
            result.update(child("--scale-only", "--database", database, "--scale-patients", str(args.scale_patients)))
        results.append(result)
    command = (f".venv/bin/python bench/synth_load.py --patients {args.patients} "
               f"--naive-patients {args.naive_patients} --database {args.database}"
               + (f" --scale-patients {args.scale_patients}" if args.scale_patients else "")
               + (" --write-docs" if args.write_docs else ""))
    section = render(results, machine(), command)
    print(section)
    if args.write_docs:
        write_docs_section(HEADING, section)
        print(f"Wrote {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
