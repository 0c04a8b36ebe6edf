"""Staff pages of check-ins.

    /check-ins/                      calls to make and answers that raised a flag (yours, or everyone's)
    /check-ins/<id>/                 one check-in: its questions and answers; for an open phone check-in
                                     (or one that could not be sent) the same questions as a script, to
                                     record the answers given on the phone
    /check-ins/<id>/fhir/            the questions and answers as FHIR (a Bundle of a Questionnaire and
                                     its QuestionnaireResponse)
    /check-ins/person/<patient id>/  a person's check-ins, each goal's progress with their GAS T-score, and
                                     the home readings they (or a carer for them) added on their own pages
    /check-ins/settings/             how long a check-in stays open and the reminder days (the manager's)

Every read is scoped to the practice and audited (the person's id, never their answers).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.careplans import hooks as plan_hooks
from tandem.careplans.models import CarePlan, PlanVersion
from tandem.careplans.rules.document import Plan
from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_int, read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability, can
from tandem.patients.models import Patient
from tandem.patients.queries import patients_of

from . import actions, forms, presenters, queries, rules
from .models import Answer, CheckIn, HomeReading

app_name = "checkins"


def _checkin_or_404(request, pk: int) -> CheckIn:
    found = queries.checkin(request.practice, pk)
    if found is None:
        raise Http404("No such check-in")
    return found


@practice_required(Capability.VIEW_CLINICAL)
def worklist(request):
    everyone = request.GET.get("show") == "all"
    today = clock.today()
    if everyone:
        calls, flagged = queries.calls_for_everyone(request.practice, today=today)
    else:
        calls, flagged = queries.calls_for(request.practice, request.user.pk, today=today)
    audit.record_many(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                      what="checkins.worklist", patient_ids=list({c.patient_id for c in (*calls, *flagged)}))
    return render(request, "checkins/worklist.jinja", {
        "active_section": "prepare", "can_manage": can(request.roles, Capability.MANAGE_PRACTICE), "everyone": everyone,
        "calls": [presenters.row(c, today=today) for c in calls],
        "flagged": [presenters.row(c, today=today) for c in flagged]})


@practice_required(Capability.VIEW_CLINICAL)
def checkin(request, pk: int):
    c = _checkin_or_404(request, pk)
    answer = queries.answer_of(c)
    can_record = can(request.roles, Capability.RECORD_RESULTS)
    values, errors = {}, {}
    open_now = c.status == CheckIn.Status.OPEN and c.closes_on >= clock.today()
    if request.method == "POST":
        if not can_record:
            raise Http404("Not allowed")  # pragma: no cover - the access rules refuse it first
        if not open_now or answer is not None:
            messages.error(request, "This check-in is no longer open: nothing was recorded.")
            return redirect(reverse("checkins:checkin", args=[c.pk]))
        read = forms.read(request.POST, c.questions)
        values, errors = read.values, read.errors
        if not errors:
            try:
                recorded = actions.record_answer(checkin_id=c.pk, practice=request.practice, answers=read.answers,
                                                 given_by=Answer.From.PHONE, by=request.user)
            except actions.CheckInError as exc:
                messages.error(request, str(exc))
                return redirect(reverse("checkins:checkin", args=[c.pk]))
            text = "Answers recorded."
            if recorded.task is not None:
                text += f" They raised {len(recorded.flags)} flag(s): a task was made for the named clinician."
            messages.success(request, text)
            return redirect(reverse("checkins:checkin", args=[c.pk]))
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="checkins.checkin",
                 patient_id=c.patient_id, object_id=c.pk)
    plan = Plan.from_dict(c.version.content)
    questions = c.questions
    return render(request, "checkins/checkin.jinja", {
        "active_section": "home", "c": c, "row": presenters.row(c, today=clock.today()), "answer": answer,
        "lines": presenters.answer_lines(c, answer) if answer else [],
        "script": open_now and answer is None and can_record,
        "goals": questions.get("goals", []),
        "readings": [rules.READINGS[r["key"]] for r in questions.get("readings", []) if r.get("key") in rules.READINGS],
        "mood": questions.get("mood", False), "levels": rules.GAS_LEVELS, "phq_items": rules.PHQ2_ITEMS,
        "phq_answers": rules.PHQ2_ANSWERS, "phq_stem": rules.PHQ2_STEM, "values": values, "errors": errors,
        "form_errors": [{"text": m, "href": f"#{n}"} for n, m in errors.items()],
        "signs": plan.warning_signs, "patient": c.patient,
        "phones": ", ".join(n for n in (c.patient.mobile, c.patient.phone) if n) or "No phone number on record",
    }, status=400 if errors else 200)


@practice_required(Capability.VIEW_CLINICAL)
def fhir(request, pk: int):
    c = _checkin_or_404(request, pk)
    answer = queries.answer_of(c)
    entries = [{"fullUrl": f"urn:uuid:questionnaire-{c.pk}", "resource": c.questionnaire}]
    if answer is not None:
        entries.append({"fullUrl": f"urn:uuid:questionnaire-response-{c.pk}", "resource": answer.response})
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.EXPORT, what="checkins.fhir",
                 patient_id=c.patient_id, object_id=c.pk)
    body = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}, indent=2)
    response = HttpResponse(body, content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="check-in-{c.pk}.json"'
    return response


@practice_required(Capability.VIEW_CLINICAL)
def person(request, patient_id: int):
    try:
        patient = patients_of(request.practice).get(pk=patient_id)
    except Patient.DoesNotExist:
        raise Http404("No such patient in this practice") from None
    checkins = queries.of_person(request.practice, patient.pk)
    schedule = queries.schedule_of(request.practice, patient.pk)
    record = CarePlan.objects.filter(patient=patient).first()
    latest = (PlanVersion.objects.filter(plan=record, version=record.version).first()
              if record and record.version else None)
    plan = Plan.from_dict(latest.content) if latest else Plan()
    goals = [(g.id, g.words, g.importance) for g in plan.goals]
    progress, t_words = presenters.progress(goals, plan_hooks.progress(request.practice.pk, patient.pk))
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="checkins.person",
                 patient_id=patient.pk)
    today = clock.today()
    return render(request, "checkins/person.jinja", {
        "active_section": "patients", "patient": patient, "rows": [presenters.row(c, today=today) for c in checkins],
        "home_readings": presenters.home_readings(_home_readings(request.practice, patient.pk)),
        "schedule": schedule, "cadence": rules.CADENCES.get(schedule.cadence, ("",))[0] if schedule else "",
        "progress": progress, "t_words": t_words})


HOME_READINGS_SHOWN = 20


def _home_readings(practice, patient_id: int) -> list[HomeReading]:
    """The person's latest home readings at this practice, newest first."""
    return list(HomeReading.objects.filter(practice=practice, patient_id=patient_id)
                .order_by("-taken_on", "-entered_at", "-pk")[:HOME_READINGS_SHOWN])


