"""Population analytics: the population rules over a de-identified extract, on SQLite, PostgreSQL, DuckDB or
Apache Spark (ADR 19)."""
