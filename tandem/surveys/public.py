"""A person's survey after care planning, on their own link (no account, no JavaScript), behind the same
date of birth, lock-out, expiry and no-store as every reply link (tandem.prepare.views.public: `guarded`).

    /r/<key>/survey/        PACIC's 20 questions, then the GP Patient Survey's care planning questions;
                            every question can be left out
    /r/<key>/survey/done/   thank you

An answer that cannot be read comes back with everything chosen and says what to change. A survey is
answered once; a closed one says so."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import clock
from tandem.core.ratelimits import limit_all
from tandem.messaging.models import ReplyLink
from tandem.prepare.views import public as reply

from . import actions, fhir, instruments, presenters, queries, rules
from .models import PersonAnswer, PersonSurvey

app_name = "survey_online"

ASKED = {PersonAnswer.From.PERSON: "I am the person this survey was sent to",
         PersonAnswer.From.CARER: "I am helping them, for example as their carer or family"}


def _context(link: ReplyLink, survey: PersonSurvey, **extra) -> dict:
    pacic, gpps = instruments.pacic(), instruments.gpps()
    return reply.context(link, survey=survey, pacic=pacic, gpps=gpps, asked=ASKED,
                         pacic_questions=presenters.questions(pacic, prefix="pacic-"),
                         gpps_questions=presenters.questions(gpps, prefix="gpps-"),
                         closes=f"{survey.closes_on:%A} {survey.closes_on.day} {survey.closes_on:%B}", **extra)


@reply.guarded(ReplyLink.Purpose.SURVEY)
def form(request, token: str, link: ReplyLink):
    survey = queries.survey_for_link(link)
    if survey is None:
        return reply.gone(request, None)
    if survey.status == PersonSurvey.Status.ANSWERED:
        return redirect(reverse("survey_online:done", args=[token]))
    if survey.status != PersonSurvey.Status.OPEN or survey.closes_on < clock.today():
        return render(request, "surveys/online/closed.jinja", _context(link, survey), status=410)
    values, errors = {}, {}
    if request.method == "POST":
        answers, errors = {}, {}
        for key in fhir.PEOPLE_PARTS:
            read = rules.read(instruments.load(key).items, request.POST, field_prefix=f"{key}-")
            answers[key] = read.answers
            errors.update(read.errors)
            values.update({f"{key}-{k}": v for k, v in read.answers.items()})
        given_by = request.POST.get("from", "")
        given_by = given_by[:10] if isinstance(given_by, str) else ""
        values["from"] = given_by
        if given_by not in ASKED:
            errors["from"] = "Say who is answering"
        if not errors and not any(answers.values()):
            errors["pacic-p1"] = "Answer at least one question"
        if not errors:
            try:
                actions.record_person_answer(survey_id=survey.pk, practice=link.practice, answers=answers,
                                             given_by=given_by)
            except actions.SurveyError:
                pass  # answered or closed meanwhile: the thank-you page says which
            return redirect(reverse("survey_online:done", args=[token]))
    return render(request, "surveys/online/form.jinja", _context(
        link, survey, values=values, errors=errors,
        form_errors=[{"text": message, "href": f"#{name}"} for name, message in errors.items()]),
        status=400 if errors else 200)


@reply.guarded(ReplyLink.Purpose.SURVEY)
def done(request, token: str, link: ReplyLink):
    survey = queries.survey_for_link(link)
    if survey is None:
        return reply.gone(request, None)
    if survey.status != PersonSurvey.Status.ANSWERED:
        return redirect(reverse("survey_online:form", args=[token]))
    return render(request, "surveys/online/done.jinja", _context(link, survey))


# Rate limited per address and per link, like every page of the reply link (tandem.core.ratelimits).
urlpatterns = limit_all([
    path("<str:token>/survey/", form, name="form"),
    path("<str:token>/survey/done/", done, name="done"),
])
