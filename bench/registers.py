"""Benchmark: registers and risk tiers, set-based refresh against a naive per-patient path.

    .venv/bin/python bench/registers.py [--practice-patients 10000] [--scale-practices 10]
        [--scale-patients 100000] [--naive-patients 500] [--reuse] [--write-docs]

On PostgreSQL (database tandem_bench_registers on 127.0.0.1, created here; --reuse keeps a
database already loaded by an earlier run, since loading a million synthetic patients takes
several minutes) it measures, in one run:

1. `refresh_practice` for one practice of --practice-patients patients (median of 3 runs after
   one warm-up): register memberships by generated SQL, risk inputs aggregated per patient in
   SQL, tiers in one Python pass, PatientRisk written with COPY, one audit row;
2. the naive baseline on the first --naive-patients registered patients of that practice: per
   patient, the ORM reads of the per-patient path (`queries.patient_record`), the same pure
   rules, and per-row `create()` of memberships and the risk row; its results are checked
   against the bulk path's;
3. `refresh_all` with --scale-practices more practices of --scale-patients each loaded (about
   a million patients), one transaction per practice, and the naive baseline on a subset of
   one of the large practices;
4. the one-practice refresh again, with the million in the database.

Rates are registered patients per second (the refresh considers every registered patient).
--write-docs replaces the "## Registers and risk tiers" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from common import (
    DOCS,
    ROOT,
    analyze,
    ensure_practice,
    fresh_postgres_database,
    start_django,
    write_docs_section,
)

HEADING = "## Registers and risk tiers"
PG_NAME = "tandem_bench_registers"
REFERENCE_DAY = dt.date(2026, 6, 15)
SMALL_ODS = "Y80000"
SEED = 20260615


def registered(practice) -> int:
    from tandem.registers.queries import registered_patients

    return registered_patients(practice).count()


def time_refresh(practice, runs: int = 3) -> tuple[float, object]:
    from tandem.registers import actions

    summary = actions.refresh_practice(practice=practice, by=None)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        summary = actions.refresh_practice(practice=practice, by=None)
        times.append(time.perf_counter() - started)
    return statistics.median(times), summary


def naive(practice, limit: int) -> tuple[int, float]:
    """The baseline: each patient on their own, through the ORM, rows written one by one.
    Runs in a transaction that is rolled back, after checking its answers equal the bulk path's."""
    from django.db import transaction

    from tandem.core import clock
    from tandem.registers import queries
    from tandem.registers.models import PatientRisk, RegisterMembership

    today = clock.today()
    ids = list(queries.registered_patients(practice).order_by("pk").values_list("pk", flat=True)[:limit])
    expected_members = sorted(RegisterMembership.objects.filter(patient__in=ids)
                              .values_list("patient_id", "register", "since"))
    expected_tiers = sorted(PatientRisk.objects.filter(patient__in=ids).values_list("patient_id", "tier", "reasons"))
    started = time.perf_counter()
    with transaction.atomic():
        thresholds = queries.thresholds_for(practice)
        for pk in ids:
            patient = practice.patients.get(pk=pk)
            assessed = queries.assess_record(queries.patient_record(patient), today=today, thresholds=thresholds)
            RegisterMembership.objects.filter(patient=patient).delete()
            PatientRisk.objects.filter(patient=patient).delete()
            for slug, since in assessed.registers.items():
                RegisterMembership.objects.create(practice=practice, patient=patient, register=slug, since=since)
            if assessed.placement is not None:
                f, p = assessed.factors, assessed.placement
                PatientRisk.objects.create(
                    practice=practice, patient=patient, tier=p.tier, reasons=list(p.reasons), drivers=list(p.drivers),
                    flags=list(p.flags), ltc_count=f.ltc_count, cms=f.cms, efi=f.efi, efi_deficits=list(f.deficits),
                    frailty=f.frailty, regular_medicines=f.regular_medicines,
                    emergency_admissions=f.emergency_admissions, ae_attendances=f.ae_attendances,
                    appointments=f.appointments, frequent_attender=f.appointments >= thresholds.frequent_attendance,
                    computed_on=today)
        seconds = time.perf_counter() - started
        got_members = sorted(RegisterMembership.objects.filter(patient__in=ids)
                             .values_list("patient_id", "register", "since"))
        got_tiers = sorted(PatientRisk.objects.filter(patient__in=ids).values_list("patient_id", "tier", "reasons"))
        assert got_members == expected_members, "naive and bulk registers differ"
        assert got_tiers == expected_tiers, "naive and bulk tiers differ"
        transaction.set_rollback(True)
    return len(ids), seconds


