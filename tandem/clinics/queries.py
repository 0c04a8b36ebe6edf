"""Reads of clinic sessions, always of one practice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, Sum

from tandem.core.models import Membership, Practice
from tandem.core.rules import ROLE_LABELS, Role

from . import hooks
from .models import SESSION_ROLES, ClinicSession, SessionPattern, StaffLeave
from .rules.sessions import Cancelled, monday_of


def patterns(practice: Practice, *, today: dt.date) -> list[SessionPattern]:
    """The patterns still running (no last day, or one today or later), by weekday and time."""
    return list(SessionPattern.objects.filter(practice=practice)
                .filter(Q(last_day__isnull=True) | Q(last_day__gte=today))
                .select_related("staff").order_by("weekday", "start_time", "staff__last_name", "pk"))


def pattern(practice: Practice, pk: int) -> SessionPattern | None:
    return SessionPattern.objects.filter(practice=practice, pk=pk).select_related("staff").first()


def session(practice: Practice, pk: int) -> ClinicSession | None:
    return ClinicSession.objects.filter(practice=practice, pk=pk).select_related("staff", "leave").first()


def sessions_between(practice: Practice, first: dt.date, last: dt.date) -> list[ClinicSession]:
    return list(ClinicSession.objects.filter(practice=practice, day__gte=first, day__lte=last)
                .select_related("staff").order_by("day", "start_time", "staff__last_name", "pk"))


def leave(practice: Practice, *, today: dt.date) -> list[StaffLeave]:
    """Leave that has not ended, soonest first."""
    return list(StaffLeave.objects.filter(practice=practice, last_day__gte=today)
                .select_related("staff").order_by("first_day", "pk"))


@dataclass(frozen=True)
class StaffChoice:
    user_id: int
    name: str
    role: Role

    @property
    def label(self) -> str:
        return f"{self.name} ({ROLE_LABELS[self.role]})"


def staff_choices(practice: Practice) -> list[StaffChoice]:
    """The practice's health care assistants, nurses, GPs and pharmacists, by name."""
    rows = (Membership.objects.filter(practice=practice, role__in=[r.value for r in SESSION_ROLES],
                                      user__is_active=True)
            .select_related("user").order_by("user__last_name", "user__first_name", "user__username"))
    return [StaffChoice(m.user_id, m.user.display_name, Role(m.role)) for m in rows]


def has_sessions(practice: Practice) -> bool:
    """Whether the practice keeps its clinic sessions here (then staff time comes from them)."""
    return ClinicSession.objects.filter(practice=practice).exists()


def held_minutes_by_day(practice: Practice, first: dt.date, last: dt.date) -> dict[dt.date, dict[str, int]]:
    """day -> role -> minutes of sessions held that day (one grouped statement)."""
    out: dict[dt.date, dict[str, int]] = defaultdict(dict)
    rows = (ClinicSession.objects.filter(practice=practice, day__gte=first, day__lte=last, cancelled=Cancelled.HELD)
            .values_list("day", "role").annotate(total=Sum("minutes")).order_by())
    for day, role, total in rows:
        out[day][role] = int(total or 0)
    return out


def held_minutes_by_week(practice: Practice, first_monday: dt.date, weeks: int) -> dict[dt.date, dict[str, int]]:
    """Monday -> role -> minutes of sessions held that week, for `weeks` weeks from `first_monday`."""
    out: dict[dt.date, dict[str, int]] = {first_monday + dt.timedelta(weeks=i): defaultdict(int) for i in range(weeks)}
    last = first_monday + dt.timedelta(weeks=weeks, days=-1)
    for day, roles in held_minutes_by_day(practice, first_monday, last).items():
        for role, minutes in roles.items():
            out[monday_of(day)][role] += minutes
    return {monday: dict(roles) for monday, roles in out.items()}


def booked_minutes_by_week(practice: Practice, first_monday: dt.date, weeks: int) -> dict[dt.date, dict[str, int]]:
    """Monday -> role -> minutes of held sessions taken by bookings that week (one grouped statement)."""
    out: dict[dt.date, dict[str, int]] = {first_monday + dt.timedelta(weeks=i): defaultdict(int) for i in range(weeks)}
    last = first_monday + dt.timedelta(weeks=weeks, days=-1)
    for day, roles in hooks.booked_minutes(practice.pk, first_monday, last).items():
        for role, minutes in roles.items():
            out[monday_of(day)][role] += minutes
    return {monday: dict(roles) for monday, roles in out.items()}


def booked_minutes_by_month(practice: Practice, months: list[dt.date]) -> dict[dt.date, dict[str, int]]:
    """First of month -> role -> minutes of held sessions taken by bookings that month."""
    if not months:
        return {}
    last_month = max(months)
    last = (last_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    out: dict[dt.date, dict[str, int]] = {m: defaultdict(int) for m in months}
    for day, roles in hooks.booked_minutes(practice.pk, min(months), last).items():
        month = day.replace(day=1)
        if month in out:
            for role, minutes in roles.items():
                out[month][role] += minutes
    return {month: dict(roles) for month, roles in out.items()}


def held_minutes_by_month(practice: Practice, months: list[dt.date]) -> tuple[dict[dt.date, dict[str, int]], bool]:
    """First of month -> role -> minutes of sessions held that month, and whether the practice keeps
    its sessions in Tandem at all (any session, any day): one statement."""
    if not months:
        return {}, has_sessions(practice)
    first = min(months)
    last_month = max(months)
    last = (last_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    table = ClinicSession._meta.db_table
    sql = f"""
        SELECT day, role, SUM(minutes) FROM {table}
        WHERE practice_id = %s AND day >= %s AND day <= %s AND cancelled = %s
        GROUP BY day, role
        UNION ALL
        SELECT NULL, NULL, COUNT(*) FROM (SELECT 1 AS one FROM {table} WHERE practice_id = %s LIMIT 1) AS anyone
    """
    out: dict[dt.date, dict[str, int]] = {m: defaultdict(int) for m in months}
    kept = False
    with connection.cursor() as cursor:
        cursor.execute(sql, [practice.pk, first, last, Cancelled.HELD.value, practice.pk])
        for day, role, total in cursor.fetchall():
            if day is None:
                kept = bool(total)
                continue
            day = dt.date.fromisoformat(day) if isinstance(day, str) else day  # SQLite returns text
            month = day.replace(day=1)
            if month in out:
                out[month][role] += int(total or 0)
    return {month: dict(roles) for month, roles in out.items()}, kept


