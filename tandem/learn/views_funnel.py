"""Is care planning happening: the cycle counted (/learn/), the people at a step (/learn/step/<step>/) and the
written-plan gap by month. The reads are in funnel_queries; small numbers are hidden (rules.suppress)."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id, read_int
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability
from tandem.patients.rules import format_nhs_number
from tandem.recall.rules.dates import review_year_label, review_year_of
from tandem.recall.rules.export import safe_cell
from tandem.registers.rules.registers import display_names

from . import funnel_queries as fq
from . import rules

PAGE_SIZE = 50
MAX_PAGE = 100_000
FIRST_YEAR = 2015


def read_year(request) -> int:
    """?year= (a review year, 2026 = April 2026 to March 2027), or this review year when absent or not one."""
    this = review_year_of(clock.today())
    raw = request.GET.get("year")
    read = read_int(raw, label="Year", minimum=FIRST_YEAR, maximum=this + 1) if raw else None
    return read.value if read is not None and read.value is not None else this


def year_choices(year: int) -> list[dict]:
    this = review_year_of(clock.today())
    return [{"value": str(y), "text": review_year_label(y), "selected": y == year}
            for y in range(this, max(FIRST_YEAR, this - 4) - 1, -1)]


def _filters(request) -> tuple[fq.Filters, str]:
    try:
        return fq.read_filters(request.GET, display_names()), ""
    except fq.BadFilter as exc:
        return fq.Filters(), str(exc)


FILTER_LABELS = {"condition": "Condition", "conditions": "Number of conditions", "tier": "Tier", "age": "Age band",
                 "sex": "Sex", "imd": "Deprivation (IMD quintile)", "ethnicity": "Ethnic group"}


def filters_in_words(filters: fq.Filters) -> str:
    """The filters chosen, for the page and its printout: "Condition: COPD; Age band: 60 to 69"."""
    choices = fq.filter_choices(display_names())
    return "; ".join(f"{FILTER_LABELS[name]}: {choices[name][value]}" for name, value in filters.as_params().items())


def filter_selects(filters: fq.Filters) -> list[dict]:
    labels = FILTER_LABELS
    out = []
    for name, allowed in fq.filter_choices(display_names()).items():
        chosen = getattr(filters, name)
        out.append({"id": name, "label": labels[name], "options": [{"value": "", "text": "All"}] + [
            {"value": k, "text": v, "selected": k == chosen} for k, v in allowed.items()]})
    return out


def _query(year: int, filters: fq.Filters, **more) -> str:
    return "?" + urlencode({"year": year, **filters.as_params(), **more})


def funnel_rows(steps: list[fq.Step], *, year: int, filters: fq.Filters) -> list[dict]:
    """The table and chart rows: each count as shown, its share of those on a register, and a bar width."""
    base = steps[0].count
    biggest = max((s.count for s in steps), default=0)
    rows = []
    for s in steps:
        shown = rules.shown(s.count)
        if not base:
            share = ""
        elif shown.hidden or rules.is_small(base):
            share = rules.HIDDEN
        else:
            share = f"{100 * s.count / base:.0f}%"
        rows.append({"key": s.key, "label": s.label, "help": s.help, "count": shown.text, "hidden": shown.hidden,
                     "value": shown.value, "share": share,
                     "width": 0 if shown.hidden or not biggest else round(100 * s.count / biggest, 1),
                     "url": reverse("learn:step", args=[s.key]) + _query(year, filters)})
    return rows


def gap_rows(months: list[fq.GapMonth]) -> tuple[list[dict], dict]:
    """Each month's people with a conversation, with a written plan, and the gap, small numbers hidden (each
    month's held = written + gap, and the months add up to the year)."""
    counts: dict[tuple, int] = {}
    for i, m in enumerate(months):
        counts[(i, "held")], counts[(i, "written")], counts[(i, "gap")] = m.held, m.written, m.gap
    total = {"held": sum(m.held for m in months), "written": sum(m.written for m in months)}
    total["gap"] = total["held"] - total["written"]
    for k, v in total.items():
        counts[("all", k)] = v
    keys = [*range(len(months)), "all"]
    groups = [((k, "held"), ((k, "written"), (k, "gap"))) for k in keys]
    groups += [(("all", c), tuple((i, c) for i in range(len(months)))) for c in ("held", "written", "gap")]
    hidden = rules.suppress(counts, groups)

    def cell(k, c):
        return rules.shown(counts[(k, c)], hidden=(k, c) in hidden)

    def share(k):
        held, written = counts[(k, "held")], counts[(k, "written")]
        if (k, "held") in hidden or (k, "written") in hidden or not held:
            return ""
        return f"{100 * written / held:.0f}%"

    rows = [{"month": m.month.strftime("%B %Y"), "held": cell(i, "held"), "written": cell(i, "written"),
             "gap": cell(i, "gap"), "share": share(i)} for i, m in enumerate(months)]
    year = {"month": "The year so far", "held": cell("all", "held"), "written": cell("all", "written"),
            "gap": cell("all", "gap"), "share": share("all")}
    return rows, year


