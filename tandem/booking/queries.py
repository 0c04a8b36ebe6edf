"""Reads of bookings, always of one practice."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from tandem.clinics.models import ClinicSession
from tandem.clinics.rules.sessions import Cancelled, slot_starts
from tandem.core.models import Practice

from . import rules
from .models import Appointment, BookingSettings, TakenSlot


def taken_starts(session_ids) -> dict[int, set[dt.time]]:
    out: dict[int, set[dt.time]] = {pk: set() for pk in session_ids}
    for session_id, start in TakenSlot.objects.filter(session_id__in=list(out)).values_list("session_id", "start"):
        out[session_id].add(start)
    return out


def free_starts(session: ClinicSession, *, minutes: int, taken: set[dt.time] | None = None,
                after: dt.time | None = None) -> list[dt.time]:
    """Where an appointment of `minutes` could start in `session` (its slots free, one after another)."""
    if session.cancelled != Cancelled.HELD:
        return []
    starts = slot_starts(session.start_time, session.end_time, session.slot_minutes)
    if taken is None:
        taken = taken_starts([session.pk])[session.pk]
    runs = rules.free_runs(starts, taken, rules.slots_needed(minutes, session.slot_minutes))
    return [s for s in runs if after is None or s > after]


def next_free(practice: Practice, *, kind: str, minutes: int, from_day: dt.date, now: dt.datetime | None = None,
              limit: int = 5, roles=None, staff_id: int | None = None) -> list[tuple[ClinicSession, dt.time]]:
    """The first `limit` places an appointment could go from `from_day` on, soonest first: sessions held
    for this kind (by `roles`, or one member of staff, when given), read a fortnight first and then
    windows twice as long each time, so a year ahead is read in at most five steps."""
    out: list[tuple[ClinicSession, dt.time]] = []
    local = timezone.localtime(now) if now is not None else None
    day, span, end = from_day, 14, from_day + dt.timedelta(days=366)
    while day <= end:
        last = min(day + dt.timedelta(days=span - 1), end)
        span *= 2
        found = ClinicSession.objects.filter(
            practice=practice, day__gte=day, day__lte=last, cancelled=Cancelled.HELD,
            purpose__in=sorted(rules.HELD_IN[rules.Kind(kind)]))
        if roles is not None:
            found = found.filter(role__in=sorted(roles))
        if staff_id is not None:
            found = found.filter(staff_id=staff_id)
        sessions = list(found.select_related("staff").order_by("day", "start_time", "pk"))
        taken = taken_starts([s.pk for s in sessions])
        for s in sessions:
            after = local.time() if local is not None and s.day == local.date() else None
            for start in free_starts(s, minutes=minutes, taken=taken[s.pk], after=after):
                out.append((s, start))
                if len(out) >= limit:
                    return out
        day = last + dt.timedelta(days=1)
    return out


def booked(practice: Practice, review_id: int) -> list[Appointment]:
    return list(Appointment.objects.filter(practice=practice, review_id=review_id, state=Appointment.State.BOOKED)
                .select_related("session", "staff").order_by("day", "start_time"))


def history(practice: Practice, review_id: int) -> list[Appointment]:
    return list(Appointment.objects.filter(practice=practice, review_id=review_id)
                .select_related("staff", "created_by", "ended_by").order_by("created_at", "pk"))


def appointment(practice: Practice, pk: int) -> Appointment | None:
    return Appointment.objects.filter(practice=practice, pk=pk).first()


def settings_for(practice: Practice) -> tuple[int, int]:
    """The practice's gap between the two visits, in days, and its settings' version (0: never saved)."""
    row = BookingSettings.objects.filter(practice=practice).values_list("gap_days", "version").first()
    return row if row is not None else (rules.DEFAULT_GAP_DAYS, 0)


def booked_counts(session_ids: list[int]) -> dict[int, int]:
    """Session id -> appointments booked into it (one grouped statement)."""
    return dict(Appointment.objects.filter(session_id__in=session_ids, state=Appointment.State.BOOKED)
                .values_list("session_id").annotate(n=Count("pk")).order_by())
