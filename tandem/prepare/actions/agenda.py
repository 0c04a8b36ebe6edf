"""The person's agenda: checking a reply, saving it as a new version, and the reply link's
date-of-birth check with its lockout.

Every reply is a new Agenda row (version 1, 2, ...); nothing is overwritten. Staff typing in a
paper sheet carry the version they started from, so a reply that arrived meanwhile is shown to
them before theirs is saved (AgendaConflict), and never lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.db.models import Max

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, User
from tandem.core.on_behalf import OnBehalf

from ..models import Agenda, Conversation

logger = logging.getLogger(__name__)

LONG_TEXT = 2000
LIMITS = {"what_matters": LONG_TEXT, "questions": LONG_TEXT, "anything_else": LONG_TEXT, "coming_with": 200,
          "helper_name": 120}
NAMES = {"what_matters": "What matters most to you", "questions": "Your questions",
         "anything_else": "Anything else", "coming_with": "Who is coming with you", "helper_name": "Your name"}
TEXT_FIELDS = tuple(LIMITS)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AgendaError(ValueError):
    """A reply that cannot be saved, with a reason the person or staff member can act on."""


class AgendaConflict(AgendaError):
    """Someone else's reply arrived after the version this one started from."""

    def __init__(self, since: list[Agenda]):
        super().__init__("Another reply arrived while you were typing. Check it below: nothing has been lost. "
                         "Save yours too if it adds something.")
        self.since = since


@dataclass(frozen=True)
class Reply:
    """A checked reply, ready to save."""

    what_matters: str = ""
    topics: tuple[str, ...] = ()
    questions: str = ""
    anything_else: str = ""
    coming_with: str = ""
    from_who: str = Agenda.From.PERSON
    helper_name: str = ""

    @classmethod
    def of(cls, agenda: Agenda | None) -> Reply:
        if agenda is None:
            return cls()
        return cls(what_matters=agenda.what_matters, topics=tuple(agenda.topics or ()), questions=agenda.questions,
                   anything_else=agenda.anything_else, coming_with=agenda.coming_with, from_who=agenda.from_who,
                   helper_name=agenda.helper_name)


@dataclass
class Checked:
    reply: Reply
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message, in the order of the form

    @property
    def ok(self) -> bool:
        return not self.errors


def _tidy(value: object) -> str:
    text = value if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def check_reply(data: Mapping, *, topics: Sequence[str], known_topics: Sequence[str] = (),
                require_from_who: bool = True) -> Checked:
    """Check what was typed into the reply form. `data` is a QueryDict or a plain dict whose
    "topics" is a list. `topics` are the labels on offer; `known_topics` are also accepted (labels
    in an earlier reply that the practice has since reworded)."""
    values = {name: _tidy(data.get(name, "")) for name in TEXT_FIELDS}
    ticked = data.getlist("topics") if hasattr(data, "getlist") else list(data.get("topics") or ())
    ticked = [_tidy(t) for t in ticked if _tidy(t)]
    allowed = set(topics) | set(known_topics)
    errors: dict[str, str] = {}
    if not any(values[n] for n in ("what_matters", "questions", "anything_else")) and not ticked:
        errors["what_matters"] = ("Tell us at least one thing: what matters most to you, a topic to talk about, "
                                  "or a question")
    for name in ("what_matters", "topics", "questions", "anything_else", "coming_with"):
        if name == "topics":
            if any(t not in allowed for t in ticked):
                errors["topics"] = "Choose topics from the list"
            continue
        if len(values[name]) > LIMITS[name]:
            errors[name] = f"{NAMES[name]} must be {LIMITS[name]:,} characters or fewer"
    from_who = _tidy(data.get("from_who", "")) or ("" if require_from_who else Agenda.From.PERSON)
    if from_who not in Agenda.From.values:
        errors["from_who"] = "Select whether you are the person or someone helping them"
    keeps_helper = from_who != Agenda.From.PERSON  # a carer, or not chosen yet (kept while they fix the form)
    if keeps_helper and len(values["helper_name"]) > LIMITS["helper_name"]:
        errors["helper_name"] = f"{NAMES['helper_name']} must be {LIMITS['helper_name']:,} characters or fewer"
    order = [t for t in (*topics, *known_topics) if t in set(ticked)]
    reply = Reply(what_matters=values["what_matters"], topics=tuple(dict.fromkeys(order)),
                  questions=values["questions"], anything_else=values["anything_else"],
                  coming_with=values["coming_with"], from_who=from_who if from_who in Agenda.From.values else "",
                  helper_name=values["helper_name"] if keeps_helper else "")
    return Checked(reply=reply, errors=errors)


@transaction.atomic
def record_agenda(*, conversation: Conversation, reply: Reply, via: str, by: User | None,
                  expected_version: int | None = None, on_behalf: OnBehalf | None = None) -> Agenda:
    """Save a reply as the conversation's next agenda version.

    `by` is the member of staff who typed it in (None for the person's own online reply).
    `expected_version` is the latest version the staff member (or the person, or their carer, on
    their own pages) saw when they started (0 for none): if another reply has arrived since,
    AgendaConflict carries it and nothing is saved. `on_behalf`: saved from the person's own pages
    (ADR 16), by them or a carer: which account and grant, for the audit row."""
    if via not in Agenda.Via.values:
        raise AgendaError("Choose how the reply reached us.")
    if via == Agenda.Via.ONLINE and by is not None:
        raise AgendaError("Only the person's own online reply is recorded as online.")
    if via != Agenda.Via.ONLINE and by is None:
        raise AgendaError("A reply typed in by staff needs the member of staff.")
    # Lock the conversation so two replies at once get versions one after the other.
    locked = Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    if locked is None or locked.state != Conversation.State.BOOKED:
        raise AgendaError("This conversation is no longer booked, so the reply cannot be saved against it.")
    latest = (Agenda.objects.filter(conversation_id=conversation.pk).aggregate(v=Max("version"))["v"] or 0)
    if expected_version is not None and expected_version != latest:
        since = list(Agenda.objects.filter(conversation_id=conversation.pk, version__gt=expected_version)
                     .select_related("entered_by").order_by("-version"))
        raise AgendaConflict(since)
    fields = asdict(reply)
    fields["topics"] = list(reply.topics)
    agenda = Agenda.objects.create(
        practice_id=locked.practice_id, patient_id=locked.patient_id, conversation=locked, version=latest + 1,
        via=via, submitted_at=clock.now(), entered_by=by, **fields)
    audit.record(by=by, practice=locked.practice, action=AuditEvent.Action.CREATE, what="prepare.agenda",
                 patient_id=locked.patient_id, object_id=agenda.pk,
                 detail={"via": via, "version": agenda.version, **(on_behalf.detail() if on_behalf is not None else {})})
    logger.info("prepare: agenda %s (version %s, %s) for conversation %s", agenda.pk, agenda.version, via,
                locked.pk)
    return agenda
