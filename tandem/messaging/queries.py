"""Reads of the outbox and of a practice's wording, always within one practice. Opening one message
or letter is audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet
from django.http import Http404

from tandem.core import audit
from tandem.core.models import AuditEvent, Practice, User

from . import links, wording
from .models import DemoSms, LetterPdf, OutboxMessage, ReplyLink, SinkEmail, WordingVersion


def outbox(practice: Practice, *, state: str = "", channel: str = "") -> QuerySet[OutboxMessage]:
    messages = (OutboxMessage.objects.filter(practice=practice).select_related("patient")
                .defer("letter_html", "body").order_by("-created_at", "-pk"))
    if state:
        messages = messages.filter(state=state)
    if channel:
        messages = messages.filter(channel=channel)
    return messages


def counts_by_state(practice: Practice) -> dict[str, int]:
    rows = OutboxMessage.objects.filter(practice=practice).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def ids_with_letters(message_ids) -> set[int]:
    return set(LetterPdf.objects.filter(message_id__in=list(message_ids)).values_list("message_id", flat=True))


def get_message(*, practice: Practice, pk: int, by: User, what: str = "message") -> OutboxMessage:
    """One message of this practice, audited as viewed; 404 for anything else."""
    try:
        message = OutboxMessage.objects.select_related("patient", "created_by").get(practice=practice, pk=pk)
    except (OutboxMessage.DoesNotExist, ValueError, TypeError):
        raise Http404("No such message in this practice") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what=what,
                 patient_id=message.patient_id, object_id=message.pk)
    return message


def template_of(*, practice: Practice, pk: int | None) -> str:
    """The template of one of this practice's messages (to decide who may read it); 404 for anything else."""
    found = OutboxMessage.objects.filter(practice=practice, pk=pk).values_list("template", flat=True).first()
    if found is None:
        raise Http404("No such message in this practice")
    return found


def letter_pdf(*, practice: Practice, pk: int, by: User) -> LetterPdf:
    """A letter's PDF, audited as viewed with the patient's id; 404 if not this practice's or not made yet."""
    try:
        letter = LetterPdf.objects.select_related("message").get(message__practice=practice, message_id=pk)
    except (LetterPdf.DoesNotExist, ValueError, TypeError):
        raise Http404("No such letter in this practice") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what="message.letter",
                 patient_id=letter.message.patient_id, object_id=pk)
    return letter


def demo_texts(practice: Practice, *, limit: int = 200) -> list[tuple[DemoSms, OutboxMessage | None]]:
    """Text messages the demo gateway took from this practice, newest first, with their outbox message."""
    sent = OutboxMessage.objects.filter(practice=practice, channel="sms").exclude(provider_id="")
    texts = list(DemoSms.objects.filter(provider_id__in=sent.values("provider_id"))[:limit])
    by_provider = {m.provider_id: m for m in sent.filter(provider_id__in=[t.provider_id for t in texts])
                   .select_related("patient").defer("letter_html")}
    return [(text, by_provider.get(text.provider_id)) for text in texts]


def demo_mailbox(practice: Practice, *, limit: int = 200) -> QuerySet[SinkEmail]:
    """Emails the demo mail sink received from this practice's outbox, newest first."""
    ours = OutboxMessage.objects.filter(practice=practice, channel="email").values("pk")
    return SinkEmail.objects.filter(outbox_id__in=ours).defer("raw")[:limit]


def sink_email(*, practice: Practice, pk: int) -> SinkEmail:
    ours = OutboxMessage.objects.filter(practice=practice, channel="email").values("pk")
    try:
        return SinkEmail.objects.get(pk=pk, outbox_id__in=ours)
    except (SinkEmail.DoesNotExist, ValueError, TypeError):
        raise Http404("No such email") from None


# --- Wording: what a practice says in packs and invitations -----------------------------------

def wording_versions(practice: Practice) -> QuerySet[WordingVersion]:
    return WordingVersion.objects.filter(practice=practice)


