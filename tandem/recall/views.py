"""The recall board, one person's review, sending invitations, CSV export and recall settings.

Views stay small: reads through queries (practice-scoped, audited), writes through actions.
The board's filters are in the URL; the search text is POSTed and kept in the session (as the
patient search does) so names and NHS numbers never appear in URLs, browser history or logs.
"""

from __future__ import annotations

import csv
import functools
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from tandem.clinics import queries as clinic_queries
from tandem.core import clock
from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.redirects import safe_path
from tandem.core.rules import Capability, can
from tandem.jobs import presenters as job_presenters
from tandem.jobs import queries as job_queries
from tandem.messaging import queries as messaging_queries
from tandem.patients.queries import get_patient
from tandem.team import queries as team_queries
from tandem.team.rules import Step, holders_text
from tandem.terminology import codelists

from . import actions, presenters, queries, stored
from .forms import MONTH_CHOICES, ResponseForm, SettingsForm
from .rules import dates
from .rules.protocols import GP, HCA, NURSE, PHARMACIST
from .rules.status import STATUS_LABELS, ResponseNotAllowed, Status

SECTION = "recall"
SEARCH_KEY = "tandem_recall_search"

WHEN_LABELS = {
    queries.BOTH: "This month and next", queries.THIS_MONTH: "This month", queries.NEXT_MONTH: "Next month",
    queries.OVERDUE: "Earlier months, not yet done", queries.WHOLE_YEAR: "The whole review year",
}
ROLE_LABELS = {HCA: "Health care assistant", NURSE: "Nurse", PHARMACIST: "Pharmacist", GP: "GP"}
TIER_CHOICES = [("case_management", "Case management"), ("disease_management", "Disease management"),
                ("self_care", "Self-care support")]


def _now():
    """The practice's local time now (decides whether a booked appointment is over)."""
    return timezone.localtime(clock.now()).replace(tzinfo=None)


def _context(request, **extra) -> dict:
    return {"active_section": SECTION, "can_manage": can(request.roles, Capability.MANAGE_PRACTICE), **extra}


def _filters(request) -> queries.BoardFilters:
    get = request.GET
    when = get.get("when", queries.BOTH)
    status = get.get("status", "")
    cohort = get.get("cohort", "")
    tier = get.get("tier", "")
    condition = get.get("condition", "")
    saved = request.session.get(SEARCH_KEY) or {}
    return queries.BoardFilters(
        when=when if when in queries.WHEN_CHOICES else queries.BOTH,
        status=status if status in {s.value for s in Status} | {queries.OPEN_STATUSES} else "",
        cohort_id=read_id(cohort),
        # Administrators see no clinical detail (docs/roles.md): no risk tier, and no filtering by it.
        tier=tier if tier in dict(TIER_CHOICES) and can(request.roles, Capability.VIEW_CLINICAL) else "",
        condition=condition if condition in codelists.LTC_SLUGS else "",
        search=saved.get("text", "") if saved.get("practice") == request.practice.pk else "",
    )


def _query_string(filters: queries.BoardFilters, **more) -> str:
    values = {"when": filters.when, "status": filters.status, "cohort": filters.cohort_id or "",
              "tier": filters.tier, "condition": filters.condition, **more}
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _board_url(filters: queries.BoardFilters, **more) -> str:
    query = _query_string(filters, **more)
    return reverse("recall:board") + (f"?{query}" if query else "")


_UNREAD = object()


def _send_job(practice, today):
    """The latest sending job, shown while it runs and on the day it ran."""
    return job_presenters.shown_on_page(job_queries.latest(practice=practice, kind=actions.SEND_JOB), today=today)


def _options(pairs, chosen) -> list[dict]:
    return [{"value": value, "text": text, "selected": str(value) == str(chosen or "")} for value, text in pairs]


