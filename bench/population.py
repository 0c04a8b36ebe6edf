"""Benchmark: the population rules over a synthetic population of millions, on PostgreSQL, DuckDB and Spark.

    .venv/bin/python bench/population.py --patients 1000000 [--engines postgresql,duckdb,spark] [--keep]

In one run it measures:

1. the synthetic population (`tandem.population.synth`, seed --seed, as of 15 June 2026) written to
   <root>/<N>/extract, or reused when a run with --keep left one of the same size and seed;
2. the physical floor: every Parquet table read once with pyarrow, all columns decoded, batch by batch and then
   dropped (the least any engine must do to see every row), with the rows and bytes on disk;
3. each engine in a process of its own, so its peak memory is its alone: `analyse()` (load, every rule statement,
   the summary tables) into a fresh folder, with the seconds of each step. Memory is the resident set of that
   process and every process under it (the Spark JVM and its Python workers are children), sampled from /proc
   every 0.2 s; for PostgreSQL that is the client only, not the server (its shared buffers and backends);
4. that the engines agree: every result has the same number of rows on each, and the funnel and the outcome
   summary the same rows.

It prints a table and writes the numbers as JSON to <root>/population-<N>.json. Without --keep the results folders
and the extract are removed at the end. PostgreSQL runs in the database tandem_bench (created if missing); the
engine's own schema is dropped when it closes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 6, 15)
REVIEW_YEAR = 2026  # the review year (1 April to 31 March) 15 June 2026 falls in
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "tandem_bench"
RESULTS = ("register_member", "risk_tier", "funnel", "outcome_cohort", "outcome_person", "outcome_summary")
COMPARED_ROWS = ("funnel", "outcome_summary")
ENGINE_OPTIONS = {"duckdb": {}, "spark": {"cores": 2, "driver_memory": "8g"},
                  "postgresql": {"url": f"{PG_SERVER}/{PG_NAME}"}}
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} {message}\n")
    sys.stderr.flush()


# --- 1. The population ------------------------------------------------------------------------------------

def population(folder: Path, *, patients: int, seed: int) -> dict:
    """The extract at folder/extract, generated unless a marker says one of this size and seed is there."""
    from tandem.population import synth

    marker = folder / "extract.json"
    if marker.exists():
        made = json.loads(marker.read_text())
        if made["patients"] == patients and made["seed"] == seed and made["today"] == AS_OF.isoformat():
            log(f"reusing the extract in {folder / 'extract'}")
            return made
    shutil.rmtree(folder / "extract", ignore_errors=True)
    marker.unlink(missing_ok=True)
    log(f"generating {patients:,} patients into {folder / 'extract'}")
    started = time.perf_counter()
    counts = synth.generate(folder / "extract", patients=patients, seed=seed, today=AS_OF)
    made = {"patients": patients, "seed": seed, "today": AS_OF.isoformat(), "rows": counts,
            "generate_s": time.perf_counter() - started}
    marker.write_text(json.dumps(made, indent=1))
    log(f"generated in {made['generate_s']:.0f} s")
    return made


# --- 2. The physical floor --------------------------------------------------------------------------------

def scan(extract: Path) -> dict:
    """Read every table's Parquet once with every column decoded into Arrow, dropping each batch."""
    import pyarrow.dataset as ds

    from tandem.population import schema

    tables, started = {}, time.perf_counter()
    for name in schema.TABLE_NAMES:
        files = list((extract / name).rglob("*.parquet"))
        began, rows = time.perf_counter(), 0
        dataset = ds.dataset(extract / name, format="parquet", partitioning="hive")
        for batch in dataset.scanner(batch_size=65_536, use_threads=True).to_batches():
            rows += batch.num_rows
        tables[name] = {"rows": rows, "bytes": sum(f.stat().st_size for f in files), "files": len(files),
                        "seconds": time.perf_counter() - began}
    return {"seconds": time.perf_counter() - started, "tables": tables,
            "rows": sum(t["rows"] for t in tables.values()), "bytes": sum(t["bytes"] for t in tables.values())}


# --- 3. One engine, in its own process --------------------------------------------------------------------

