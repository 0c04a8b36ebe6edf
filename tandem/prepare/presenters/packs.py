"""Shaping packs and conversations for the staff pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from markupsafe import Markup

from tandem.messaging.models import Channel, Variant
from tandem.nhsuk.html import h
from tandem.nhsuk.tag import nhsuk_tag

from ..models import Conversation
from ..queries import packs as queries
from ..queries.packs import Listed, Prepared
from ..rules.timing import When


@dataclass(frozen=True)
class Row:
    conversation_id: int
    patient_id: int
    name: str
    nhs_number: str
    starts: str  # "Tue 23 Jun, 10:30am"
    with_name: str
    status: str  # sent | ready | not_due | waiting | no_results | too_late | no_address
    label: str
    tag: str  # NHS.UK tag colour class
    detail: str
    missing: tuple[str, ...]
    how: str  # "Letter, large print"
    reading_age: float | None
    reply: str = "No reply yet"  # whether the person (or a carer) sent their agenda, and how
    replied: bool = False
    review_id: int = 0  # the review the conversation is for (where its results are recorded)


CHANNEL_LABELS = dict(Channel.choices)
VARIANT_LABELS = dict(Variant.choices)
STATUS_ORDER = ("waiting", "ready", "not_due", "sent", "no_address", "too_late")
STATUS_LABELS = {
    "sent": ("Sent", "nhsuk-tag--green"),
    "ready": ("Ready to send", "nhsuk-tag--blue"),
    "not_due": ("Not due yet", "nhsuk-tag--grey"),
    "waiting": ("Waiting for results", "nhsuk-tag--orange"),
    "no_address": ("No address", "nhsuk-tag--red"),
    "too_late": ("Not sent", "nhsuk-tag--red"),
}


def day_text(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_text(when: dt.datetime) -> str:
    """10:42am, in the practice's time zone."""
    return _clock(queries.local(when))


def _clock(local: dt.datetime) -> str:
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def when_text(talk: Conversation) -> str:
    starts = queries.local(talk.starts_at)
    return f"{day_text(starts.date())} at {time_text(starts)}"


def how_text(channel: str | None, variant: str) -> str:
    if channel is None:
        return "No address to send to"
    text = CHANNEL_LABELS.get(channel, channel)
    return f"{text}, {VARIANT_LABELS.get(variant, variant).lower()}" if variant != "standard" else text


REPLY_VIA = {"online": "online", "paper": "on paper (typed in by staff)", "phone": "by phone (typed in by staff)"}


def reply_text(agenda) -> str:
    """Whether the person replied with their agenda, who, how and when: "Replied online, 12 June"."""
    if agenda is None:
        return "No reply yet"
    who = "A carer replied" if agenda.from_who == "carer" else "Replied"
    day = queries.local(agenda.submitted_at)
    return f"{who} {REPLY_VIA.get(agenda.via, agenda.via)}, {day.day} {day:%B}"


def row(prepared: Prepared, *, today: dt.date, agenda=None) -> Row:
    """A conversation's row, from its composed pack: what the list shows for it (`listed_row`)."""
    talk, patient = prepared.conversation, prepared.conversation.patient
    return _row(prepared, conversation_id=talk.pk, patient_id=patient.pk,
                name=f"{patient.given_name} {patient.family_name}", nhs_number=patient.nhs_number_display,
                starts=queries.local(talk.starts_at), with_name=queries.clinician_name(talk), today=today,
                agenda=agenda)


def listed_row(listed: Listed, *, today: dt.date) -> Row:
    """The list's row for one conversation, from what the list reads: the same status and words as
    `row` gives from its composed pack."""
    return _row(listed, conversation_id=listed.conversation_id, patient_id=listed.patient_id, name=listed.name,
                nhs_number=listed.nhs_number, starts=listed.starts, with_name=listed.with_name, today=today,
                agenda=listed.reply, review_id=listed.review_id)


