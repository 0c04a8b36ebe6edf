"""Booking a review's tests appointment and conversation (staff). The Year of Care's two visits: the
tests first, the conversation at least DEFAULT_GAP_DAYS later, so the results and the pack are ready."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.core import clock
from tandem.core.parsing import read_id, read_int, read_iso_date, read_time, read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability
from tandem.patients.queries import get_patient
from tandem.recall import queries as recall_queries

from . import actions, presenters, queries, rules
from .day import back_url
from .rules import Kind

SECTION = "recall"
OFFERED = 8


def _needs(practice, review, today):
    facts = recall_queries.person_facts(practice, [review.patient_id]).get(review.patient_id)
    facts = facts or recall_queries.PersonFacts()
    return presenters.needs(recall_queries.plan_for(facts, today=today), facts.adjustments)


def _url(review_pk: int, **more) -> str:
    query = "&".join(f"{k}={v.isoformat()}" for k, v in more.items() if v is not None)
    return reverse("booking:review", kwargs={"review_pk": review_pk}) + (f"?{query}" if query else "")


@practice_required(Capability.VIEW_PATIENT)
def review(request, review_pk: int):
    practice, today, now = request.practice, clock.today(), clock.now()
    current = recall_queries.get_review(practice=practice, pk=review_pk)
    patient = get_patient(practice=practice, pk=current.patient_id, by=request.user, what="booking.review")
    need = _needs(practice, current, today)
    booked = {a.kind: a for a in queries.booked(practice, current.pk)}
    horizon = today + dt.timedelta(days=366)

    def asked(name: str, earliest: dt.date) -> dt.date:
        day = read_iso_date(request.GET.get(name))
        return min(max(day, earliest), horizon) if day is not None else earliest

    tests_from = asked("tests_from", today)
    tests_places = presenters.places(queries.next_free(
        practice, kind=Kind.TESTS, minutes=need.tests_minutes, from_day=tests_from, now=now, limit=OFFERED,
        roles=need.tests_roles)) if not need.no_tests else []
    tests = booked.get(Kind.TESTS)
    gap_days, _ = queries.settings_for(practice)
    earliest_talk = max(today, (tests.day if tests else today) + dt.timedelta(days=gap_days))
    talk_from = asked("talk_from", earliest_talk)
    named_id = patient.named_clinician_id
    talk_places = []
    if tests is not None or need.no_tests:  # the conversation follows the tests
        named = queries.next_free(practice, kind=Kind.CONVERSATION, minutes=need.conversation_minutes,
                                  from_day=talk_from, now=now, limit=3, roles=need.conversation_roles,
                                  staff_id=named_id) if named_id else []
        others = [p for p in queries.next_free(practice, kind=Kind.CONVERSATION, minutes=need.conversation_minutes,
                                               from_day=talk_from, now=now, limit=OFFERED,
                                               roles=need.conversation_roles) if p not in named]
        talk_places = presenters.places(named + others[:OFFERED - len(named)], named_id=named_id)
    last_tests = _last_day(tests_places)
    last_talk = _last_day(talk_places)
    return render(request, "booking/review.jinja", {
        "active_section": SECTION, "patient": patient, "review": current, "need": need,
        "booked": presenters.booked_rows(list(booked.values()), now=timezone.localtime(now)), "tests_booked": tests is not None,
        "talk_booked": Kind.CONVERSATION in booked, "tests_places": tests_places, "talk_places": talk_places,
        "tests_from": tests_from, "talk_from": talk_from, "earliest_talk": earliest_talk,
        "gap_days": gap_days, "tests_roles": presenters.roles_text(need.tests_roles),
        "talk_roles": presenters.roles_text(need.conversation_roles),
        "tests_later_url": _url(current.pk, tests_from=last_tests, talk_from=talk_from if talk_from != earliest_talk
                                else None) if last_tests else "",
        "talk_later_url": _url(current.pk, talk_from=last_talk, tests_from=tests_from if tests_from != today
                               else None) if last_talk else "",
        "review_url": reverse("recall:review", kwargs={"patient_id": patient.pk}),
    })


def _last_day(places) -> dt.date | None:
    """The day after the last place offered: where "later times" starts."""
    return places[-1].day + dt.timedelta(days=1) if places else None


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def book(request, review_pk: int):
    practice, today = request.practice, clock.today()
    current = recall_queries.get_review(practice=practice, pk=review_pk)
    back = reverse("booking:review", kwargs={"review_pk": current.pk})
    kind = request.POST.get("kind", "")
    if kind not in {k.value for k in Kind}:
        messages.error(request, "Choose what to book.")
        return redirect(back)
    session_text, _, time_text = str(request.POST.get("place") or "")[:40].partition("/")
    session_id, start = read_id(session_text), read_time(time_text, label="The time").value
    if session_id is None or start is None:
        messages.error(request, f"Choose a time for the {rules.KIND_LABELS[Kind(kind)].lower()}.")
        return redirect(back)
    need = _needs(practice, current, today)
    minutes = need.tests_minutes if kind == Kind.TESTS else need.conversation_minutes
    existing = next((a for a in queries.booked(practice, current.pk) if a.kind == kind), None)
    try:
        if existing is not None:
            done = actions.move(practice=practice, by=request.user, appointment_id=existing.pk,
                                version=read_version(request.POST.get("version")), session_id=session_id,
                                start=start, minutes=minutes)
        else:
            done = actions.book(practice=practice, by=request.user, review=current, kind=kind, session_id=session_id,
                                start=start, minutes=minutes)
    except actions.SlotGone as exc:
        free = "; ".join(f"{presenters.day_text(s.day)} at {t:%H:%M}" for s, t in exc.next_free[:3])
        messages.error(request, f"{exc} Free now: {free}." if free else str(exc))
        return redirect(back)
    except actions.BookingConflict:
        messages.error(request, "The appointment was changed by someone else while you were looking: check it below.")
        return redirect(back)
    except actions.BookingError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, f"{rules.KIND_LABELS[Kind(kind)]} booked: {presenters.day_text(done.day)} at "
                              f"{done.start_time:%H:%M} with {done.staff.display_name}.")
    return redirect(back)


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def cancel(request, appointment_pk: int):
    practice = request.practice
    try:
        done = actions.cancel(practice=practice, by=request.user, appointment_id=appointment_pk,
                              version=read_version(request.POST.get("version")),
                              reason=str(request.POST.get("reason") or "")[:200])
    except actions.BookingConflict:
        messages.error(request, "The appointment was changed by someone else while you were looking: check it below.")
        found = queries.appointment(practice, appointment_pk)
        return redirect("booking:review", review_pk=found.review_id)
    except actions.BookingError as exc:
        found = queries.appointment(practice, appointment_pk)
        if found is None:
            raise Http404(str(exc)) from None
        messages.error(request, str(exc))
        return redirect("booking:review", review_pk=found.review_id)
    messages.success(request, f"{rules.KIND_LABELS[Kind(done.kind)]} on {presenters.day_text(done.day)} cancelled.")
    return redirect("booking:review", review_pk=done.review_id)


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def outcome(request, appointment_pk: int):
    practice = request.practice
    found = queries.appointment(practice, appointment_pk)
    if found is None:
        raise Http404("No such appointment in this practice")
    chosen = str(request.POST.get("outcome") or "")[:20]
    try:
        done = actions.record_outcome(practice=practice, by=request.user, appointment_id=found.pk,
                                      version=read_version(request.POST.get("version")), outcome=chosen)
    except actions.BookingConflict:
        messages.error(request, "The appointment was changed by someone else while you were looking: check it below.")
    except actions.BookingError as exc:
        messages.error(request, str(exc))
    else:
        said = "came" if done.state == "attended" else "did not attend"
        messages.success(request, f"Recorded: {rules.KIND_LABELS[Kind(done.kind)].lower()} on "
                                  f"{presenters.day_text(done.day)}, they {said}.")
    return redirect(back_url(request.POST) or reverse("booking:review", kwargs={"review_pk": found.review_id}))


@practice_required(Capability.MANAGE_PRACTICE)
def settings_page(request):
    """The gap between the two visits, and booking online: whether people may, and the cut-off for
    changing or cancelling themselves (hours before the appointment)."""
    current = queries.online_settings(request.practice)
    version, errors, status = current.version, {}, 200
    typed = {"gap_days": str(current.gap_days), "cutoff_hours": str(current.cutoff_hours)}
    online = current.online_booking
    if request.method == "POST":
        # a field the form did not send keeps what it is (an older form: the gap alone)
        typed = {name: str(request.POST.get(name) or "")[:40] if name in request.POST else value
                 for name, value in typed.items()}
        online = request.POST.get("online_booking") == "yes" if "online_booking" in request.POST else online
        gap = read_int(typed["gap_days"], label="The gap", minimum=rules.GAP_DAYS[0], maximum=rules.GAP_DAYS[1])
        cutoff = read_int(typed["cutoff_hours"], label="The cut-off", minimum=rules.CUTOFF_HOURS[0],
                          maximum=rules.CUTOFF_HOURS[1])
        for name, read, empty in (("gap_days", gap, "Enter the number of days"),
                                  ("cutoff_hours", cutoff, "Enter the number of hours")):
            if read.error or read.value is None:
                errors[name] = read.error or empty
        if not errors:
            try:
                actions.save_settings(practice=request.practice, by=request.user, gap_days=gap.value,
                                      version=read_version(request.POST.get("version")), online_booking=online,
                                      cutoff_hours=cutoff.value)
            except actions.BookingConflict:
                errors["gap_days"] = ("Someone else changed this while you were looking at it. Nothing was saved: "
                                      "here is what it is now.")
                current = queries.online_settings(request.practice)
                version, online = current.version, current.online_booking
                typed = {"gap_days": str(current.gap_days), "cutoff_hours": str(current.cutoff_hours)}
            else:
                messages.success(request, f"Conversations are now booked at least {gap.value} days after the tests. "
                                          + (f"People can book online and change or cancel up to {cutoff.value} hours "
                                             "before." if online else "People cannot book online."))
                return redirect("booking:settings")
        status = 400
    return render(request, "booking/settings.jinja", {
        "active_section": "clinics", "typed": typed, "version": version, "errors": errors,
        "error_list": [{"text": text, "href": f"#{name}"} for name, text in errors.items()],
        "online": online, "minimum": rules.GAP_DAYS[0], "maximum": rules.GAP_DAYS[1],
        "cutoff_maximum": rules.CUTOFF_HOURS[1]}, status=status)
