"""The outbox pages, a letter's PDF, and the demo text message log and mailbox."""

from __future__ import annotations

import logging
import re
import secrets

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.redirects import back_from
from tandem.core.rules import Capability
from tandem.jobs import presenters as job_presenters
from tandem.jobs import queries as job_queries

from . import actions, gateways, link_actions, presenters, queries, rules
from .models import Channel, OutboxMessage

PAGE_SIZE = 50
logger = logging.getLogger(__name__)


def _demo_only():
    if getattr(settings, "PRODUCTION", False):
        raise Http404("Demo pages are not available in production")


@practice_required(Capability.VIEW_PATIENT)
def outbox(request):
    state = request.GET.get("state", "")
    channel = request.GET.get("channel", "")
    state = state if state in OutboxMessage.State.values else ""
    channel = channel if channel in Channel.values else ""
    page = Paginator(queries.outbox(request.practice, state=state, channel=channel), PAGE_SIZE).get_page(
        read_id(request.GET.get("page")) or 1)
    now = clock.now()
    messages = list(page.object_list)
    audit.record(by=request.user, practice=request.practice, action=AuditEvent.Action.VIEW, what="message.outbox",
                 detail={"shown": len(messages), "state": state, "channel": channel})
    counts = queries.counts_by_state(request.practice)
    latest = job_queries.latest(practice=request.practice, kind=actions.DISPATCH_JOB)
    query = "&".join(f"{k}={v}" for k, v in (("state", state), ("channel", channel)) if v)
    return render(request, "messaging/outbox.jinja", {
        "rows": presenters.rows(messages, letters=queries.ids_with_letters(m.pk for m in messages), now=now,
                               roles=request.roles),
        "page": page, "query": query, "state": state, "channel": channel,
        "state_items": presenters.filter_items(presenters.STATE_FILTERS, state, counts),
        "channel_items": presenters.filter_items(presenters.CHANNEL_FILTERS, channel),
        "queued": counts.get(OutboxMessage.State.QUEUED, 0), "total": sum(counts.values()),
        "job": job_presenters.progress(latest) if latest and not latest.finished else None,
        "send_token": secrets.token_urlsafe(16), "demo": not getattr(settings, "PRODUCTION", False),
        "demo_sms": gateways.is_demo(), "active_section": "messages",
    })


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def send(request):
    """Ask the worker to send what is queued. The form carries a one-off token, so pressing the button
    twice (or resubmitting the page) asks once."""
    token = request.POST.get("token", "")[:64] or secrets.token_urlsafe(16)
    job = actions.request_dispatch(practice=request.practice, by=request.user, idempotency_key=f"dispatch:{token}")
    return redirect(reverse("jobs:detail", kwargs={"job_id": job.pk}) + "?back=" + reverse("messaging:outbox"))


@practice_required(Capability.VIEW_PATIENT)
def message(request, message_id: int):
    item = queries.get_message(practice=request.practice, pk=message_id, by=request.user)
    has_letter = bool(queries.ids_with_letters([item.pk]))
    return render(request, "messaging/message.jinja", {
        "message": presenters.message_detail(item, has_letter=has_letter, now=clock.now(), roles=request.roles),
        "active_section": "messages",
    })