def run(args, log) -> dict:
    from django.db import connection

    from tandem.core import clock
    from tandem.core.models import Practice
    from tandem.registers import actions

    out: dict = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        out["server"] = f"PostgreSQL {cursor.fetchone()[0]}"
    with clock.frozen(REFERENCE_DAY):
        small, _ = ensure_practice(SMALL_ODS, args.practice_patients, SEED, log)
        analyze()
        out["small_registered"] = registered(small)
        out["small_seconds"], summary = time_refresh(small)
        out["small_on_registers"] = summary.patients
        out["small_memberships"] = summary.total_memberships
        out["small_tiers"] = summary.tiers
        log(f"one practice: {out['small_seconds']:.2f} s")
        out["small_naive_patients"], out["small_naive_seconds"] = naive(small, args.naive_patients)
        log(f"naive: {out['small_naive_patients']} patients in {out['small_naive_seconds']:.1f} s")

        if args.scale_practices:
            load_seconds = 0.0
            for i in range(args.scale_practices):
                _, seconds = ensure_practice(f"Y8{i + 1:04d}", args.scale_patients, SEED + 1 + i, log)
                load_seconds += seconds
            out["load_seconds"] = load_seconds
            analyze()
            practices = list(Practice.objects.order_by("pk"))
            out["scale_practices"] = len(practices)
            out["scale_patients_each"] = args.scale_patients
            out["scale_registered"] = sum(registered(p) for p in practices)
            out["scale_patients_total"] = sum(p.patients.count() for p in practices)
            actions.refresh_all(by=None)  # warm-up
            started = time.perf_counter()
            summaries = actions.refresh_all(by=None)
            out["scale_seconds"] = time.perf_counter() - started
            out["scale_on_registers"] = sum(s.patients for s in summaries)
            out["scale_memberships"] = sum(s.total_memberships for s in summaries)
            out["scale_slowest_practice"] = max(s.seconds for s in summaries)
            log(f"all practices: {out['scale_seconds']:.1f} s")
            big = Practice.objects.get(ods_code="Y80001")
            out["scale_naive_patients"], out["scale_naive_seconds"] = naive(big, args.naive_patients * 2)
            out["small_again_seconds"], _ = time_refresh(small)
    return out


def machine() -> dict:
    model, memory = "unknown", "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    import django

    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "memory": memory, "date": time.strftime("%Y-%m-%d"),
            "python": platform.python_version(), "django": django.get_version()}


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else 0.0


