"""Clinic sessions: the only write path (ADR 2). Each action is atomic, takes `by=` and is audited.

Sessions are made from patterns as rows up to HORIZON_DAYS ahead (`extend_sessions` keeps the
horizon moving, e.g. nightly). A session on a bank holiday or on its staff member's leave is made
cancelled, with the reason, so the practice sees it and can hold it after all. Changing a pattern
rewrites its sessions from a day on, except those changed on their own; past sessions are history
and are never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, ProtectedError, Q

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Membership, Practice, User
from tandem.core.rules import ROLE_LABELS, Role
from tandem.team import queries as team_queries
from tandem.team.rules import STEP_LABELS, Step

from . import hooks
from .models import SESSION_ROLES, ClinicSession, SessionPattern, StaffLeave
from .rules import sessions as rules
from .rules.holidays import bank_holidays
from .rules.sessions import Cancelled, Purpose

PURPOSE_STEPS = {Purpose.TESTS: (Step.TESTS,), Purpose.CONVERSATION: (Step.CONVERSATION,),
                 Purpose.BOTH: (Step.TESTS, Step.CONVERSATION)}


class SessionError(ValueError):
    """What is wrong, in words for the person who typed it; `field` names the box when there is one."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class SessionConflict(Exception):
    """Someone else changed it since the page was opened: nothing was saved."""


@dataclass(frozen=True)
class SessionEntry:
    """Who holds a session, when, where, and for what (a pattern's or a single session's)."""

    staff_id: int
    role: str
    place: str
    purpose: str
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int


@dataclass(frozen=True)
class Repeat:
    weekday: int
    every_weeks: int
    first_day: dt.date
    last_day: dt.date | None


def _staff(practice: Practice, entry: SessionEntry) -> User:
    """The member of staff, checked against the practice; every other value checked too."""
    membership = Membership.objects.filter(practice=practice, user_id=entry.staff_id).select_related("user").first()
    if membership is None or not membership.user.is_active:
        raise SessionError("Choose a member of staff from the list", "staff")
    if entry.role not in {r.value for r in SESSION_ROLES}:
        raise SessionError("Choose who the session is for: a health care assistant, nurse, GP or pharmacist", "role")
    if Role(membership.role) not in SESSION_ROLES:
        raise SessionError("Sessions are held by health care assistants, nurses, GPs and pharmacists: "
                           "choose one of them", "staff")
    if entry.purpose not in {p.value for p in Purpose}:
        raise SessionError("Choose what the session is for", "purpose")
    if len(entry.place) > rules.MAX_PLACE:
        raise SessionError(f"Place must be {rules.MAX_PLACE} characters or fewer", "place")
    for field, message in rules.time_problems(entry.start_time, entry.end_time, entry.slot_minutes).items():
        raise SessionError(message, field)
    steps = team_queries.who_does(practice)
    for step in PURPOSE_STEPS[Purpose(entry.purpose)]:
        if Role(entry.role) not in steps.roles_for(step):
            holders = " and ".join(ROLE_LABELS[r].lower() for r in SESSION_ROLES if r in steps.roles_for(step))
            raise SessionError(f"{STEP_LABELS[step]} at this practice are held by {holders or 'nobody yet'}: "
                               "choose what this session is for, or change who does each step in Team", "purpose")
    return membership.user


def _check_repeat(repeat: Repeat) -> None:
    if not 0 <= repeat.weekday <= 6:
        raise SessionError("Choose a day of the week", "weekday")
    if repeat.every_weeks not in rules.EVERY_WEEKS:
        raise SessionError("Choose every week or every other week", "every_weeks")
    if repeat.last_day is not None and repeat.last_day < repeat.first_day:
        raise SessionError("The last day must be on or after the first day", "last_day")


def _session_values(entry: SessionEntry) -> dict:
    return {"staff_id": entry.staff_id, "role": entry.role, "place": entry.place.strip(), "purpose": entry.purpose,
            "start_time": entry.start_time, "end_time": entry.end_time, "slot_minutes": entry.slot_minutes,
            "minutes": rules.bookable_minutes(entry.start_time, entry.end_time, entry.slot_minutes)}


def _leave_by_staff(practice_id: int, staff_ids, start: dt.date, end: dt.date) -> dict[int, list[StaffLeave]]:
    out: dict[int, list[StaffLeave]] = defaultdict(list)
    for leave in StaffLeave.objects.filter(practice_id=practice_id, staff_id__in=set(staff_ids),
                                           last_day__gte=start, first_day__lte=end):
        out[leave.staff_id].append(leave)
    return out