def worker(name: str, extract: Path, out: Path) -> dict:
    """Run analyse() on one engine; the parent reads the JSON this prints last. Django is set up (no database is
    used) because the summary tables import the Learn pages' outcome definitions, which import models."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    import django

    django.setup()
    from tandem.population import analyse, engines

    started = time.perf_counter()
    engine = engines.engine(name, **ENGINE_OPTIONS[name])
    run = {"engine": name, "start_s": time.perf_counter() - started}
    try:
        began = time.perf_counter()
        result = analyse.analyse(engine, extract, out, as_of=AS_OF, year=REVIEW_YEAR,
                                 progress=lambda done, all_, what: log(f"{name}: {done}/{all_} {what}"))
        run["analyse_s"] = time.perf_counter() - began
        run["load_s"] = result.load_seconds
        run["steps"] = [{"name": s.name, "seconds": s.seconds, "rows": s.rows} for s in result.steps]
        run["rules_s"] = sum(s.seconds for s in result.steps)
        run["summary_s"] = run["analyse_s"] - run["load_s"] - run["rules_s"]  # summary tables and run.json
        if name == "postgresql":
            run["server"] = engine.rows("SELECT version()")[0][0].split(" on ")[0]
            run["database_bytes"] = engine.rows("SELECT pg_database_size(current_database())")[0][0]
        elif name == "duckdb":
            run["server"] = "DuckDB " + engine.rows("SELECT version()")[0][0]
        else:
            run["server"] = "Apache Spark " + engine.spark.version
    finally:
        began = time.perf_counter()
        engine.close()
        if name == "spark":
            engines.stop_spark()
        run["close_s"] = time.perf_counter() - began
    return run


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process descended from it, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(pid, ()))
    return total


def run_engine(name: str, extract: Path, out: Path, log_path: Path) -> dict:
    """The engine's run in a child process, its peak memory sampled every 0.2 s."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, __file__, "--worker", name, "--extract", str(extract), "--out", str(out)]
    with open(log_path, "a") as errors:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors,  # noqa: S603 - our own script
                                 text=True, cwd=ROOT)
        peak, samples, stop = [0], [0], threading.Event()

        def sample():
            while not stop.wait(0.2):
                peak[0] = max(peak[0], _tree_rss(child.pid))
                samples[0] += 1

        sampler = threading.Thread(target=sample, daemon=True)
        started = time.perf_counter()
        sampler.start()
        output, _ = child.communicate()
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
    if child.returncode != 0:
        return {"engine": name, "failed": f"exit status {child.returncode}; see {log_path}", "wall_s": wall,
                "peak_rss_bytes": peak[0]}
    run = json.loads(output.strip().splitlines()[-1])
    run.update(wall_s=wall, peak_rss_bytes=peak[0], rss_samples=samples[0],
               load_average=os.getloadavg())  # the machine may be shared: how busy it was over the run
    return run


# --- 4. Do the engines agree? -----------------------------------------------------------------------------