def render(r: dict, info: dict, command: str) -> str:
    small_bulk = _rate(r["small_registered"], r["small_seconds"])
    small_naive = _rate(r["small_naive_patients"], r["small_naive_seconds"])
    t = r["small_tiers"]
    on = r["small_on_registers"] or 1
    lines = [
        HEADING,
        "",
        "`refresh_practice` recomputes a practice's register memberships and risk tiers set-based: one generated",
        "`INSERT ... SELECT` for every register, one SQL statement aggregating each patient's risk inputs, one Python",
        "pass placing them in tiers, PatientRisk written with `COPY`, all in one transaction with one audit row.",
        "The naive baseline does the same work one patient at a time: the per-patient path's ORM reads",
        "(`queries.patient_record`), the same pure rules, and a `create()` per row; its answers are checked",
        "against the bulk path's and rolled back. Rates are registered patients per second.",
        f"Measured on {info['date']} on this machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['memory']} RAM;",
        f"Python {info['python']}, Django {info['django']}; {r['server']}; synthetic practices from `tandem synth`,",
        "dates as of 15 June 2026. Reproduce with:",
        "",
        "```",
        command,
        "```",
        "",
        "| | time | registered patients/s | goal |",
        "|---|---:|---:|---|",
        f"| **one practice, {r['small_registered']:,} registered patients** | **{r['small_seconds']:.2f} s** "
        f"| {small_bulk:,.0f} | under 1 s |",
        f"| naive per-patient path, first {r['small_naive_patients']:,} of them | {r['small_naive_seconds']:.1f} s "
        f"| {small_naive:,.0f} | |",
        f"| **bulk / naive** | | **{small_bulk / small_naive:,.0f}x** | |",
    ]
    if "scale_seconds" in r:
        scale_bulk = _rate(r["scale_registered"], r["scale_seconds"])
        scale_naive = _rate(r["scale_naive_patients"], r["scale_naive_seconds"])
        lines += [
            f"| **every practice: {r['scale_practices']} practices, {r['scale_registered']:,} registered patients** "
            f"| **{r['scale_seconds']:.1f} s** | {scale_bulk:,.0f} | under 60 s |",
            f"| naive per-patient path, {r['scale_naive_patients']:,} patients of a {r['scale_patients_each']:,}-patient practice "
            f"| {r['scale_naive_seconds']:.1f} s | {scale_naive:,.0f} | |",
            f"| naive, projected to every practice | {r['scale_registered'] / scale_naive / 60:,.0f} min | | |",
            f"| **bulk / naive** | | **{scale_bulk / scale_naive:,.0f}x** | |",
            f"| one practice again, with {r['scale_patients_total']:,} patients in the database "
            f"| {r['small_again_seconds']:.2f} s | {_rate(r['small_registered'], r['small_again_seconds']):,.0f} | |",
        ]
    lines += [
        "",
        f"The {r['small_registered']:,}-patient practice has {r['small_on_registers']:,} people on at least one register "
        f"({r['small_memberships']:,} register entries); with the default thresholds "
        f"{t['case_management'] / on:.1%} are in case management, {t['disease_management'] / on:.1%} in disease "
        f"management and {t['self_care'] / on:.1%} in self-care support.",
    ]
    if "scale_seconds" in r:
        lines += [
            f"Every practice: {r['scale_on_registers']:,} people on a register, {r['scale_memberships']:,} register "
            f"entries; one transaction per practice, the slowest {r['scale_slowest_practice']:.1f} s.",
            (f"Loading the synthetic patients (not timed above) took {r['load_seconds'] / 60:.0f} min." if r.get("load_seconds")
             else "The synthetic patients were loaded by an earlier run of the same command (`--reuse` keeps them); "
                  "loading is not timed here (about 50 s per 100,000 patients, see \"Synthetic practice load\")."),
        ]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practice-patients", type=int, default=10_000)
    parser.add_argument("--scale-practices", type=int, default=10)
    parser.add_argument("--scale-patients", type=int, default=100_000)
    parser.add_argument("--naive-patients", type=int, default=500)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded benchmark database")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    start_django(fresh_postgres_database(PG_NAME, reuse=args.reuse))
    results = run(args, log)
    command = (f".venv/bin/python bench/registers.py --practice-patients {args.practice_patients} "
               f"--scale-practices {args.scale_practices} --scale-patients {args.scale_patients} "
               f"--naive-patients {args.naive_patients}" + (" --reuse" if args.reuse else "")
               + (" --write-docs" if args.write_docs else ""))
    section = render(results, machine(), command)
    print(section)
    if args.write_docs:
        write_docs_section(HEADING, section)
        print(f"Wrote {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