def _make(patterns: list[SessionPattern], *, start: dt.date, end: dt.date, by: User | None) -> int:
    """Make the sessions of `patterns` from `start` to `end` that do not exist yet (one statement to
    find them, one to insert). Returns how many were made."""
    if not patterns or end < start:
        return 0
    now = clock.now()
    holidays = bank_holidays().days
    leave = _leave_by_staff(patterns[0].practice_id, (p.staff_id for p in patterns), start, end)
    existing = set(ClinicSession.objects.filter(pattern__in=patterns, day__gte=start, day__lte=end)
                   .values_list("pattern_id", "day"))
    rows = []
    for p in patterns:
        theirs = leave.get(p.staff_id, [])
        for day in rules.days_of(rules.Repeat(p.weekday, p.every_weeks, p.first_day, p.last_day), start=start, end=end):
            if (p.pk, day) in existing:
                continue
            why = rules.cancelled_because(day, holidays=holidays, leave=[(x.first_day, x.last_day) for x in theirs])
            on_leave = next((x for x in theirs if x.first_day <= day <= x.last_day), None) \
                if why == Cancelled.LEAVE else None
            rows.append(ClinicSession(
                practice_id=p.practice_id, pattern=p, day=day, start_time=p.start_time, end_time=p.end_time,
                slot_minutes=p.slot_minutes, minutes=rules.bookable_minutes(p.start_time, p.end_time, p.slot_minutes),
                staff_id=p.staff_id, role=p.role, place=p.place, purpose=p.purpose, cancelled=why,
                note=holidays.get(day, "") if why == Cancelled.BANK_HOLIDAY else "", leave=on_leave,
                updated_at=now, updated_by=by))
    ClinicSession.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def horizon(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=rules.HORIZON_DAYS)


@transaction.atomic
def add_pattern(*, practice: Practice, by: User | None, entry: SessionEntry, repeat: Repeat,
                today: dt.date | None = None) -> tuple[SessionPattern, int]:
    """A new weekly pattern and its sessions from today (or its first day) to the horizon."""
    today = today or clock.today()
    _staff(practice, entry)
    _check_repeat(repeat)
    now = clock.now()
    pattern = SessionPattern.objects.create(
        practice=practice, **{k: v for k, v in _session_values(entry).items() if k != "minutes"},
        weekday=repeat.weekday, every_weeks=repeat.every_weeks, first_day=repeat.first_day, last_day=repeat.last_day,
        created_at=now, created_by=by, updated_at=now, updated_by=by)
    made = _make([pattern], start=max(today, repeat.first_day), end=horizon(today), by=by)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="clinics.pattern",
                 object_id=pattern.pk, detail={"sessions": made})
    return pattern, made


def _locked_pattern(practice: Practice, pattern_id: int, version: int | None) -> SessionPattern:
    pattern = SessionPattern.objects.select_for_update().filter(practice=practice, pk=pattern_id).first()
    if pattern is None:
        raise SessionError("That session pattern does not exist in this practice")
    if version != pattern.version:
        raise SessionConflict()
    return pattern


def _future_of(pattern: SessionPattern, start: dt.date):
    """Its sessions from `start` on that it still decides (not changed on their own)."""
    return ClinicSession.objects.filter(pattern=pattern, day__gte=start, changed=False)


def _remove(sessions) -> tuple[int, int]:
    """Delete `sessions`, except those something else keeps (appointments booked in them, which
    protect their session): those are kept as they are, marked changed on their own, so the pattern no
    longer rewrites them. Returns (removed, kept)."""
    try:
        with transaction.atomic():
            removed, _ = sessions.delete()
        return removed, 0
    except ProtectedError as exc:
        kept_ids = {obj.session_id for obj in exc.protected_objects if hasattr(obj, "session_id")}
        kept = ClinicSession.objects.filter(pk__in=kept_ids).update(changed=True)
        removed, _ = sessions.exclude(pk__in=kept_ids).delete()
        return removed, kept