@practice_required(Capability.MANAGE_PRACTICE)
def settings_page(request):
    current = queries.settings_for(request.practice)
    values = {"open_days": str(current.open_days), "reminder_days": ", ".join(str(d) for d in current.reminder_days),
              "revision": str(current.revision)}
    errors = {}
    if request.method == "POST":
        values = {k: (request.POST.get(k, "") or "")[:40] for k in values}
        open_days = read_int(values["open_days"], label="Days open", minimum=1, maximum=rules.MAX_OPEN_DAYS)
        if open_days.value is None:
            errors["open_days"] = f"Enter the days a check-in stays open, a whole number from 1 to {rules.MAX_OPEN_DAYS}"
        else:
            days, problem = rules.read_reminder_days(values["reminder_days"], open_days=open_days.value)
            if problem:
                errors["reminder_days"] = problem
        if not errors:
            try:
                actions.save_settings(practice=request.practice, by=request.user, open_days=open_days.value,
                                      reminder_days=days, revision=read_version(values["revision"]) or 0)
            except actions.SettingsConflict as exc:
                messages.error(request, f"{exc} Nothing was saved: here are the settings as they are now.")
                return redirect(reverse("checkins:settings"))
            messages.success(request, "Check-in settings saved. They apply to check-ins sent from now on.")
            return redirect(reverse("checkins:settings"))
    return render(request, "checkins/settings.jinja", {
        "active_section": "prepare", "can_manage": True, "values": values, "errors": errors,
        "form_errors": [{"text": m, "href": f"#{n}"} for n, m in errors.items()]}, status=400 if errors else 200)


urlpatterns = [
    path("", worklist, name="worklist"),
    path("settings/", settings_page, name="settings"),
    path("<id:pk>/", checkin, name="checkin"),
    path("<id:pk>/fhir/", fhir, name="fhir"),
    path("person/<id:patient_id>/", person, name="person"),
]
