"""The rule bundle: the population rules as Spark SQL, with their rule tables and documentation, for an analyst to
run in their own Spark workspace (Databricks) over their own tables, without installing Tandem. Pure: no Django.

`write(out, as_of=..., year=...)` writes a new folder:

- `README.md`: what it is, the versions and days it was compiled for, how to run it and map tables to the schema,
  what each result means, and the small-number rule for anything published;
- `sql/NN_<name>.sql`: each statement of `rules.statements` for Spark, in order, as `CREATE TABLE <name> AS ...`;
- `rules/<name>.csv`: the rule tables (`compiled.RULE_TABLES`), and `codelists.md`: the codelists they hold;
- `data_dictionary.md`: the extract schema and each result table's columns;
- `bundle_runner.py`: the script that runs it (tandem/population/bundle_runner.py, which needs only pyspark);
- `manifest.json`: the versions, the days, the statements in order, the tables' column types, and every file's
  SHA-256 (the runner refuses changed SQL or rule files).

The SQL is compiled for one as-of day and review year: every date is a literal, so the same bundle gives the same
answers on any day it is run.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from tandem.core.dialects import Dialect
from tandem.learn import rules as learn_rules
from tandem.recall.rules.dates import review_year_label
from tandem.registers.rules import compiled, registers, risk
from tandem.registers.rules.scores import medicine_group_slugs
from tandem.terminology import codelists

from . import rules, schema
from .arrow import arrow_schema

DIALECT = Dialect("spark")
RUNNER = Path(__file__).with_name("bundle_runner.py")


class BundleError(ValueError):
    """Something about the request the analyst must put right; the message says what."""


def check_destination(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError(f"{out} already exists and is not empty: choose a new folder for the bundle")


# --- The parts ---------------------------------------------------------------------------------------------


def sql_file(number: int, st: rules.Statement) -> tuple[str, str]:
    """(file name, text) of one statement: a comment saying what it is, then the statement."""
    name = f"{number:02d}_{st.name}.sql"
    head = [f"-- {st.name}: {st.meaning}",
            f"-- Tandem population rules {rules.RULES_VERSION}, Spark SQL. Run by bundle_runner.py after the "
            f"extract's tables and rules/*.csv are loaded as views and any table called {st.name} is dropped."]
    return name, "\n".join(head) + "\n" + DIALECT.create_table_as(st.name, st.sql.strip()) + ";\n"


def rule_table_types() -> dict[str, list[list[str]]]:
    """Each rule table's columns and their types ("int" or "text"), as the runner loads them."""
    out = {}
    for name, columns in compiled.RULE_TABLES.items():
        first = compiled.rule_table_rows(name)[0]
        out[name] = [[c, "int" if isinstance(first[i], int) else "text"] for i, c in enumerate(columns)]
    return out


