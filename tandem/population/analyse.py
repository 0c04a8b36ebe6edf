"""Run the population rules over an extract on one engine and write the results (the summary tables use the Learn
pages' own presentation, so Django is set up first, as the `tandem analyse` command does).

`analyse(engine, extract, out, as_of=..., year=...)` loads the extract (`tandem extract`, or the synthetic
population) and the rule tables, runs every statement of `rules.statements` in order (each kept as a table for the
statements after it), writes each result as `<out>/<name>.parquet`, and writes the summary tables the Learn pages
show (`summary.md`, and one CSV per table) with small numbers hidden as the Learn pages hide them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tandem.registers.rules import compiled, risk

from . import rules, schema, summary
from .engines import Engine


class AnalysisError(ValueError):
    """Something about the extract or the request that the analyst must put right; the message says what."""


@dataclass
class Step:
    name: str
    seconds: float
    rows: int


@dataclass
class Result:
    engine: str
    as_of: dt.date
    year: int
    steps: list[Step] = field(default_factory=list)
    load_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.load_seconds + sum(s.seconds for s in self.steps)


def rule_tables() -> dict[str, pa.Table]:
    """The rule tables (compiled.RULE_TABLES) as Arrow tables, to load beside the extract."""
    out = {}
    for name, columns in compiled.RULE_TABLES.items():
        rows = compiled.rule_table_rows(name)
        out[name] = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    return out


def check_extract(path: Path) -> None:
    """A clear error unless `path` holds every extract table (one folder each)."""
    if not path.is_dir():
        raise AnalysisError(f"{path} is not a folder: give the folder `tandem extract` wrote")
    missing = [name for name in schema.TABLE_NAMES if not (path / name).is_dir()]
    if missing:
        raise AnalysisError(f"{path} is not a population extract: it has no {', '.join(missing)} "
                            f"folder{'s' if len(missing) > 1 else ''}")


Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what is running)


def analyse(engine: Engine, extract: Path, out: Path, *, as_of: dt.date, year: int,
            thresholds: risk.Thresholds | None = None, progress: Progress | None = None) -> Result:
    """Run every rule over the extract at `extract` on `engine`; write the results into the new folder `out`
    (written beside it first and renamed when complete, so a failed run leaves nothing half-written)."""
    extract, out = Path(extract), Path(out)
    check_extract(extract)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AnalysisError(f"{out} already exists and is not empty: choose a new folder for the results")
    d = engine.dialect
    statements = rules.statements(d, as_of=as_of, year=year, thresholds=thresholds)
    total = len(statements) + 2
    report = progress or (lambda done, all_, what: None)
    result = Result(engine=engine.name, as_of=as_of, year=year)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        report(0, total, "loading the extract")
        started = time.perf_counter()
        engine.load_extract(extract)
        engine.load_tables(rule_tables())
        result.load_seconds = time.perf_counter() - started
        for i, st in enumerate(statements, start=1):
            report(i, total, st.name)
            started = time.perf_counter()
            engine.execute(d.create_table_as(st.name, st.sql))
            rows = engine.to_parquet(f"SELECT * FROM {st.name}", staging / f"{st.name}.parquet")
            result.steps.append(Step(st.name, time.perf_counter() - started, rows))
        report(total - 1, total, "summary tables")
        summary.write(engine, staging, year=year, as_of=as_of)
        (staging / "run.json").write_text(json.dumps({
            "engine": engine.name, "as_of": as_of.isoformat(), "review_year": year,
            "rules_version": rules.RULES_VERSION, "schema_version": schema.SCHEMA_VERSION,
            "steps": [{"name": s.name, "seconds": round(s.seconds, 3), "rows": s.rows} for s in result.steps],
            "load_seconds": round(result.load_seconds, 3),
        }, indent=2) + "\n")
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
        report(total, total, "done")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result
