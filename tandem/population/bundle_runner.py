"""Run Tandem's population rules in a Spark workspace (Databricks, or any Spark 4): the script inside a rule bundle.

A rule bundle (`tandem bundle`) is a folder of Spark SQL, the rule tables and a manifest. This script, shipped in
it, runs them over an analyst's own tables without Tandem installed: it imports only pyspark and the standard
library. It

1. checks every SQL and rule file against the manifest's SHA-256 and refuses to run a changed one;
2. makes the extract's tables readable under their own names (temporary views): from a mapping of extract table
   to the analyst's table, from a database holding tables of the extract's names, or from a Parquet extract
   (`tandem extract`: `<table>/practice=<ODS code>/*.parquet`), each column cast to the extract schema's type;
3. loads the rule tables (`rules/*.csv`) as temporary views, typed as the manifest says;
4. runs each SQL file in the manifest's order, as a table of the current (or given) schema, dropping any table
   of that name first;
5. optionally writes each result as Parquet under `out` (one folder per result).

In a notebook:

    import sys; sys.path.insert(0, "/Workspace/Users/<you>/tandem-bundle")
    import bundle_runner
    bundle_runner.run(spark, tables={"patient": "main.gp.patient", ...}, out="/Volumes/main/gp/results/tandem")

From a shell (spark-submit, or python with pyspark installed):

    python bundle_runner.py --tables tables.json --out /Volumes/main/gp/results/tandem
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

#: Spark SQL type of each extract schema type (the manifest's `extract_tables`).
SPARK_TYPES = {"text": "STRING", "int16": "SMALLINT", "int32": "INT", "int64": "BIGINT", "float64": "DOUBLE",
               "date": "DATE", "bool": "BOOLEAN"}
#: Spark SQL type of each rule table column type (the manifest's `rule_tables`).
RULE_TYPES = {"text": "STRING", "int": "INT"}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # dbfs:/..., s3://..., abfss://...: read by Spark only
_QUALIFIED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


class BundleError(ValueError):
    """Something about the bundle or the tables that the analyst must put right; the message says what."""


def read_manifest(bundle: str | Path) -> dict:
    path = Path(bundle) / "manifest.json"
    if not path.is_file():
        raise BundleError(f"{path} not found: run this script from the bundle's folder, or give --bundle")
    return json.loads(path.read_text(encoding="utf-8"))


def check_files(bundle: str | Path, manifest: dict, *, sql_dir: str | Path | None = None,
                rules_dir: str | Path | None = None) -> None:
    """Refuse a bundle whose SQL or rule files (in `sql_dir` and `rules_dir` when given, else the bundle's own
    folders) differ from what `tandem bundle` wrote (the manifest's SHA-256): results from changed rules would not
    be the published rules' results."""
    root = Path(bundle)
    folders = {"sql": Path(sql_dir) if sql_dir is not None else root / "sql",
               "rules": Path(rules_dir) if rules_dir is not None else root / "rules"}
    changed, missing = [], []
    for name, digest in manifest["files"].items():
        folder, _, file = name.partition("/")
        if folder not in folders:
            continue
        path = folders[folder] / file
        if not path.is_file():
            missing.append(name)
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            changed.append(name)
    if changed or missing:
        what = "; ".join(filter(None, [f"changed: {', '.join(changed)}" if changed else "",
                                       f"missing: {', '.join(missing)}" if missing else ""]))
        raise BundleError(f"this bundle's files are not as Tandem wrote them ({what}). Results from edited rules "
                          f"are not rules version {manifest['rules_version']}'s results: make a fresh bundle with "
                          f"`tandem bundle` instead of editing it.")


def _columns(spec: list[list[str]]) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind in spec]


def _ddl(columns: list[tuple[str, str]], types: dict[str, str]) -> str:
    return ", ".join(f"`{name}` {types[kind]}" for name, kind in columns)


