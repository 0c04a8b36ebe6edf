"""A person's check-in, on their own link (no account, no JavaScript), behind the same date of birth,
lock-out, expiry and no-store as every reply link (tandem.prepare.views.public: `guarded`).

    /r/<key>/check-in/        the questions agreed in their plan: each goal, confidence, home
                              readings, mood (PHQ-2), "not coping", anything to talk about
    /r/<key>/check-in/done/   thank you; and when an answer crossed one of the plan's triggers, the
                              plan's own "what to do and who to call" at once

Nothing a person writes is lost: an answer that cannot be read comes back with everything they typed
and says what to change; what they wrote is kept as written (escaped when shown) and its reading is
audited. A check-in answers once; a closed one says who to call."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.careplans.rules.document import Plan
from tandem.core import clock
from tandem.core.ratelimits import limit_all
from tandem.messaging.models import ReplyLink
from tandem.prepare.views import public as reply

from . import actions, forms, rules
from .models import Answer, CheckIn

app_name = "checkin_online"

ASKED = {Answer.From.PERSON: "I am the person this check-in is for",
         Answer.From.CARER: "I am helping them, for example as their carer or family"}


def _checkin(link: ReplyLink) -> CheckIn | None:
    return (CheckIn.objects.filter(practice=link.practice, pk=link.object_id, patient_id=link.patient_id)
            .select_related("patient", "version").first())


def _context(link: ReplyLink, checkin: CheckIn, **extra) -> dict:
    questions = checkin.questions
    return reply.context(link, checkin=checkin, goals=questions.get("goals", []),
                         readings=[rules.READINGS[r["key"]] for r in questions.get("readings", [])
                                   if r.get("key") in rules.READINGS],
                         mood=questions.get("mood", False), levels=rules.GAS_LEVELS, phq_items=rules.PHQ2_ITEMS,
                         phq_answers=rules.PHQ2_ANSWERS, phq_stem=rules.PHQ2_STEM, asked=ASKED,
                         closes=f"{checkin.closes_on:%A} {checkin.closes_on.day} {checkin.closes_on:%B}", **extra)


@reply.guarded(ReplyLink.Purpose.CHECKIN)
def form(request, token: str, link: ReplyLink):
    checkin = _checkin(link)
    if checkin is None:
        return reply.gone(request, None)
    if checkin.status == CheckIn.Status.ANSWERED:
        return redirect(reverse("checkin_online:done", args=[token]))
    if checkin.status != CheckIn.Status.OPEN or checkin.closes_on < clock.today():
        return render(request, "checkins/online/closed.jinja", _context(link, checkin), status=410)
    values, errors = {}, {}
    if request.method == "POST":
        read = forms.read(request.POST, checkin.questions)
        given_by = request.POST.get("from", "")
        values, errors = read.values, dict(read.errors)
        values["from"] = given_by[:10]
        if given_by not in ASKED:
            errors["from"] = "Say who is answering"
        if not errors:
            try:
                actions.record_answer(checkin_id=checkin.pk, practice=link.practice, answers=read.answers,
                                      given_by=given_by)
            except actions.CheckInError:
                return redirect(reverse("checkin_online:done", args=[token]))
            return redirect(reverse("checkin_online:done", args=[token]))
    return render(request, "checkins/online/form.jinja", _context(
        link, checkin, values=values, errors=errors,
        form_errors=[{"text": message, "href": f"#{name}"} for name, message in errors.items()]),
        status=400 if errors else 200)


@reply.guarded(ReplyLink.Purpose.CHECKIN)
def done(request, token: str, link: ReplyLink):
    checkin = _checkin(link)
    if checkin is None:
        return reply.gone(request, None)
    answer = Answer.objects.filter(checkin=checkin).first()
    if answer is None:
        return redirect(reverse("checkin_online:form", args=[token]))
    levels = {f["level"] for f in answer.flags}
    plan = Plan.from_dict(checkin.version.content)
    level = rules.RED if rules.RED in levels else rules.AMBER if levels else ""
    shown = ("red", "amber") if level == rules.RED else ("amber",) if level else ()
    signs = [s for s in plan.warning_signs if s.level in shown]
    return render(request, "checkins/online/done.jinja", _context(
        link, checkin, answer=answer, level=level, signs=signs, rescue=plan.rescue if level else ""))


# Rate limited per address and per link, like every page of the reply link (tandem.core.ratelimits).
urlpatterns = limit_all([
    path("<str:token>/check-in/", form, name="form"),
    path("<str:token>/check-in/done/", done, name="done"),
])
