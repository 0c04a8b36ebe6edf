"""Staff pages: the packs for a clinic day or month, one conversation (agenda first, then the pack),
booking the conversation, the person's choice about results in advance, and when packs go out."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Membership
from tandem.core.parsing import read_int, read_iso_date, read_iso_month, read_time, read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import ROLE_LABELS, Capability, Role, can
from tandem.jobs import presenters as job_presenters
from tandem.messaging import queries as messaging_queries
from tandem.recall import queries as recall_queries
from tandem.team import queries as team_queries
from tandem.team.rules import Step, holders_text

from .. import actions
from ..models import Conversation, PackPreference
from ..presenters import packs as presenters
from ..queries import agenda as agenda_queries
from ..queries import packs as queries
from ..rules import timing

SECTION = "prepare"


def _context(request, **extra) -> dict:
    return {"active_section": SECTION, "can_manage": can(request.roles, Capability.MANAGE_PRACTICE), **extra}


def _scope(request) -> tuple[dt.date | None, dt.date | None, str]:
    """(day, month, error) from ?day=YYYY-MM-DD or ?month=YYYY-MM; neither: the coming four weeks."""
    day_text, month_text = request.GET.get("day", ""), request.GET.get("month", "")
    day = read_iso_date(day_text) if day_text else None
    month = read_iso_month(month_text) if month_text and not day_text else None
    if (day_text and day is None) or (month_text and not day_text and month is None):
        return None, None, "That date was not recognised, so the coming four weeks are shown."
    return day, month, ""


def _send_job(practice, today):
    """The latest sending job, shown while it runs and on the day it ran."""
    return job_presenters.shown_on_page(queries.latest_send_job(practice), today=today)


@practice_required(Capability.VIEW_PATIENT)
def packs(request):
    day, month, error = _scope(request)
    today = clock.today()
    settings = queries.settings_for(request.practice)
    listed = queries.list_in_scope(request.practice, day=day, month=month, today=today, settings=settings)
    audit.record_many(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                      what="prepare.packs", patient_ids=[item.patient_id for item in listed])
    rows = [presenters.listed_row(item, today=today) for item in listed]
    link_states = {item.conversation_id: item.link for item in listed if item.link is not None}
    steps = team_queries.who_does(request.practice)
    return render(request, "prepare/packs.jinja", _context(
        request, may_send=steps.holds(Step.PACKS, request.roles), senders=holders_text(steps, Step.PACKS),
        here="packs", rows=rows, counts=presenters.counts(rows), day=day, month=month, error=error,
        scope=presenters.scope_label(day=day, month=month, today=today),
        nav=presenters.scope_nav(day=day, month=month, today=today),
        job=_send_job(request.practice, today), settings=settings, today=today,
        rows_html=presenters.rows_html(rows, conversation_url=presenters.url_for_each("prepare:conversation"),
                                       link_states=link_states,
                                       results_url=presenters.url_for_each("results:review")
                                       if can(request.roles, Capability.RECORD_RESULTS) else None),
        scope_params={"day": day.isoformat()} if day else ({"month": f"{month:%Y-%m}"} if month else {})))


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def send(request):
    steps = team_queries.who_does(request.practice)
    if not steps.holds(Step.PACKS, request.roles):
        raise PermissionDenied(f"At this practice packs are sent by: {holders_text(steps, Step.PACKS)}.")
    day_text, month_text = request.POST.get("day", ""), request.POST.get("month", "")
    day = read_iso_date(day_text) if day_text else None
    month = read_iso_month(month_text) if month_text else None
    if (day_text and day is None) or (month_text and month is None):
        messages.error(request, "That day or month was not recognised: nothing was sent.")
        return redirect(reverse("prepare:packs"))
    job = actions.request_sending(practice=request.practice, by=request.user, day=day, month=month)
    messages.success(request, f"Sending the packs that are due: {job_presenters.progress(job).state_label.lower()}.")
    query = f"?day={day.isoformat()}" if day else (f"?month={month:%Y-%m}" if month else "")
    return redirect(reverse("prepare:packs") + query + "#send")


def _clinicians(practice):
    rows = (Membership.objects.filter(practice=practice, role__in=[Role.NURSE, Role.GP, Role.PHARMACIST])
            .select_related("user").order_by("user__last_name", "user__first_name"))
    return [(m.user, ROLE_LABELS[Role(m.role)]) for m in rows]


@practice_required(Capability.VIEW_PATIENT)
def conversation(request, pk: int):
    talk = queries.get_conversation(practice=request.practice, pk=pk, by=request.user)
    today = clock.today()
    prepared = queries.prepare_many(request.practice, [talk], today=today)[0]
    history = agenda_queries.agenda_history(request.practice, talk)  # latest first: the reply that counts
    agenda = history[0] if history else None
    preference = PackPreference.objects.filter(patient_id=talk.patient_id).first()
    # The care plan saved in this conversation, if there is one (read through the conversation's own
    # relation: the care plans app sits above this one).
    saved = talk.plan_versions.select_related("created_by").order_by("-version").first()
    copies = list(saved.copies.order_by("-on", "-pk")) if saved is not None else []
    return render(request, "prepare/conversation.jinja", _context(
        request, talk=talk, item=presenters.row(prepared, today=today, agenda=agenda), agenda=agenda,
        plan=presenters.plan_agreed(saved, copies),
        agenda_history=history,
        pack=prepared.sent, composed=prepared.pack, preference=preference,
        link_status=messaging_queries.current_links(request.practice, "pack", [talk.pk], now=clock.now()).get(talk.pk),
        can_clinical=can(request.roles, Capability.VIEW_CLINICAL),
        when=presenters.when_text(talk), how_labels=Conversation.How.choices))


@practice_required(Capability.VIEW_CLINICAL)
def preview(request, pk: int):
    """The pack as sent, or as it would be composed now, in one of its formats."""
    talk = queries.get_conversation(practice=request.practice, pk=pk, by=request.user, what="prepare.pack.preview")
    variant = request.GET.get("variant", "")
    if variant not in ("", "standard", "large_print", "easy_read"):
        raise Http404("No such format")
    sent = getattr(talk, "pack", None) if not variant else None
    pack = queries.compose_for(talk, variant=variant or None) if sent is None else None
    return render(request, "prepare/preview.jinja", _context(
        request, talk=talk, sent=sent, pack=pack, variant=variant, when=presenters.when_text(talk)))


@practice_required(Capability.VIEW_PATIENT)
def preference(request, pk: int):
    """Record their choice (POST); another practice's conversation is not found, whatever the method."""
    talk = queries.get_conversation(practice=request.practice, pk=pk, by=request.user)
    if request.method != "POST":
        return redirect(reverse("prepare:conversation", args=[talk.pk]) + "#results-in-advance")
    wanted = request.POST.get("results_in_advance")
    if wanted not in ("yes", "no"):
        messages.error(request, "Choose whether they want their results before the appointment.")
        return redirect(reverse("prepare:conversation", args=[talk.pk]) + "#results-in-advance")
    try:
        actions.set_results_in_advance(practice=request.practice, patient=talk.patient, by=request.user,
                                       wanted=wanted == "yes", note=request.POST.get("note", ""))
    except ValueError as too_long:  # nothing is saved: what they chose is not half-kept
        messages.error(request, str(too_long))
        return redirect(reverse("prepare:conversation", args=[talk.pk]) + "#results-in-advance")
    messages.success(request, "Saved. Their packs will " + ("include" if wanted == "yes" else "not include")
                     + " results from now on, every year, until they tell us otherwise.")
    return redirect(reverse("prepare:conversation", args=[talk.pk]))


