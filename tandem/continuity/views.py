"""The practice's continuity of care. The view stays small: the reads are in queries."""

from __future__ import annotations

from django.shortcuts import render

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from . import presenters, queries


@practice_required(Capability.VIEW_CLINICAL)
def practice(request):
    figures = queries.practice_continuity(request.practice, today=clock.today())
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                 what="continuity.practice", detail={"people": figures.everyone.people})
    return render(request, "continuity/practice.jinja", {"active_section": "registers", "page": presenters.page(figures)})
