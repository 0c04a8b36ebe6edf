"""Reads for the person's agenda: the pack behind a reply link, the agenda's versions, and the
prompt sheet's wording the reply form asks with.

Staff reads start from a practice. The public pages start from a reply link's token (looked up by
its digest, never stored) and then from the pack id the session holds after the right date of birth.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.core import audit
from tandem.core.compiled import CompiledRead
from tandem.core.models import AuditEvent, Practice, User
from tandem.messaging import links
from tandem.messaging import queries as messaging_queries
from tandem.messaging import wording as wording_rules
from tandem.messaging.models import ReplyLink

from ..models import Agenda, Conversation, Pack
from .wording import current_texts

PROMPTS = ("what_matters", "talk_about", "topics_intro", "questions")


def pack_for_link(link: ReplyLink) -> Pack | None:
    """The pack a pack's reply link belongs to (its conversation's), or None."""
    if link.purpose != ReplyLink.Purpose.PACK:
        return None
    return (Pack.objects.select_related("practice", "conversation")
            .filter(practice_id=link.practice_id, conversation_id=link.object_id).first())


def link_state(link: ReplyLink, pack: Pack | None, *, now: dt.datetime) -> links.LinkState:
    """Open, expired, locked (or replaced by a fresh link). A cancelled conversation's link no longer
    works either."""
    found = messaging_queries.link_state(link, now=now)
    if found is links.LinkState.OPEN and (pack is None or pack.conversation.state == Conversation.State.CANCELLED):
        return links.LinkState.EXPIRED
    return found


def can_change_reply(pack: Pack, *, now: dt.datetime) -> bool:
    """The person can send or change their reply until the conversation starts."""
    return now < pack.conversation.starts_at and pack.conversation.state == Conversation.State.BOOKED


def agendas_of(practice: Practice):
    return Agenda.objects.filter(practice=practice)


def latest_agenda(practice: Practice, conversation: Conversation | int) -> Agenda | None:
    """The reply that counts: the latest version for this conversation, or None."""
    conversation_id = getattr(conversation, "pk", conversation)
    return (agendas_of(practice).filter(conversation_id=conversation_id)
            .select_related("entered_by").order_by("-version").first())


def latest_version(practice: Practice, conversation: Conversation | int) -> int:
    """The latest version number, 0 when nobody has replied yet."""
    agenda = latest_agenda(practice, conversation)
    return agenda.version if agenda is not None else 0


_AGENDA_FIELDS = tuple(f.attname for f in Agenda._meta.concrete_fields)
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)
# Read on every view of the care planning workspace: its SQL is built once per process, and the rows
# made into the instances select_related("entered_by") would give.
_HISTORY = CompiledRead(lambda practice, conversation: Agenda.objects
                        .filter(practice_id=practice, conversation_id=conversation).order_by("-version")
                        .values_list(*_AGENDA_FIELDS, *(f"entered_by__{n}" for n in _USER_FIELDS)),
                        "practice", "conversation")


def agenda_history(practice: Practice, conversation: Conversation | int) -> list[Agenda]:
    """Every version, latest first, with who entered each."""
    split, found = len(_AGENDA_FIELDS), []
    for row in _HISTORY.run(practice=practice.pk, conversation=getattr(conversation, "pk", conversation)):
        agenda = Agenda.from_db("default", _AGENDA_FIELDS, row[:split])
        agenda.entered_by = User.from_db("default", _USER_FIELDS, row[split:]) if row[split] is not None else None
        found.append(agenda)
    return found


def agendas_since(practice: Practice, conversation: Conversation | int, version: int) -> list[Agenda]:
    """Versions saved after `version`, latest first: what arrived while someone was typing."""
    conversation_id = getattr(conversation, "pk", conversation)
    return list(agendas_of(practice).filter(conversation_id=conversation_id, version__gt=version)
                .select_related("entered_by").order_by("-version"))


def latest_for_pack(pack: Pack) -> Agenda | None:
    """The person's latest reply, for their own pages (reached through their link)."""
    return latest_agenda(pack.practice, pack.conversation_id)


@dataclass(frozen=True)
class Prompts:
    """The prompt sheet's questions, in the practice's current wording."""

    what_matters: str
    talk_about: str
    topics_intro: str
    questions: str
    topics: tuple[str, ...]


def topic_labels(practice: Practice) -> tuple[str, ...]:
    """The prompt sheet's topics (the practice's current standard wording). Ticked topics are
    stored by these labels, so staff read the same words whichever variant the person had."""
    text = current_texts(practice, wording_rules.STANDARD).get("topics") or wording_rules.block("topics").standard
    return tuple(wording_rules.pieces(text, wording_rules.LIST))


def prompts(practice: Practice, variant: str = wording_rules.STANDARD) -> Prompts:
    """The questions in the variant the person's pack used (easy read or standard); the topics'
    labels are always the standard ones (see topic_labels)."""
    variant = variant if variant in wording_rules.VARIANTS else wording_rules.STANDARD
    texts = current_texts(practice, variant)
    words = {key: " ".join(wording_rules.pieces(texts.get(key) or wording_rules.block(key).default(variant),
                                                wording_rules.PARAGRAPHS))
             for key in PROMPTS}
    return Prompts(topics=topic_labels(practice), **words)


def audit_pack_viewed_online(pack: Pack) -> None:
    """The person (or whoever has their link and date of birth) read the pack online."""
    audit.record(by=None, practice=pack.practice, action=AuditEvent.Action.VIEW, what="prepare.pack.viewed_online",
                 patient_id=pack.patient_id, object_id=pack.pk)
