"""Shapes recall data for the templates and the CSV export. No queries, no writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from jinja2.filters import do_urlencode
from markupsafe import Markup

from tandem.messaging.actions import reachable_channels
from tandem.nhsuk.html import h, raw
from tandem.patients.models import Patient
from tandem.patients.presenters import named_clinician_text

from . import queries
from .models import RecallSettings, Review
from .rules import capacity as capacity_rules
from .rules import dates, delivery, schedule
from .rules.export import safe_row
from .rules.protocols import ROLE_NAMES
from .rules.review import GP_OR_SPECIALIST_NURSE, PRACTICE_NURSE, ReviewPlan
from .rules.status import (
    EXCEPTION_LABELS,
    RESPONSE_LABELS,
    STATUS_LABELS,
    ExceptionReason,
    Response,
    Status,
    allowed_responses,
    appointment_has_passed,
)

TAG_COLOURS = {
    Status.PLANNED: "nhsuk-tag--grey", Status.INVITED: "nhsuk-tag--blue", Status.BOOKED: "nhsuk-tag--aqua-green",
    Status.DID_NOT_ATTEND: "nhsuk-tag--orange", Status.ATTENDED: "nhsuk-tag--green",
    Status.DECLINED: "nhsuk-tag--purple", Status.EXCEPTED: "nhsuk-tag--red", Status.WITHDRAWN: "nhsuk-tag--white",
}


def day(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def short_day(value: dt.date | None) -> str:
    return f"{value.day} {value:%b}" if value else ""


def appointment_text(on: dt.date | None, at: dt.time | None) -> str:
    """'2 July 2026 at 10:30'."""
    return day(on) + (f" at {at:%H:%M}" if on and at else "")


def stage_text(review: Review, policy: schedule.InvitationPolicy) -> str:
    """Where the review is in its invitations, in words: 'First reminder sent 29 June'."""
    status = Status(review.status)
    if status is Status.BOOKED:
        return f"Booked for {appointment_text(review.booked_for, review.booked_time)}" if review.booked_for \
            else "Booked"
    if status in (Status.INVITED, Status.EXCEPTED) and review.stage:
        sent = f"{schedule.stage_name(review.stage, review.round).capitalize()} sent {short_day(review.last_sent_on)}"
        return sent + (" (after a missed appointment)" if review.round > 1 and review.stage > 1 else "")
    if status is Status.DID_NOT_ATTEND:
        return f"Did not attend on {short_day(review.status_on)}"
    return STATUS_LABELS[status]


def next_step(review: Review, policy: schedule.InvitationPolicy, *, today: dt.date) -> str:
    status = Status(review.status)
    nxt = schedule.next_invitation(review.state(), policy)
    if nxt is not None:
        name = schedule.stage_name(nxt.stage, nxt.round).capitalize()
        when = "now" if nxt.on <= today else f"on {short_day(nxt.on)}"
        return f"{name} due {when}"
    exception_on = schedule.no_response_exception_on(review.state(), policy)
    if exception_on is not None:
        return f"Waiting for a reply until {short_day(exception_on)}"
    if status is Status.BOOKED:
        return "Record whether they attended, after the appointment"
    return ""


@dataclass(frozen=True)
class ResponseChoice:
    value: str
    label: str


@dataclass(frozen=True)
class Row:
    review_id: int
    patient_id: int
    name: str
    nhs_number: str
    date_of_birth: str
    due: str
    status: str
    status_label: str
    tag_class: str
    stage: str
    next_step: str
    conditions: list[str]
    tier: str
    tests_summary: str
    tests: list[str]
    not_due: list[str]
    prepare: list[str]
    conversation: str
    conversation_reasons: str
    channel: str
    notes: list[str]
    responses: list[ResponseChoice]
    quick_responses: list[ResponseChoice]  # on the board: a booking needs its date and time, on the review page
    review_url: str
    respond_url: str
    can_book: bool
    due_reason: str


TIER_LABELS = {"case_management": "Case management", "disease_management": "Disease management",
               "self_care": "Self-care support"}


LEAD_PHRASES = {PRACTICE_NURSE: "a practice nurse", GP_OR_SPECIALIST_NURSE: "a GP or specialist nurse"}


def conversation_text(plan: ReviewPlan) -> str:
    return f"{plan.conversation.minutes} min with {LEAD_PHRASES[plan.conversation.lead]}"


def response_choices(review: Review, *, now: dt.datetime) -> list[ResponseChoice]:
    """The responses staff may record now: "did not attend" only once the booked appointment is over."""
    passed = appointment_has_passed(on=review.booked_for, at=review.booked_time, now=now)
    return [ResponseChoice(r.value, RESPONSE_LABELS[r])
            for r in allowed_responses(review.status, appointment_passed=passed)]


def _start_of(today: dt.date) -> dt.datetime:
    return dt.datetime.combine(today, dt.time(0, 0))


def _patient_path(name: str) -> Callable[[int], str]:
    """The path of URL `name` for any patient id, reversed once: the id is the only part that differs."""
    marker = 2_147_483_647  # the largest id, as a marker
    head, tail = reverse(name, kwargs={"patient_id": marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def row(item: queries.BoardRow, *, policy: schedule.InvitationPolicy, today: dt.date,
        now: dt.datetime | None = None, due: schedule.DueExplanation | None = None,
        paths: tuple[Callable[[int], str], Callable[[int], str]] | None = None) -> Row:
    """One person's row. `now` (local time) decides whether a booked appointment is over; without it,
    only appointments before today count as over. `paths` (the review and respond paths for a patient
    id) when making many rows."""
    review, patient, facts, plan = item.review, item.patient, item.facts, item.plan
    review_path, respond_path = paths or (_patient_path("recall:review"), _patient_path("recall:respond"))
    choices = response_choices(review, now=now or _start_of(today))
    how = delivery.choose(preferred=patient.preferred_channel, reachable=reachable_channels(patient),
                          adjustments=facts.adjustments)
    status = Status(review.status)
    return Row(
        review_id=review.pk, patient_id=patient.pk, name=patient.full_name, nhs_number=patient.nhs_number_display,
        date_of_birth=day(patient.date_of_birth), due=dates.month_label(review.due_month), status=status.value,
        status_label=STATUS_LABELS[status], tag_class=TAG_COLOURS[status], stage=stage_text(review, policy),
        next_step=next_step(review, policy, today=today),
        conditions=[queries.condition_name(c) for c in facts.conditions], tier=TIER_LABELS.get(facts.tier, ""),
        tests_summary=plan.tests.summary(),
        tests=[f"{s.item.name} ({ROLE_NAMES[s.role]}, {s.minutes} min)" for s in plan.tests.steps],
        not_due=[f"{n.item.name}: done {day(n.last_done)}" for n in plan.tests.not_due],
        prepare=list(plan.tests.prepare),
        conversation=conversation_text(plan),
        conversation_reasons="; ".join(plan.conversation.lead_reasons),
        channel=how.label, notes=list(how.notes),
        responses=choices,
        quick_responses=[c for c in choices if c.value != Response.BOOKED],
        can_book=any(c.value == Response.BOOKED for c in choices),
        review_url=review_path(patient.pk),
        respond_url=respond_path(patient.pk),
        due_reason=due.text if due is not None else "",
    )


def rows(items: list[queries.BoardRow], *, policy: schedule.InvitationPolicy, today: dt.date,
         now: dt.datetime | None = None, settings: RecallSettings | None = None) -> list[Row]:
    """The board's rows. With the practice's `settings`, each row whose due month is not the one the
    scheme gives says why."""
    out = []
    paths = (_patient_path("recall:review"), _patient_path("recall:respond"))
    for i in items:
        due = queries.due_explanation(i, settings) if settings is not None else None
        out.append(row(i, policy=policy, today=today, now=now, due=due, paths=paths))
    return out


_SECONDARY = '<span class="tandem-block tandem-secondary">'


def rows_html(view_rows: list[Row], *, clinical: bool, csrf_field: str, board_url: str) -> Markup:
    """The board's table rows as board.jinja wrote them (one space between tags), every value escaped
    once: 50 rows of five cells each. Without `clinical` (an administrator: docs/roles.md) no risk
    tier, no last-done dates and no reasons. `csrf_field`: the page's one CSRF input (markup)."""
    board = h(board_url)
    board_next = h(do_urlencode(board_url))
    csrf = raw(csrf_field)
    out = []
    for r in view_rows:
        name = h(r.name)
        review_url = h(r.review_url)
        parts = [
            '\n    <tr class="nhsuk-table__row"> <th scope="row" class="nhsuk-table__cell">',
            f' <a href="{review_url}">{name}</a>',
            f' {_SECONDARY}NHS number <span class="tandem-nowrap">{h(r.nhs_number)}</span></span>',
            f' {_SECONDARY}Born {h(r.date_of_birth)}</span> </th> <td class="nhsuk-table__cell"> <strong>{h(r.due)}</strong>',
        ]
        if r.due_reason:
            parts.append(f" {_SECONDARY}{h(r.due_reason)}</span>")
        parts.append(f' <span class="tandem-block"><strong class="nhsuk-tag {h(r.tag_class)}">{h(r.status_label)}</strong></span>')
        if r.stage != r.status_label:
            parts.append(f' <span class="tandem-block">{h(r.stage)}</span>')
        if r.next_step:
            parts.append(f" {_SECONDARY}{h(r.next_step)}</span>")
        parts.append(f' </td> <td class="nhsuk-table__cell"> <span class="tandem-block">'
                     f'{", ".join(h(c) for c in r.conditions)}</span>')
        if r.tier and clinical:
            parts.append(f" {_SECONDARY}{h(r.tier)}</span>")
        parts.append(f' <details class="nhsuk-details"> <summary class="nhsuk-details__summary">'
                     f'<span class="nhsuk-details__summary-text">Tests: {h(r.tests_summary)}'
                     f'<span class="nhsuk-u-visually-hidden"> for {name}</span></span></summary>'
                     f' <div class="nhsuk-details__text">')
        if r.tests:
            parts.append(" <ul>" + "".join(f"<li>{h(t)}</li>" for t in r.tests) + "</ul>")
        else:
            parts.append("<p>No tests needed.</p>")
        if clinical:
            parts.extend(f'<p class="nhsuk-u-margin-bottom-0">Not needed this time: {h(n)}</p>' for n in r.not_due)
        parts.append(f' </div> </details> <span class="tandem-block">Conversation: {h(r.conversation)}</span>')
        if r.conversation_reasons and clinical:
            parts.append(f" {_SECONDARY}Because of {h(r.conversation_reasons)}</span>")
        parts.append(f' </td> <td class="nhsuk-table__cell"> {h(r.channel)}')
        parts.extend(f"{_SECONDARY}{h(note)}</span>" for note in r.notes)
        parts.append(' </td> <td class="nhsuk-table__cell">')
        if r.quick_responses:
            field = f"response-{h(r.review_id)}"
            parts.append(
                f' <form method="post" action="{h(r.respond_url)}" class="recall-respond"> {csrf}'
                f' <input type="hidden" name="next" value="{board}">'
                f' <div class="nhsuk-form-group nhsuk-u-margin-bottom-0">'
                f' <label class="nhsuk-label nhsuk-u-visually-hidden" for="{field}">What {name} did</label>'
                f' <select class="nhsuk-select" id="{field}" name="response">'
                f' <option value="" selected>Choose a response</option>'
                + "".join(f'<option value="{h(c.value)}">{h(c.label)}</option>' for c in r.quick_responses)
                + ' </select> </div> <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"'
                f' type="submit">Record<span class="nhsuk-u-visually-hidden"> for {name}</span></button> </form>')
        if r.can_book:
            parts.append(f' <a class="tandem-block" href="{review_url}?next={board_next}#response">Record a booking'
                         f'<span class="nhsuk-u-visually-hidden"> for {name}</span> (date and time)</a>')
        if not r.responses:
            parts.append(' <span class="tandem-secondary">Nothing to record</span>')
        parts.append(" </td>\n    </tr>\n  ")
        out.append("".join(parts))
    return Markup("".join(out))  # noqa: S704 - every value escaped once, above


