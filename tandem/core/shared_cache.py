"""The cache shared by every server process: a table in Tandem's own database.

Counters that must hold across gunicorn workers (the public links' rate limits) live here, so no
other service has to be run. Django's DatabaseCache adds an entry atomically but increments by
reading then writing; here the increment holds the row for the length of its transaction
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite every write transaction is IMMEDIATE and so already
one at a time), so two processes counting at once never lose a count.
"""

from __future__ import annotations

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction

TABLE = "tandem_shared_cache"


class SharedDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        made = self.make_and_validate_key(key, version=version)
        table = connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT cache_key FROM {table} WHERE cache_key = %s{lock}", [made])  # noqa: S608 - table name from settings
            return super().incr(key, delta, version)
