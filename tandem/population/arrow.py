"""The extract schema as Apache Arrow schemas, for writing and reading Parquet."""

from __future__ import annotations

import pyarrow as pa

from .schema import Table, table

ARROW_TYPES = {
    "text": pa.string(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64(),
    "date": pa.date32(), "bool": pa.bool_(),
}


def arrow_schema(name_or_table: str | Table, *, with_practice: bool = True) -> pa.Schema:
    """The Arrow schema of one extract table; without the practice column when it is the partition key."""
    t = table(name_or_table) if isinstance(name_or_table, str) else name_or_table
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in t.columns
                      if with_practice or c.name != "practice"])
