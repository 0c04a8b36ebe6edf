"""Sets request.practice: the practice the signed-in user is working in.

The choice lives in the session and is re-checked against the user's memberships
on every request, so removing a membership takes effect at once. The user, their
memberships and those practices are read together, in one query (StaffBackend).
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.utils.cache import patch_cache_control

from .models import Membership, Practice, User

SESSION_KEY = "tandem_practice_id"
_MEMBERSHIPS = "memberships"  # the User.memberships manager's prefetch cache


class StaffBackend(ModelBackend):
    """Django's ModelBackend (the same sign-in and permissions) whose get_user, run on every signed-in
    request, reads the user with their memberships and each membership's practice in one query
    rather than three. The memberships are kept on the user as if prefetched: `user.memberships.all()`
    gives them without another query. A user with no membership is read on its own, as before.

    The query is one plain statement over the three tables' columns (`_memberships_with_user`), made
    into model instances as the ORM makes them (`Model.from_db`, with each field's database
    converters): building it through the ORM cost more CPU on every request than the database took
    to answer."""

    def get_user(self, user_id):
        rows = _memberships_with_user(user_id)
        if not rows:
            user = super().get_user(user_id)
            if user is not None:
                _keep_memberships(user, [])
            return user
        user = rows[0].user
        _keep_memberships(user, rows)
        return user if self.user_can_authenticate(user) else None


_TABLES = ((Membership, "m"), (User, "u"), (Practice, "p"))


@lru_cache(maxsize=8)
def _statement(db: str) -> tuple[str, tuple, tuple]:
    """For the database `db`, made once per process: the SQL; each table's model, attribute names and
    slice of the row; and the columns whose values need converting (position, converters, column)."""
    connection = connections[db]
    quote = connection.ops.quote_name
    columns, tables, converting = [], [], []
    for model, alias in _TABLES:
        fields = model._meta.concrete_fields
        start = len(columns)
        for field in fields:
            column = field.get_col(alias)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                converting.append((len(columns), tuple(converters), column))
            columns.append(f"{alias}.{quote(field.column)}")
        tables.append((model, tuple(f.attname for f in fields), start, len(columns)))
    name = {model: quote(model._meta.db_table) for model, _ in _TABLES}
    sql = (f"SELECT {', '.join(columns)} FROM {name[Membership]} m "
           f"INNER JOIN {name[User]} u ON u.{quote('id')} = m.{quote('user_id')} "
           f"INNER JOIN {name[Practice]} p ON p.{quote('id')} = m.{quote('practice_id')} "
           f"WHERE m.{quote('user_id')} = %s AND m.{quote('left_on')} IS NULL "  # left: no role there
           f"ORDER BY m.{quote('id')}")
    return sql, tuple(tables), tuple(converting)


def _memberships_with_user(user_id) -> list[Membership]:
    """The user's memberships, each with its practice and the user (one instance for all) loaded."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return []
    if not 0 < user_id < 2**63:
        return []
    db = router.db_for_read(Membership)
    connection = connections[db]
    sql, tables, converting = _statement(db)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    memberships, user = [], None
    for row in rows:
        row = list(row)
        for position, converters, column in converting:
            value = row[position]
            for convert in converters:
                value = convert(value, column, connection)
            row[position] = value
        membership, row_user, practice = (
            model.from_db(db, attnames, row[start:end]) for model, attnames, start, end in tables)
        user = user or row_user
        membership.user, membership.practice = user, practice
        memberships.append(membership)
    return memberships


def _keep_memberships(user, rows: list[Membership]) -> None:
    queryset = Membership.objects.filter(user=user).select_related("practice")
    queryset._result_cache = rows
    queryset._prefetch_done = True
    user._prefetched_objects_cache = {**getattr(user, "_prefetched_objects_cache", {}), _MEMBERSHIPS: queryset}


def _memberships_of(user) -> list[Membership]:
    """The user's memberships with their practices: as StaffBackend read them, or read now."""
    if _MEMBERSHIPS in getattr(user, "_prefetched_objects_cache", {}):
        return list(user.memberships.all())
    return list(user.memberships.select_related("practice"))


class CurrentPracticeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.practice = None
        request.roles = frozenset()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            practice_id = request.session.get(SESSION_KEY)
            memberships = _memberships_of(user)
            chosen = [m for m in memberships if m.practice_id == practice_id]
            if not chosen and len(memberships) == 1:
                chosen = memberships
                request.session[SESSION_KEY] = memberships[0].practice_id
            if chosen:
                request.practice = chosen[0].practice
                request.roles = frozenset(m.role for m in chosen)
            request.memberships = memberships
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            # Pages for signed-in staff carry patient data: never store them in a browser or proxy cache.
            patch_cache_control(response, no_store=True, private=True)
        return response


def choose_practice(request, practice: Practice) -> None:
    request.session[SESSION_KEY] = practice.pk