def _row(prepared: Prepared | Listed, *, conversation_id: int, patient_id: int, name: str, nhs_number: str,
         starts: dt.datetime, with_name: str, today: dt.date, agenda, review_id: int = 0) -> Row:
    sent = prepared.sent
    when = prepared.window.when(today)
    missing = prepared.missing if prepared.with_results else ()
    if sent is not None:
        status = "sent"
        detail = f"Sent {sent.sent_on.day} {sent.sent_on:%B}" + ("" if sent.with_results else ", without results")
    elif when is When.PAST:
        status, detail = "too_late", "The conversation has passed"
    elif prepared.channel is None:
        status, detail = "no_address", "Add an address, mobile number or email to send a pack"
    elif not prepared.ready:
        status, detail = "waiting", "Outstanding: " + ", ".join(prepared.missing)
    elif when is When.TOO_EARLY:
        status, detail = "not_due", f"Goes out from {prepared.window.opens.day} {prepared.window.opens:%B}"
    else:
        status = "ready"
        detail = "Late: send now" if when is When.LATE else "Goes out when packs are next sent"
    if not prepared.with_results and status != "sent":
        detail += ". No results in advance (their choice)"
    label, tag = STATUS_LABELS[status]
    return Row(conversation_id=conversation_id, patient_id=patient_id, name=name, nhs_number=nhs_number,
               starts=f"{starts:%a} {starts.day} {starts:%b}, {_clock(starts)}", with_name=with_name, status=status,
               label=label, tag=tag, detail=detail, missing=missing,
               how=how_text(sent.channel if sent else prepared.channel, sent.variant if sent else prepared.variant),
               reading_age=sent.reading_age if sent else None, reply=reply_text(agenda), replied=agenda is not None,
               review_id=review_id)


_CELL = '<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">'
_REPLIED = f'{nhsuk_tag({"text": "Replied", "classes": "nhsuk-tag--green"})}<br>'


def rows_html(rows: list[Row], *, conversation_url: Callable[[int], str], link_states: dict,
              results_url: Callable[[int], str] | None = None) -> Markup:
    """The list's table rows, each as packs.jinja wrote it (its tags as the tag component gives them),
    every value escaped once: a list of a month's conversations has hundreds of cells.
    `link_states`: conversation id -> the state of its reply link (messaging_queries.current_link_states).
    `results_url`: review id -> where its results are recorded, for readers who may record them (a pack
    waiting for results links there)."""
    out = []
    for r in rows:
        url = h(conversation_url(r.conversation_id))
        link = link_states.get(r.conversation_id)
        if link and not link.works:
            state = link.state.value
            link_html = (f'{nhsuk_tag({"text": "Link " + state, "classes": "nhsuk-tag--red" if state == "locked" else "nhsuk-tag--grey"})}'
                         f' <a href="{url}#pack">Send a new link</a><br>')
        else:
            link_html = ""
        age = f'<br><span class="nhsuk-body-s">Reading age {r.reading_age:.0f}</span>' if r.reading_age else ""
        record = (f'<br><a class="nhsuk-body-s" href="{h(results_url(r.review_id))}">Record results'
                  f'<span class="nhsuk-u-visually-hidden"> for {h(r.name)}</span></a>'
                  if results_url is not None and r.status == "waiting" and r.review_id else "")
        out.append(
            f'\n    <tr class="nhsuk-table__row">\n      {_CELL}When </span>{h(r.starts)}</td>\n'
            f'      {_CELL}Person </span>\n        <a href="{url}">{h(r.name)}</a><br>'
            f'<span class="nhsuk-body-s">NHS number {h(r.nhs_number)}</span></td>\n'
            f'      {_CELL}With </span>{h(r.with_name)}</td>\n'
            f'      {_CELL}Pack </span>\n        {nhsuk_tag({"text": r.label, "classes": r.tag})}<br>'
            f'<span class="nhsuk-body-s">{h(r.detail)}</span>{record}</td>\n'
            f'      {_CELL}Their reply </span>\n        {_REPLIED if r.replied else ""}{link_html}'
            f'<span class="nhsuk-body-s">{h(r.reply)}</span></td>\n'
            f'      {_CELL}How it goes </span>{h(r.how)}{age}</td>\n    </tr>\n  ')
    return Markup("".join(out))  # noqa: S704 - every value escaped


