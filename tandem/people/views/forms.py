"""Writes from the person's own pages (ADR 16, stage 2b): answering a check-in, adding a home reading,
and saying what to talk about at the next care planning conversation.

    /my/check-ins/<id>/   a check-in of theirs: its questions (the reply link's own), then what happens next
    /my/readings/         their home readings, newest first (and what happens next, just after adding some)
    /my/readings/new/     add a home reading of what their plan asks for (home blood pressure if none)
    /my/agenda/           what they want to talk about at their next booked conversation, until it starts

Every write is a POST with the CSRF token, by no member of staff (`by=None`), through the owning app's
action with `on_behalf` (which account, and for a carer which grant) in its audit row; a carer's write
also leaves a ProxyActivity row for the person to see (`people.actions.proxy_did`), in the same
transaction. What is read is this person's at this practice only (`viewer.patient`, `viewer.practice`):
another person's check-in is a 404, and so is one staff hid from carers, for a carer. Bad input comes
back on the form with everything typed and a message for each box; nothing is saved.

The reads here (`_checkin`, `_recent_readings`, `_added_readings`, `_next_conversation`,
`_latest_agenda`) each start from the viewer, as people.queries' do, and belong there.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from tandem.careplans.rules.document import Plan
from tandem.checkins import actions as checkin_actions
from tandem.checkins import forms as checkin_forms
from tandem.checkins import presenters as checkin_presenters
from tandem.checkins import rules as checkin_rules
from tandem.checkins.models import Answer, CheckIn, HomeReading
from tandem.core import clock
from tandem.core.parsing import read_version
from tandem.prepare.actions import agenda as agenda_actions
from tandem.prepare.models import Agenda, Conversation
from tandem.prepare.queries.agenda import prompts as agenda_prompts
from tandem.prepare.views.public import phone_words

from .. import actions, presenters, queries
from ..models import ProxyHidden
from ..rules import Purpose
from .pages import person_page

ADDED_KEY = "tandem_person_readings_added"  # the home readings just added, for "what happens next"
RECENT_READINGS = 20


def _page(request, viewer, template: str, *, status: int = 200, **values):
    return render(request, f"people/pages/{template}.jinja",
                  {**presenters.frame(viewer), "phone_words": phone_words(viewer.practice), **values}, status=status)


def _errors(errors: dict) -> list[dict]:
    return [{"text": message, "href": f"#{name}"} for name, message in errors.items()]


# --- Answering a check-in -----------------------------------------------------------------------------

def _checkin(viewer, pk: int) -> CheckIn:
    """This person's check-in `pk` at this practice; for a carer, not one staff hid from carers. Else 404."""
    found = (CheckIn.objects.filter(practice=viewer.practice, patient=viewer.patient, pk=pk)
             .select_related("version").first())
    if found is None:
        raise Http404("No such check-in.")
    if viewer.grant is not None and ProxyHidden.objects.filter(
            practice=viewer.practice, patient=viewer.patient, what=ProxyHidden.What.CHECKIN, object_id=pk,
            shown_again_at__isnull=True).exists():
        raise Http404("No such check-in.")
    return found


def _is_open(checkin: CheckIn) -> bool:
    return checkin.status == CheckIn.Status.OPEN and checkin.closes_on >= clock.today()


def _questions(checkin: CheckIn, hidden: queries.Hidden) -> dict:
    """What the check-in's questions (checkins/_questions.jinja, the reply link's) need; for a carer, no
    questions about goals when staff hid the plan's goals from carers (the person answers those)."""
    questions = checkin.questions
    return {"goals": [] if "goals" in hidden.plan_parts else questions.get("goals", []),
            "readings": [checkin_rules.READINGS[r["key"]] for r in questions.get("readings", [])
                         if r.get("key") in checkin_rules.READINGS],
            "mood": questions.get("mood", False), "levels": checkin_rules.GAS_LEVELS,
            "phq_items": checkin_rules.PHQ2_ITEMS, "phq_answers": checkin_rules.PHQ2_ANSWERS,
            "phq_stem": checkin_rules.PHQ2_STEM,
            "closes": f"{checkin.closes_on:%A} {checkin.closes_on.day} {checkin.closes_on:%B}"}


