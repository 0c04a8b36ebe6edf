"""The summary tables of an analysis, as the Learn pages show them: registers, risk tiers, the care planning funnel
and outcomes, with counts of 1 to 4 (and counts that would reveal them) hidden by the Learn pages' own rules
(tandem.learn.rules.SUPPRESSION_RULE; tandem.learn.outcomes.shown_table).

Read from the analysis's result tables on the engine that made them (small aggregates only); written as
`summary.md` and one CSV file per table.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

from tandem.learn import outcomes as learn_outcomes
from tandem.learn import rules as learn_rules
from tandem.recall.rules.dates import review_year_label
from tandem.registers.rules import display_names, risk

from . import rules
from .engines import Engine, normalise


def _count(n: int, hidden: bool = False) -> str:
    return learn_rules.shown(int(n), hidden=hidden).text


def register_table(engine: Engine) -> list[list[str]]:
    names = display_names()
    registered = int(engine.rows("SELECT COUNT(*) FROM patient WHERE " + engine.dialect.is_true("registered"))[0][0])
    counts = dict(engine.rows("SELECT register, COUNT(*) FROM register_member GROUP BY register"))
    out = [["Register", "People", "Per 100 registered"]]
    for slug, name in names.items():
        n = int(counts.get(slug, 0))
        share = "" if learn_rules.share_hidden(n, registered) else f"{100 * n / registered:.1f}"
        out.append([name, _count(n), share])
    return out


def tier_table(engine: Engine) -> list[list[str]]:
    counts = dict(engine.rows("SELECT tier, COUNT(*) FROM risk_tier GROUP BY tier"))
    total = sum(int(n) for n in counts.values())
    out = [["Risk tier", "People", "Share", "Aim"]]
    for tier in risk.TIERS:
        n = int(counts.get(tier, 0))
        share = "" if learn_rules.share_hidden(n, total) else f"{100 * n / total:.0f}%"
        out.append([risk.TIER_LABELS[tier], _count(n), share, risk.TIER_AIMS[tier]])
    return out


def funnel_table(engine: Engine) -> list[list[str]]:
    """People at each step (columns): all practices, then each practice (one row each, however many)."""
    by_practice: dict[str, dict[str, int]] = defaultdict(dict)
    for practice, step, people in engine.rows("SELECT practice, step, people FROM funnel"):
        by_practice[str(practice)][step] = int(people)
    out = [["Practice", *[label for _key, label in learn_rules.STEPS]]]
    out.append(["All practices", *[_count(sum(p.get(key, 0) for p in by_practice.values()))
                                   for key, _label in learn_rules.STEPS]])
    for practice in sorted(by_practice):
        out.append([practice, *[_count(by_practice[practice].get(key, 0)) for key, _label in learn_rules.STEPS]])
    return out


def outcome_result(engine: Engine, *, as_of: dt.date) -> learn_outcomes.Outcomes:
    """The outcome_summary rows as the Learn outcome page's cells."""
    cells: dict[tuple[str, str, str], learn_outcomes.Cell] = {}
    columns = rules.OUTCOME_SUMMARY_COLUMNS
    for row in engine.rows(f"SELECT {', '.join(columns)} FROM outcome_summary"):
        r = dict(zip(columns, (normalise(v) for v in row), strict=True))
        cell = learn_outcomes.Cell(people=int(r["people"]))
        for m in rules.MEASURES:
            if r[f"m_{m}_n"]:
                cell.measure[m] = [int(r[f"m_{m}_n"]), int(r[f"m_{m}_before"]) / 1000, int(r[f"m_{m}_after"]) / 1000]
        for t in rules.TARGETS:
            if r[f"t_{t}_n"]:
                cell.target[t] = [int(r[f"t_{t}_n"]), int(r[f"t_{t}_in0"]), int(r[f"t_{t}_in1"])]
        for rate in rules.RATES:
            for p in (0, 1):
                if r[f"r_{rate}_{p}"]:
                    cell.events[(rate, p)] = int(r[f"r_{rate}_{p}"])
        cells[(str(r["split"]), str(r["group_key"]), str(r["cohort"]))] = cell
    complete_by = engine.dialect.date(as_of - dt.timedelta(days=rules.YEAR_DAYS))
    too_recent = int(engine.rows(
        "SELECT COUNT(*) FROM (SELECT practice, person, MIN(on_date) AS first_on FROM care_event "
        f"WHERE kind = 'plan_saved' AND on_date IS NOT NULL GROUP BY practice, person) f WHERE first_on > {complete_by}"
    )[0][0])
    return learn_outcomes.Outcomes(today=as_of, median=None, too_recent=too_recent, cells=cells,
                                   rows=learn_outcomes.rows_of(cells, display_names()))


def outcome_tables(result: learn_outcomes.Outcomes) -> list[tuple[str, list[list[str]]]]:
    """One table per split: each group's people, and for every figure the care planned group's change, the
    comparison group's change and the difference, as the Learn outcome page shows them."""
    figures = ([("measures", m, label) for m, label, _unit in learn_outcomes.MEASURES]
               + [("targets", t, label) for t, label in learn_outcomes.TARGETS]
               + [("rates", r, label + " per person") for r, label in learn_outcomes.RATES])
    out = []
    for split in learn_outcomes.shown_table(result):
        header = ["Group", "Care planned: people", "Comparison: people"]
        for _kind, _key, label in figures:
            header += [f"{label}: care planned", f"{label}: comparison", f"{label}: difference"]
        table = [header]
        for row in split["rows"]:
            planned, comparison = row["groups"]["planned"], row["groups"]["comparison"]
            cells = [row["label"], planned["people"], comparison["people"]]
            for kind, key, _label in figures:
                cells += [planned[kind][key].change, comparison[kind][key].change, row["difference"][f"{kind}:{key}"]]
            table.append(cells)
        out.append((split["label"], table))
    return out


def _markdown(table: list[list[str]]) -> str:
    def cell(text) -> str:
        return str(text).replace("|", "\\|")
    lines = ["| " + " | ".join(cell(c) for c in table[0]) + " |", "|" + "---|" * len(table[0])]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table[1:]]
    return "\n".join(lines)


def _csv(path: Path, table: list[list[str]]) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(table)


def write(engine: Engine, out: Path, *, year: int, as_of: dt.date) -> None:
    """summary.md and a CSV per table in `out`."""
    sections = [("Registers", "registers", register_table(engine)), ("Risk tiers", "tiers", tier_table(engine)),
                (f"Care planning funnel, {review_year_label(year)}", "funnel", funnel_table(engine))]
    result = outcome_result(engine, as_of=as_of)
    text = [f"# Population summary on {as_of:%-d %B %Y}", "", learn_rules.SUPPRESSION_RULE, ""]
    for title, name, table in sections:
        text += [f"## {title}", "", _markdown(table), ""]
        _csv(out / f"summary_{name}.csv", table)
    text += ["## Outcomes: the year before and the year after the first care planning conversation", "",
             f"People care planned less than a year ago, not counted yet: {_count(result.too_recent)}.", ""]
    for i, (title, table) in enumerate(outcome_tables(result)):
        text += [f"### {title}", "", _markdown(table), ""]
        _csv(out / f"summary_outcomes_{i + 1}.csv", table)
    (out / "summary.md").write_text("\n".join(text))
