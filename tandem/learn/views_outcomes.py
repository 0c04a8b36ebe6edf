"""Is care planning changing anything, and for whom: /learn/outcomes/ (the reads are in outcomes)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability
from tandem.registers.rules.registers import display_names

from . import outcomes as oc
from . import rules
from .views_funnel import _csv

GROUPS = (("planned", "Care planned"), ("comparison", "Not yet care planned"))


def _columns() -> list[tuple[str, str, str]]:
    """(kind, key, heading) of every figure, in the table's order."""
    return ([("measures", k, f"{label} ({unit})") for k, label, unit in oc.MEASURES]
            + [("targets", k, label) for k, label in oc.TARGETS]
            + [("rates", k, f"{label} per person-year") for k, label in oc.RATES])


@practice_required(Capability.VIEW_CLINICAL)
def outcomes(request):
    today = clock.today()
    result = oc.outcomes(request.practice, today=today, register_names=display_names())
    table = oc.shown_table(result)
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="learn.outcomes")
    columns = _columns()
    if request.GET.get("format") == "csv":
        header = ["Split", "Group of people", "Care planned or not", "People"]
        for _kind, _key, heading in columns:
            header += [f"{heading}: people with both", f"{heading}: year before", f"{heading}: year after",
                       f"{heading}: change", f"{heading}: difference from those not yet care planned"]
        rows = []
        for split in table:
            for row in split["rows"]:
                for group, group_label in GROUPS:
                    g = row["groups"][group]
                    line = [split["label"], row["label"], group_label, g["people"]]
                    for kind, key, _heading in columns:
                        f = g[kind][key]
                        line += [f.n, f.before, f.after, f.change,
                                 row["difference"][f"{kind}:{key}"] if group == "planned" else ""]
                    rows.append(line)
        return _csv(f"care-planning-outcomes-{today.isoformat()}.csv", header, rows)
    return render(request, "learn/outcomes.jinja", {
        "active_section": "learn", "result": result, "table": table, "columns": columns, "groups": GROUPS,
        "rule": rules.SUPPRESSION_RULE, "csv_url": "?format=csv",
        "too_recent": rules.shown(result.too_recent).text,
    })


urlpatterns = [path("outcomes/", outcomes, name="outcomes")]