def _done(checkin: CheckIn, answer: Answer, hidden: queries.Hidden) -> dict:
    """What the reply link's done page shows (checkins/online/_done_body.jinja), for this answer; for a
    carer, without the parts of the plan staff hid from carers."""
    levels = {f["level"] for f in answer.flags}
    level = checkin_rules.RED if checkin_rules.RED in levels else checkin_rules.AMBER if levels else ""
    plan = Plan.from_dict(checkin.version.content)
    shown = ("red", "amber") if level == checkin_rules.RED else ("amber",) if level else ()
    return {"answer": answer, "level": level, **_what_to_do(plan, shown, hidden)}


def _what_to_do(plan: Plan, levels: tuple[str, ...], hidden: queries.Hidden) -> dict:
    """The plan's warning signs at these levels and its rescue medicines, unless hidden from this carer."""
    return {"signs": [] if "levels" in hidden.plan_parts else [s for s in plan.warning_signs if s.level in levels],
            "rescue": "" if not levels or "rescue" in hidden.plan_parts else plan.rescue}


def _checkin_state(request, viewer, checkin: CheckIn, *, refused: str = "", status: int = 200):
    """An answered check-in (what happens next) or a closed one (who to call), with why nothing changed."""
    answer = Answer.objects.filter(checkin=checkin).first()
    if answer is not None:
        return _page(request, viewer, "checkin_done", status=status, checkin=checkin, refused=refused,
                     **_done(checkin, answer, queries.hidden(viewer)))
    return _page(request, viewer, "checkin_closed", status=status, checkin=checkin, refused=refused,
                 **_questions(checkin, queries.hidden(viewer)))


@person_page(Purpose.CHECKINS, methods=("GET", "POST"))
def checkin(request, viewer, pk: int):
    found = _checkin(viewer, pk)
    if not _is_open(found) or found.status == CheckIn.Status.ANSWERED:
        queries.read(viewer, what="people.checkin", object_id=found.pk)
        if request.method == "POST":
            return _checkin_state(request, viewer, found, status=409, refused=(
                "This check-in has been answered already. Nothing was changed."
                if found.status == CheckIn.Status.ANSWERED else "This check-in has closed. Nothing was saved."))
        return _checkin_state(request, viewer, found)
    values, errors = {}, {}
    if request.method == "POST":
        read = checkin_forms.read(request.POST, found.questions)
        values, errors = read.values, dict(read.errors)
        if not errors:
            given_by = Answer.From.CARER if viewer.grant is not None else Answer.From.PERSON
            try:
                with transaction.atomic():
                    checkin_actions.record_answer(checkin_id=found.pk, practice=viewer.practice, answers=read.answers,
                                                  given_by=given_by, on_behalf=actions.on_behalf(viewer))
                    actions.proxy_did(viewer, what="checkin.answered", object_id=found.pk)
            except checkin_actions.CheckInError as exc:  # answered or closed meanwhile (another tab, a carer)
                found.refresh_from_db()
                return _checkin_state(request, viewer, found, status=409, refused=f"{exc} Nothing was changed.")
            return redirect(reverse("people:checkin", args=[found.pk]))
    queries.read(viewer, what="people.checkin", object_id=found.pk)
    return _page(request, viewer, "checkin", status=400 if errors else 200, checkin=found, values=values,
                 errors=errors, form_errors=_errors(errors), **_questions(found, queries.hidden(viewer)))


# --- Home readings ----------------------------------------------------------------------------------

def _plan(viewer) -> Plan | None:
    version = queries.current_version(viewer)
    return Plan.from_dict(version.content) if version is not None else None


def _reading_keys(plan: Plan | None) -> tuple[str, ...]:
    """What the plan asks the person to measure at home; home blood pressure when it agreed none."""
    keys = tuple(dict.fromkeys(r.key for r in (plan.checkins.readings if plan is not None else ())
                               if r.key in checkin_rules.READINGS))
    return keys or ("home_bp",)


def _recent_readings(viewer) -> list[HomeReading]:
    return list(HomeReading.objects.filter(practice=viewer.practice, patient=viewer.patient)
                .order_by("-taken_on", "-entered_at", "-pk")[:RECENT_READINGS])


