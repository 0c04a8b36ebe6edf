"""The population engines: load the extract's tables into SQLite, PostgreSQL, DuckDB or Apache Spark and run the
population rules' SQL there. Pure: no Django.

Every engine offers the same few operations (`Engine`), so the rules' SQL (written once, with the engine's
`Dialect` for dates and arithmetic) and the spec tests run unchanged on each:

- `load_tables` makes tables from Arrow tables (the spec tests' small tables);
- `load_extract` makes the extract's tables readable from its Parquet dataset (`<table>/practice=<ODS>/*.parquet`,
  tandem.population.schema). DuckDB and Spark read the Parquet where it is; SQLite and PostgreSQL copy it in one
  record batch at a time, so memory stays bounded however large the extract;
- `rows`, `execute` and `to_parquet` run a statement and give back its rows, nothing, or a Parquet file.

The engines' own clients (sqlite3, psycopg, duckdb, pyspark) are imported only when that engine is used.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from tandem.core.dialects import ENGINES, Dialect

from . import schema
from .arrow import arrow_schema

#: Rows per record batch when copying Parquet into SQLite or PostgreSQL and when streaming a result to Parquet.
BATCH_ROWS = 65_536


def normalise(value: object) -> object:
    """A result value as the spec tests compare it, the same whichever engine gave it: dates (or SQLite's ISO
    text, left as it is) as ISO text, booleans as 0 or 1, PostgreSQL's NUMERIC as a whole number when it is one
    and a float otherwise. Whole numbers, floats, text and None are kept."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Engine:
    """One engine's connection, with the extract's (or a test's) tables loaded into it."""

    name: str = ""

    def __init__(self):
        self.dialect = Dialect(self.name)

    # --- Loading ----------------------------------------------------------------------------------------

    def load_tables(self, tables: Mapping[str, pa.Table]) -> None:
        """Create (or replace) each named table from an Arrow table; column types follow the Arrow types
        (string, int16/32/64, float64, date32, bool). SQLite keeps dates as ISO text and booleans as 0/1."""
        for name, data in tables.items():
            _check_name(name)
            self._load_batches(name, data.schema, iter(data.to_batches(max_chunksize=BATCH_ROWS)))

    def load_extract(self, path: str | Path, tables: Iterable[str] = schema.TABLE_NAMES) -> None:
        """Make each extract table readable under its own name from the Parquet dataset at `path`
        (`<path>/<table>/practice=<ODS code>/*.parquet`). `practice` is always text: an ODS code of digits such
        as 12345 is a code, not a number. A table whose directory holds no Parquet files is empty."""
        root = Path(path)
        for name in (tables,) if isinstance(tables, str) else tables:
            _check_name(name)
            directory = root / name
            if not directory.is_dir():
                raise FileNotFoundError(f"the extract at {root} has no {name!r} table (no directory {directory})")
            expected = _extract_schema(name)
            if not any(directory.rglob("*.parquet")):
                if expected is None:
                    raise FileNotFoundError(f"the extract's {name!r} table at {directory} has no Parquet files")
                self._load_batches(name, expected, iter(()))
                continue
            self._load_extract_table(name, directory, expected)

    def _load_extract_table(self, name: str, directory: Path, expected: pa.Schema | None) -> None:
        """Copy one extract table in record batches (SQLite, PostgreSQL); DuckDB and Spark make views instead."""
        dataset = _dataset(directory, expected)
        scanner = dataset.scanner(columns=list(dataset.schema.names), batch_size=BATCH_ROWS)
        self._load_batches(name, dataset.schema, iter(scanner.to_batches()))

    def _load_batches(self, name: str, arrow: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
        raise NotImplementedError

    # --- Running ----------------------------------------------------------------------------------------

    def rows(self, sql: str) -> list[tuple]:
        """Run one SELECT and return its rows (the client's own values; `normalise` makes them comparable)."""
        raise NotImplementedError

    def execute(self, sql: str) -> None:
        """Run one statement that gives no rows (CREATE TABLE ... AS SELECT, DROP ...)."""
        raise NotImplementedError

    def to_parquet(self, sql: str, path: str | Path) -> int:
        """Write the SELECT's rows to one Parquet file at `path` (replacing any) and return how many there are."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def engine(name: str, **options) -> Engine:
    """An engine by name: engine("sqlite", path=...), engine("postgresql", url=...), engine("duckdb",
    threads=...), engine("spark", cores=..., driver_memory=...)."""
    if name not in ENGINES:
        raise ValueError(f"unknown SQL engine {name!r}; one of {', '.join(ENGINES)}")
    return {"sqlite": SQLiteEngine, "postgresql": PostgreSQLEngine, "duckdb": DuckDBEngine,
            "spark": SparkEngine}[name](**options)


# --- SQLite --------------------------------------------------------------------------------------------------

class SQLiteEngine(Engine):
    """Python's own sqlite3, in memory unless given a file `path`. Dates are ISO text, booleans 0 and 1."""

    name = "sqlite"

    def __init__(self, *, path: str | Path = ":memory:"):
        super().__init__()
        self.connection = sqlite3.connect(str(path), isolation_level=None)
        try:
            self.connection.execute("SELECT FLOOR(1.5)")
        except sqlite3.OperationalError:  # SQLite built without its maths functions (before 3.35 or not enabled)
            self.connection.create_function("FLOOR", 1, lambda x: None if x is None else math.floor(x),
                                            deterministic=True)

    def _load_batches(self, name, arrow, batches):
        types = ", ".join(f'"{f.name}" {_sqlite_type(f.type)}' for f in arrow)
        marks = ", ".join("?" for _ in arrow)
        connection = self.connection
        connection.execute("BEGIN")
        try:
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')
            connection.execute(f'CREATE TABLE "{name}" ({types})')
            for batch in batches:
                columns = [_sqlite_column(column).to_pylist() for column in batch.columns]
                connection.executemany(f'INSERT INTO "{name}" VALUES ({marks})', zip(*columns, strict=True))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def rows(self, sql):
        return self.connection.execute(_statement(sql)).fetchall()

    def execute(self, sql):
        self.connection.execute(_statement(sql))

    def to_parquet(self, sql, path):
        cursor = self.connection.execute(_statement(sql))
        names = [d[0] for d in cursor.description]
        return _write_fetched(path, names, None, lambda: cursor.fetchmany(BATCH_ROWS))

    def close(self):
        self.connection.close()


def _sqlite_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_string(arrow_type) or pa.types.is_date32(arrow_type):
        return "TEXT"
    if pa.types.is_integer(arrow_type) or pa.types.is_boolean(arrow_type):
        return "INTEGER"
    if pa.types.is_float64(arrow_type):
        return "REAL"
    raise TypeError(f"no SQLite column type for Arrow {arrow_type}")


def _sqlite_column(column: pa.Array) -> pa.Array:
    """Dates as ISO text (which sorts and compares as dates do), booleans as 0 and 1."""
    if pa.types.is_date32(column.type):
        return pc.strftime(column, format="%Y-%m-%d")
    if pa.types.is_boolean(column.type):
        return column.cast(pa.int8())
    return column


# --- PostgreSQL ----------------------------------------------------------------------------------------------

class PostgreSQLEngine(Engine):
    """psycopg to `url` (a postgres:// URL or a libpq connection string). Everything the engine creates lives in
    a schema of its own, first on the search path and dropped on close, so engines never see each other's
    tables and leave nothing behind."""

    name = "postgresql"

    def __init__(self, *, url: str):
        super().__init__()
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.schema = f"tandem_population_{secrets.token_hex(6)}"
        self.connection.execute(f"CREATE SCHEMA {self.schema}")
        self.connection.execute(f"SET search_path TO {self.schema}")

    def _load_batches(self, name, arrow, batches):
        """COPY in CSV, one record batch at a time: Arrow writes each batch as CSV in C (text always quoted, so an
        empty string stays one and an unquoted empty field is NULL; booleans as true/false, dates as ISO), and
        the batch's bytes go to the server in one write. Memory stays at about a batch whatever the table's size.
        The table is UNLOGGED (no write-ahead log: it lives only as long as this engine's schema) and COPY
        FREEZEs its rows (the table is new in this transaction), then ANALYZE gives the planner its statistics."""
        types = ", ".join(f'"{f.name}" {_postgresql_type(f.type)}' for f in arrow)
        columns = ", ".join(f'"{f.name}"' for f in arrow)
        options = pacsv.WriteOptions(include_header=False, batch_size=BATCH_ROWS)
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
            cursor.execute(f'CREATE UNLOGGED TABLE "{name}" ({types})')
            with cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN (FORMAT csv, FREEZE)') as copy:
                for batch in batches:
                    if batch.num_rows:
                        buffer = pa.BufferOutputStream()
                        pacsv.write_csv(batch, buffer, options)
                        copy.write(memoryview(buffer.getvalue()))
            cursor.execute(f'ANALYZE "{name}"')

    def rows(self, sql):
        with self.connection.cursor() as cursor:
            cursor.execute(_statement(sql))
            return cursor.fetchall()

    def execute(self, sql):
        self.connection.execute(_statement(sql))

    def to_parquet(self, sql, path):
        """Streamed through a server-side cursor. NUMERIC columns are written as float64."""
        with self.connection.transaction(), self.connection.cursor(name=f"to_parquet_{secrets.token_hex(4)}") as cursor:
            cursor.itersize = BATCH_ROWS
            cursor.execute(_statement(sql))
            first = cursor.fetchmany(BATCH_ROWS)  # a named cursor has its description once it has fetched
            names = [d.name for d in cursor.description]
            types = [_POSTGRESQL_ARROW.get(d.type_code) for d in cursor.description]
            pending = [first]
            return _write_fetched(path, names, types,
                                  lambda: pending.pop() if pending else cursor.fetchmany(BATCH_ROWS))

    def close(self):
        if self.connection.closed:
            return
        try:
            self.connection.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        finally:
            self.connection.close()


def _postgresql_type(arrow_type: pa.DataType) -> str:
    for test, sql in ((pa.types.is_string, "TEXT"), (pa.types.is_int16, "SMALLINT"), (pa.types.is_int32, "INTEGER"),
                      (pa.types.is_int64, "BIGINT"), (pa.types.is_float64, "DOUBLE PRECISION"),
                      (pa.types.is_date32, "DATE"), (pa.types.is_boolean, "BOOLEAN")):
        if test(arrow_type):
            return sql
    raise TypeError(f"no PostgreSQL column type for Arrow {arrow_type}")


#: PostgreSQL type OIDs (pg_type.dat) to the Arrow type a result column is written as.
_POSTGRESQL_ARROW = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 25: pa.string(),
                     700: pa.float32(), 701: pa.float64(), 1042: pa.string(), 1043: pa.string(), 1082: pa.date32(),
                     1700: pa.float64()}