@transaction.atomic
def change_pattern(*, practice: Practice, by: User | None, pattern_id: int, version: int | None,
                   entry: SessionEntry, repeat: Repeat, from_day: dt.date | None = None,
                   today: dt.date | None = None) -> tuple[SessionPattern, int]:
    """Change a pattern from `from_day` (today at the earliest): its sessions from then on are made
    again from the changed pattern, except those changed on their own. Returns the pattern and how
    many sessions it now has from then on."""
    today = today or clock.today()
    start = max(from_day or today, today)
    pattern = _locked_pattern(practice, pattern_id, version)
    _staff(practice, entry)
    _check_repeat(repeat)
    for name, value in _session_values(entry).items():
        if name != "minutes":
            setattr(pattern, name, value)
    pattern.weekday, pattern.every_weeks, pattern.last_day = repeat.weekday, repeat.every_weeks, repeat.last_day
    pattern.version += 1
    pattern.updated_at, pattern.updated_by = clock.now(), by
    pattern.save()
    _, kept = _remove(_future_of(pattern, start))
    made = _make([pattern], start=max(start, pattern.first_day), end=horizon(today), by=by)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="clinics.pattern",
                 object_id=pattern.pk, detail={"from": start.isoformat(), "sessions": made, "kept": kept})
    return pattern, made


@transaction.atomic
def end_pattern(*, practice: Practice, by: User | None, pattern_id: int, version: int | None,
                last_day: dt.date, today: dt.date | None = None) -> int:
    """The pattern's last session is on or before `last_day` (today at the earliest); its later
    sessions go, except those changed on their own. Returns how many went."""
    today = today or clock.today()
    pattern = _locked_pattern(practice, pattern_id, version)
    last_day = max(last_day, today - dt.timedelta(days=1), pattern.first_day)
    pattern.last_day = last_day if pattern.last_day is None else min(pattern.last_day, last_day)
    pattern.version += 1
    pattern.updated_at, pattern.updated_by = clock.now(), by
    pattern.save()
    gone, _kept = _remove(_future_of(pattern, pattern.last_day + dt.timedelta(days=1)))
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="clinics.pattern",
                 object_id=pattern.pk, detail={"last_day": pattern.last_day.isoformat(), "removed": gone})
    return gone


def extend_sessions(*, practice: Practice | None = None, today: dt.date | None = None) -> int:
    """Make every pattern's sessions up to the horizon (run daily): returns how many were made."""
    today = today or clock.today()
    patterns = SessionPattern.objects.filter(Q(last_day__isnull=True) | Q(last_day__gte=today))
    if practice is not None:
        patterns = patterns.filter(practice=practice)
    by_practice: dict[int, list[SessionPattern]] = defaultdict(list)
    for p in patterns:
        by_practice[p.practice_id].append(p)
    made = 0
    for practice_patterns in by_practice.values():
        with transaction.atomic():
            made += _make(practice_patterns, start=today, end=horizon(today), by=None)
    return made


def _locked_session(practice: Practice, session_id: int, version: int | None) -> ClinicSession:
    session = ClinicSession.objects.select_for_update().filter(practice=practice, pk=session_id).first()
    if session is None:
        raise SessionError("That session does not exist in this practice")
    if version != session.version:
        raise SessionConflict()
    return session


def _saved(session: ClinicSession, by: User | None, **detail) -> ClinicSession:
    session.changed = True
    session.version += 1
    session.updated_at, session.updated_by = clock.now(), by
    session.save()
    audit.record(by=by, practice=session.practice, action=AuditEvent.Action.UPDATE, what="clinics.session",
                 object_id=session.pk, detail=detail)
    return session


@transaction.atomic
def add_session(*, practice: Practice, by: User | None, day: dt.date, entry: SessionEntry,
                today: dt.date | None = None) -> ClinicSession:
    """A one-off session (no pattern), today or later."""
    today = today or clock.today()
    _staff(practice, entry)
    if day < today:
        raise SessionError("A session can be added for today or a later day", "day")
    if day > horizon(today):
        raise SessionError("A session can be added up to a year ahead", "day")
    session = ClinicSession.objects.create(practice=practice, day=day, changed=True, updated_at=clock.now(),
                                           updated_by=by, **_session_values(entry))
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="clinics.session",
                 object_id=session.pk)
    return session


@transaction.atomic
def change_session(*, practice: Practice, by: User | None, session_id: int, version: int | None,
                   entry: SessionEntry, today: dt.date | None = None) -> ClinicSession:
    """Change one session (times, place, slot length, who holds it); its pattern no longer rewrites it."""
    today = today or clock.today()
    session = _locked_session(practice, session_id, version)
    if session.day < today:
        raise SessionError("A session that has passed cannot be changed")
    _staff(practice, entry)
    for name, value in _session_values(entry).items():
        setattr(session, name, value)
    return _saved(session, by, change="times")


