"""Reads of bookings, always of one practice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils import timezone

from tandem.clinics.models import ClinicSession
from tandem.clinics.rules.sessions import Cancelled, slot_starts
from tandem.core.models import Practice
from tandem.patients.models import ReasonableAdjustment
from tandem.recall import queries as recall_queries

from . import presenters, rules
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


def taken_minutes(practice_id: int, first: dt.date, last: dt.date) -> list[tuple[dt.date, str, int]]:
    """(day, role, minutes) of held sessions from `first` to `last` taken by appointments (each taken
    slot counts its session's slot length: an appointment of 25 minutes in 15-minute slots takes 30).
    Attended and missed appointments keep their slots: the time was used, or lost. One grouped statement."""
    return list(TakenSlot.objects.filter(session__practice_id=practice_id, session__day__gte=first,
                                         session__day__lte=last, session__cancelled=Cancelled.HELD)
                .values_list("session__day", "session__role").annotate(total=Sum("session__slot_minutes"))
                .order_by())


#: What the day list shows: appointments held, or still to be (not those cancelled or moved).
ON_THE_DAY = (Appointment.State.BOOKED, Appointment.State.ATTENDED, Appointment.State.DID_NOT_ATTEND)


def day_appointments(practice: Practice, day: dt.date, *, staff_id: int | None = None) -> list[Appointment]:
    """The appointments of `day` (all staff, or one member), in time order, with the person, the
    member of staff, the session (its place), who saw the person arrive and the person's named clinician:
    one statement."""
    found = Appointment.objects.filter(practice=practice, day=day, state__in=ON_THE_DAY)
    if staff_id is not None:
        found = found.filter(staff_id=staff_id)
    return list(found.select_related("patient", "patient__named_clinician", "staff", "session", "arrived_by")
                .order_by("start_time", "staff__last_name", "staff__first_name", "pk"))


def next_booked_day(practice: Practice, after: dt.date, *, staff_id: int | None = None,
                    within: int = 60) -> tuple[dt.date, int] | None:
    """The first day after `after` (within `within` days) with appointments booked (for one member of
    staff, when given), and how many: one statement."""
    found = Appointment.objects.filter(practice=practice, day__gt=after, day__lte=after + dt.timedelta(days=within),
                                       state=Appointment.State.BOOKED)
    if staff_id is not None:
        found = found.filter(staff_id=staff_id)
    return found.values_list("day").annotate(n=Count("pk")).order_by("day").first()


def day_staff(practice: Practice, day: dt.date) -> list[tuple[int, str, str]]:
    """(user id, first name, last name) of each member of staff with a session on `day`, held or
    not (a session cancelled late can still have people booked), by name: one statement."""
    return list(ClinicSession.objects.filter(practice=practice, day=day)
                .values_list("staff_id", "staff__first_name", "staff__last_name").distinct()
                .order_by("staff__last_name", "staff__first_name", "staff_id"))


def adjustment_details(patient_ids) -> dict[int, dict[str, str]]:
    """Patient id -> {adjustment kind: its detail (the language for an interpreter)}: one statement.
    The ids come from a practice-scoped read."""
    out: dict[int, dict[str, str]] = {}
    for patient_id, kind, detail in (ReasonableAdjustment.objects.filter(patient_id__in=sorted(set(patient_ids)))
                                     .values_list("patient_id", "kind", "detail")):
        out.setdefault(patient_id, {})[kind] = detail
    return out


@dataclass(frozen=True)
class OnlineSettings:
    """How a practice lets people book online: whether it does, and how many hours before an
    appointment they can still change or cancel it themselves."""

    online_booking: bool = True
    cutoff_hours: int = rules.DEFAULT_CUTOFF_HOURS
    gap_days: int = rules.DEFAULT_GAP_DAYS
    version: int = 0  # 0: never saved

    def can_change(self, appointment: Appointment, *, now: dt.datetime) -> bool:
        """Whether the person may still change or cancel `appointment` themselves (before the cut-off)."""
        return rules.before_cutoff(dt.datetime.combine(appointment.day, appointment.start_time),
                                   timezone.localtime(now).replace(tzinfo=None), hours=self.cutoff_hours)


def online_settings(practice: Practice) -> OnlineSettings:
    row = (BookingSettings.objects.filter(practice=practice)
           .values_list("online_booking", "online_cutoff_hours", "gap_days", "version").first())
    return OnlineSettings(*row) if row is not None else OnlineSettings()


def to_remind(practice: Practice, *, today: dt.date) -> list[Appointment]:
    """Booked appointments whose reminder is due (rules.reminder_due) and not yet queued."""
    found = (Appointment.objects.filter(practice=practice, state=Appointment.State.BOOKED, reminded_at__isnull=True,
                                        day__gt=today, day__lte=today + dt.timedelta(days=rules.REMINDER_DAYS))
             .select_related("patient", "session", "staff").order_by("day", "start_time", "pk"))
    return [a for a in found if rules.reminder_due(a.day, timezone.localtime(a.created_at).date(), today=today)]


def needs_for(practice: Practice, patient_id: int, *, today: dt.date):
    """What the person's appointments need (presenters.Needs: minutes, who, an interpreter), and
    their reasonable adjustments (kinds), from recall's plan: the one place booking reads them."""
    facts = recall_queries.person_facts(practice, [patient_id]).get(patient_id) or recall_queries.PersonFacts()
    return presenters.needs(recall_queries.plan_for(facts, today=today), facts.adjustments), facts.adjustments


def to_rebook(practice: Practice, *, today: dt.date) -> list[Appointment]:
    """Appointments still booked, from today on, in sessions that will no longer be held (staff leave,
    a bank holiday, or cancelled by the practice), soonest first: each person needs another time."""
    return list(Appointment.objects.filter(practice=practice, state=Appointment.State.BOOKED, day__gte=today)
                .exclude(session__cancelled=Cancelled.HELD)
                .select_related("patient", "staff", "session__leave").order_by("day", "start_time", "pk"))