# --- CSV -----------------------------------------------------------------------------------

CSV_HEADER = ["NHS number", "Name", "Date of birth", "Due", "Status", "Stage", "Next step", "Conditions",
              "Risk tier", "Tests appointment", "Tests", "Bring or do beforehand", "Conversation", "Invite by",
              "Notes"]


def csv_rows(view_rows: list[Row], *, clinical: bool = True) -> list[list[str]]:
    """The board as CSV rows, every cell safe to open in a spreadsheet. Without `clinical` (an
    administrator: docs/roles.md) there is no risk tier column."""
    tier = CSV_HEADER.index("Risk tier")
    out = [safe_row(CSV_HEADER if clinical else CSV_HEADER[:tier] + CSV_HEADER[tier + 1:])]
    for r in view_rows:
        cells = [
            r.nhs_number, r.name, r.date_of_birth, r.due, r.status_label, r.stage, r.next_step,
            "; ".join(r.conditions), r.tier, r.tests_summary, "; ".join(r.tests), " ".join(r.prepare),
            r.conversation, r.channel, " ".join(r.notes),
        ]
        if not clinical:
            del cells[tier]
        out.append(safe_row(cells))
    return out


# --- Capacity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityLineView:
    label: str
    needed: str
    available: str
    shortfall: int
    enough: bool
    message: str
    booked: str = ""  # with clinic sessions: minutes a week already booked, and free
    free: str = ""


