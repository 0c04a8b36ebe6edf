"""The day list: the appointments of one day, for the health care assistant, each clinician and
reception. Who is coming when, what each tests appointment needs (each test once, whatever
conditions ask for it), what they were asked to bring, the adjustments to make, and who has arrived.

Read in a fixed number of statements whatever the day holds: the appointments with their people and
staff, the staff with sessions, everyone's register facts and their adjustments, and one audit write.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.clinics.rules.sessions import monday_of
from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id, read_iso_date, read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import URL_ACCESS, Capability, can
from tandem.recall import queries as recall_queries

from . import actions, day_presenters, queries
from .day_presenters import EVERYONE, day_url, short_day

SECTION = "today"
#: how far from today the list may be opened (as the clinic week does): further is today again
FURTHEST_DAYS = 800


def _may_open(request, url_name: str) -> bool:
    """Whether the reader may open a page (URL_ACCESS), so a link they cannot follow is not shown."""
    access = URL_ACCESS.get(url_name)
    return access is not None and isinstance(access.read, Capability) and can(request.roles, access.read)


def _chosen_staff(text: str | None, *, staff_ids: set[int], me: int) -> int | None:
    """Whose appointments: the one asked for (None for everyone); by default, one's own when one has a
    session that day, else everyone's. Someone without a session that day is everyone."""
    if text is None or text == "":
        return me if me in staff_ids else None
    if text == EVERYONE:
        return None
    asked = read_id(text)
    return asked if asked in staff_ids else None


@practice_required(Capability.VIEW_PATIENT)
def day(request):
    practice, today = request.practice, clock.today()
    now = timezone.localtime(clock.now())
    day_text = str(request.GET.get("day") or "")
    asked = read_iso_date(day_text) if day_text else None
    error = ""
    if day_text and (asked is None or abs((asked - today).days) > FURTHEST_DAYS):
        asked, error = None, "That date was not recognised, so today is shown."
    shown = asked or today
    staff = queries.day_staff(practice, shown)
    chosen = _chosen_staff(request.GET.get("staff"), staff_ids={pk for pk, _, _ in staff}, me=request.user.pk)
    appointments = queries.day_appointments(practice, shown, staff_id=chosen)
    patient_ids = [a.patient_id for a in appointments]
    facts = recall_queries.person_facts(practice, patient_ids) if patient_ids else {}
    details = queries.adjustment_details(patient_ids) if patient_ids else {}
    if patient_ids:
        audit.record_many(by=request.user, practice=practice, action=AuditEvent.Action.VIEW, what="booking.day",
                          patient_ids=patient_ids)
    choices = day_presenters.staff_choices(staff, chosen)
    staff_value = EVERYONE if chosen is None else str(chosen)
    who = next(c.text for c in choices if c.selected) if chosen is not None else ""
    previous_day, next_day = shown - dt.timedelta(days=1), shown + dt.timedelta(days=1)
    coming = None
    if not appointments:  # a weekend, or a day off: say when the next appointments are
        found = queries.next_booked_day(practice, shown, staff_id=chosen)
        if found is not None:
            coming = {"url": day_url(found[0], staff_value if request.GET.get("staff") else None), "text": short_day(found[0], today=today),
                      "count": f"{found[1]} appointment{'' if found[1] == 1 else 's'}"}
    return render(request, "booking/day.jinja", {
        "active_section": SECTION, "day": shown, "today": today, "is_today": shown == today, "error": error,
        "day_text": short_day(shown, today=today), "who": who, "staff_value": staff_value,
        "staff_choices": choices,
        "rows": day_presenters.rows(appointments, facts=facts, details=details, day=shown, today=today, now=now,
                                    clinical=can(request.roles, Capability.VIEW_CLINICAL),
                                    record_results=_may_open(request, "results:review")),
        "previous_url": day_url(previous_day, staff_value), "previous_label": short_day(previous_day, today=today),
        "next_url": day_url(next_day, staff_value), "next_label": short_day(next_day, today=today),
        "today_url": day_url(today), "day_list_url": reverse("booking:day"), "next_day": coming,
        "clinics_url": f"{reverse('clinics:week')}?week={monday_of(shown).isoformat()}",
    })


def back_url(form) -> str:
    """Back to the day list a form was posted from (its hidden `day` and `staff`), or "" when it was not."""
    shown = read_iso_date(str(form.get("day") or ""))
    if shown is None:
        return ""
    staff = str(form.get("staff") or "")
    return day_url(shown, EVERYONE if staff == EVERYONE else read_id(staff))


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def arrival(request, appointment_pk: int):
    """Record that the person has arrived ("Arrived"), or take it back ("Undo arrived", `undo`)."""
    practice = request.practice
    found = queries.appointment(practice, appointment_pk)
    if found is None:
        raise Http404("No such appointment in this practice")
    undo = request.POST.get("undo") == "yes"
    record = actions.undo_arrival if undo else actions.record_arrival
    try:
        done = record(practice=practice, by=request.user, appointment_id=found.pk,
                      version=read_version(request.POST.get("version")))
    except actions.BookingConflict:
        messages.error(request, "The appointment was changed by someone else while you were looking: check it below.")
    except actions.BookingError as exc:
        messages.error(request, str(exc))
    else:
        if undo:
            messages.success(request, f"The arrival for {done.start_time:%H:%M} was taken back.")
        else:
            messages.success(request, f"Arrived at {timezone.localtime(done.arrived_at):%H:%M}: the "
                                      f"{done.start_time:%H:%M} appointment.")
    return redirect(back_url(request.POST) or day_url(found.day))