@transaction.atomic
def cancel_session(*, practice: Practice, by: User | None, session_id: int, version: int | None, note: str,
                   today: dt.date | None = None) -> ClinicSession:
    today = today or clock.today()
    session = _locked_session(practice, session_id, version)
    if session.day < today:
        raise SessionError("A session that has passed cannot be cancelled")
    if len(note) > rules.MAX_NOTE:
        raise SessionError(f"The reason must be {rules.MAX_NOTE} characters or fewer", "note")
    if not session.held:
        raise SessionError("That session is already not being held")
    booked = hooks.booked_in([session.pk]).get(session.pk, 0)
    if booked:
        people = "1 person is" if booked == 1 else f"{booked} people are"
        raise SessionError(f"{people} booked into this session: move their appointments first, then cancel it")
    session.cancelled, session.note, session.leave = Cancelled.PRACTICE, note.strip(), None
    return _saved(session, by, change="cancelled")


@transaction.atomic
def hold_session(*, practice: Practice, by: User | None, session_id: int, version: int | None,
                 today: dt.date | None = None) -> ClinicSession:
    """Hold a session after all (one cancelled by the practice, or on a bank holiday). A session on
    its staff member's leave is held only once the leave is changed."""
    today = today or clock.today()
    session = _locked_session(practice, session_id, version)
    if session.day < today:
        raise SessionError("A session that has passed cannot be changed")
    if session.cancelled == Cancelled.LEAVE:
        raise SessionError("Its member of staff is on leave that day: change their leave first")
    if session.held:
        raise SessionError("That session is already being held")
    session.cancelled, session.note = Cancelled.HELD, ""
    return _saved(session, by, change="held")


@transaction.atomic
def add_leave(*, practice: Practice, by: User | None, staff_id: int, first_day: dt.date, last_day: dt.date,
              note: str = "", today: dt.date | None = None) -> tuple[StaffLeave, int]:
    """Leave for a member of staff: their sessions on those days are not held. Returns the leave and
    how many sessions it cancelled."""
    today = today or clock.today()
    if not Membership.objects.filter(practice=practice, user_id=staff_id).exists():
        raise SessionError("Choose a member of staff from the list", "staff")
    if last_day < first_day:
        raise SessionError("The last day of leave must be on or after the first day", "last_day")
    if (last_day - first_day).days > 366:
        raise SessionError("Leave can be up to a year at a time", "last_day")
    if len(note) > rules.MAX_NOTE:
        raise SessionError(f"The note must be {rules.MAX_NOTE} characters or fewer", "note")
    leave = StaffLeave.objects.create(practice=practice, staff_id=staff_id, first_day=first_day, last_day=last_day,
                                      note=note.strip(), created_at=clock.now(), created_by=by)
    affected = ClinicSession.objects.filter(
        practice=practice, staff_id=staff_id, day__gte=max(first_day, today), day__lte=last_day,
        cancelled=Cancelled.HELD)
    leave.booked = sum(hooks.booked_in(affected.values_list("pk", flat=True)).values())
    cancelled = affected.update(cancelled=Cancelled.LEAVE, leave=leave, updated_at=clock.now(),
                                         updated_by=by, version=F("version") + 1)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="clinics.leave",
                 object_id=leave.pk, detail={"sessions_cancelled": cancelled})
    return leave, cancelled


@transaction.atomic
def remove_leave(*, practice: Practice, by: User | None, leave_id: int, today: dt.date | None = None) -> int:
    """Take leave back: the sessions it cancelled from today on are held again (a bank holiday stays
    a bank holiday; a day also covered by other leave stays cancelled for that leave). Returns how
    many sessions are held again."""
    today = today or clock.today()
    leave = StaffLeave.objects.select_for_update().filter(practice=practice, pk=leave_id).first()
    if leave is None:
        raise SessionError("That leave does not exist in this practice")
    holidays = bank_holidays().days
    others = list(StaffLeave.objects.filter(practice=practice, staff_id=leave.staff_id, last_day__gte=leave.first_day,
                                            first_day__lte=leave.last_day).exclude(pk=leave.pk))
    held = 0
    now = clock.now()
    for session in ClinicSession.objects.select_for_update().filter(leave=leave, day__gte=today):
        other = next((x for x in others if x.first_day <= session.day <= x.last_day), None)
        if other is not None:
            session.leave = other
        elif session.day in holidays and not session.changed:
            session.cancelled, session.note, session.leave = Cancelled.BANK_HOLIDAY, holidays[session.day], None
        else:
            session.cancelled, session.leave = Cancelled.HELD, None
            held += 1
        session.version += 1
        session.updated_at, session.updated_by = now, by
        session.save()
    leave.delete()
    audit.record(by=by, practice=practice, action=AuditEvent.Action.DELETE, what="clinics.leave",
                 object_id=leave_id, detail={"sessions_held": held})
    return held
