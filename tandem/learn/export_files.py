"""The evaluator export's download: a ZIP holding the data (CSV in UTF-8, or Parquet), the data dictionary (CSV
and Markdown) and a README (project, purpose, when it was made, the rules it follows). No database reads here:
it writes what tandem.learn.export_queries.table read."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Sequence

from .export_queries import Table
from .export_rules import Column

DATA_FILE = {"csv": "data.csv", "parquet": "data.parquet"}
SPOOL_BYTES = 32 * 1024 * 1024  # kept in memory up to this size, then in a temporary file


def _csv_text(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def write_csv(table: Table, stream) -> None:
    """The data as CSV (UTF-8, a header row; empty for no value), written in pieces."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(table.header)
    for start in range(0, len(table.rows), 10_000):
        writer.writerows(["" if v is None else v for v in row] for row in table.rows[start:start + 10_000])
    text.flush()
    text.detach()


def parquet_bytes(table: Table, columns: Sequence[Column]) -> bytes:
    """The data as Parquet, each column typed as the data dictionary says. (pyarrow is imported here, when a
    Parquet file is asked for, not by every process that serves pages.)"""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"text": pa.string(), "0 or 1": pa.int8(), "whole number": pa.int64(), "number": pa.float64()}
    kinds = {c.name: c.kind for c in columns}
    schema = pa.schema([(name, types[kinds[name]]) for name in table.header])
    data = {name: [row[i] for row in table.rows] for i, name in enumerate(table.header)}
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pydict(data, schema=schema), out)
    return out.getvalue()


def make_zip(table: Table, *, fmt: str, columns: Sequence[Column], dictionary_rows: list[list[str]],
             dictionary_markdown: str, readme: str):
    """The download as a file object (at its start): data file, data dictionary and README."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the response
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", readme)
        if fmt == "parquet":
            archive.writestr(DATA_FILE[fmt], parquet_bytes(table, columns))
        else:
            with archive.open(DATA_FILE[fmt], "w") as stream:
                write_csv(table, stream)
        archive.writestr("data_dictionary.csv", _csv_text(dictionary_rows))
        archive.writestr("data_dictionary.md", dictionary_markdown)
    spool.seek(0)
    return spool