def _filter_selects(filters: queries.BoardFilters, cohorts) -> list[dict]:
    statuses = [("", "Any status"), (queries.OPEN_STATUSES, "Not done yet")]
    statuses += [(s.value, label) for s, label in STATUS_LABELS.items()]
    return [
        {"id": "when", "label": "Due", "options": _options(WHEN_LABELS.items(), filters.when)},
        {"id": "status", "label": "Status", "options": _options(statuses, filters.status)},
        {"id": "cohort", "label": "Cohort",
         "options": _options([("", "Everyone")] + [(c.pk, c.name) for c in cohorts], filters.cohort_id)},
        {"id": "tier", "label": "Risk tier", "options": _options([("", "Any tier"), *TIER_CHOICES], filters.tier)},
        {"id": "condition", "label": "Condition",
         "options": _options([("", "Any condition")] + [(s, codelists.display_name(s)) for s in codelists.LTC_SLUGS],
                           filters.condition)},
    ]


@practice_required(Capability.VIEW_PATIENT)
def board(request):
    practice, today = request.practice, clock.today()
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(SEARCH_KEY, None)
        else:
            request.session[SEARCH_KEY] = {"practice": practice.pk, "text": request.POST.get("q", "")[:200]}
        return redirect(_board_url(_filters(request)))
    filters = _filters(request)
    page_number = read_id(request.GET.get("page")) or 1
    error = ""
    known = stored.state(practice.pk)
    counted = queries.board_summary(practice, today=today, known=known)
    try:
        page = queries.board(practice=practice, by=request.user, filters=filters, today=today, page=page_number,
                             summary=counted)
    except queries.BadFilter as exc:
        error = str(exc)
        page = queries.BoardPage(rows=[], total=0, page=1, pages=1, page_size=queries.PAGE_SIZE)
    settings = queries.settings_for(practice)
    job = _send_job(practice, today)
    this = dates.first_of_month(today)
    view_rows = presenters.rows(page.rows, policy=settings.policy(), today=today, now=_now(), settings=settings)
    return render(request, "recall/board.jinja", _context(
        request,
        rows=view_rows, rows_html=functools.partial(presenters.rows_html, view_rows),
        page=page, filters=filters, error=error, form_errors=[error] if error else [],
        **_summary_context(practice, today, job=job, settings=settings, counted=counted),
        filter_selects=_filter_selects(filters, queries.cohorts(practice)), job=job,
        settings_summary=presenters.settings_summary(settings), review_year=dates.review_year_label(
            dates.review_year_of(today)),
        this_month=dates.month_label(this), unplanned=queries.unplanned_count(practice, today=today, known=known),
        last_planned=queries.last_planned(practice),
        export_url=reverse("recall:export") + (f"?{_query_string(filters)}" if _query_string(filters) else ""),
        page_url=lambda n: _board_url(filters, page=n), board_url=_board_url(filters),
        pages_shown=page.pages > 1,
    ))


@practice_required(Capability.VIEW_PATIENT)
def export(request):
    today = clock.today()
    filters = _filters(request)
    try:
        items = queries.export_rows(practice=request.practice, by=request.user, filters=filters, today=today)
    except queries.BadFilter as exc:
        messages.error(request, str(exc))
        return redirect(_board_url(filters))
    settings = queries.settings_for(request.practice)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheets read the file as UTF-8
    csv.writer(buffer).writerows(presenters.csv_rows(
        presenters.rows(items, policy=settings.policy(), today=today, now=_now(), settings=settings),
        clinical=can(request.roles, Capability.VIEW_CLINICAL)))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recall-{today.isoformat()}.csv"'
    return response


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def plan(request):
    summary = actions.plan_reviews(practice=request.practice, by=request.user)
    parts = [f"{summary.created:,} new {'review' if summary.created == 1 else 'reviews'} planned"]
    if summary.withdrawn:
        parts.append(f"{summary.withdrawn:,} no longer needed")
    if summary.reopened:
        parts.append(f"{summary.reopened:,} needed again")
    messages.success(request, "The list is up to date with the registers: " + ", ".join(parts) + ".")
    return redirect(reverse("recall:board"))


