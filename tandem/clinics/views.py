"""Clinic sessions: the week's sessions for everyone in the practice; patterns, one-off changes and
leave for the practice manager (tandem.core.rules.URL_ACCESS says who opens what)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.core import clock
from tandem.core.parsing import read_id, read_iso_date
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import actions, hooks, presenters, queries
from .forms import EVERY_CHOICES, WEEKDAY_CHOICES, Reading, read_day, read_entry, read_repeat
from .rules import sessions as rules

SECTION = "clinics"
CONFLICT = ("Someone else changed this while you were looking at it. Nothing you entered was saved: "
            "here is what it is now.")


def _context(request, **extra) -> dict:
    return {"active_section": SECTION, "can_manage": can(request.roles, Capability.MANAGE_PRACTICE), **extra}


def _week_url(monday: dt.date) -> str:
    return f"{reverse('clinics:week')}?week={monday.isoformat()}"


@practice_required()
def week(request):
    today = clock.today()
    coming = rules.coming_monday(today)
    asked = read_iso_date(request.GET.get("week"))
    monday = rules.monday_of(asked) if asked is not None and abs((asked - today).days) <= 800 else coming
    sunday = monday + dt.timedelta(days=6)
    sessions = queries.sessions_between(request.practice, monday, sunday)
    return render(request, "clinics/week.jinja", _context(
        request, here="week", monday=monday,
        days=presenters.week_days(monday, sessions, today=today, booked=hooks.booked_in(s.pk for s in sessions)),
        totals=presenters.role_totals(queries.held_minutes_by_week(request.practice, monday, 1)[monday]),
        previous_url=_week_url(monday - dt.timedelta(weeks=1)), next_url=_week_url(monday + dt.timedelta(weeks=1)),
        previous_label=presenters.short_day(monday - dt.timedelta(weeks=1)),
        next_label=presenters.short_day(monday + dt.timedelta(weeks=1)),
        this_week_url=_week_url(coming), is_this_week=monday == coming,
        heading=presenters.week_heading(monday), today=today,
        holidays_warning=presenters.holidays_warning(today),
    ))


@practice_required()
def patterns(request):
    today = clock.today()
    return render(request, "clinics/patterns.jinja", _context(
        request, here="patterns", rows=presenters.pattern_rows(queries.patterns(request.practice, today=today)),
        holidays_warning=presenters.holidays_warning(today)))


def _staff_roles(practice) -> dict[int, str]:
    return {s.user_id: s.role.value for s in queries.staff_choices(practice)}


def _pattern_form(request, *, reading: Reading, pattern=None, status=200):
    staff = queries.staff_choices(request.practice)
    return render(request, "clinics/pattern_form.jinja", _context(
        request, here="patterns", reading=reading, pattern=pattern, form=presenters.form_values(reading),
        staff=staff, role_choices=presenters.ROLE_CHOICES, purpose_choices=presenters.PURPOSE_CHOICES,
        weekday_choices=WEEKDAY_CHOICES, every_choices=EVERY_CHOICES, today=clock.today(),
        errors=presenters.error_list(reading.errors)), status=status)


@practice_required(Capability.MANAGE_PRACTICE)
def pattern_new(request):
    today = clock.today()
    if request.method != "POST":
        return _pattern_form(request, reading=Reading(presenters.new_pattern_values(today)))
    reading = Reading(request.POST)
    entry = read_entry(reading, staff_roles=_staff_roles(request.practice))
    repeat = read_repeat(reading, today=today)
    if entry is None or repeat is None:
        return _pattern_form(request, reading=reading, status=400)
    try:
        pattern, made = actions.add_pattern(practice=request.practice, by=request.user, entry=entry, repeat=repeat,
                                            today=today)
    except actions.SessionError as exc:
        reading.problem(exc.field or "staff", str(exc))
        return _pattern_form(request, reading=reading, status=400)
    messages.success(request, f"Weekly session added: {made:,} sessions made up to a year ahead.")
    return redirect(_week_url(rules.monday_of(max(today, pattern.first_day))))


def _pattern_or_404(request, pattern_id):
    pattern = queries.pattern(request.practice, pattern_id)
    if pattern is None:
        raise Http404("No such session pattern in this practice")
    return pattern


@practice_required(Capability.MANAGE_PRACTICE)
def pattern(request, pattern_id: int):
    today = clock.today()
    current = _pattern_or_404(request, pattern_id)
    if request.method != "POST":
        return _pattern_form(request, reading=Reading(presenters.pattern_values(current)), pattern=current)
    reading = Reading(request.POST)
    entry = read_entry(reading, staff_roles=_staff_roles(request.practice))
    repeat = read_repeat(reading, today=today)
    if entry is None or repeat is None:
        return _pattern_form(request, reading=reading, pattern=current, status=400)
    try:
        actions.change_pattern(practice=request.practice, by=request.user, pattern_id=current.pk,
                               version=reading.version, entry=entry, repeat=repeat, today=today)
    except actions.SessionConflict:
        fresh = _pattern_or_404(request, pattern_id)
        messages.error(request, CONFLICT)
        return _pattern_form(request, reading=Reading(presenters.pattern_values(fresh)), pattern=fresh, status=409)
    except actions.SessionError as exc:
        reading.problem(exc.field or "staff", str(exc))
        return _pattern_form(request, reading=reading, pattern=current, status=400)
    messages.success(request, "Weekly session changed from today. Sessions changed on their own are as they were.")
    return redirect("clinics:patterns")


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def pattern_end(request, pattern_id: int):
    today = clock.today()
    current = _pattern_or_404(request, pattern_id)
    reading = Reading(request.POST)
    last = read_day(reading, "end_day", "Last session", required=True, earliest=today - dt.timedelta(days=1),
                    latest=today + dt.timedelta(days=rules.HORIZON_DAYS), today=today)
    if last is None:
        messages.error(request, reading.errors["end_day"])
        return redirect("clinics:pattern", pattern_id=current.pk)
    try:
        gone = actions.end_pattern(practice=request.practice, by=request.user, pattern_id=current.pk,
                                   version=reading.version, last_day=last, today=today)
    except actions.SessionConflict:
        messages.error(request, CONFLICT)
        return redirect("clinics:pattern", pattern_id=current.pk)
    messages.success(request, f"Weekly session ends on {presenters.day_text(last)}: {gone:,} later sessions removed.")
    return redirect("clinics:patterns")


def _session_form(request, *, reading: Reading, session=None, status=200):
    staff = queries.staff_choices(request.practice)
    return render(request, "clinics/session_form.jinja", _context(
        request, here="week", reading=reading, session=session, form=presenters.form_values(reading),
        staff=staff, role_choices=presenters.ROLE_CHOICES, purpose_choices=presenters.PURPOSE_CHOICES,
        row=presenters.session_row(session, today=clock.today()) if session is not None else None,
        session_day=presenters.day_text(session.day) if session is not None else "", today=clock.today(),
        errors=presenters.error_list(reading.errors)), status=status)


@practice_required(Capability.MANAGE_PRACTICE)
def session_new(request):
    today = clock.today()
    if request.method != "POST":
        asked = read_iso_date(request.GET.get("day"))
        return _session_form(request, reading=Reading(presenters.new_session_values(asked or today)))
    reading = Reading(request.POST)
    entry = read_entry(reading, staff_roles=_staff_roles(request.practice))
    day = read_day(reading, "day", "Day", required=True, earliest=today, latest=actions.horizon(today), today=today)
    if entry is None or day is None:
        return _session_form(request, reading=reading, status=400)
    try:
        actions.add_session(practice=request.practice, by=request.user, day=day, entry=entry, today=today)
    except actions.SessionError as exc:
        reading.problem(exc.field or "staff", str(exc))
        return _session_form(request, reading=reading, status=400)
    messages.success(request, f"Session added on {presenters.day_text(day)}.")
    return redirect(_week_url(rules.monday_of(day)))


def _session_or_404(request, session_id):
    found = queries.session(request.practice, session_id)
    if found is None:
        raise Http404("No such session in this practice")
    return found


@practice_required(Capability.MANAGE_PRACTICE)
def session(request, session_id: int):
    today = clock.today()
    current = _session_or_404(request, session_id)
    if request.method != "POST":
        return _session_form(request, reading=Reading(presenters.session_values(current)), session=current)
    reading = Reading(request.POST)
    entry = read_entry(reading, staff_roles=_staff_roles(request.practice))
    if entry is None:
        return _session_form(request, reading=reading, session=current, status=400)
    try:
        actions.change_session(practice=request.practice, by=request.user, session_id=current.pk,
                               version=reading.version, entry=entry, today=today)
    except actions.SessionConflict:
        fresh = _session_or_404(request, session_id)
        messages.error(request, CONFLICT)
        return _session_form(request, reading=Reading(presenters.session_values(fresh)), session=fresh, status=409)
    except actions.SessionError as exc:
        reading.problem(exc.field or "staff", str(exc))
        return _session_form(request, reading=reading, session=current, status=400)
    messages.success(request, f"Session on {presenters.day_text(current.day)} changed.")
    return redirect(_week_url(rules.monday_of(current.day)))


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def session_cancel(request, session_id: int):
    current = _session_or_404(request, session_id)
    reading = Reading(request.POST)
    return _session_change(request, current, lambda: actions.cancel_session(
        practice=request.practice, by=request.user, session_id=current.pk, version=reading.version,
        note=reading.value("note"), today=clock.today()), done="cancelled")


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def session_hold(request, session_id: int):
    current = _session_or_404(request, session_id)
    reading = Reading(request.POST)
    return _session_change(request, current, lambda: actions.hold_session(
        practice=request.practice, by=request.user, session_id=current.pk, version=reading.version,
        today=clock.today()), done="held after all")


def _session_change(request, current, change, *, done: str):
    try:
        change()
    except actions.SessionConflict:
        messages.error(request, CONFLICT)
        return redirect("clinics:session", session_id=current.pk)
    except actions.SessionError as exc:
        messages.error(request, str(exc))
        return redirect("clinics:session", session_id=current.pk)
    messages.success(request, f"Session on {presenters.day_text(current.day)} {done}.")
    return redirect(_week_url(rules.monday_of(current.day)))


@practice_required()
def leave(request):
    today = clock.today()
    can_manage = can(request.roles, Capability.MANAGE_PRACTICE)
    reading = Reading(request.POST if request.method == "POST" else {})
    status = 200
    if request.method == "POST":
        if not can_manage:  # the access table already refuses this; kept for clarity
            raise Http404()
        staff_ids = {s.user_id for s in queries.staff_choices(request.practice)}
        staff = read_id(reading.value("staff"))
        if staff is None or staff not in staff_ids:
            reading.problem("staff", "Choose a member of staff from the list")
        first = read_day(reading, "first_day", "First day of leave", required=True, earliest=today,
                         latest=actions.horizon(today), today=today)
        last = read_day(reading, "last_day", "Last day of leave", required=True, earliest=today,
                        latest=actions.horizon(today) + dt.timedelta(days=366), today=today)
        note = reading.value("note").strip()
        if len(note) > rules.MAX_NOTE:
            reading.problem("note", f"The note must be {rules.MAX_NOTE} characters or fewer")
        if not reading.errors:
            try:
                added, cancelled = actions.add_leave(practice=request.practice, by=request.user, staff_id=staff,
                                                     first_day=first, last_day=last, note=note, today=today)
            except actions.SessionError as exc:
                reading.problem(exc.field or "staff", str(exc))
            else:
                messages.success(request, f"Leave added: {cancelled:,} of their sessions will not be held.")
                if added.booked:
                    people = "1 person was" if added.booked == 1 else f"{added.booked:,} people were"
                    messages.warning(request, f"{people} booked into those sessions: find them another time "
                                              "from People to re-book.")
                return redirect("clinics:leave")
        status = 400
    return render(request, "clinics/leave.jinja", _context(
        request, here="leave", rows=presenters.leave_rows(queries.leave(request.practice, today=today)),
        staff=queries.staff_choices(request.practice), reading=reading, form=presenters.form_values(reading),
        errors=presenters.error_list(reading.errors)), status=status)


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def leave_remove(request, leave_id: int):
    try:
        held = actions.remove_leave(practice=request.practice, by=request.user, leave_id=leave_id)
    except actions.SessionError as exc:
        raise Http404(str(exc)) from None
    messages.success(request, f"Leave taken back: {held:,} of their sessions will be held again.")
    return redirect("clinics:leave")