@dataclass(frozen=True)
class PlanAgreed:
    """The care plan saved in a conversation: agreed or not, when and with whom, and copies given."""

    version: int
    agreed: bool
    on: str  # "15 June 2026"
    by: str  # who held the conversation
    copies: tuple[str, ...]  # "Printed and handed over on 15 June 2026"


def _long(iso: str) -> str:
    try:
        day = dt.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return ""
    return f"{day.day} {day:%B %Y}"


def plan_agreed(version, copies) -> PlanAgreed | None:
    """`version`: the latest plan version saved in the conversation (or None); `copies`: the copies
    given of it (rows with get_how_display() and `on`)."""
    if version is None:
        return None
    content = version.content or {}
    by = content.get("held_by") or (version.created_by.display_name if version.created_by else "")
    on = _long(content.get("agreed_on") or content.get("held_on") or "")
    if not on:
        on = f"{queries.local(version.created_at).day} {queries.local(version.created_at):%B %Y}"
    return PlanAgreed(version=version.version, agreed=bool(content.get("agreed_with_person")), on=on, by=by,
                      copies=tuple(f"{c.get_how_display()} on {c.on.day} {c.on:%B %Y}" for c in copies))


_ANY_ID = 2147483647  # the largest id a URL takes (tandem.core.converters)


def url_for_each(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for every row of a list, with the URL reversed once per page."""
    before, after = reverse(name, args=[_ANY_ID]).rsplit(str(_ANY_ID), 1)
    return lambda pk: f"{before}{int(pk)}{after}"


def counts(rows: list[Row]) -> list[tuple[str, str, int]]:
    out = []
    for status in STATUS_ORDER:
        n = sum(1 for r in rows if r.status == status)
        if n:
            out.append((status, STATUS_LABELS[status][0], n))
    return out


def scope_label(*, day: dt.date | None, month: dt.date | None, today: dt.date) -> str:
    if day is not None:
        return day_text(day)
    if month is not None:
        return f"{month:%B %Y}"
    first, after = queries.scope_dates(today=today)
    last = after - dt.timedelta(days=1)
    return f"the next four weeks ({first.day} {first:%B} to {last.day} {last:%B})"


def scope_nav(*, day: dt.date | None, month: dt.date | None, today: dt.date) -> dict:
    """Links to the previous and next day (or month)."""
    if day is None and month is None:
        month = today.replace(day=1)
    if day is not None:
        before, after = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
        return {"previous": ({"day": before.isoformat()}, day_text(before)),
                "next": ({"day": after.isoformat()}, day_text(after)), "month": {"month": f"{day:%Y-%m}"}}
    before = (month - dt.timedelta(days=1)).replace(day=1)
    after = (month + dt.timedelta(days=32)).replace(day=1)
    return {"previous": ({"month": f"{before:%Y-%m}"}, f"{before:%B %Y}"),
            "next": ({"month": f"{after:%Y-%m}"}, f"{after:%B %Y}"), "month": None}


def booking_values(current: Conversation | None, review) -> dict:
    if current is None:
        return {"date": "", "time": "", "minutes": "", "how": Conversation.How.IN_PERSON, "place": "",
                "clinician": "", "version": ""}
    starts = queries.local(current.starts_at)
    return {"date": starts.date().isoformat(), "time": f"{starts:%H:%M}", "minutes": str(current.minutes),
            "how": current.how, "place": current.place, "clinician": str(current.clinician_id or ""),
            "version": str(current.version)}