@practice_required(Capability.VIEW_PATIENT)
def letter(request, message_id: int):
    if not presenters.words_shown(queries.template_of(practice=request.practice, pk=message_id), request.roles):
        raise PermissionDenied("This letter carries clinical detail: only clinicians and the practice manager can open it.")
    pdf = queries.letter_pdf(practice=request.practice, pk=message_id, by=request.user)
    response = HttpResponse(bytes(pdf.pdf), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="letter-{message_id}.pdf"'
    return response


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def resolve(request, message_id: int):
    item = queries.get_message(practice=request.practice, pk=message_id, by=request.user, what="message.check")
    outcome = request.POST.get("outcome")
    if outcome in ("sent", "again"):
        try:
            actions.resolve_sending(message=item, by=request.user, sent=outcome == "sent")
        except actions.MessagingError:
            pass  # someone else checked it first; the page shows its state now
    return redirect("messaging:message", message_id=item.pk)


@practice_required(Capability.VIEW_PATIENT)
def demo_texts(request):
    _demo_only()
    rows = [{"to": text.to, "received": presenters.when(text.received_at),
             "text": text.text if message and presenters.words_shown(message.template, request.roles)
             else presenters.WORDS_HIDDEN if message else "",
             "message_id": message.pk if message else None, "patient_name": message.recipient_name if message else ""}
            for text, message in queries.demo_texts(request.practice)]
    return render(request, "messaging/demo_texts.jinja", {"rows": rows, "active_section": "messages",
                                                          "demo_sms": gateways.is_demo()})


@practice_required(Capability.VIEW_PATIENT)
def demo_mailbox(request):
    _demo_only()
    emails = [{"id": e.pk, "subject": e.subject or "(no subject)", "to": e.recipients,
               "received": presenters.when(e.received_at)} for e in queries.demo_mailbox(request.practice)]
    return render(request, "messaging/demo_mailbox.jinja", {"emails": emails, "active_section": "messages",
                                                            "demo_sms": gateways.is_demo()})


@practice_required(Capability.VIEW_PATIENT)
def demo_email(request, email_id: int):
    _demo_only()
    email = queries.sink_email(practice=request.practice, pk=email_id)
    shown = presenters.words_shown(queries.template_of(practice=request.practice, pk=email.outbox_id), request.roles)
    files = [{"number": number, "name": name, "size": _size(len(data))}
             for number, (name, _type, data) in enumerate(_attachments(email), start=1)] if shown else []
    return render(request, "messaging/demo_email.jinja", {"email": presenters.sink_email(email, shown=shown),
                                                          "files": files, "active_section": "messages"})


def _attachments(email) -> list[tuple[str, str, bytes]]:
    """The files an email the sink received carries: (name, type, bytes), in order."""
    from email import message_from_bytes, policy

    parsed = message_from_bytes(bytes(email.raw), policy=policy.default)
    return [(part.get_filename() or "attachment", part.get_content_type(), part.get_payload(decode=True) or b"")
            for part in parsed.iter_attachments()]


def _size(count: int) -> str:
    return f"{count / 1024:,.0f} kB" if count >= 1024 else f"{count} bytes"


@practice_required(Capability.VIEW_PATIENT)
def demo_attachment(request, email_id: int, number: int):
    """One file of an email the demo mail sink received (a care plan's PDF), opened in the browser;
    audited as a view of the message, like opening a letter."""
    _demo_only()
    email = queries.sink_email(practice=request.practice, pk=email_id)
    if not presenters.words_shown(queries.template_of(practice=request.practice, pk=email.outbox_id), request.roles):
        raise PermissionDenied("This email carries clinical detail: only clinicians and the practice manager can open it.")
    files = _attachments(email)
    if not 1 <= number <= len(files):
        raise Http404("No such file in this email")
    name, content_type, data = files[number - 1]
    queries.get_message(practice=request.practice, pk=email.outbox_id, by=request.user, what="message.demo_attachment")
    safe_type = content_type if content_type in ("application/pdf", "text/plain") else "application/octet-stream"
    response = HttpResponse(data, content_type=safe_type)
    disposition = "inline" if safe_type == "application/pdf" else "attachment"
    plain = re.sub(r"[^A-Za-z0-9._-]", "-", name)[:100] or f"file-{number}"
    response["Content-Disposition"] = f'{disposition}; filename="{plain}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@practice_required(Capability.VIEW_PATIENT)
def fresh_link(request, link_id: int):
    """Send the person a fresh reply link (a pack's or an invitation's) by their channel; the old one
    stops working at once. Back to the page the button was on."""
    link = queries.get_link(request.practice, link_id)
    back = back_from(request, "next", default=reverse("messaging:outbox"))
    patient = link.patient
    channel, variant = rules.channel_and_variant(patient.preferred_channel, actions.reachable_channels(patient),
                                                 {a.kind for a in patient.adjustments.all()})
    if channel is None:
        flash.error(request, "We hold no address for this person, so a new link cannot be sent. "
                                "Add their address, mobile number or email first.")
        return redirect(back)
    try:
        fresh = link_actions.send_fresh_link(practice=request.practice, link=link, by=request.user, channel=channel,
                                             variant=variant, about={"what": link.purpose})
    except link_actions.LinkError as exc:
        flash.error(request, str(exc))
        return redirect(back)
    how = {"letter": "a letter", "sms": "a text message", "email": "an email"}[channel]
    flash.success(request, f"A new link is in the outbox, to go by {how}. The old link no longer works.")
    logger.info("messaging: fresh link %s queued as message %s", fresh.link.pk, fresh.message.pk)
    return redirect(back)
