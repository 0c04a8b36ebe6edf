"""The practice's continuity of care. The view stays small: the reads are in queries."""

from __future__ import annotations

from django.shortcuts import render

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from . import presenters, queries


@practice_required(Capability.VIEW_CLINICAL)
def practice(request):
    figures = queries.practice_continuity(request.practice, today=clock.today())
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                 what="continuity.practice", detail={"people": figures.everyone.people})
    return render(request, "continuity/practice.jinja", {"active_section": "registers", "page": presenters.page(figures)})


PAGE_SIZE = 50
MAX_PAGE = 100_000


@practice_required(Capability.VIEW_PATIENT)
def without_named(request):
    """People on a register without a named clinician, for whoever keeps the practice's list (the practice
    manager, administrators): how many, a page of them by name, each with a link to choose one. The
    people shown are audited as viewed."""
    practice = request.practice
    wanted = min(read_id(request.GET.get("page")) or 1, MAX_PAGE)  # beyond the last: an empty page
    total, rows = queries.without_named_clinician(practice, offset=(wanted - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    if rows:
        audit.record_many(by=request.user, practice=practice, action=AuditEvent.Action.VIEW,
                          what="continuity.without_named", patient_ids=[r.patient_id for r in rows])
    return render(request, "continuity/without_named.jinja", {
        "active_section": "registers",
        "page": presenters.without_named(total, rows, page=wanted, page_size=PAGE_SIZE,
                                         back=request.get_full_path()),
    })
