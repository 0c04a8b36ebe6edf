"""The rule bundle (`tandem bundle`): the population rules as Spark SQL with their rule tables, documentation and
runner, for an analyst's own Spark workspace. What it holds, what it refuses, and that its runner, run on Spark
over an extract, gives exactly the answers `tandem analyse` gives on DuckDB over the same extract."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import hashlib
import importlib.util
import io
import json
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from tandem.core.dialects import Dialect
from tandem.learn.rules import SUPPRESSION_RULE
from tandem.population import analyse, bundle, engines, rules, schema, synth
from tandem.registers.rules import compiled
from tandem.terminology import codelists

from .conftest import SPARK, _postgresql_leg

AS_OF = dt.date(2026, 12, 6)
YEAR = 2026


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "bundle"
    call_command("bundle", out=str(out), as_of=AS_OF.isoformat(), year=str(YEAR), stdout=io.StringIO())
    return out


def load_runner(folder: Path):
    """The bundle's own copy of the runner, imported from the bundle as an analyst's notebook would."""
    spec = importlib.util.spec_from_file_location(f"bundle_runner_{abs(hash(folder))}", folder / "bundle_runner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_of(made: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(made, folder)
    return folder


# --- What the bundle holds ---------------------------------------------------------------------------------


def test_the_sql_is_each_statement_for_spark_in_order_as_a_table(made):
    expected = rules.statements(Dialect("spark"), as_of=AS_OF, year=YEAR)
    files = sorted((made / "sql").iterdir())
    assert [f.name for f in files] == [f"{i:02d}_{st.name}.sql" for i, st in enumerate(expected, start=1)]
    for path, st in zip(files, expected, strict=True):
        text = path.read_text()
        assert text.startswith(f"-- {st.name}: {st.meaning}\n")
        assert f"rules {rules.RULES_VERSION}" in text.splitlines()[1]
        assert f"CREATE TABLE {st.name} AS {st.sql.strip()};" in text


def test_the_sql_is_compiled_for_the_day_and_year_asked():
    other = bundle.files(as_of=dt.date(2025, 6, 30), year=2024)
    members = other["sql/01_register_member.sql"].decode()
    funnel = other["sql/03_funnel.sql"].decode()
    assert "DATE '2025-06-30'" in members and "2026-12-06" not in members
    assert "review_year = 2024" in funnel and "DATE '2024-04-01'" in funnel and "DATE '2025-03-31'" in funnel
    manifest = json.loads(other["manifest.json"])
    assert (manifest["as_of"], manifest["review_year"]) == ("2025-06-30", 2024)


def test_rule_tables_are_the_compiled_rule_rows_with_headers(made):
    for name, columns in compiled.RULE_TABLES.items():
        with open(made / "rules" / f"{name}.csv", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == list(columns)
        assert rows[1:] == [[str(v) for v in row] for row in compiled.rule_table_rows(name)]


def test_codelists_md_lists_every_codelist_behind_the_rule_tables_with_its_source_and_size(made):
    text = (made / "codelists.md").read_text()
    listed = {line.split("|")[1].strip(" `") for line in text.splitlines() if line.startswith("| `")}
    coded = set()
    for name in compiled.RULE_TABLES:
        coded |= {row[0] for row in compiled.rule_table_rows(name)}
    covered = set().union(*(codelists.get(slug).codes for slug in listed))
    assert coded <= covered  # every code the rules read comes from a listed codelist
    asthma = codelists.get("asthma")
    assert f"| `asthma` | {asthma.name} | diagnosis | diagnoses asthma | {len(asthma)} | release 20250627 |" in text
    assert f"- `asthma`: {asthma.source}" in text
    assert bundle.version_of(codelists.get("efi_falls").source) == "version 1"


def test_data_dictionary_has_the_extract_schema_and_every_result_column_explained(made):
    text = (made / "data_dictionary.md").read_text()
    assert schema.dictionary_markdown() in text
    person = text.split("### `outcome_person`")[1].split("###")[0]
    documented = [line.split("|")[1].strip(" `") for line in person.splitlines() if line.startswith("| `")]
    assert sorted(documented) == sorted(rules.OUTCOME_PERSON_COLUMNS)  # as the SQL orders them
    tiers = text.split("### `risk_tier`")[1].split("###")[0]
    assert [line.split("|")[1].strip(" `") for line in tiers.splitlines() if line.startswith("| `")] == \
        list(compiled.TIER_COLUMNS)
    results = text.split("## The results")[1]
    rows = [line.split("|") for line in results.splitlines() if line.startswith("| `")]
    assert rows and all(cells[3].strip() for cells in rows), "a result column has no meaning"


def test_readme_names_the_versions_the_day_the_year_and_the_small_number_rule(made):
    text = (made / "README.md").read_text()
    assert f"Rules version: **{rules.RULES_VERSION}**" in text
    assert f"Extract schema version: **{schema.SCHEMA_VERSION}**" in text
    assert "Worked out as of: **2026-12-06**" in text and "**2026/27**" in text
    assert "tandem bundle --out DIR --as-of YYYY-MM-DD" in text
    assert "bundle_runner.run(spark" in text and "tables.json" in text
    assert SUPPRESSION_RULE in text
    for st in rules.statements(Dialect("spark"), as_of=AS_OF, year=YEAR):
        assert f"- `{st.name}`: {st.meaning}" in text


def test_manifest_holds_the_versions_and_each_files_sha256(made):
    manifest = json.loads((made / "manifest.json").read_text())
    assert manifest["rules_version"] == rules.RULES_VERSION
    assert manifest["schema_version"] == schema.SCHEMA_VERSION
    assert (manifest["dialect"], manifest["as_of"], manifest["review_year"]) == ("spark", "2026-12-06", 2026)
    on_disk = {p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((made / name).read_bytes()).hexdigest() == digest
    assert [s["name"] for s in manifest["statements"]] == [
        st.name for st in rules.statements(Dialect("spark"), as_of=AS_OF, year=YEAR)]
    assert list(manifest["extract_tables"]) == list(schema.TABLE_NAMES)


def test_the_runner_is_the_one_in_tandem_and_needs_only_pyspark_and_the_standard_library(made):
    assert (made / "bundle_runner.py").read_bytes() == bundle.RUNNER.read_bytes()
    imported = set()
    for node in ast.walk(ast.parse(bundle.RUNNER.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "pyspark" in imported
    assert imported - {"pyspark", "__future__"} <= set(sys.stdlib_module_names)


# --- What it refuses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "message"), [
    ({"as_of": "2026-13-01"}, "--as-of must be a date written as YYYY-MM-DD"),
    ({"as_of": "yesterday"}, "--as-of must be a date written as YYYY-MM-DD"),
    ({"year": "twenty"}, "--year"),
    ({"year": "1999"}, "--year"),
])
def test_bad_days_and_years_are_refused_and_nothing_is_written(tmp_path, options, message):
    out = tmp_path / "bundle"
    with pytest.raises(CommandError, match=message):
        call_command("bundle", out=str(out), stdout=io.StringIO(), **options)
    assert not out.exists()


def test_a_folder_with_something_in_it_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="already exists and is not empty"):
        call_command("bundle", out=str(out), as_of="2026-12-06", stdout=io.StringIO())
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]  # no staging folder left behind


def test_an_empty_folder_is_filled(tmp_path):
    out = tmp_path / "bundle"
    out.mkdir()
    call_command("bundle", out=str(out), as_of="2026-12-06", stdout=io.StringIO())
    assert (out / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]


def test_a_changed_sql_file_is_refused_before_spark_starts(made, tmp_path, capsys):
    folder = copy_of(made, tmp_path)
    path = folder / "sql" / "02_risk_tier.sql"
    path.write_text(path.read_text().replace(">= 2", ">= 3", 1))
    runner = load_runner(folder)
    with pytest.raises(runner.BundleError, match=r"changed: sql/02_risk_tier\.sql.*make a fresh bundle"):
        runner.run(None, extract=str(tmp_path), bundle=folder)  # no Spark: refused before it is used
    assert runner.main(["--extract", str(tmp_path), "--bundle", str(folder)]) == 2
    assert "changed: sql/02_risk_tier.sql" in capsys.readouterr().err


def test_sql_from_another_folder_is_checked_too(made, tmp_path):
    elsewhere = tmp_path / "sql"
    shutil.copytree(made / "sql", elsewhere)
    path = elsewhere / "03_funnel.sql"
    path.write_text(path.read_text().replace("review_year = 2026", "review_year = 2025"))
    runner = load_runner(made)
    with pytest.raises(runner.BundleError, match=r"changed: sql/03_funnel\.sql"):
        runner.run(None, extract=str(tmp_path), bundle=made, sql_dir=elsewhere)


def test_a_missing_rule_file_is_refused(made, tmp_path):
    folder = copy_of(made, tmp_path)
    (folder / "rules" / "feature_code.csv").unlink()
    runner = load_runner(folder)
    with pytest.raises(runner.BundleError, match=r"missing: rules/feature_code\.csv"):
        runner.run(None, extract=str(tmp_path), bundle=folder)


def test_a_mapping_must_name_every_extract_table_and_only_those(made):
    runner = load_runner(made)
    manifest = runner.read_manifest(made)
    with pytest.raises(runner.BundleError, match="has no table for condition, medication"):
        runner.register_extract(None, manifest, tables={"patient": "main.gp.patient"})
    every = {name: f"main.gp.{name}" for name in schema.TABLE_NAMES}
    with pytest.raises(runner.BundleError, match="names patients, which the extract does not have"):
        runner.register_extract(None, manifest, tables={**every, "patients": "main.gp.patients"})
    with pytest.raises(runner.BundleError, match="one of them"):
        runner.register_extract(None, manifest, database="main.gp", extract="/data/extract")


# --- The same answers on Spark as on DuckDB --------------------------------------------------------------------


def rows_of(path: Path) -> tuple[list[str], list[tuple]]:
    table = pq.read_table(path)
    rows = [tuple(engines.normalise(v) for v in row.values()) for row in table.to_pylist()]
    return table.column_names, sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


@pytest.mark.parametrize("leg", [pytest.param("spark", marks=SPARK)])
def test_the_runner_on_spark_gives_the_duckdb_analysis_answers(made, tmp_path, leg):
    if _postgresql_leg():
        pytest.skip("Spark runs in the SQLite leg only")
    extract = tmp_path / "extract"
    synth.generate(extract, patients=3_000, practice_size=1_000, today=AS_OF)
    with engines.engine("duckdb", threads=1) as duck:
        analyse.analyse(duck, extract, tmp_path / "duckdb", as_of=AS_OF, year=YEAR)
    runner = load_runner(made)
    session = engines.spark_session().newSession()  # temporary views of its own on the process's one Spark
    session.sql("CREATE DATABASE tandem_bundle_test")
    try:
        counts = runner.run(session, extract=extract, out=str(tmp_path / "spark"), schema="tandem_bundle_test",
                            log=lambda line: None)
        for st in rules.statements(Dialect("spark"), as_of=AS_OF, year=YEAR):
            columns, rows = rows_of(tmp_path / "spark" / st.name)
            assert (columns, rows) == rows_of(tmp_path / "duckdb" / f"{st.name}.parquet"), st.name
            assert counts[st.name] == len(rows)
        assert counts["register_member"] > 1_000 and counts["outcome_summary"] > 0

        # An analyst's own tables, mapped: columns in another order and another type are read as the schema's.
        typed = {name: session.table(name).schema for name in schema.TABLE_NAMES}
        for name in schema.TABLE_NAMES:
            frame = session.table(name).withColumn("person", session.table(name)["person"].cast("string"))
            frame.select(*reversed(frame.columns)).createOrReplaceTempView(f"mine_{name}")
        manifest = runner.read_manifest(made)
        runner.register_extract(session, manifest, tables={name: f"mine_{name}" for name in schema.TABLE_NAMES})
        assert {name: session.table(name).schema for name in schema.TABLE_NAMES} == typed
        session.table("mine_patient").drop("sex").createOrReplaceTempView("mine_patient")
        with pytest.raises(runner.BundleError, match="mine_patient has no column sex"):
            runner.register_extract(session, manifest, tables={name: f"mine_{name}" for name in schema.TABLE_NAMES})
    finally:
        for name in schema.TABLE_NAMES:
            session.catalog.dropTempView(f"mine_{name}")
        session.sql("DROP DATABASE IF EXISTS tandem_bundle_test CASCADE")
        for name in (*schema.TABLE_NAMES, *compiled.RULE_TABLES):
            session.catalog.dropTempView(name)