def _added_readings(viewer, ids: object) -> list[HomeReading]:
    """The readings just added (their ids kept in the session), only ever this person's."""
    ids = [i for i in ids if isinstance(i, int)][:10] if isinstance(ids, list) else []
    return list(HomeReading.objects.filter(practice=viewer.practice, patient=viewer.patient, pk__in=ids)) if ids else []


def _carer_name(viewer) -> str:
    """A carer's name as their grant gives it; empty for the person themselves."""
    grant = viewer.grant
    return f"{grant.proxy_given_name} {grant.proxy_family_name}" if grant is not None else ""


@person_page(Purpose.READINGS)
def readings(request, viewer):
    rows = _recent_readings(viewer)
    added = _added_readings(viewer, request.session.pop(ADDED_KEY, None))
    outcome, signs, rescue = None, [], ""
    if added:
        outcome = checkin_presenters.reading_outcome(added)
        if outcome["level"]:
            plan = _plan(viewer) or Plan()
            shown = ("red", "amber") if outcome["level"] == checkin_rules.RED else ("amber",)
            found = _what_to_do(plan, shown, queries.hidden(viewer))
            signs, rescue = found["signs"], found["rescue"]
    queries.read(viewer, what="people.readings", detail={"added": len(added)})
    shown = checkin_presenters.home_readings(rows, for_person=True, person_name=viewer.patient.given_name,
                                             carer_grant_id=viewer.grant.pk if viewer.grant is not None else None)
    return _page(request, viewer, "readings", rows=shown,
                 outcome=outcome, added=len(added), signs=signs, rescue=rescue)