# --- DuckDB --------------------------------------------------------------------------------------------------

class DuckDBEngine(Engine):
    """DuckDB in memory, on `threads` threads (all cores unless given). The extract is read in place."""

    name = "duckdb"

    def __init__(self, *, threads: int | None = None):
        super().__init__()
        import duckdb

        self.connection = duckdb.connect(":memory:", config={"threads": threads} if threads else {})

    def _load_batches(self, name, arrow, batches):
        reader = pa.RecordBatchReader.from_batches(arrow, batches)
        staging = f"_arrow_{secrets.token_hex(4)}"
        self.connection.register(staging, reader)
        try:
            self._drop(name)
            self.connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "{staging}"')
        finally:
            self.connection.unregister(staging)

    def _load_extract_table(self, name, directory, expected):
        columns = ", ".join(f'"{c}"' for c in expected.names) if expected is not None else "*"
        self._drop(name)
        self.connection.execute(
            f'CREATE VIEW "{name}" AS SELECT {columns} FROM read_parquet('
            f"{_sql_text(str(directory / '**' / '*.parquet'))}, hive_partitioning = true, "
            "hive_types = {'practice': VARCHAR})")

    def _drop(self, name):
        """Drop a table or view of this name (a table loaded earlier may be replaced by a view, or back)."""
        found = self.connection.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ? "
                                        "AND table_schema = current_schema()", [name]).fetchall()
        if found:
            self.connection.execute(f'DROP {"VIEW" if found[0][0] == "VIEW" else "TABLE"} "{name}"')

    def rows(self, sql):
        return self.connection.execute(_statement(sql)).fetchall()

    def execute(self, sql):
        self.connection.execute(_statement(sql))

    def to_parquet(self, sql, path):
        path = Path(path)
        path.unlink(missing_ok=True)
        self.connection.execute(f"COPY ({_statement(sql)}) TO {_sql_text(str(path))} (FORMAT parquet)")
        return pq.ParquetFile(path).metadata.num_rows

    def close(self):
        self.connection.close()


