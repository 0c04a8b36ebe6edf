"""Planner statistics: what the database knows about how many rows its tables hold and how values
spread, so it picks good query plans. Without them, straight after a bulk load, PostgreSQL guesses
one row where there are thousands (and loops over an index thousands of times) and SQLite, which
never gathers them by itself, scans a whole practice's index where a person's would do.

    refresh_statistics([Patient, Observation])   # after a bulk load or a set-based refresh
    refresh_statistics()                         # every table (the end of the demo setup)

On PostgreSQL this is ANALYZE (sampled; a second or two for a million rows). On SQLite it is
ANALYZE with a bounded sample per index (`SQLITE_ANALYSIS_LIMIT`), then `PRAGMA optimize`. A SQLite
connection kept between requests also runs `PRAGMA optimize` (which re-analyses only tables that
have changed a lot since they were last analysed) after a request at most every
`SQLITE_OPTIMIZE_EVERY` seconds (`optimize_after_request`, connected in CoreConfig), as SQLite
recommends for long-lived connections. Not on opening a connection: with SQLite 3.40,
`PRAGMA optimize=0x10002` there costs about 20 ms each time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

#: Rows SQLite reads per index when analysing: enough for good plans, bounded in time.
SQLITE_ANALYSIS_LIMIT = 1000
#: Seconds between `PRAGMA optimize` runs on a SQLite connection kept open between requests.
SQLITE_OPTIMIZE_EVERY = 600


def refresh_statistics(models: Iterable = (), *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Gather planner statistics for these models' tables (every table when none are given). Run it
    after the transaction that wrote the rows has committed."""
    connection = connections[using]
    tables = list(dict.fromkeys(connection.ops.quote_name(model._meta.db_table) for model in models))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(tables) if tables else "ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            for table in tables or [""]:
                cursor.execute(f"ANALYZE {table}".strip())
            cursor.execute("PRAGMA optimize")
    logger.info("planner statistics gathered tables=%s", len(tables) or "all")


def optimize_after_request(**kwargs) -> None:
    """request_finished receiver: on SQLite connections still open after the request (kept between
    requests), run `PRAGMA optimize` at most every SQLITE_OPTIMIZE_EVERY seconds. It analyses only
    what has changed enough to matter, so it is usually a no-op."""
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite" or connection.connection is None or connection.in_atomic_block:
            continue
        now = time.monotonic()
        last = getattr(connection, "_tandem_optimized_at", None)
        if last is None:  # the first request on this connection: start the clock
            connection._tandem_optimized_at = now
            continue
        if now - last < SQLITE_OPTIMIZE_EVERY:
            continue
        connection._tandem_optimized_at = now
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
                cursor.execute("PRAGMA optimize")
        except (DatabaseError, RuntimeError) as exc:
            # Best effort: a request that has finished never fails for its housekeeping (a busy
            # database, or one a test does not allow to be touched).
            logger.debug("PRAGMA optimize skipped: %s", type(exc).__name__)