def _book_form_values(request) -> tuple[dict, list[tuple[str, str]], dict]:
    """The booking form's values as typed, the problems with them (field id, message), and the
    cleaned values when there are none."""
    post = request.POST
    values = {k: post.get(k, "").strip() for k in ("date", "time", "minutes", "how", "place", "clinician", "version")}
    errors: list[tuple[str, str]] = []
    cleaned: dict = {}
    day = read_iso_date(values["date"])
    if day is None:
        errors.append(("date", "Enter the date of the conversation, for example 2026-07-14."))
    at = read_time(values["time"], label="The time").value
    if at is None:
        errors.append(("time", "Enter the time as hours and minutes, for example 10:30."))
    if day and at:
        cleaned["starts_at"] = dt.datetime.combine(day, at, tzinfo=timezone.get_current_timezone())
        if day < clock.today():
            errors.append(("date", "The conversation cannot be booked in the past."))
    minutes = read_int(values["minutes"], label="How long it will take", minimum=5, maximum=120).value
    if minutes is None:
        errors.append(("minutes", "Enter how long it will take, in minutes, between 5 and 120."))
    else:
        cleaned["minutes"] = minutes
    if values["how"] not in Conversation.How.values:
        errors.append(("how", "Choose how the conversation will happen."))
    cleaned["how"] = values["how"]
    cleaned["place"] = values["place"][:120]
    clinicians = {str(u.pk): u for u, _ in _clinicians(request.practice)}
    if values["clinician"] not in clinicians:
        errors.append(("clinician", "Choose who the person will talk with."))
    else:
        cleaned["clinician"] = clinicians[values["clinician"]]
    cleaned["expected_version"] = read_version(values["version"])
    return values, errors, cleaned


