"""Django's database sessions (same table, same signed data, same expiry), read with one plain SQL
statement.

Every signed-in request reads its session. Through the ORM that read cost more CPU in building the
query than the database took to answer it; here the statement is written once and only the key and
the time change. Saving, creating, deleting and clearing expired sessions are Django's own.
SESSION_ENGINE = "tandem.core.sessions".
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        sql = (f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "
               f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])