def rule_csv(name: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(compiled.RULE_TABLES[name])
    writer.writerows(compiled.rule_table_rows(name))
    return buffer.getvalue()


def used_codelists() -> dict[str, list[str]]:
    """Slug -> what uses it, for every codelist the rule tables are built from, in codelists' order."""
    uses: dict[str, list[str]] = {}
    for rule in registers.register_rules():
        split = registers.SPLITS.get(rule.slug)
        for slug in split.whole if split else (rule.slug,):
            uses.setdefault(slug, []).append(f"diagnoses {rule.slug}")
        for cl in codelists.resolutions_for(rule.slug):
            uses.setdefault(cl.slug, []).append(f"resolves {rule.slug}")
    for slug in risk.feature_slugs():
        uses.setdefault(slug, []).append("a frailty or multimorbidity feature")
    for slug in medicine_group_slugs():
        uses.setdefault(slug, []).append("a multimorbidity medicine group")
    order = list(codelists.all_codelists())
    return {slug: uses[slug] for slug in sorted(uses, key=order.index)}


def version_of(source: str) -> str:
    """The release or version a codelist's source line names: a reference set release, an OpenCodelists version,
    a code set version, or the commit of the copy; empty when it names none."""
    for pattern, label in ((r"release (\d{8})", "release {}"),
                           (r"opencodelists\.org/codelist/[^/\s]+/[^/\s]+/([^/\s]+)/", "OpenCodelists {}"),
                           (r"version (\d+)", "version {}"), (r"commit ([0-9a-f]{7,40})", "commit {}")):
        found = re.search(pattern, source)
        if found:
            return label.format(found.group(1))
    return ""


def codelists_markdown() -> str:
    lines = ["# Codelists", "",
             "Every codelist the rule tables (rules/*.csv) are built from: rule_code.csv holds the register "
             "codelists (role d diagnoses, r resolves, m marks type 1 diabetes within the diabetes codes), "
             "feature_code.csv the frailty (eFI) and multimorbidity (CMS) features, medicine_group.csv the dm+d "
             "medicine groups. Each list's full source is given below the table.", "",
             "| slug | name | kind | used as | codes | version |", "|---|---|---|---|---|---|"]
    used = used_codelists()
    for slug, uses in used.items():
        cl = codelists.get(slug)
        lines.append(f"| `{slug}` | {cl.name} | {cl.kind} | {'; '.join(uses)} | {len(cl)} | "
                     f"{version_of(cl.source)} |")
    lines += ["", "## Sources", ""]
    for slug in used:
        lines.append(f"- `{slug}`: {codelists.get(slug).source}")
    return "\n".join(lines) + "\n"


_PLAIN_TYPES = (("VARCHAR", "text"), ("INT", "whole number"), ("SMALLINT", "whole number"), ("TINYINT", "whole number"), ("BIGINT", "whole number"), ("HUGEINT", "whole number"),
                ("DOUBLE", "number"), ("DECIMAL", "number"), ("DATE", "date"), ("BOOLEAN", "true or false"))


def result_columns(*, as_of: dt.date, year: int) -> dict[str, list[tuple[str, str]]]:
    """Each result table's columns and their kind (text, whole number, number, date), read by running the
    statements (compiled for DuckDB) over empty tables on DuckDB in memory, so they cannot drift from the SQL."""
    from .engines import engine

    duck = Dialect("duckdb")
    statements = rules.statements(duck, as_of=as_of, year=year)
    with engine("duckdb", threads=1) as db:
        db.load_tables({name: arrow_schema(name).empty_table() for name in schema.TABLE_NAMES})
        db.load_tables({name: pa.table({c: pa.array([], pa.int32() if kind == "int" else pa.string())
                                        for c, kind in spec}) for name, spec in rule_table_types().items()})
        out = {}
        for st in statements:
            db.execute(duck.create_table_as(st.name, st.sql))
            described = db.rows(f"DESCRIBE {st.name}")
            out[st.name] = [(row[0], next((plain for key, plain in _PLAIN_TYPES if str(row[1]).startswith(key)),
                                          str(row[1]).lower())) for row in described]
    return out


def data_dictionary(statements: list[rules.Statement], columns: dict[str, list[tuple[str, str]]]) -> str:
    lines = ["# Data dictionary", "", "## The extract: the tables the rules read", "",
             "Map your tables to these (see README.md). Types are the extract schema's; the runner casts each "
             "column to its Spark type (text STRING, int16 SMALLINT, int32 INT, int64 BIGINT, float64 DOUBLE, "
             "date DATE, bool BOOLEAN).", "", schema.dictionary_markdown(),
             "## The results", "", "Each result is a table of the name below (and `<out>/<name>/` as Parquet). "
             "Every row is one practice's: people are keyed by (practice, person).", ""]
    for number, st in enumerate(statements, start=1):
        lines += [f"### `{st.name}` ({number:02d}_{st.name}.sql)", "", st.meaning, "",
                  "| column | kind | meaning |", "|---|---|---|"]
        lines += [f"| `{c}` | {kind} | {column_meaning(st.name, c)} |" for c, kind in columns[st.name]]
        lines.append("")
    return "\n".join(lines)


# --- What the results mean ----------------------------------------------------------------------------------

_COLUMNS = {
    "practice": "The practice's ODS code.",
    "person": "The person's key in the extract.",
    "register": "The register (a diagnosis codelist's slug: codelists.md).",
    "since": "The first diagnosis of the current episode.",
    "tier": f"The risk tier: {'; '.join(f'{t} ({risk.TIER_LABELS[t]})' for t in risk.TIERS)}.",
    "ltc_count": "How many registers the person is on.",
    "cms_hundredths": "Cambridge Multimorbidity Score (general outcome weights) in hundredths.",
    "deficits": "How many of the 36 electronic Frailty Index deficits the person has.",
    "frailty": "eFI category from the deficits (fit, mild, moderate, severe); empty under 65.",
    "regular_medicines": "Active regular repeat medicines.",
    "emergency_admissions": "Emergency admissions in the 12 months to the as-of day.",
    "ae_attendances": "A&E attendances in the 12 months to the as-of day.",
    "appointments": "Attended practice appointments in the 12 months to the as-of day.",
    "age": "Age on the as-of day.",
    "step": "The step of the care planning cycle: " + "; ".join(f"{k} ({label})" for k, label in learn_rules.STEPS) + ".",
    "people": "How many people.",
    "born": "Date of birth (the first of the month).",
    "imd_decile": "The extract's IMD decile.",
    "conditions": "How many registers the person is on (4 means 4 or more in outcome_person).",
    "frail": "1 with moderate or severe frailty (the lower HbA1c default applies), else 0.",
    "cohort": "planned (care planned) or comparison (not yet care planned).",
    "start_on": "The day the year before and the year after meet: the first care planning conversation, or for "
                "the comparison group their practice's median first conversation.",
    "age_band": "Age band on start_on: " + "; ".join(k for k, _, _ in learn_rules.AGE_BANDS) + ".",
    "sex": "Sex as recorded (unknown when not).",
    "imd": "IMD quintile (1 most deprived), or not recorded.",
    "ethnicity": "Census 2021 ethnic group (five groups), or not recorded.",
    "split": "How the rows are grouped: everyone, conditions, age, sex, imd, ethnicity or condition.",
    "group_key": "The group within the split (for condition, the register).",
}


def column_meaning(table: str, column: str) -> str:
    """What one result column holds (the names follow rules.py's column lists)."""
    if column in _COLUMNS:
        return _COLUMNS[column]
    period = {"0": "in the year before start_on", "1": "in the year after start_on"}
    events = {"appointments": "attended appointments", "ae": "A&E attendances", "emergency": "emergency admissions"}
    if match := re.fullmatch(r"r_([a-z0-9_]+)", column):
        if match.group(1) in rules.OUTCOME_REGISTERS:
            return f"1 when on the {match.group(1)} register, else 0 (whether a default target is meant for them)."
    if match := re.fullmatch(r"(\w+)_([01])", column):
        what, p = match.groups()
        if what in rules.CONCEPTS:
            return f"The last {what} result {period[p]}."
        if what.startswith("in_") and what[3:] in rules.TARGETS:
            return f"1 when the {what[3:]} result was in target {period[p]}, 0 when not; empty with no result or target."
        if what in rules.RATES:
            return f"How many {events.get(what, what)} {period[p]}."
        if what.startswith("r_") and what[2:] in rules.RATES:
            return f"The sum of their {events.get(what[2:], what[2:])} {period[p]}."
    if match := re.fullmatch(r"m_(\w+)_(n|before|after)", column):
        c, x = match.groups()
        return {"n": f"People with a {c} result in both years.",
                "before": f"The sum of their {c} results the year before, in thousandths of the unit.",
                "after": f"The sum of their {c} results the year after, in thousandths of the unit."}[x]
    if match := re.fullmatch(r"t_(\w+)_(n|in0|in1)", column):
        t, x = match.groups()
        return {"n": f"People with a {t} target and result in both years.",
                "in0": f"Of them, in the {t} target the year before.", "in1": "Of them, in it the year after."}[x]
    return ""


def readme(*, as_of: dt.date, year: int, statements: list[rules.Statement]) -> str:
    results = "\n".join(f"- `{st.name}`: {st.meaning}" for st in statements)
    label = review_year_label(year)
    return f"""# Tandem population rules for Spark

The population rules of Tandem (care planning software for general practice) as Spark SQL: who is on each
long-term condition register, their risk tier, the care planning cycle step by step, and outcomes for people
care planned against people not yet care planned. Run them on Databricks (or any Spark 4) over your own tables,
without installing Tandem.

- Rules version: **{rules.RULES_VERSION}**
- Extract schema version: **{schema.SCHEMA_VERSION}**
- Worked out as of: **{as_of.isoformat()}** (registers, tiers and outcomes)
- Review year of the cycle: **{label}** (1 April {year} to 31 March {year + 1})
- Risk tiers placed with Tandem's default thresholds

Every date is written into the SQL, so these are the answers for that day whenever you run it. For another day or
year, make another bundle: `tandem bundle --out DIR --as-of YYYY-MM-DD --year YYYY`.

## What is here

- `sql/NN_<name>.sql`: the rules, one statement each, run in order; each makes a table of its name that the
  ones after it read.
- `rules/*.csv`: the rule tables (codes and what they mean to the rules); `codelists.md`: where the codes come from.
- `data_dictionary.md`: the tables and columns the rules read, and the columns of each result.
- `bundle_runner.py`: runs it all; it needs only pyspark.
- `manifest.json`: the versions, the days, and each file's SHA-256. The runner refuses to run a changed SQL or
  rule file: results from edited rules are not these rules' results.

## Your tables

The rules read the extract's tables, {", ".join(f"`{t}`" for t in schema.TABLE_NAMES)}
(data_dictionary.md has every column, its type and its values). Give the runner one of:

- a mapping file, `tables.json`: `{{"patient": "catalog.schema.patients_view", "condition": "...", ...}}`, one
  entry for each of the eight tables. Views you create over your own tables, with the columns renamed and recoded
  as the dictionary says, are the usual way;
- a database (`catalog.schema`) holding tables of those names;
- the folder of a Parquet extract written by `tandem extract`.

The runner casts each column to the dictionary's type and says which columns are missing.

## Running it on Databricks

Upload this folder to your workspace (for example `/Workspace/Users/<you>/tandem-bundle`), then in a Python
notebook cell on a cluster:

```python
import json, sys
sys.path.insert(0, "/Workspace/Users/<you>/tandem-bundle")
import bundle_runner
tables = json.load(open("/Workspace/Users/<you>/tandem-bundle/tables.json"))
bundle_runner.run(spark, tables=tables, schema="main.tandem_results",
                  out="/Volumes/main/tandem_results/files/{as_of.isoformat()}")
```

or from a terminal or job: `python bundle_runner.py --tables tables.json --schema main.tandem_results --out PATH`
(`--database catalog.schema` or `--extract PATH` instead of `--tables`). The results are tables in the current
schema (or `--schema`), replacing tables of the same names, and with `--out` Parquet folders `<out>/<name>/`.

## The results

{results}

## Before you publish anything

Results hold one row per person, and counts of very few people. Before anything leaves your secure environment,
apply the rule Tandem's own pages apply: {learn_rules.SUPPRESSION_RULE}

`outcome_summary` gives sums, not averages: the average of a result is `m_<result>_after / 1000 / m_<result>_n`
(and `_before`), the share in target `t_<target>_in1 / t_<target>_n`, and a yearly rate `r_<kind>_1 / people`.
"""


# --- The whole bundle --------------------------------------------------------------------------------------


def files(*, as_of: dt.date, year: int) -> dict[str, bytes]:
    """Every file of the bundle by its path in it, the manifest last. Risk tiers use the default thresholds (a
    practice's own thresholds are the app's; the bundle serves many practices at once)."""
    statements = rules.statements(DIALECT, as_of=as_of, year=year)
    out: dict[str, bytes] = {}
    steps = []
    for number, st in enumerate(statements, start=1):
        name, text = sql_file(number, st)
        out[f"sql/{name}"] = text.encode()
        steps.append({"name": st.name, "file": f"sql/{name}", "meaning": st.meaning})
    for name in compiled.RULE_TABLES:
        out[f"rules/{name}.csv"] = rule_csv(name).encode()
    out["codelists.md"] = codelists_markdown().encode()
    out["data_dictionary.md"] = data_dictionary(statements, result_columns(as_of=as_of, year=year)).encode()
    out["bundle_runner.py"] = RUNNER.read_bytes()
    out["README.md"] = readme(as_of=as_of, year=year, statements=statements).encode()
    manifest = {
        "rules_version": rules.RULES_VERSION, "schema_version": schema.SCHEMA_VERSION, "dialect": DIALECT.name,
        "as_of": as_of.isoformat(), "review_year": year, "review_year_label": review_year_label(year),
        "statements": steps,
        "extract_tables": {t.name: [[c.name, c.type] for c in t.columns] for t in schema.TABLES},
        "rule_tables": rule_table_types(),
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(out.items())},
    }
    out["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return out


def write(out: Path, *, as_of: dt.date, year: int) -> dict:
    """Write the bundle into the new (or empty) folder `out` and return its manifest. Written beside it first and
    renamed when complete, so a failure leaves nothing half-written."""
    out = Path(out)
    check_destination(out)
    contents = files(as_of=as_of, year=year)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        for path, data in contents.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return json.loads(contents["manifest.json"])