@practice_required(Capability.VIEW_PATIENT)
def book(request, review_pk: int):
    """Book (or move) the conversation for a review."""
    review = recall_queries.reviews_of(request.practice).select_related("patient").filter(pk=review_pk).first()
    if review is None:
        raise Http404("No such review")
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW,
                 what="prepare.conversation.book", patient_id=review.patient_id, object_id=review.pk)
    current = Conversation.objects.filter(review=review, state=Conversation.State.BOOKED).first()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        values, errors, cleaned = _book_form_values(request)
        if not errors:
            try:
                talk = actions.book_conversation(review=review, by=request.user, **cleaned)
            except actions.ConversationError as exc:
                errors.append(("date", str(exc)))
                current = Conversation.objects.filter(review=review, state=Conversation.State.BOOKED).first()
            else:
                messages.success(request, "The care planning conversation is booked.")
                return redirect(reverse("prepare:conversation", args=[talk.pk]))
    else:
        values = presenters.booking_values(current, review)
    facts = recall_queries.person_facts(request.practice, [review.patient_id]).get(
        review.patient_id, recall_queries.PersonFacts())
    plan = recall_queries.plan_for(facts, today=clock.today())
    return render(request, "prepare/book.jinja", _context(
        request, review=review, patient=review.patient, current=current, values=values, errors=errors,
        error_for=dict(reversed(errors)), clinicians=_clinicians(request.practice), plan=plan,
        how_choices=Conversation.How.choices), status=400 if errors else 200)


@practice_required(Capability.MANAGE_PRACTICE)
def settings_page(request):
    current = queries.settings_for(request.practice)
    error = ""
    values = {"earliest": str(current.send_earliest_days), "latest": str(current.send_latest_days)}
    if request.method == "POST":
        values = {"earliest": request.POST.get("earliest", "").strip(), "latest": request.POST.get("latest", "").strip()}
        version = request.POST.get("version", "")
        # Any whole number is read here (within a bound), so the window rule can say what is wrong with it.
        earliest, latest = (read_int(values[k], label="Days", minimum=-9999, maximum=9999).value
                            for k in ("earliest", "latest"))
        try:
            if earliest is None or latest is None:
                raise ValueError("Enter whole numbers of days.")
            timing.check(earliest, latest)
        except ValueError as exc:
            error = str(exc)
        else:
            saved = actions.save_settings(practice=request.practice, by=request.user, earliest=earliest,
                                          latest=latest, expected_version=read_version(version))
            if saved is None:
                error = ("Someone else changed these settings while you were editing them. The saved values are "
                         "shown below: check them and make your change again.")
                current = queries.settings_for(request.practice)
                values = {"earliest": str(current.send_earliest_days), "latest": str(current.send_latest_days)}
            else:
                messages.success(request, "Saved. Packs will go out between "
                                 f"{earliest} and {latest} days before each conversation.")
                return redirect(reverse("prepare:settings"))
    return render(request, "prepare/settings.jinja", _context(
        request, here="settings", values=values, error=error, version=current.version if current.pk else 0),
        status=400 if error else 200)


urlpatterns = [
    path("", packs, name="packs"),
    path("send/", send, name="send"),
    path("settings/", settings_page, name="settings"),
    path("conversations/<id:pk>/", conversation, name="conversation"),
    path("conversations/<id:pk>/pack/", preview, name="preview"),
    path("conversations/<id:pk>/results-in-advance/", preference, name="preference"),
    path("reviews/<id:review_pk>/book/", book, name="book"),
]
