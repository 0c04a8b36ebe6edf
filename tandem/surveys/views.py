"""Staff pages of surveys.

    /surveys/staff/           the staff survey's rounds: open one (the practice manager), close it early
    /surveys/staff/answer/    the NoMAD questions, for a member of staff to answer once a round, signed in
    /surveys/staff/report/    per construct over rounds (closed rounds only; nothing for fewer than 5);
                              ?format=csv downloads the table
    /surveys/people/          people's answers after care planning: PACIC subscales and the GP Patient
                              Survey's care planning questions, per year; ?format=csv downloads the table
    /surveys/export/          every answer as FHIR (a Bundle of the Questionnaires and QuestionnaireResponses;
                              staff answers name no one)

Reports show sets of answers only, never one person's; staff answers are never tied to who gave them."""

from __future__ import annotations

import csv
import io
import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id, read_int, read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can

from . import actions, fhir, instruments, presenters, queries, rules

app_name = "surveys"


def _csv(name: str, header: list[str], rows: list[list]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@practice_required(Capability.MANAGE_PRACTICE)
def staff_rounds(request):
    today = clock.today()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.POST.get("do") == "close":
            round_id, revision = read_id(request.POST.get("round")), read_version(request.POST.get("revision"))
            if round_id is None or revision is None:
                errors["round"] = "That survey round was not found. Reload the page and try again."
            else:
                try:
                    actions.close_round(practice=request.practice, by=request.user, round_id=round_id,
                                        revision=revision)
                except actions.SurveyError as exc:
                    errors["round"] = str(exc)
                else:
                    messages.success(request, "The staff survey round is closed. Its results are on the report.")
                    return redirect(reverse("surveys:staff_rounds"))
        else:
            weeks = read_int(request.POST.get("weeks"), label="Weeks", minimum=1, maximum=52)
            if weeks.value not in actions.ROUND_WEEKS:
                errors["weeks"] = "Choose how long the survey stays open"
            else:
                try:
                    actions.open_round(practice=request.practice, by=request.user, weeks=weeks.value)
                except actions.SurveyError as exc:
                    errors["weeks"] = str(exc)
                else:
                    messages.success(request, "The staff survey is open. Everyone in the practice will see it "
                                              "on their home page.")
                    return redirect(reverse("surveys:staff_rounds"))
    found = queries.rounds(request.practice)
    current = next((r for r in found if queries.is_open(r, today)), None)
    return render(request, "surveys/rounds.jinja", {
        "active_section": "learn", "rows": presenters.round_rows(found, {}, today=today), "current": current,
        "current_answered": rules.count_words(current.answered) if current else "",
        "weeks": actions.ROUND_WEEKS, "nomad": instruments.nomad(), "errors": errors,
        "form_errors": [{"text": m, "href": f"#{n}"} for n, m in errors.items()]},
        status=400 if errors else 200)


@practice_required()
def staff_answer(request):
    today = clock.today()
    nomad = instruments.nomad()
    waiting = queries.waiting_for(request.practice, request.user.pk, today)
    current = waiting or queries.open_round(request.practice, today)
    if waiting is None:
        return render(request, "surveys/answered.jinja", {"active_section": "home", "current": current,
                                                          "answered": current is not None})
    values, errors = {}, {}
    if request.method == "POST":
        read = rules.read(nomad.items, request.POST)
        values, errors = read.answers, dict(read.errors)
        if not errors and not read.answers:
            errors[nomad.items[0].id] = "Answer at least one question"
        if not errors:
            try:
                actions.record_staff_answer(practice=request.practice, by=request.user, round_id=waiting.pk,
                                            answers=read.answers)
            except actions.SurveyError as exc:
                messages.error(request, str(exc))
                return redirect(reverse("surveys:staff_answer"))
            messages.success(request, "Thank you. Your answers are kept without your name.")
            return redirect(reverse("home"))
    return render(request, "surveys/answer.jinja", {
        "active_section": "home", "current": waiting, "nomad": nomad,
        "general": [q for q in presenters.questions(nomad) if q.scale],
        "items": [q for q in presenters.questions(nomad) if not q.scale],
        "closes": f"{waiting.closes_on:%A} {waiting.closes_on.day} {waiting.closes_on:%B}",
        "values": values, "errors": errors,
        "form_errors": [{"text": m, "href": f"#{n}"} for n, m in errors.items()]},
        status=400 if errors else 200)


@practice_required()
def staff_report(request):
    found = queries.rounds(request.practice)
    closed = [r.pk for r in found if not queries.is_open(r, clock.today())]
    rows = presenters.round_rows(found, queries.staff_answers(request.practice, closed), today=clock.today())
    if request.GET.get("format") == "csv":
        header, table = presenters.staff_csv(rows)
        audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.EXPORT,
                     what="surveys.staff_report", detail={"rounds": len(table)})
        return _csv("staff-survey-nomad.csv", header, table)
    return render(request, "surveys/staff_report.jinja", {
        "active_section": "learn", "rows": rows, "nomad": instruments.nomad(), "minimum": rules.MIN_RESPONDENTS,
        "can_manage": can(request.roles, Capability.MANAGE_PRACTICE)})


@practice_required(Capability.VIEW_CLINICAL)
def people_report(request):
    rows = presenters.year_rows(queries.people_answers(request.practice), queries.people_sent(request.practice))
    if request.GET.get("format") == "csv":
        header, table = presenters.people_csv(rows)
        audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.EXPORT,
                     what="surveys.people_report", detail={"years": len(table)})
        return _csv("people-survey-after-care-planning.csv", header, table)
    return render(request, "surveys/people_report.jinja", {
        "active_section": "learn", "rows": rows, "pacic": instruments.pacic(), "gpps": instruments.gpps(),
        "minimum": rules.MIN_RESPONDENTS, "days_after": actions.DAYS_AFTER,
        "can_manage": can(request.roles, Capability.MANAGE_PRACTICE)})


@practice_required(Capability.MANAGE_PRACTICE)
def export(request):
    """Every survey answer of the practice as FHIR: staff answers of closed rounds (naming no one) and
    people's answers, with the Questionnaires they answer."""
    parts = tuple(instruments.load(k) for k in fhir.PEOPLE_PARTS)
    staff, people = queries.staff_responses(request.practice), queries.people_responses(request.practice)
    resources = [fhir.questionnaire(instruments.nomad()), fhir.people_questionnaire(parts), *staff, *people]
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.EXPORT, what="surveys.fhir",
                 detail={"staff": len(staff), "people": len(people)})
    body = json.dumps(fhir.bundle(resources, key=f"surveys-{request.practice.ods_code}", on=clock.now()), indent=2)
    response = HttpResponse(body, content_type="application/fhir+json")
    response["Content-Disposition"] = 'attachment; filename="surveys-fhir.json"'
    return response


urlpatterns = [
    path("staff/", staff_rounds, name="staff_rounds"),
    path("staff/answer/", staff_answer, name="staff_answer"),
    path("staff/report/", staff_report, name="staff_report"),
    path("people/", people_report, name="people_report"),
    path("export/", export, name="export"),
]