def _cell(value) -> str:
    """A number as it is (a change of -15.0 stays a number); any other text made spreadsheet-safe (a name
    that starts with = is not run as a formula: tandem.recall.rules.export)."""
    text = "" if value is None else str(value)
    try:
        float(text.replace(",", "").removesuffix("%").removesuffix(" points"))
        return text
    except ValueError:
        return safe_cell(text)


def _csv(name: str, header: list[str], rows: list[list]) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@practice_required(Capability.VIEW_CLINICAL)
def dashboard(request):
    practice, today = request.practice, clock.today()
    year = read_year(request)
    filters, error = _filters(request)
    steps = fq.funnel(practice, year=year, filters=filters)
    rows = funnel_rows(steps, year=year, filters=filters)
    gap, gap_year = gap_rows(fq.gap_by_month(practice, year=year, today=today, filters=filters))
    audit.record(by=request.user, practice=practice, action=AuditEvent.Action.VIEW, what="learn.funnel",
                 detail={"year": year, **filters.as_params()})
    label = review_year_label(year)
    if request.GET.get("format") == "csv":
        what = request.GET.get("table")
        if what == "gap":
            return _csv(f"written-plan-gap-{year}.csv",
                        ["Month of first conversation", "Conversation held", "Written plan (agreed, copy given)",
                         "Gap", "Share with a written plan"],
                        [[r["month"], r["held"].text, r["written"].text, r["gap"].text, r["share"]]
                         for r in [*gap, gap_year]])
        return _csv(f"care-planning-cycle-{year}.csv", ["Step", "People", "Share of those on a register"],
                    [[r["label"], r["count"], r["share"]] for r in rows])
    return render(request, "learn/dashboard.jinja", {
        "active_section": "learn", "year": year, "year_label": label, "years": year_choices(year),
        "rows": rows, "gap": gap, "gap_year": gap_year, "error": error, "filters": filters,
        "filters_text": filters_in_words(filters),
        "filter_selects": filter_selects(filters), "rule": rules.SUPPRESSION_RULE,
        "csv_url": _query(year, filters, format="csv"), "gap_csv_url": _query(year, filters, format="csv", table="gap"),
        "outcomes_url": reverse("learn:outcomes"),
    }, status=400 if error else 200)


@practice_required(Capability.VIEW_CLINICAL)
def step(request, step: str):
    """The people at one step (staff who may see clinical detail): a page of them by name, each audited."""
    if step not in fq.STEP_LABELS:
        raise Http404("No such step")
    practice = request.practice
    year = read_year(request)
    filters, error = _filters(request)
    wanted = min(read_id(request.GET.get("page")) or 1, MAX_PAGE)
    total, people = fq.people_at_step(practice, year=year, step=step, filters=filters,
                                      offset=(wanted - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    if people:
        audit.record_many(by=request.user, practice=practice, action=AuditEvent.Action.VIEW, what="learn.step",
                          patient_ids=[p.patient_id for p in people], detail={"step": step, "year": year})
    rows = [{"name": f"{p.given_name} {p.family_name}", "nhs_number": format_nhs_number(p.nhs_number),
             "born": p.date_of_birth.strftime("%-d %B %Y"), "url": reverse("patients:summary", args=[p.patient_id])}
            for p in people]
    if request.GET.get("format") == "csv":
        return _csv(f"{step}-{year}-page-{wanted}.csv", ["Name", "NHS number", "Date of birth"],
                    [[r["name"], r["nhs_number"], p.date_of_birth.isoformat()] for r, p in zip(rows, people, strict=True)])
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "learn/step.jinja", {
        "active_section": "learn", "step": step, "label": fq.STEP_LABELS[step], "help": fq.STEP_HELP[step],
        "year": year, "year_label": review_year_label(year), "total": total, "rows": rows, "page": wanted,
        "pages": pages, "error": error, "filters": filters, "filters_text": filters_in_words(filters),
        "back_url": reverse("learn:dashboard") + _query(year, filters),
        "csv_url": _query(year, filters, format="csv", page=wanted),
        "previous_url": _query(year, filters, page=wanted - 1) if wanted > 1 else "",
        "next_url": _query(year, filters, page=wanted + 1) if wanted < pages else "",
    }, status=400 if error else 200)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("step/<slug:step>/", step, name="step"),
]