@dataclass(frozen=True)
class CapacityView:
    month: str
    people: int
    lines: list[CapacityLineView]
    enough: bool
    no_capacity_set: bool
    from_sessions: bool = False


def capacity(months: list[capacity_rules.MonthCapacity]) -> list[CapacityView]:
    out = []
    for m in months:
        lines = []
        for line in m.lines:
            if line.enough:
                message = "Enough time"
            else:
                minutes = "minute" if line.shortfall == 1 else "minutes"
                message = (f"{line.shortfall:,} {minutes} a week short ({line.needed_per_week:,} needed, "
                           f"{line.available_per_week:,} available)")
            booked = line.booked_per_week
            lines.append(CapacityLineView(label=line.label, needed=f"{line.needed_per_week:,}",
                                          available=f"{line.available_per_week:,}", shortfall=line.shortfall,
                                          enough=line.enough, message=message,
                                          booked="" if booked is None else f"{booked:,}",
                                          free="" if booked is None else f"{line.free_per_week:,}"))
        out.append(CapacityView(month=dates.month_label(m.month), people=m.people, lines=lines, enough=m.enough,
                                no_capacity_set=not m.from_sessions and all(line.available_per_week == 0
                                                                            for line in m.lines),
                                from_sessions=m.from_sessions))
    return out