# --- Apache Spark --------------------------------------------------------------------------------------------

_spark = None
_spark_warehouse: str | None = None
_spark_lock = threading.Lock()


def spark_session(*, cores: int = 2, driver_memory: str = "2g"):
    """The process's one SparkSession (local mode), started on first use and kept: starting Spark takes seconds.
    Later calls return the running session whatever they ask for. Nothing is downloaded: no packages or jars
    beyond pyspark's own. Managed tables go to a temporary warehouse directory removed by `stop_spark`."""
    global _spark, _spark_warehouse
    with _spark_lock:
        if _spark is not None:
            return _spark
        if shutil.which("java") is None and not (
                os.environ.get("JAVA_HOME") and Path(os.environ["JAVA_HOME"], "bin", "java").exists()):
            raise RuntimeError("Apache Spark needs Java (a JRE, version 17 or later) on PATH or in JAVA_HOME; "
                               "on Debian: apt-get install default-jre-headless (make install does it)")
        from pyspark.sql import SparkSession

        _spark_warehouse = tempfile.mkdtemp(prefix="tandem-spark-warehouse-")
        builder = (SparkSession.builder.master(f"local[{cores}]").appName("tandem-population")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.pyspark.python", sys.executable)  # workers run this Python, not PATH's
                   .config("spark.pyspark.driver.python", sys.executable)
                   .config("spark.sql.shuffle.partitions", str(2 * cores))
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                   .config("spark.driver.memory", driver_memory)
                   .config("spark.sql.warehouse.dir", _spark_warehouse)
                   .config("spark.sql.catalogImplementation", "in-memory"))
        _spark = builder.getOrCreate()
        _spark.sparkContext.setLogLevel("ERROR")
        logging.getLogger("py4j").setLevel(logging.WARNING)  # its INFO lines at exit outlive the log streams
        return _spark


