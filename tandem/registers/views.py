"""Registers, the data-quality worklist, risk tiers and cohorts. Views stay small: reads go
through queries (practice-scoped, audited), writes through actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from tandem.core import clock
from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import actions, presenters, queries, worklist
from .forms import CohortForm, TierSettingsForm
from .rules import cohorts as cohort_rules
from .rules import worklist as worklist_rules
from .rules.risk import FACTOR_LABELS, FACTORS, TIER_LABELS, TIERS

SECTION = "registers"
PAGE_SIZE = 50
REFRESH_RETURNS = {"index": "registers:index", "tiers": "registers:tiers", "worklist": "registers:worklist"}


def can_change(roles) -> bool:
    """Refreshing registers and saving cohorts: clinicians who edit the record, and the practice manager."""
    return can(roles, Capability.EDIT_CLINICAL) or can(roles, Capability.MANAGE_PRACTICE)


def _context(request, **extra):
    return {"active_section": SECTION, "can_change": can_change(request.roles),
            "can_manage": can(request.roles, Capability.MANAGE_PRACTICE),
            "can_view_clinical": can(request.roles, Capability.VIEW_CLINICAL), **extra}


@practice_required()
def index(request):
    practice = request.practice
    registered = queries.registered_patients(practice).count()
    return render(request, "registers/index.jinja", _context(
        request, rows=presenters.register_rows(queries.register_counts(practice), registered),
        registered=registered, last_refresh=presenters.refreshed_at(queries.last_refresh(practice)),
    ))


@require_POST
@practice_required()
def refresh(request):
    if not can_change(request.roles):
        raise PermissionDenied("Your role does not allow refreshing registers.")
    summary = actions.refresh_practice(practice=request.practice, by=request.user)
    messages.success(request, f"Registers and tiers worked out again: {summary.text()}.")
    return redirect(REFRESH_RETURNS.get(request.POST.get("next", ""), "registers:index"))


@practice_required(Capability.VIEW_CLINICAL)
def worklist_page(request):
    practice, today = request.practice, clock.today()
    check = request.GET.get("check") or None
    if check is not None and check not in worklist_rules.CHECK_BY_KEY:
        raise Http404("No such check")
    found = worklist.items(practice, today, check)
    context = _context(request, last_refresh=presenters.refreshed_at(queries.last_refresh(practice)))
    if check is None:
        context["groups"] = presenters.worklist_summary(found)
        return render(request, "registers/worklist.jinja", context)
    page = read_id(request.GET.get("page")) or 1
    rows, total = worklist.shown(practice=practice, found=found[check], by=request.user, today=today,
                                 offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    context.update(check=worklist_rules.CHECK_BY_KEY[check], rows=rows, total=total, page=page,
                   pages=max(1, -(-total // PAGE_SIZE)))
    return render(request, "registers/worklist_check.jinja", context)


@practice_required()
def tiers(request):
    report = queries.tier_report(request.practice)
    return render(request, "registers/tiers.jinja", _context(
        request, report=presenters.tier_report(report), thresholds=queries.thresholds_for(request.practice),
        factor_labels=FACTOR_LABELS, factors=FACTORS, tier_labels=TIER_LABELS, tier_keys=TIERS,
        last_refresh=presenters.refreshed_at(queries.last_refresh(request.practice)),
    ))


@practice_required(Capability.MANAGE_PRACTICE)
def tier_settings(request):
    practice = request.practice
    if request.method == "POST":
        form = TierSettingsForm(request.POST)
        if form.is_valid():
            actions.save_tier_settings(practice=practice, by=request.user, thresholds=form.thresholds())
            if "recalculate" in request.POST:
                actions.refresh_practice(practice=practice, by=request.user)
                messages.success(request, "Thresholds saved and tiers worked out again.")
                return redirect("registers:tiers")
            messages.success(request, "Thresholds saved. They apply from the next time tiers are worked out.")
            return redirect("registers:tier_settings")
    else:
        form = TierSettingsForm(thresholds=queries.thresholds_for(practice))
    return render(request, "registers/tier_settings.jinja", _context(
        request, form=form, factors=FACTORS, factor_labels=FACTOR_LABELS, tier_labels=TIER_LABELS,
        form_errors=presenters.error_list(form),
    ))


# --- Cohorts ------------------------------------------------------------------------------------


@practice_required(Capability.VIEW_PATIENT)
def cohort_list(request):
    practice = request.practice
    counts = queries.cohort_counts(practice)
    rows = [(c, presenters.cohort_description(c.definition), counts[c.pk]) for c in queries.cohorts(practice)]
    return render(request, "registers/cohorts.jinja", _context(request, rows=rows))


def _builder(request, *, cohort=None):
    if request.method == "POST":
        if not can_change(request.roles):
            raise PermissionDenied("Your role does not allow saving cohorts.")
        form = CohortForm(request.POST, require_name=True)
        if form.is_valid():
            try:
                saved = actions.save_cohort(practice=request.practice, by=request.user, name=form.cleaned_data["name"],
                                            definition=form.definition().to_json(), cohort=cohort)
            except cohort_rules.CohortError as exc:
                form.add_error("name", str(exc))
            else:
                messages.success(request, f"Cohort '{saved.name}' saved.")
                return redirect("registers:cohorts")
    elif cohort is not None:
        form = CohortForm(initial=CohortForm.initial_from(cohort.name, cohort.definition))
    else:
        form = CohortForm(initial={})
    count, sample = _preview(request, form)
    registers = presenters.register_options()
    return render(request, "registers/cohort_builder.jinja", _context(
        request, form=form, cohort=cohort, count=count, sample=sample,
        all_of_items=presenters.checkbox_items(registers, form["all_of"].value()),
        any_of_items=presenters.checkbox_items(registers, form["any_of"].value()),
        tier_items=presenters.checkbox_items([(t, TIER_LABELS[t]) for t in TIERS], form["tiers"].value()),
        frequent=queries.thresholds_for(request.practice).frequent_attendance,
        form_errors=presenters.error_list(form),
    ))


def _preview(request, form: CohortForm):
    """The count and sample for what the form holds (bound or initial); (None, []) if it is not valid."""
    if not form.is_bound:
        form = CohortForm(data=_as_data(form.initial))
    if not form.is_valid() and any(k != "name" for k in form.errors):
        return None, []
    try:
        definition = form.definition()
    except cohort_rules.CohortError:
        return None, []
    result = queries.cohort_preview(practice=request.practice, definition=definition, by=request.user)
    return presenters.preview(result, today=clock.today(), clinical=can(request.roles, Capability.VIEW_CLINICAL))


def _as_data(initial: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in initial.items():
        if isinstance(value, list):
            data.setlist(key, value)
        elif value not in (None, False):
            data[key] = "on" if value is True else str(value)
    return data


@practice_required(Capability.VIEW_PATIENT)
def cohort_new(request):
    return _builder(request)


@practice_required(Capability.VIEW_PATIENT)
def cohort_edit(request, cohort_id: int):
    return _builder(request, cohort=queries.get_cohort(practice=request.practice, pk=cohort_id))


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def cohort_preview(request):
    """htmx: the count and a sample of ten for the builder's current choices."""
    form = CohortForm(request.POST)
    count, sample = _preview(request, form)
    response = render(request, "registers/_cohort_preview.jinja", _context(
        request, form=form, count=count, sample=sample,
        form_errors=presenters.error_list(form, skip=("name",))))
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def cohort_delete(request, cohort_id: int):
    if not can_change(request.roles):
        raise PermissionDenied("Your role does not allow deleting cohorts.")
    cohort = queries.get_cohort(practice=request.practice, pk=cohort_id)
    name = cohort.name
    actions.delete_cohort(cohort=cohort, by=request.user)
    messages.success(request, f"Cohort '{name}' deleted.")
    return redirect("registers:cohorts")


# --- One patient, at the point of care -----------------------------------------------------------


@practice_required(Capability.VIEW_CLINICAL)
def patient_tier(request, pk: int):
    """A fragment for the patient summary: registers and tier worked out now, with the reasons."""
    patient, assessment = queries.patient_assessment(practice=request.practice, pk=pk, by=request.user)
    return render(request, "registers/_patient_tier.jinja", {"tier": presenters.patient_tier(patient.pk, assessment)})