# --- One person's review --------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    when: str
    what: str
    who: str


EVENT_TEXT = {
    "planned": "Review planned", "invited": "Invitation sent", "booked": "Booked", "attended": "Attended",
    "did_not_attend": "Did not attend", "declined": "Declined (informed dissent)",
    "excepted": "Exception: did not respond to invitations", "withdrawn": "No longer needed",
    "reopened": "Needed again", "replanned": "Due month changed",
}


def history(events, invitations) -> list[HistoryLine]:
    by_stage = {(i.round, i.stage): i for i in invitations}
    out = []
    for e in events:
        what = EVENT_TEXT.get(e.kind, e.kind)
        if e.kind == "invited" and e.stage:
            what = schedule.stage_name(e.stage, e.round or 1).capitalize() + " sent"
            inv = by_stage.get((e.round, e.stage))
            if inv is not None:
                what += " by " + delivery.Delivery(inv.channel, inv.variant).label.lower()
        if e.kind == "booked" and e.appointment_on:
            what += f" for {appointment_text(e.appointment_on, e.appointment_time)}"
        if e.kind == "did_not_attend" and e.appointment_on:
            what += f" the appointment on {appointment_text(e.appointment_on, e.appointment_time)}"
        who = e.recorded_by.display_name if e.recorded_by else "Tandem"
        out.append(HistoryLine(when=day(e.on), what=what, who=who))
    return out


def exception_lines(exceptions) -> list[str]:
    out = []
    for x in exceptions:
        text = f"{EXCEPTION_LABELS[ExceptionReason(x.reason)]}, from {day(x.on)} (review year " \
               f"{dates.review_year_label(x.review_year)})"
        if x.lifted_on:
            text += f"; lifted {day(x.lifted_on)}"
        out.append(text)
    return out


def settings_summary(settings: RecallSettings) -> dict:
    policy = settings.policy()
    return {
        "scheme": schedule.SCHEME_LABELS[schedule.Scheme(settings.scheme)],
        "first": f"{policy.first_weeks_before} weeks before the due month",
        "reminders": ", ".join(f"{w} weeks" for w in policy.reminder_weeks) + " after the first"
        if policy.reminder_weeks else "No reminders",
    }


def patient_heading(patient: Patient) -> dict:
    return {"name": patient.full_name, "nhs_number": patient.nhs_number_display,
            "date_of_birth": day(patient.date_of_birth), "named_clinician": named_clinician_text(patient)}