@practice_required(Capability.VIEW_PATIENT)
def send(request):
    """Before sending: how many first invitations the coming weeks' staff time can absorb. Staff send
    that many (and every reminder due); sending more needs the practice manager's explicit
    confirmation. Anything wrong is a 400 with the reason, and nothing is sent."""
    practice, today = request.practice, clock.today()
    steps = team_queries.who_does(practice)
    may_send = steps.holds(Step.INVITATIONS, request.roles)
    if request.method == "POST" and not may_send:
        raise PermissionDenied(f"At this practice invitations are sent by: {holders_text(steps, Step.INVITATIONS)}.")
    preview = actions.preview_sending(practice=practice, month=today, today=today, ids=False)
    can_confirm = can(request.roles, Capability.MANAGE_PRACTICE)
    error = ""
    if request.method == "POST":
        beyond = request.POST.get("scope") == "all"
        if beyond and not can_confirm:
            error = "Only the practice manager can send more invitations than the staff time can absorb."
        elif beyond and request.POST.get("confirm") != "yes" and preview.beyond:
            error = (f"Confirm that you want to send {preview.beyond:,} more "
                     f"{'invitation' if preview.beyond == 1 else 'invitations'} than the staff time can absorb")
        else:
            job = actions.request_sending(practice=practice, by=request.user, beyond_capacity=beyond)
            messages.success(request, f"Sending this month's invitations: "
                                      f"{job_presenters.progress(job).state_label.lower()}.")
            return redirect(reverse("recall:board") + "#send")
    return render(request, "recall/send.jinja", _context(
        request, preview=preview, can_confirm=can_confirm, error=error, form_errors=[error] if error else [],
        may_send=may_send, senders=holders_text(steps, Step.INVITATIONS),
        this_month=dates.month_label(dates.first_of_month(today)),
        capacity=presenters.capacity(queries.capacity(practice=practice, months=_coming(today), today=today)),
    ), status=400 if error else 200)


def _coming(today):
    this = dates.first_of_month(today)
    return [this, dates.add_months(this, 1)]


@practice_required(Capability.VIEW_PATIENT)
def summary(request):
    """The board's counts and staff time, swapped in by htmx while a sending job runs (and once after
    it finishes), so they never stay stale."""
    practice, today = request.practice, clock.today()
    response = render(request, "recall/_summary.jinja", _context(request, **_summary_context(practice, today)))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _summary_context(practice, today, *, job=_UNREAD, settings=None, counted=None) -> dict:
    """The board's summary; a page that has already read the sending job, the settings or the
    counts and staff time (queries.board_summary) passes them."""
    months = _coming(today)
    if counted is None:
        counted = queries.board_summary(practice, today=today)
    counts = counted.counts
    if job is _UNREAD:
        job = _send_job(practice, today)
    return {
        "capacity": presenters.capacity(queries.capacity(practice=practice, months=months, today=today,
                                                         settings=settings, summary=counted)),
        "months": [(dates.month_label(m), [(label, counts[m][s.value]) for s, label in STATUS_LABELS.items()
                                           if counts[m].get(s.value)]) for m in months],
        "summary_polling": job is not None and not job.finished,
    }


@practice_required(Capability.VIEW_PATIENT)
def forecast(request):
    """The weeks ahead: minutes the open reviews need, week by week, against the minutes held."""
    practice, today = request.practice, clock.today()
    return render(request, "recall/forecast.jinja", _context(
        request, forecast=queries.forecast(practice, today=today),
        review_year=dates.review_year_label(dates.review_year_of(today))))


def _safe_next(value: str) -> str:
    return safe_path(value, within=reverse("recall:board"))