def latest_wording(practice: Practice, *, variant: str | None = None,
                   keys: Iterable[str] | None = None) -> dict[tuple[str, str], WordingVersion]:
    """(block, variant) -> the latest version the practice saved, with who saved it."""
    rows = wording_versions(practice)
    if variant is not None:
        rows = rows.filter(variant=variant)
    if keys is not None:
        rows = rows.filter(block__in=list(keys))
    newest = rows.values("block", "variant").annotate(latest=Max("version"))
    wanted = {(r["block"], r["variant"], r["latest"]) for r in newest}
    if not wanted:
        return {}
    found = rows.filter(version__in={w[2] for w in wanted}).select_related("created_by")
    return {(r.block, r.variant): r for r in found if (r.block, r.variant, r.version) in wanted}


def current_texts(practice: Practice, variant: str, *, document: str | None = None) -> dict[str, str]:
    """Block key -> the practice's latest text, only for blocks whose wording the practice has changed
    from Tandem's standard (the rest use the standard wording). `variant` may be a message's format:
    large print uses the standard wording."""
    wording_variant = wording.EASY_READ if variant == wording.EASY_READ else wording.STANDARD
    blocks = wording.blocks() if document is None else wording.blocks_of(document)
    out = {}
    for row in latest_wording(practice, variant=wording_variant, keys=blocks).values():
        block = blocks.get(row.block)
        if block is not None and row.text != block.default(wording_variant):
            out[row.block] = row.text
    return out


# --- Reply links ---------------------------------------------------------------------------------

def link_for_key(key: str, *, code_key: str) -> ReplyLink | None:
    """The reply link a long token or a typed short code belongs to, or None for anything that is not
    one of ours. Public: not scoped to a practice (the link is the way in), and shows nothing by
    itself until the date of birth is given."""
    if links.looks_like_token(key):
        found = ReplyLink.objects.select_related("practice").filter(token_hash=links.digest(key)).first()
        return found if found is not None and links.matches(key, found.token_hash) else None
    code = links.normalise_code(key)
    if code is None:
        return None
    return ReplyLink.objects.select_related("practice").filter(code_hash=links.code_digest(code, key=code_key)).first()


def link_state(link: ReplyLink, *, now) -> links.LinkState:
    return links.state(expires=link.expires_at, locked_at=link.locked_at, revoked_at=link.revoked_at, now=now)


@dataclass(frozen=True)
class LinkStatus:
    """What staff see of a person's reply link."""

    link: ReplyLink
    state: links.LinkState

    @property
    def works(self) -> bool:
        return self.state is links.LinkState.OPEN

    @property
    def label(self) -> str:
        return {links.LinkState.OPEN: "Works", links.LinkState.LOCKED: "Locked after 5 wrong dates of birth",
                links.LinkState.EXPIRED: "Expired"}[self.state]


def current_links(practice: Practice, purpose: str, object_ids: Iterable[int], *, now) -> dict[int, LinkStatus]:
    """object id -> its newest link that has not been replaced, with its state (for staff pages)."""
    rows = (ReplyLink.objects.filter(practice=practice, purpose=purpose, object_id__in=list(object_ids),
                                     revoked_at__isnull=True).order_by("object_id", "-created_at", "-pk"))
    out: dict[int, LinkStatus] = {}
    for row in rows:
        out.setdefault(row.object_id, LinkStatus(link=row, state=link_state(row, now=now)))
    return out


@dataclass(frozen=True)
class LinkSeen:
    """A link's state as a list of many people shows it (no link row is read)."""

    state: links.LinkState

    @property
    def works(self) -> bool:
        return self.state is links.LinkState.OPEN


def current_link_states(practice: Practice, purpose: str, object_ids: Iterable[int], *,
                        now) -> dict[int, LinkSeen]:
    """object id -> the state of its newest link that has not been replaced (the link `current_links`
    gives), reading only the columns the state needs: for lists of many conversations or reviews."""
    ids = list(object_ids)
    if not ids:
        return {}
    rows = (ReplyLink.objects.filter(practice=practice, purpose=purpose, object_id__in=ids, revoked_at__isnull=True)
            .order_by("object_id", "-created_at", "-pk").values_list("object_id", "expires_at", "locked_at"))
    out: dict[int, LinkSeen] = {}
    for object_id, expires, locked_at in rows:
        if object_id not in out:
            out[object_id] = LinkSeen(links.state(expires=expires, locked_at=locked_at, now=now))
    return out


def get_link(practice: Practice, pk: int) -> ReplyLink:
    row = ReplyLink.objects.filter(practice=practice, pk=pk).select_related("patient").first()
    if row is None:
        raise Http404("No such reply link in this practice")
    return row