def _typed(frame, columns: list[tuple[str, str]], where: str):
    """The frame's extract columns, in the schema's order, each cast to its type; a clear error for any missing."""
    have = {c.lower() for c in frame.columns}
    missing = [name for name, _ in columns if name.lower() not in have]
    if missing:
        raise BundleError(f"{where} has no column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                          f"(see data_dictionary.md for the columns each table needs)")
    return frame.selectExpr(*(f"CAST(`{name}` AS {SPARK_TYPES[kind]}) AS `{name}`" for name, kind in columns))


def register_extract(spark, manifest: dict, *, tables: dict[str, str] | None = None, database: str | None = None,
                     extract: str | None = None) -> None:
    """Make each extract table a temporary view of its own name, from exactly one of: `tables` (extract table ->
    the analyst's table, e.g. "catalog.schema.table"), `database` (holding tables of the extract's names), or
    `extract` (the folder of a Parquet extract, partitioned by practice)."""
    given = [x for x in (tables, database, extract) if x]
    if len(given) != 1:
        raise BundleError("say where the extract's tables are: a mapping of tables (tables.json), a database, "
                          "or a Parquet extract's folder (one of them)")
    wanted: dict[str, list[tuple[str, str]]] = {
        name: _columns(spec) for name, spec in manifest["extract_tables"].items()}
    if tables:
        unknown = sorted(set(tables) - set(wanted))
        if unknown:
            raise BundleError(f"the mapping names {', '.join(unknown)}, which the extract does not have; its "
                              f"tables are {', '.join(wanted)}")
        missing = [name for name in wanted if name not in tables]
        if missing:
            raise BundleError(f"the mapping has no table for {', '.join(missing)}: map every extract table")
    elif database:
        if not _QUALIFIED.match(database):
            raise BundleError(f"{database!r} is not a database name (catalog.schema or schema)")
        tables = {name: f"{database}.{name}" for name in wanted}
    for name, columns in wanted.items():
        if extract:
            frame = _parquet_table(spark, extract if _REMOTE.match(extract) else Path(extract), name, columns)
        else:
            source = tables[name]
            if not _QUALIFIED.match(source):
                raise BundleError(f"{source!r} (for {name}) is not a table name (catalog.schema.table)")
            try:
                frame = spark.table(source)
            except Exception as exc:  # Spark's AnalysisException: the table is not there or not readable
                raise BundleError(f"cannot read {source} (for {name}): {str(exc).splitlines()[0]}") from None
            frame = _typed(frame, columns, source)
        frame.createOrReplaceTempView(name)


def _parquet_table(spark, root, name: str, columns: list[tuple[str, str]]):
    """One table of a Parquet extract (`<root>/<name>/practice=<ODS code>/*.parquet`), practice read as text."""
    directory = f"{str(root).rstrip('/')}/{name}"
    if isinstance(root, Path):
        if not (root / name).is_dir():
            raise BundleError(f"{root} is not a population extract: it has no {name} folder")
        if not any((root / name).rglob("*.parquet")):
            return spark.sql("SELECT " + ", ".join(f"CAST(NULL AS {SPARK_TYPES[kind]}) AS `{column}`"
                                                   for column, kind in columns) + " WHERE 1 = 0")
    frame = spark.read.option("basePath", directory).schema(_ddl(columns, SPARK_TYPES)).parquet(directory)
    return frame.select(*(name for name, _ in columns))


def register_rules(spark, manifest: dict, rules_dir: str | Path) -> None:
    """Each rule table (rules/<name>.csv) as a temporary view, typed as the manifest says (codes as text).

    The file is read here and handed to Spark as one text value that Spark splits into rows (from_csv): it runs
    wholly in Spark's engine, so it works the same on a cluster, through Spark Connect and in local mode, and the
    bundle's folder need not be readable by Spark itself (as workspace files may not be)."""
    for name, spec in manifest["rule_tables"].items():
        columns = _columns(spec)
        text = (Path(rules_dir) / f"{name}.csv").read_text(encoding="utf-8")
        header = text.split("\n", 1)[0].strip().split(",")
        if header != [c for c, _ in columns]:
            raise BundleError(f"rules/{name}.csv has columns {header}, not {[c for c, _ in columns]}")
        frame = spark.sql(
            "SELECT r.* FROM (SELECT from_csv(line, :ddl) AS r "
            "FROM (SELECT posexplode(split(:text, '\\n')) AS (pos, line)) WHERE pos > 0 AND line <> '')",
            args={"ddl": _ddl(columns, RULE_TYPES), "text": text})
        _kept(frame).createOrReplaceTempView(name)


def _kept(frame):
    """The frame's rows worked out once and kept, so the statements do not split the text again at every use;
    the frame as it is where the workspace offers no checkpoints."""
    try:
        return frame.localCheckpoint()
    except Exception:  # Spark raises its own errors here, which differ by workspace and version
        return frame


def statement(path: Path) -> str:
    """The one statement of an SQL file, without its trailing semicolon (spark.sql takes one statement)."""
    return path.read_text(encoding="utf-8").strip().rstrip(";").rstrip()


def run(spark, tables: dict[str, str] | None = None, database: str | None = None, sql_dir: str | Path | None = None,
        rules_dir: str | Path | None = None, out: str | None = None, *, extract: str | Path | None = None,
        bundle: str | Path | None = None, schema: str | None = None, log=print) -> dict[str, int]:
    """Run the bundle's rules over the extract's tables on `spark` and return the rows of each result.

    The extract's tables come from `tables`, `database` or `extract` (see `register_extract`). The results are
    tables of the current schema, or of `schema` when given (made current), replacing tables of the same names;
    with `out`, each is also written as Parquet to `<out>/<name>/`. `bundle` is the bundle's folder (by default
    the one this script is in); `sql_dir` and `rules_dir` default to its `sql` and `rules` folders."""
    root = Path(bundle) if bundle is not None else Path(__file__).resolve().parent
    manifest = read_manifest(root)
    sql_dir = Path(sql_dir) if sql_dir is not None else root / "sql"
    rules_dir = Path(rules_dir) if rules_dir is not None else root / "rules"
    check_files(root, manifest, sql_dir=sql_dir, rules_dir=rules_dir)
    if schema:
        if not _QUALIFIED.match(schema):
            raise BundleError(f"{schema!r} is not a schema name (catalog.schema or schema)")
        spark.sql(f"USE {schema}")
    log(f"Tandem population rules {manifest['rules_version']} (extract schema {manifest['schema_version']}), "
        f"as of {manifest['as_of']}, review year {manifest['review_year']}")
    register_extract(spark, manifest, tables=tables, database=database, extract=str(extract) if extract else None)
    register_rules(spark, manifest, rules_dir)
    counts: dict[str, int] = {}
    for step in manifest["statements"]:
        name = step["name"]
        if not _NAME.match(name):
            raise BundleError(f"{name!r} is not a result table name")
        started = time.monotonic()
        spark.sql(f"DROP TABLE IF EXISTS {name}")
        spark.sql(statement(sql_dir / Path(step["file"]).name))
        if out:
            spark.table(name).write.mode("overwrite").parquet(f"{str(out).rstrip('/')}/{name}")
        counts[name] = spark.table(name).count()
        log(f"  {name:<16} {counts[name]:>12,} rows {time.monotonic() - started:8.1f} s")
    if out:
        log(f"Results written to {out}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bundle_runner.py", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--tables", help="a JSON file mapping each extract table to your table, "
                                        '{"patient": "catalog.schema.table", ...}')
    where.add_argument("--database", help="a database (catalog.schema) holding tables named as the extract's")
    where.add_argument("--extract", help="the folder of a Parquet extract (as `tandem extract` writes it)")
    parser.add_argument("--out", default=None, help="write each result as Parquet under this path")
    parser.add_argument("--schema", default=None, help="make the result tables in this schema (default: the "
                                                      "current one)")
    parser.add_argument("--bundle", default=None, help="the bundle's folder (default: this script's)")
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession

    try:
        mapping = None
        if args.tables:
            mapping = json.loads(Path(args.tables).read_text(encoding="utf-8"))
            if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
                raise BundleError(f"{args.tables} must hold one JSON object of extract table to table name")
        root = args.bundle or Path(__file__).resolve().parent
        check_files(root, read_manifest(root))  # before Spark starts: a changed bundle is refused at once
        spark = SparkSession.builder.appName("tandem-bundle").getOrCreate()
        run(spark, mapping, args.database, out=args.out, extract=args.extract, bundle=args.bundle, schema=args.schema)
    except (BundleError, OSError, json.JSONDecodeError) as exc:
        sys.stderr.write(f"bundle_runner: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
