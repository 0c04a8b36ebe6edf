"""A primary care network's or ICB's practices side by side (/learn/groups/<id>/), for its leads: the
last 12 whole months' conversations, written plans agreed and given, the gap between them, check-ins
answered, and each practice's recorded changes; each practice's latest NoMAD round per construct;
continuity with the named clinician; emergency admissions and A&E attendances as indirectly age-sex
standardised ratios. Funnel plots (Spiegelhalter, 95% and 99.8% limits, adjusted for overdispersion) of
the share with a written plan and a copy, of contacts with the named clinician, and of each ratio, each
with its numbers as a table and in the CSV. Counts under 5 are shown as "fewer than 5" and left off the
plots. No person is named or linked."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.surveys import instruments as survey_instruments

from . import charts, group_queries
from . import funnel as funnel_rules
from . import rules as learn_rules
from .standardise import Standardised


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


# --- NoMAD --------------------------------------------------------------------------------------------

SCALES = tuple((s.key, s.title) for s in survey_instruments.nomad().scales)
FEWER_RESPONSES = "fewer than 5 responses"


def nomad_cells(found: group_queries.NomadRound | None) -> dict[str, str]:
    """A practice's latest closed round as shown: nothing of a round fewer than 5 answered, and no construct
    fewer than 5 scored (tandem.surveys.rules.report)."""
    if found is None:
        return {"round": "No closed round yet", "respondents": "", **{key: "" for key, _ in SCALES}}
    report = found.report
    ended = f"Round {found.number}, ended {found.ended_on.day} {found.ended_on:%B %Y}"
    if not report.shown:
        return {"round": ended,
                "respondents": FEWER_RESPONSES if report.respondents else "No responses",
                **{key: "Not shown" for key, _ in SCALES}}
    return {"round": ended,
            "respondents": report.respondents_words,
            **{key: report.scales[key].words for key, _ in SCALES}}


# --- Continuity -----------------------------------------------------------------------------------------

def named_plottable(named) -> bool:
    """The share of contacts with the named clinician is shown (and plotted) only for 5 or more people with
    a named clinician, and when neither the contacts with them nor the rest is 1 to 4."""
    return (named is not None and named.people >= learn_rules.SMALL_BELOW
            and not learn_rules.share_hidden(named.with_named, named.contacts))


def continuity_cells(named) -> dict[str, str]:
    cells = {"people": learn_rules.shown(named.people if named else 0).text,
             "contacts": learn_rules.shown(named.contacts if named else 0).text, "share": ""}
    if named_plottable(named):
        cells["share"] = f"{100 * named.with_named / named.contacts:.0f}%"
    elif named is not None and named.contacts:
        cells["share"] = learn_rules.HIDDEN
    return cells


# --- Outcomes -------------------------------------------------------------------------------------------

def hidden_counts(found: Standardised, *, of_people: bool) -> frozenset:
    """Which of "people" and "observed" are hidden: 1 to 4, and, when the observed are people among the
    people (in target, say), whichever would let a hidden rest be worked out (tandem.learn.rules.suppress)."""
    if not of_people:
        return learn_rules.suppress({"people": found.people, "observed": found.observed})
    return learn_rules.suppress({"people": found.people, "observed": found.observed,
                                 "rest": found.people - found.observed}, [("people", ("observed", "rest"))])


def ratio_shown(found: Standardised, *, of_people: bool = False) -> bool:
    """The ratio is shown unless nothing was expected or it would reveal a hidden count."""
    return found.ratio is not None and not hidden_counts(found, of_people=of_people)


def ratio_plottable(found: Standardised, *, of_people: bool = False) -> bool:
    """On the plot only with 5 or more observed (among 5 or more people), the ratio shown."""
    return ratio_shown(found, of_people=of_people) and found.observed >= learn_rules.SMALL_BELOW


def where(unit: funnel_rules.Unit | None) -> str:
    if unit is None:
        return ""
    if unit.outside998:
        return "Higher than expected (outside 99.8% limits)" if unit.value > unit.band.upper998 else \
            "Lower than expected (outside 99.8% limits)"
    if unit.outside95:
        return "Higher than expected (outside 95% limits)" if unit.value > unit.band.upper95 else \
            "Lower than expected (outside 95% limits)"
    return "Within the limits"


def outcome_cells(found: Standardised, unit: funnel_rules.Unit | None, *, of_people: bool = False) -> dict[str, str]:
    hidden = hidden_counts(found, of_people=of_people)
    people_hidden = "people" in hidden
    return {
        "people": learn_rules.shown(found.people, hidden=people_hidden).text,
        "observed": learn_rules.shown(found.observed, hidden="observed" in hidden).text,
        "expected": learn_rules.HIDDEN if people_hidden else (f"{found.expected:.1f}" if found.people else ""),
        "ratio": (f"{found.ratio:.2f}" if ratio_shown(found, of_people=of_people)
                  else (learn_rules.HIDDEN if hidden else "")),
        "where": where(unit),
    }


# --- The page -------------------------------------------------------------------------------------------

def _funnel(units, *, names, chart_id: str, title: str, x_label: str, y_label: str, fmt, **options):
    """The funnel plot and its units by practice id, or (None, {}) with fewer than 2 practices to plot."""
    if len(units) < 2:
        return None, {}
    plot = funnel_rules.funnel(units, **options)
    svg = charts.funnel_chart(plot, names=names, title=title, x_label=x_label, y_label=y_label, fmt=fmt,
                              chart_id=chart_id)
    return svg, {u.key: u for u in plot.units}


def groups(request):
    led = group_queries.groups_led_by(request.user)
    if len(led) == 1:
        return redirect(reverse("learn:group", args=[led[0].pk]))
    return render(request, "learn/groups.jinja", {"active_section": "learn", "groups": led})


def _page(request, group_id: int):
    group = group_queries.led_group(request.user, group_id)
    if group is None:
        raise Http404("No such group")
    today = clock.today()
    first, last = group_queries.window(today)
    practices = group_queries.practices_in(group)
    rows = group_queries.side_by_side(practices, first=first, last=last)
    return group, first, last, rows


def _measures(practices, *, first, last):
    """NoMAD, continuity and outcomes, each a fixed number of statements whatever the number of practices."""
    today = clock.today()
    names = {p.pk: p.name for p in practices}
    nomad = group_queries.nomad(practices, today=today)
    nomad_rows = [(p, nomad_cells(nomad.get(p.pk))) for p in practices]

    across = group_queries.continuity(practices, today=today)
    plotted = [(pk, n.with_named, n.contacts) for pk, n in across.named.items() if named_plottable(n)]
    svg, _units = _funnel(plotted, names=names, chart_id="funnel-named", data_type="PR", multiplier=100,
                          title="Contacts with the person's named clinician",
                          x_label="contacts of people with a named clinician",
                          y_label="% of contacts with their named clinician", fmt=charts.number(0))
    continuity = {"rows": [(p, continuity_cells(across.named.get(p.pk))) for p in practices],
                  "svg": svg, "since": across.since, "until": across.until or today,
                  "left_off": [p for p in practices if p.pk in across.named and not named_plottable(across.named[p.pk])]}

    outcomes = []
    for outcome in group_queries.outcomes(practices, first=first, last=last):
        of_people = outcome.of_people
        plotted = [(pk, f.observed, f.expected) for pk, f in outcome.by_practice.items()
                   if ratio_plottable(f, of_people=of_people)]
        svg, units = _funnel(plotted, names=names, chart_id=f"funnel-{outcome.key}", data_type="SR",
                             title=f"{outcome.label}: observed against expected for age and sex",
                             x_label=f"expected {'people' if of_people else outcome.label.lower()}",
                             y_label="observed / expected", fmt=charts.number(2))
        outcomes.append({
            "key": outcome.key, "label": outcome.label, "people": outcome.people, "svg": svg,
            "rows": [(p, outcome_cells(outcome.by_practice[p.pk], units.get(p.pk), of_people=of_people))
                     for p in practices],
            "left_off": [p for p in practices if outcome.by_practice[p.pk].people
                         and not ratio_plottable(outcome.by_practice[p.pk], of_people=of_people)]})
    return {"nomad_rows": nomad_rows, "scales": SCALES, "continuity": continuity, "outcomes": outcomes}


def group(request, group_id: int):
    group, first, last, rows = _page(request, group_id)
    plotted = [(r.practice.pk, r.with_copy, r.conversations) for r in rows if plottable(r)]
    svg, _units = _funnel(plotted, names={r.practice.pk: r.practice.name for r in rows}, chart_id="funnel-plans",
                          data_type="PR", multiplier=100,
                          title="People with a conversation who hold a written plan with a copy",
                          x_label="people with a care planning conversation",
                          y_label="% with a written plan and a copy", fmt=charts.number(0))
    measures = _measures([r.practice for r in rows], first=first, last=last)
    audit.record(by=request.user, practice=None, action=AuditEvent.Action.VIEW, what="learn.group",
                 detail={"group": group.pk, "practices": len(rows)})
    return render(request, "learn/group.jinja", {
        "active_section": "learn", "group": group, "rows": [(r, cells(r)) for r in rows], "first": first,
        "last": last, "svg": svg, "left_off": [r for r in rows if not plottable(r) and r.conversations],
        "none_yet": [r for r in rows if not r.conversations], "rule": learn_rules.SUPPRESSION_RULE, **measures})


def group_csv(request, group_id: int):
    group, first, last, rows = _page(request, group_id)
    measures = _measures([r.practice for r in rows], first=first, last=last)
    out = io.StringIO()
    writer = csv.writer(out)
    outcome_header = [f"{o['label']}: {column}" for o in measures["outcomes"]
                      for column in (o["people"], "observed", "expected", "observed / expected")]
    writer.writerow(["practice", "ods code", "registered", "conversations", "plans agreed", "plans with a copy",
                     "gap", "check-ins answered", "NoMAD round", "NoMAD staff who answered",
                     *[f"NoMAD {title} (1 to 5)" for _key, title in SCALES],
                     "people with a named clinician", "their contacts", "% of contacts with the named clinician",
                     *outcome_header])
    for index, r in enumerate(rows):
        c = cells(r)
        n = measures["nomad_rows"][index][1]
        k = measures["continuity"]["rows"][index][1]
        outcome_values = [o["rows"][index][1][column] for o in measures["outcomes"]
                          for column in ("people", "observed", "expected", "ratio")]
        writer.writerow([r.practice.name, r.practice.ods_code, c["registered"], c["conversations"], c["plans"],
                         c["with_copy"], c["gap"], c["checkins"], n["round"], n["respondents"],
                         *[n[key] for key, _title in SCALES], k["people"], k["contacts"], k["share"],
                         *outcome_values])
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