@person_page(Purpose.READINGS, methods=("GET", "POST"))
def reading_new(request, viewer):
    today = clock.today()
    keys = _reading_keys(_plan(viewer))
    values = {"taken-day": str(today.day), "taken-month": str(today.month), "taken-year": str(today.year)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        read = checkin_forms.read_home_readings(request.POST, keys, today=today)
        values, errors = read.values, dict(read.errors)
        if not errors:
            carer = _carer_name(viewer)
            try:
                with transaction.atomic():
                    added = []
                    for key, typed in read.typed.items():
                        recorded = checkin_actions.record_home_reading(
                            practice=viewer.practice, patient=viewer.patient, key=key, text=typed,
                            taken_on=read.taken_on, on_behalf=actions.on_behalf(viewer), carer_name=carer)
                        actions.proxy_did(viewer, what="home_reading.added", object_id=recorded.reading.pk)
                        added.append(recorded.reading.pk)
            except checkin_actions.HomeReadingError as exc:  # the form reads as the action does: a backstop
                errors = {"taken-day" if exc.field == "taken_on" else f"reading-{keys[0]}": str(exc)}
            else:
                request.session[ADDED_KEY] = added
                return redirect(reverse("people:readings"))
    queries.read(viewer, what="people.reading_new")
    return _page(request, viewer, "reading_new", status=400 if errors else 200,
                 readings=[checkin_rules.READINGS[k] for k in keys], values=values, errors=errors,
                 form_errors=_errors(errors), today=today,
                 earliest=checkin_presenters.day_text(checkin_actions.home_reading_earliest(today)))


# --- The agenda for the next conversation -----------------------------------------------------------

AGENDA_FIELDS = ("what_matters", "questions", "anything_else", "coming_with")


def _next_conversation(viewer) -> Conversation | None:
    """Their next booked care planning conversation that has not started yet."""
    return (Conversation.objects.filter(practice=viewer.practice, patient=viewer.patient,
                                        state=Conversation.State.BOOKED, starts_at__gt=clock.now())
            .order_by("starts_at").first())


def _latest_agenda(talk: Conversation) -> Agenda | None:
    """The reply that counts for the viewer's own conversation (found by _next_conversation)."""
    return Agenda.objects.filter(conversation=talk, practice_id=talk.practice_id).order_by("-version").first()


def _agenda_page(request, viewer, talk: Conversation, *, reply, version: int, errors: dict, since=(),
                 status: int = 200):
    prompts = agenda_prompts(viewer.practice)
    known = [t for t in reply.topics if t not in prompts.topics]
    starts = timezone.localtime(talk.starts_at)
    return _page(request, viewer, "agenda", status=status, talk=talk, prompts=prompts,
                 topics=[*prompts.topics, *known], reply=reply, version=version, errors=errors,
                 form_errors=_errors(errors), limits=agenda_actions.LIMITS,
                 since=[{"version": a.version, "reply": agenda_actions.Reply.of(a),
                         "by": _agenda_by(viewer, a)} for a in since],
                 when=f"{starts:%A} {starts.day} {starts:%B %Y} at {presenters.time_words(starts)}")


def _agenda_by(viewer, agenda: Agenda) -> str:
    if agenda.entered_by_id is not None:
        return "Typed in by the practice"
    if agenda.from_who == Agenda.From.CARER:
        return f"{agenda.helper_name}, helping" if agenda.helper_name else "Someone helping"
    return "The person the appointment is for" if viewer.is_carer else "You"


@person_page(Purpose.AGENDA, methods=("GET", "POST"))
def agenda(request, viewer):
    """What they want to talk about at their next booked conversation, until it starts. Each save is a
    new version (prepare's own); the form carries the version it started from, so a save made after
    someone else's (the person and a carer, two browsers) is refused with theirs shown, nothing lost."""
    talk = _next_conversation(viewer)
    if talk is None:
        queries.read(viewer, what="people.agenda", detail={"conversation": None})
        if request.method == "POST":
            return _page(request, viewer, "agenda_none", status=409,
                         refused="Your conversation has started or is no longer booked. Nothing was saved.")
        return _page(request, viewer, "agenda_none")
    latest = _latest_agenda(talk)
    version = latest.version if latest is not None else 0
    if request.method == "GET":
        queries.read(viewer, what="people.agenda", object_id=talk.pk, detail={"version": version})
        return _agenda_page(request, viewer, talk, reply=agenda_actions.Reply.of(latest), version=version, errors={})
    prompts = agenda_prompts(viewer.practice)
    checked = agenda_actions.check_reply(request.POST, topics=prompts.topics,
                                         known_topics=tuple(latest.topics or ()) if latest is not None else (),
                                         require_from_who=False)
    reply = replace(checked.reply, from_who=Agenda.From.CARER if viewer.grant is not None else Agenda.From.PERSON,
                    helper_name=_carer_name(viewer)[:agenda_actions.LIMITS["helper_name"]])
    errors = {k: v for k, v in checked.errors.items() if k not in ("from_who", "helper_name")}
    started_from = read_version(request.POST.get("version", ""))
    if started_from is None or started_from > version:  # not a version this conversation has had
        errors["version"] = "Something went wrong with this form. Copy what you typed, then open the page again."
    if errors:
        return _agenda_page(request, viewer, talk, reply=reply, version=version if started_from is None
                            else min(started_from, version), errors=errors, status=400)
    try:
        with transaction.atomic():
            saved = agenda_actions.record_agenda(conversation=talk, reply=reply, via=Agenda.Via.ONLINE, by=None,
                                                 expected_version=started_from, on_behalf=actions.on_behalf(viewer))
            actions.proxy_did(viewer, what="agenda.saved", object_id=saved.pk)
    except agenda_actions.AgendaConflict as exc:
        return _agenda_page(request, viewer, talk, reply=reply, version=version, since=exc.since, status=409, errors={
            "version": "Someone else saved this while you were typing, so yours was not saved. What they saved is "
                       "below, and what you typed is still in the boxes. Check it, then save again."})
    except agenda_actions.AgendaError as exc:
        return _page(request, viewer, "agenda_none", status=409, refused=f"{exc} Nothing was saved.")
    messages.success(request, "Saved. You can change it until your conversation starts.")
    return redirect(reverse("people:agenda"))


urlpatterns = [
    path("check-ins/<id:pk>/", checkin, name="checkin"),
    path("readings/", readings, name="readings"),
    path("readings/new/", reading_new, name="reading_new"),
    path("agenda/", agenda, name="agenda"),
]
