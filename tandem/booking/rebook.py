"""People to re-book: appointments in sessions that will no longer be held (staff leave, a bank
holiday, or cancelled by the practice). Each keeps its place until it is moved or cancelled, so
nobody is dropped; the list is where staff find them and move them to another time."""

from __future__ import annotations

from django.shortcuts import render

from tandem.clinics.rules.sessions import CANCELLED_LABELS
from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import presenters, queries
from .rules import KIND_LABELS, Kind


def _why(session) -> str:
    label = CANCELLED_LABELS.get(session.cancelled, "Not held")
    note = session.leave.note if session.leave is not None else session.note
    return f"{label}: {note}" if note and note != label else label


@practice_required(Capability.VIEW_PATIENT)
def rebook(request):
    today = clock.today()
    rows = queries.to_rebook(request.practice, today=today)
    audit.record_many(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                      what="booking.rebook", patient_ids=sorted({a.patient_id for a in rows}))
    return render(request, "booking/rebook.jinja", {
        "active_section": "clinics", "can_manage": can(request.roles, Capability.MANAGE_PRACTICE),
        "rows": [{
            "appointment": a, "kind": KIND_LABELS[Kind(a.kind)], "day": presenters.day_text(a.day),
            "why": _why(a.session),
        } for a in rows],
    })
