"""Writing the audit log. Every read or change of patient data calls one of these."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connections, router
from django.db.models import CharField

from . import clock
from .models import AuditEvent, Practice, User


def record(
    *,
    by: User | None,
    practice: Practice | None,
    action: str,
    what: str,
    patient_id: int | None = None,
    object_id: str | int = "",
    detail: dict | None = None,
) -> None:
    """One audit row, with one INSERT written once per database (the row `AuditEvent.objects.create`
    would write, without building a model instance and its SQL on every audited page)."""
    connection = connections[router.db_for_write(AuditEvent)]
    shared = _shared_values(connection, at=clock.now(), user_id=by.pk if by is not None else None,
                            practice_id=practice.pk if practice is not None else None, action=action,
                            what=what, object_id=str(object_id), detail=detail or {})
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection, one=True), [*shared, patient_id])


def record_many(
    *,
    by: User | None,
    practice: Practice | None,
    action: str,
    what: str,
    patient_ids: Iterable[int],
    detail: dict | None = None,
    batch_size: int = 5000,
) -> int:
    """One audit row per patient, written in bulk (list pages, imports, synthetic loads).

    On SQLite and PostgreSQL each batch is one INSERT ... SELECT: the values shared by every row are
    prepared once and the database makes a row for each id, in order (no model instance per row).
    The rows are the ones `bulk_create` would write."""
    ids = list(patient_ids)
    if not ids:
        return 0
    at = clock.now()
    connection = connections[router.db_for_write(AuditEvent)]
    if connection.vendor not in _FROM_IDS:
        AuditEvent.objects.bulk_create(
            [AuditEvent(at=at, user=by, practice=practice, action=action, what=what, patient_id=pid,
                        detail=detail or {}) for pid in ids], batch_size=batch_size)
        return len(ids)
    shared = _shared_values(connection, at=at, user_id=by.pk if by is not None else None,
                            practice_id=practice.pk if practice is not None else None, action=action,
                            what=what, object_id="", detail=detail or {})
    sql = _insert_sql(connection)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), batch_size):
            batch = ids[start:start + batch_size]
            cursor.execute(sql, [*shared, batch if connection.vendor == "postgresql" else json.dumps(batch)])
    return len(ids)


# Columns given once for every row, then the id column filled from the list of ids.
_SHARED = ("at", "user", "practice", "action", "what", "object_id", "detail")
# The ids as rows, in the order given: PostgreSQL from an array, SQLite from a JSON array.
_FROM_IDS = {
    "postgresql": "FROM unnest(%s::bigint[]) WITH ORDINALITY AS ids(value, n) ORDER BY ids.n",
    "sqlite": "FROM json_each(%s) AS ids ORDER BY ids.key",
}
_SQL: dict[tuple[str, bool], str] = {}


def _shared_values(connection, **values) -> list:
    fields = [AuditEvent._meta.get_field(name) for name in _SHARED]
    return [field.get_db_prep_save(values[field.attname if field.is_relation else field.name], connection)
            for field in fields]


def _insert_sql(connection, *, one: bool = False) -> str:
    """The INSERT of the shared values and the patient ids (from a list, or `one` row's id)."""
    sql = _SQL.get((connection.alias, one))
    if sql is None:
        quote = connection.ops.quote_name
        fields = [AuditEvent._meta.get_field(name) for name in _SHARED]
        columns = ", ".join(quote(f.column) for f in fields)
        if connection.vendor == "postgresql":  # typed, so a missing user or practice is a typed null;
            # text goes in untyped, so a value too long for its column is refused as bulk_create's is
            placeholders = ", ".join("%s" if isinstance(f, CharField) else f"CAST(%s AS {f.cast_db_type(connection)})"
                                     for f in fields)
        else:
            placeholders = ", ".join("%s" for _ in fields)
        patient = quote(AuditEvent._meta.get_field("patient_id").column)
        rows = (f"VALUES ({placeholders}, {'CAST(%s AS bigint)' if connection.vendor == 'postgresql' else '%s'})"
                if one else f"SELECT {placeholders}, ids.value {_FROM_IDS[connection.vendor]}")
        sql = _SQL[(connection.alias, one)] = (
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}, {patient}) {rows}")
    return sql
