"""A primary care network's or ICB's practices side by side (/learn/groups/<id>/), for its leads: the
last 12 whole months' conversations, written plans agreed and given, the gap between them, check-ins
answered, and each practice's recorded changes; and a funnel plot (Spiegelhalter, 95% and 99.8% limits,
adjusted for overdispersion) of the share of people with a conversation who hold a written plan with a
copy. Counts under 5 are shown as "fewer than 5" and left off the plot. No person is named or linked."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import audit, clock
from tandem.core.models import AuditEvent

from . import charts, group_queries
from . import funnel as funnel_rules
from . import rules as learn_rules


def cells(row: group_queries.Row) -> dict[str, str]:
    """A practice's row as shown: counts of 1 to 4 are "fewer than 5", and within conversations = people
    with a plan and a copy + the gap, one hidden part hides another (tandem.learn.rules.suppress)."""
    counts = {"registered": row.registered, "conversations": row.conversations, "plans": row.plans,
              "with_copy": row.with_copy, "gap": row.gap, "checkins": row.checkins}
    hidden = learn_rules.suppress(counts, [("conversations", ("with_copy", "gap"))])
    return {key: learn_rules.shown(n, hidden=key in hidden).text for key, n in counts.items()}


def plottable(row: group_queries.Row) -> bool:
    """On the funnel plot only when neither the people nor the share reveals a small count."""
    return not learn_rules.share_hidden(row.with_copy, row.conversations) and row.with_copy <= row.conversations


def groups(request):
    led = group_queries.groups_led_by(request.user)
    if len(led) == 1:
        return redirect(reverse("learn:group", args=[led[0].pk]))
    return render(request, "learn/groups.jinja", {"active_section": "learn", "groups": led})


def _page(request, group_id: int):
    group = group_queries.led_group(request.user, group_id)
    if group is None:
        raise Http404("No such group")
    first, last = group_queries.window(clock.today())
    practices = group_queries.practices_in(group)
    rows = group_queries.side_by_side(practices, first=first, last=last)
    return group, first, last, rows


def group(request, group_id: int):
    group, first, last, rows = _page(request, group_id)
    plotted = [(r.practice.pk, r.with_copy, r.conversations) for r in rows if plottable(r)]
    svg = None
    if len(plotted) >= 2:
        plot = funnel_rules.funnel(plotted, data_type="PR", multiplier=100)
        svg = charts.funnel_chart(plot, names={r.practice.pk: r.practice.name for r in rows},
                                  title="People with a conversation who hold a written plan with a copy",
                                  x_label="people with a care planning conversation",
                                  y_label="% with a written plan and a copy", fmt=charts.number(0))
    audit.record(by=request.user, practice=None, action=AuditEvent.Action.VIEW, what="learn.group",
                 detail={"group": group.pk, "practices": len(rows)})
    return render(request, "learn/group.jinja", {
        "active_section": "learn", "group": group, "rows": [(r, cells(r)) for r in rows], "first": first,
        "last": last, "svg": svg, "left_off": [r for r in rows if not plottable(r) and r.conversations],
        "none_yet": [r for r in rows if not r.conversations], "rule": learn_rules.SUPPRESSION_RULE})


def group_csv(request, group_id: int):
    group, first, last, rows = _page(request, group_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["practice", "ods code", "registered", "conversations", "plans agreed", "plans with a copy",
                     "gap", "check-ins answered"])
    for r in rows:
        c = cells(r)
        writer.writerow([r.practice.name, r.practice.ods_code, c["registered"], c["conversations"], c["plans"],
                         c["with_copy"], c["gap"], c["checkins"]])
    audit.record(by=request.user, practice=None, action=AuditEvent.Action.EXPORT, what="learn.group",
                 detail={"group": group.pk, "practices": len(rows)})
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{group.code}-care-planning.csv"'
    return response


urlpatterns = [
    path("groups/", groups, name="groups"),
    path("groups/<id:group_id>/", group, name="group"),
    path("groups/<id:group_id>/table.csv", group_csv, name="group_csv"),
]