def _review_page(request, patient, *, form=None, status=200, back=""):
    today = clock.today()
    review = queries.current_review(practice=request.practice, patient_id=patient.pk, today=today)
    context = _context(request, patient=presenters.patient_heading(patient), patient_id=patient.pk,
                       review=None, form=form, back_url=back,
                       form_errors=[e for errs in form.errors.values() for e in errs] if form is not None else [],
                       review_year=dates.review_year_label(dates.review_year_of(today)), today=today)
    if review is not None:
        facts = queries.person_facts(request.practice, [patient.pk]).get(patient.pk, queries.PersonFacts())
        item = queries.BoardRow(review=review, patient=patient, facts=facts, plan=queries.plan_for(facts, today=today))
        settings = queries.settings_for(request.practice)
        events, invitations, exceptions = queries.review_history(review)
        context.update(
            review=presenters.row(item, policy=settings.policy(), today=today, now=_now(),
                                  due=queries.due_explanation(item, settings)),
            plan=item.plan, review_pk=review.pk,
            history=presenters.history(events, invitations), exceptions=presenters.exception_lines(exceptions),
            topics=[t.item.name for t in item.plan.conversation.topics], role_names=ROLE_LABELS,
            link_status=messaging_queries.current_links(request.practice, "invitation", [review.pk],
                                                        now=clock.now()).get(review.pk),
            link_next=request.get_full_path(),
        )
    return render(request, "recall/review.jinja", context, status=status)


@practice_required(Capability.VIEW_PATIENT)
def review(request, patient_id: int):
    patient = get_patient(practice=request.practice, pk=patient_id, by=request.user, what="recall.review")
    return _review_page(request, patient, back=_safe_next(request.GET.get("next", "")))


@practice_required(Capability.VIEW_PATIENT)
def respond(request, patient_id: int):
    """Record a response (POST). Done, it returns to the board (when sent from there) or the review page.
    Anything wrong is shown on the review page (400, with the error summary), changing nothing."""
    patient = get_patient(practice=request.practice, pk=patient_id, by=request.user, what="recall.review")
    if request.method != "POST":
        return redirect("recall:review", patient_id=patient.pk)
    today = clock.today()
    back = _safe_next(request.POST.get("next", ""))
    current = queries.current_review(practice=request.practice, patient_id=patient.pk, today=today)
    form = ResponseForm(request.POST, today=today)
    problem = ""
    if current is None:
        problem = "This person has no review this year."
    elif form.is_valid():
        try:
            actions.record_response(review=current, response=form.cleaned_data["response"], by=request.user,
                                    on=form.on, appointment_on=form.appointment_on,
                                    appointment_time=form.appointment_time)
        except ResponseNotAllowed as exc:
            problem = str(exc)
        else:
            label = dict(form.fields["response"].choices)[form.cleaned_data["response"]]
            messages.success(request, f"Recorded for {patient.full_name}: {label.lower()}.")
            return redirect(back or reverse("recall:review", kwargs={"patient_id": patient.pk}))
    if problem:
        form.add_error(None, problem)
    return _review_page(request, patient, form=form, status=400, back=back)


@practice_required(Capability.MANAGE_PRACTICE)
def settings_page(request):
    practice = request.practice
    current = queries.settings_for(practice)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                _, moved = actions.save_settings(practice=practice, by=request.user, change=form.change())
            except actions.SettingsError as exc:
                form.add_error(None, str(exc))
            else:
                note = f" {moved:,} reviews not yet invited moved to their new due month." if moved else ""
                messages.success(request, "Recall settings saved." + note)
                return redirect("recall:settings")
    else:
        form = SettingsForm(initial=SettingsForm.initial_from(current))
    errors = [(name, e) for name, errs in form.errors.items() for e in errs]
    return render(request, "recall/settings.jinja", _context(
        request, form=form, errors=errors, form_errors=[e for _, e in errors],
        condition_rows=form.condition_rows(), month_choices=MONTH_CHOICES,
        sessions_kept=clinic_queries.has_sessions(practice),
    ), status=400 if form.errors else 200)