def _comparable(value):
    from tandem.population.engines import normalise

    value = normalise(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return (value is None, repr(value))


def agreement(outs: dict[str, Path]) -> dict:
    """Rows of each result on each engine, and whether the funnel and outcome summary hold the same rows."""
    import pyarrow.parquet as pq

    found: dict = {"rows": {}, "same_rows": {}, "agree": True}
    for result in RESULTS:
        counts = {name: pq.ParquetFile(out / f"{result}.parquet").metadata.num_rows for name, out in outs.items()}
        found["rows"][result] = counts
        if len(set(counts.values())) > 1:
            found["agree"] = False
    for result in COMPARED_ROWS:
        tables = {name: pq.read_table(out / f"{result}.parquet") for name, out in outs.items()}
        rows = {name: sorted(tuple(_comparable(v) for v in row.values()) for row in t.to_pylist())
                for name, t in tables.items()}
        names = {name: [c.lower() for c in t.column_names] for name, t in tables.items()}
        first = next(iter(rows))
        same = all(rows[n] == rows[first] and names[n] == names[first] for n in rows)
        found["same_rows"][result] = same
        found["agree"] &= same
    return found


# --- The whole run ----------------------------------------------------------------------------------------

def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchall():
            conn.execute(f"CREATE DATABASE {PG_NAME}")


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    java = subprocess.run([shutil.which("java") or "java", "-version"],  # noqa: S603 - fixed arguments
                          capture_output=True, text=True).stderr.splitlines()
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "memory_gib": round(memory / 2**20),
            "python": platform.python_version(), "java": java[0] if java else "none",
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def table(report: dict) -> str:
    floor = report["scan"]["seconds"]
    rows = report["scan"]["rows"]
    lines = [f"{report['patients']:,} patients, {rows:,} extract rows, {report['scan']['bytes'] / 2**20:,.0f} MiB "
             f"of Parquet; scan-only floor {floor:.1f} s ({rows / floor:,.0f} rows/s)",
             f"{'engine':<11} {'start s':>8} {'load s':>8} {'rules s':>8} {'summary s':>9} {'total s':>8} "
             f"{'rows/s':>11} {'peak MiB':>9} {'x floor':>8}"]
    for run in report["engines"]:
        if "failed" in run:
            lines.append(f"{run['engine']:<11} FAILED after {run['wall_s']:.0f} s: {run['failed']}")
            continue
        total = run["analyse_s"]
        lines.append(f"{run['engine']:<11} {run['start_s']:8.1f} {run['load_s']:8.1f} {run['rules_s']:8.1f} "
                     f"{run['summary_s']:9.1f} {total:8.1f} {rows / total:11,.0f} "
                     f"{run['peak_rss_bytes'] / 2**20:9,.0f} {total / floor:8.1f}")
    for run in report["engines"]:
        if "steps" in run:
            lines.append(f"  {run['engine']}: " + ", ".join(f"{s['name']} {s['seconds']:.1f} s ({s['rows']:,})"
                                                           for s in run["steps"]))
    if "agreement" in report:
        a = report["agreement"]
        lines.append("engines agree: " + ("yes" if a["agree"] else "NO") + "; rows: " + "; ".join(
            f"{r} {'/'.join(f'{n}' for n in sorted(set(c.values())))}" for r, c in a["rows"].items())
            + "; same rows: " + ", ".join(f"{r} {'yes' if s else 'NO'}" for r, s in a["same_rows"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--engines", default="postgresql,duckdb,spark")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, default=Path("/tmp/bench_pop"))  # noqa: S108 - big files, not secrets
    parser.add_argument("--keep", action="store_true", help="keep the extract (for the next run) and the results")
    parser.add_argument("--compare", action="store_true",
                        help="only check that the results folders a run with --keep left agree")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--extract", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.extract, args.out), default=str))
        return 0

    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = set(names) - set(ENGINE_OPTIONS)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    folder = args.root / str(args.patients)
    if args.compare:
        found = agreement({n: folder / f"results-{n}" for n in names if (folder / f"results-{n}").is_dir()})
        print(json.dumps(found, indent=1))
        return 0 if found["agree"] else 1
    folder.mkdir(parents=True, exist_ok=True)
    report = {"patients": args.patients, "seed": args.seed, "as_of": AS_OF.isoformat(), "review_year": REVIEW_YEAR,
              "machine": machine(), "engine_options": {n: ENGINE_OPTIONS[n] for n in names}}
    report["population"] = population(folder, patients=args.patients, seed=args.seed)
    extract = folder / "extract"
    log("scan-only reference")
    report["scan"] = scan(extract)
    log(f"scanned {report['scan']['rows']:,} rows in {report['scan']['seconds']:.1f} s")
    if "postgresql" in names:
        ensure_database()
    report["engines"], outs = [], {}
    json_path = args.root / f"population-{args.patients}.json"
    for name in names:
        log(f"{name}: starting")
        out = folder / f"results-{name}"
        run = run_engine(name, extract, out, folder / f"{name}.log")
        report["engines"].append(run)
        if "failed" in run:
            log(f"{name}: FAILED ({run['failed']})")
        else:
            outs[name] = out
            log(f"{name}: {run['analyse_s']:.1f} s, peak {run['peak_rss_bytes'] / 2**20:,.0f} MiB")
        json_path.write_text(json.dumps(report, indent=1, default=str))  # what is done so far, if a later one fails
    if len(outs) > 1:
        report["agreement"] = agreement(outs)
    json_path.write_text(json.dumps(report, indent=1, default=str))
    print(table(report))
    print(f"JSON: {json_path}")
    if not args.keep:
        for out in outs.values():
            shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(extract, ignore_errors=True)
        (folder / "extract.json").unlink(missing_ok=True)
    return 0 if report.get("agreement", {"agree": True})["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