def stop_spark() -> None:
    """Stop the process's SparkSession if one was started (at the end of a run; engines keep it going)."""
    global _spark, _spark_warehouse
    with _spark_lock:
        if _spark is not None:
            _spark.stop()
            _spark = None
        if _spark_warehouse is not None:
            shutil.rmtree(_spark_warehouse, ignore_errors=True)
            _spark_warehouse = None


class SparkEngine(Engine):
    """Apache Spark SQL in local mode (Databricks runs the same SQL). Each engine has a session of its own on the
    shared SparkContext (its own temporary views and settings) and a database of its own for tables it creates,
    dropped on close; the SparkContext stays up for the next engine. The extract is read in place."""

    name = "spark"

    def __init__(self, *, cores: int = 2, driver_memory: str = "2g"):
        super().__init__()
        self.spark = spark_session(cores=cores, driver_memory=driver_memory).newSession()
        self.database = f"tandem_population_{secrets.token_hex(6)}"
        self.spark.sql(f"CREATE DATABASE {self.database}")
        self.spark.sql(f"USE {self.database}")
        self._views: set[str] = set()

    def _load_batches(self, name, arrow, batches):
        data = pa.Table.from_batches(list(batches), schema=arrow)
        self._view(name, self.spark.createDataFrame(data))

    def _load_extract_table(self, name, directory, expected):
        reader = self.spark.read.option("basePath", str(directory))
        if expected is not None:
            reader = reader.schema(_spark_ddl(expected))
        frame = reader.parquet(str(directory))
        if expected is not None:
            frame = frame.select(*expected.names)
        self._view(name, frame)

    def _view(self, name, frame):
        frame.createOrReplaceTempView(name)
        self._views.add(name)

    def rows(self, sql):
        return [tuple(row) for row in self.spark.sql(_statement(sql)).collect()]

    def execute(self, sql):
        self.spark.sql(_statement(sql)).collect()

    def to_parquet(self, sql, path):
        """Spark writes a directory of part files; one partition makes it one file, moved to `path`."""
        path = Path(path)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            self.spark.sql(_statement(sql)).coalesce(1).write.mode("overwrite").parquet(str(staging / "out"))
            parts = sorted((staging / "out").glob("part-*.parquet"))
            if len(parts) != 1:
                raise RuntimeError(f"Spark wrote {len(parts)} part files for one partition")
            os.replace(parts[0], path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return pq.ParquetFile(path).metadata.num_rows

    def close(self):
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        if _spark is not None:
            self.spark.sql("USE default")
            self.spark.sql(f"DROP DATABASE IF EXISTS {self.database} CASCADE")


def _spark_ddl(arrow: pa.Schema) -> str:
    def kind(arrow_type):
        for test, sql in ((pa.types.is_string, "STRING"), (pa.types.is_int16, "SMALLINT"),
                          (pa.types.is_int32, "INT"), (pa.types.is_int64, "BIGINT"),
                          (pa.types.is_float64, "DOUBLE"), (pa.types.is_date32, "DATE"),
                          (pa.types.is_boolean, "BOOLEAN")):
            if test(arrow_type):
                return sql
        raise TypeError(f"no Spark column type for Arrow {arrow_type}")
    return ", ".join(f"`{f.name}` {kind(f.type)}" for f in arrow)


# --- Shared --------------------------------------------------------------------------------------------------

def _check_name(name: str) -> None:
    """Table names are written into SQL, so only plain identifiers are accepted."""
    if not (name.isidentifier() and name.isascii()):
        raise ValueError(f"{name!r} is not a table name")


def _statement(sql: str) -> str:
    """One statement without a trailing semicolon (DuckDB's COPY and Spark take it without)."""
    return sql.strip().rstrip(";").rstrip()


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _extract_schema(name: str) -> pa.Schema | None:
    """The Arrow schema of an extract table (schema.py), or None for a table the schema does not know."""
    try:
        return arrow_schema(name)
    except KeyError:
        return None


def _dataset(directory: Path, expected: pa.Schema | None) -> ds.Dataset:
    """One table's Parquet files with the practice partition read as text (not inferred as a number)."""
    partitioning = ds.partitioning(pa.schema([("practice", pa.string())]), flavor="hive")
    if expected is None:
        return ds.dataset(directory, format="parquet", partitioning=partitioning)
    return ds.dataset(directory, format="parquet", partitioning=partitioning, schema=expected)


def _write_fetched(path, names, types, fetch) -> int:
    """Write rows fetched in batches (`fetch()` returns [] at the end) to one Parquet file. Column types are
    `types` where known, otherwise taken from the first batch (a column with no value there is written as text);
    a later batch that does not fit them is an error asking for a CAST."""
    path = Path(path)
    path.unlink(missing_ok=True)
    schema_, writer, count = None, None, 0
    try:
        while True:
            batch = fetch()
            if schema_ is None:
                schema_ = pa.schema([(n, (types[i] if types and types[i] is not None else _arrow_type_of(
                    [row[i] for row in batch]))) for i, n in enumerate(names)])
                writer = pq.ParquetWriter(path, schema_)
            if not batch:
                break
            columns = []
            for i, field in enumerate(schema_):
                values = [row[i] for row in batch]
                if pa.types.is_floating(field.type):
                    values = [None if v is None else float(v) for v in values]
                try:
                    columns.append(pa.array(values, type=field.type))
                except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as error:
                    raise TypeError(f"column {field.name!r} holds values other than {field.type} after its first "
                                    f"rows; CAST it in the SQL") from error
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema_))
            count += len(batch)
    finally:
        if writer is not None:
            writer.close()
    return count


def _arrow_type_of(values: list) -> pa.DataType:
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pa.string()
    if kinds <= {int, bool} and bool not in kinds:
        return pa.int64()
    if kinds <= {int, float, Decimal}:
        return pa.float64()
    if kinds == {bool}:
        return pa.bool_()
    if kinds == {dt.date}:
        return pa.date32()
    if kinds == {bytes}:
        return pa.binary()
    return pa.string()
