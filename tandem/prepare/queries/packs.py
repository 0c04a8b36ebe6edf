"""Reading what packs need, for one conversation or a whole clinic day or month at once.

Everything for many people is read in a fixed number of queries (conversations, registers and
tiers, readings, agreed targets, preferences, packs already sent), then each pack is composed by
the pure rules in tandem.prepare.rules.pack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tandem.core import audit, clock
from tandem.core.compiled import CompiledRead
from tandem.core.models import AuditEvent, Practice, User
from tandem.core.rules import ROLE_LABELS, Role
from tandem.jobs.models import Job
from tandem.messaging import links
from tandem.messaging.models import ReplyLink
from tandem.messaging.queries import LinkSeen
from tandem.patients import facts as record_facts
from tandem.patients.models import Observation, Patient
from tandem.patients.queries import personal_targets
from tandem.patients.rules import age_on, format_nhs_number, frail_for_targets
from tandem.recall import queries as recall_queries
from tandem.recall.models import Review
from tandem.recall.rules import delivery as delivery_rules
from tandem.recall.rules.dates import first_of_month
from tandem.terminology.plain_names import plain_names

from ..models import Agenda, Conversation, Pack, PackPreference, PrepareSettings
from ..rules import pack as pack_rules
from ..rules import timing
from .wording import current_texts

# Results older than this before the conversation never count as this year's (when the tests
# appointment date is not known).
FRESH_DAYS = 56
HISTORY_YEARS = 4
CONCEPTS = tuple({*pack_rules.REQUIRED, "systolic_bp", "diastolic_bp"})


# Read on every list of packs and every conversation: its SQL is built once per process.
_SETTINGS = CompiledRead(lambda practice: PrepareSettings.objects.filter(practice_id=practice).order_by("pk")[:1],
                         "practice", models=True)


SEND_JOB = "prepare.send_packs"  # the kind of job that sends a day's or a month's packs

# The latest sending job, shown at the top of the list of packs while it runs and on the day it ran.
_SEND_JOB = CompiledRead(lambda practice: Job.objects.filter(practice_id=practice, kind=SEND_JOB)
                         .order_by("-created_at", "-pk")[:1], "practice", models=True)


def latest_send_job(practice: Practice) -> Job | None:
    found = _SEND_JOB.run(practice=practice.pk)
    if found:
        found[0].practice = practice
        return found[0]
    return None


def settings_for(practice: Practice) -> PrepareSettings:
    found = _SETTINGS.run(practice=practice.pk)
    if found:
        found[0].practice = practice
        return found[0]
    return PrepareSettings(practice=practice)


def conversations_of(practice: Practice) -> QuerySet[Conversation]:
    return Conversation.objects.filter(practice=practice)


def get_conversation(*, practice: Practice, pk: int, by: User, what: str = "prepare.conversation") -> Conversation:
    """One conversation of this practice, audited as viewed; 404 otherwise."""
    conversation = (conversations_of(practice).select_related("patient__named_clinician", "review", "clinician")
                    .filter(pk=pk).first())
    if conversation is None:
        raise Http404("No such conversation")
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what=what,
                 patient_id=conversation.patient_id, object_id=conversation.pk)
    return conversation


def local(when: dt.datetime) -> dt.datetime:
    return timezone.localtime(when) if timezone.is_aware(when) else when


UPCOMING_DAYS = 28


def scope_dates(*, day: dt.date | None = None, month: dt.date | None = None,
                today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(first day, day after the last) of a clinic day, a month, or else the coming four weeks."""
    if day is not None:
        return day, day + dt.timedelta(days=1)
    if month is not None:
        month = first_of_month(month)
        return month, (month + dt.timedelta(days=32)).replace(day=1)
    today = today or clock.today()
    return today, today + dt.timedelta(days=UPCOMING_DAYS)


def in_scope(practice: Practice, *, day: dt.date | None = None, month: dt.date | None = None) -> QuerySet[Conversation]:
    """Booked conversations on a clinic day, in a month, or (neither given) in the coming four weeks."""
    first, after = scope_dates(day=day, month=month)
    tz = timezone.get_current_timezone()
    return conversations_of(practice).filter(
        state=Conversation.State.BOOKED, starts_at__gte=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        starts_at__lt=dt.datetime.combine(after, dt.time.min, tzinfo=tz))


_NO_CLINICIAN = "a member of our team"


def clinician_name(conversation: Conversation) -> str:
    user = conversation.clinician
    if user is None:
        return _NO_CLINICIAN
    return _clinician_words(conversation.clinician_role, user.first_name, user.last_name, user.get_username())


@lru_cache(maxsize=256)
def _clinician_words(role: str, first_name: str, last_name: str, username: str) -> str:
    title = {"gp": "Dr", "nurse": "Nurse", "pharmacist": "Pharmacist"}.get(role, "")
    name = f"{first_name} {last_name}".strip() or username
    if title == "Dr" and last_name:
        return f"Dr {last_name}"
    label = ROLE_LABELS.get(Role(role), "") if role in Role.__members__.values() else ""
    return f"{title} {name}".strip() if title else (f"{name}, {label.lower()}" if label else name)


def place_words(conversation: Conversation) -> str:
    how = conversation.how
    if how == Conversation.How.PHONE:
        return "by telephone: we will call you"
    if how == Conversation.How.VIDEO:
        return "by video call: we will send you a link"
    if how == Conversation.How.HOME:
        return "at your home"
    return f"at {conversation.place}" if conversation.place else f"at {conversation.practice.name}"


@dataclass(frozen=True)
class Prepared:
    """One conversation's pack as it would be sent now, and how it would go."""

    conversation: Conversation
    pack: pack_rules.Pack
    channel: str | None  # None: no address we can use
    variant: str
    with_results: bool
    fresh_from: dt.date
    sent: Pack | None
    window: timing.Window

    @property
    def missing(self) -> tuple[str, ...]:
        return self.pack.missing

    @property
    def ready(self) -> bool:
        return self.pack.ready


@dataclass(frozen=True, slots=True)
class SentPack:
    """How and when a conversation's pack went, as the list of packs shows it."""

    channel: str
    variant: str
    with_results: bool
    sent_on: dt.date
    reading_age: float | None


@dataclass(frozen=True, slots=True)
class Reply:
    """The reply (agenda) that counts for a conversation: who sent it, how and when."""

    from_who: str
    via: str
    submitted_at: dt.datetime


@dataclass(frozen=True)
class Listed:
    """One conversation as the list of packs shows it: whether its pack went, or else how it would go
    and which tests are still outstanding. No pack is composed (that happens when one is opened or sent)."""

    conversation_id: int
    patient_id: int
    starts: dt.datetime  # in the practice's time zone
    name: str
    nhs_number: str  # as shown: "943 476 5919"
    with_name: str  # who holds the conversation, as clinician_name words it
    channel: str | None
    variant: str
    with_results: bool
    fresh_from: dt.date
    sent: SentPack | None
    window: timing.Window
    missing: tuple[str, ...] = ()
    reply: Reply | None = None
    link: LinkSeen | None = None  # the pack's reply link that counts (current_link_states'), if one was sent
    review_id: int = 0

    @property
    def ready(self) -> bool:
        return not self.missing or not self.with_results


class _Addressee:
    """What reachable_channels reads of a person, from the list's row."""

    __slots__ = ("given_name", "family_name", "nhs_number_display", "email", "mobile", "address_line1",
                 "address_line2", "town", "postcode")

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


def list_in_scope(practice: Practice, *, day: dt.date | None = None, month: dt.date | None = None,
                  today: dt.date | None = None, settings: PrepareSettings | None = None,
                  now: dt.datetime | None = None) -> list[Listed]:
    """What the list of packs shows for the conversations `in_scope` gives, in the order of their
    start: for a pack already sent, only how and when it went; for the others, how it would go and
    the tests still outstanding (the same rule as a composed pack's `missing`). Three statements:
    the conversations with their people, clinicians, packs sent, results preferences, latest
    replies and pack reply links; the fresh results of the tests a pack waits for (of the people
    whose pack has not gone, from the earliest day any of their results can count); what the
    recall rules read."""
    today = today or clock.today()
    now = now or clock.now()
    settings = settings or settings_for(practice)
    first, after = scope_dates(day=day, month=month, today=today)
    tz = timezone.get_current_timezone()
    ops = connection.ops
    since = ops.adapt_datetimefield_value(dt.datetime.combine(first, dt.time.min, tzinfo=tz))
    until = ops.adapt_datetimefield_value(dt.datetime.combine(after, dt.time.min, tzinfo=tz))
    scope = [practice.pk, Conversation.State.BOOKED.value, since, until]
    conversations_sql, results_sql = _list_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(conversations_sql, [practice.pk] * 5 + [ReplyLink.Purpose.PACK.value] + scope)
        if connection.vendor == "postgresql":
            cursor.nextset()  # past the planner setting, to the conversations (_list_sql)
        rows = cursor.fetchall()
        if not rows:
            return []
        readings: dict[int, dict[str, list[pack_rules.Reading]]] = {}
        if any(row[_PACK_ID] is None for row in rows):  # a pack not sent yet: its fresh results
            cursor.execute(results_sql, [practice.pk, *sorted(pack_rules.REQUIRED),
                                         ops.adapt_datefield_value(first - dt.timedelta(days=FRESH_DAYS)),
                                         *scope])
            for pid, concept, on, value in cursor.fetchall():
                readings.setdefault(pid, {}).setdefault(concept, []).append(pack_rules.Reading(_date(on), value))
    unsent = sorted({row[1] for row in rows if row[_PACK_ID] is None})
    facts = recall_queries.person_facts(practice, unsent) if unsent else {}
    empty = recall_queries.PersonFacts()
    earliest, latest = settings.send_earliest_days, settings.send_latest_days
    out = []
    for (pk, patient_id, starts_at, role, tests_on, given, family, nhs_number, preferred, email, mobile, line1,
         line2, town, postcode, first_name, last_name, username, pack_id, channel, variant, pack_results, sent_on,
         reading_age, wanted, from_who, via, submitted_at, expires_at, locked_at, review_id) in rows:
        starts = _aware(starts_at).astimezone(tz)
        on = starts.date()
        window = timing.window(on, earliest=earliest, latest=latest)
        nhs_number = format_nhs_number(nhs_number)
        shown = dict(conversation_id=pk, patient_id=patient_id, review_id=review_id, starts=starts, name=f"{given} {family}",
                     nhs_number=nhs_number,
                     with_name=_clinician_words(role, first_name, last_name, username) if username is not None
                     else _NO_CLINICIAN,
                     window=window, reply=Reply(from_who, via, _aware(submitted_at)) if from_who is not None else None,
                     link=LinkSeen(links.state(expires=_aware(expires_at), now=now,
                                               locked_at=_aware(locked_at) if locked_at is not None else None))
                     if expires_at is not None else None)
        if pack_id is not None:
            sent_on = _date(sent_on)
            out.append(Listed(**shown, channel=channel, variant=variant, with_results=bool(pack_results),
                              fresh_from=sent_on, sent=SentPack(channel, variant, bool(pack_results), sent_on,
                                                                reading_age)))
            continue
        person_facts = facts.get(patient_id, empty)
        plan = recall_queries.plan_for(person_facts, today=today)
        addressee = _Addressee(given, family, nhs_number, email, mobile, line1, line2, town, postcode)
        how = delivery_rules.choose(preferred=preferred, reachable=_reachable(addressee),
                                    adjustments=person_facts.adjustments)
        fresh_from = _fresh_from_day(_date(tests_on) if tests_on is not None else None, on)
        tests = [pack_rules.Test(step.item.name, step.item.concepts) for step in plan.tests.steps if step.item.concepts]
        missing = pack_rules.outstanding(tests, readings.get(patient_id, {}), fresh_from=fresh_from)
        out.append(Listed(**shown, channel=how.channel if how.reachable else None, variant=how.variant,
                          with_results=True if wanted is None else bool(wanted), fresh_from=fresh_from, sent=None,
                          missing=missing))
    return out


def _aware(value) -> dt.datetime:
    """A date and time as the database gives it (text or naive on SQLite), made aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, connection.timezone)


def _date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


_PACK_ID = 18  # where the first statement's row has the sent pack's id (None: not sent yet)


@lru_cache(maxsize=4)
def _list_sql(vendor: str) -> tuple[str, str]:
    """The list's two statements. The first takes the practice five times (packs, preferences,
    replies and their latest version, reply links) and the links' purpose, then the scope (practice,
    state, from, until); the second the practice, the concepts, the earliest day a fresh result can be
    from, then the scope. A conversation's reply link is its newest link not replaced by a fresh one,
    as messaging.queries.current_link_states reads it."""
    quote = connection.ops.quote_name
    conversation, patient, review, user, pack, preference, agenda, observation, link = (
        quote(m._meta.db_table) for m in (Conversation, Patient, Review, User, Pack, PackPreference, Agenda,
                                          Observation, ReplyLink))
    scope = "c.practice_id = %s AND c.state = %s AND c.starts_at >= %s AND c.starts_at < %s"
    conversations = (
        "SELECT c.id, c.patient_id, c.starts_at, c.clinician_role, r.booked_for, p.given_name, p.family_name, "
        "p.nhs_number, p.preferred_channel, p.email, p.mobile, p.address_line1, p.address_line2, p.town, "
        "p.postcode, u.first_name, u.last_name, u.username, k.id, k.channel, k.variant, k.with_results, "
        "k.sent_on, k.reading_age, w.results_in_advance, a.from_who, a.via, a.submitted_at, l.expires_at, l.locked_at, "
        "c.review_id "
        f"FROM {conversation} c INNER JOIN {patient} p ON p.id = c.patient_id "
        f"INNER JOIN {review} r ON r.id = c.review_id LEFT OUTER JOIN {user} u ON u.id = c.clinician_id "
        f"LEFT OUTER JOIN {pack} k ON k.conversation_id = c.id AND k.practice_id = %s "
        f"LEFT OUTER JOIN {preference} w ON w.patient_id = c.patient_id AND w.practice_id = %s "
        f"LEFT OUTER JOIN {agenda} a ON a.conversation_id = c.id AND a.practice_id = %s AND a.version = "
        f"(SELECT MAX(b.version) FROM {agenda} b WHERE b.conversation_id = c.id AND b.practice_id = %s) "
        f"LEFT OUTER JOIN {link} l ON l.id = (SELECT m.id FROM {link} m WHERE m.practice_id = %s AND m.purpose = %s "
        "AND m.object_id = c.id AND m.revoked_at IS NULL ORDER BY m.created_at DESC, m.id DESC LIMIT 1) "
        f"WHERE {scope} ORDER BY c.starts_at ASC, c.id ASC")
    if vendor == "postgresql":
        # The joins are written in the order to take them (the conversations in scope first, then one
        # row each by key): weighing every order of eight tables cost PostgreSQL about 5 ms of CPU a
        # view, three times what running the statement costs. Set for this statement alone: one
        # message, one transaction (or, inside a transaction, set back straight after).
        conversations = (f"SET LOCAL join_collapse_limit = 1; {conversations}; "
                         "SET LOCAL join_collapse_limit = DEFAULT")
    results = (
        f"SELECT o.patient_id, o.concept, o.effective_date, o.value FROM {observation} o "
        f"WHERE o.practice_id = %s AND o.concept IN ({', '.join(['%s'] * len(pack_rules.REQUIRED))}) "
        "AND o.effective_date >= %s AND o.value IS NOT NULL AND o.patient_id IN "
        f"(SELECT c.patient_id FROM {conversation} c WHERE {scope} AND NOT EXISTS "
        f"(SELECT 1 FROM {pack} k WHERE k.conversation_id = c.id AND k.practice_id = c.practice_id))")
    return conversations, results


def prepare_many(practice: Practice, conversations: Sequence[Conversation], *, link_for=None,
                 today: dt.date | None = None, variant: str | None = None) -> list[Prepared]:
    """Compose the packs for these conversations (of this practice) in a fixed number of queries.
    `link_for(conversation, channel)` gives each person's reply link as the pack words it (a placeholder
    when not sending; on paper, the short address and code)."""
    today = today or clock.today()
    conversations = [c for c in conversations if c.practice_id == practice.pk]
    if not conversations:
        return []
    patient_ids = [c.patient_id for c in conversations]
    facts = recall_queries.person_facts(practice, patient_ids)
    targets = personal_targets(practice, patient_ids)
    register_facts = record_facts.for_patients(practice, patient_ids, today=today)
    wants = dict(PackPreference.objects.filter(practice=practice, patient_id__in=patient_ids)
                 .values_list("patient_id", "results_in_advance"))
    sent = {p.conversation_id: p for p in Pack.objects.filter(practice=practice,
                                                              conversation_id__in=[c.pk for c in conversations])}
    since = today - dt.timedelta(days=365 * HISTORY_YEARS)
    readings: dict[int, dict[str, list[pack_rules.Reading]]] = {}
    for pid, concept, on, value in (Observation.objects.filter(practice=practice, patient_id__in=patient_ids,
                                                               concept__in=CONCEPTS, effective_date__gte=since,
                                                               value__isnull=False)
                                    .values_list("patient_id", "concept", "effective_date", "value")):
        readings.setdefault(pid, {}).setdefault(concept, []).append(pack_rules.Reading(on, value))
    settings = settings_for(practice)
    texts: dict[str, dict[str, str]] = {}  # the practice's wording, read once for each format a pack uses
    empty = recall_queries.PersonFacts()
    out = []
    for conversation in conversations:
        patient = conversation.patient
        person_facts = facts.get(patient.pk, empty)
        plan = recall_queries.plan_for(person_facts, today=today)
        how = delivery_rules.choose(preferred=patient.preferred_channel,
                                    reachable=_reachable(patient), adjustments=person_facts.adjustments)
        chosen = variant or how.variant
        starts = local(conversation.starts_at)
        fresh_from = _fresh_from(conversation, starts.date())
        with_results = wants.get(patient.pk, True)
        # Registers and frailty as every other screen has them (tandem.patients.facts), so the pack's
        # targets are the ones the summary, the workspace and the written plan show.
        registers = tuple(register_facts[patient.pk].registers)
        person = pack_rules.Person(
            given_name=patient.given_name, age=age_on(patient.date_of_birth, starts.date()),
            conditions=registers, condition_names=plain_names(registers),
            frail=frail_for_targets(register_facts[patient.pk].frailty))
        tests = [pack_rules.Test(step.item.name, step.item.concepts) for step in plan.tests.steps if step.item.concepts]
        channel = how.channel if how.reachable else None
        link = link_for(conversation, channel) if link_for else "(your reply link)"
        pack = pack_rules.compose(
            person=person, readings=readings.get(patient.pk, {}), personal=targets.get(patient.pk, {}),
            tests=tests, fresh_from=fresh_from, with_results=with_results,
            appointment=pack_rules.Appointment(starts, conversation.minutes, clinician_name(conversation),
                                               place_words(conversation)),
            texts=_texts(texts, practice, "easy_read" if chosen == "easy_read" else "standard"), variant=chosen,
            reply=pack_rules.Reply(link, practice.phone, reply_by(starts.date())),
            practice_name=practice.name, practice_phone=practice.phone)
        out.append(Prepared(conversation=conversation, pack=pack, channel=channel,
                            variant=chosen, with_results=with_results, fresh_from=fresh_from,
                            sent=sent.get(conversation.pk),
                            window=timing.window(starts.date(), earliest=settings.send_earliest_days,
                                                 latest=settings.send_latest_days)))
    return out


def _texts(read: dict[str, dict[str, str]], practice: Practice, variant: str) -> dict[str, str]:
    if variant not in read:
        read[variant] = current_texts(practice, variant)
    return read[variant]


def _reachable(patient) -> set[str]:
    from tandem.messaging.actions import reachable_channels

    return reachable_channels(patient)


def _fresh_from(conversation: Conversation, day: dt.date) -> dt.date:
    return _fresh_from_day(conversation.review.booked_for, day)


def _fresh_from_day(tests_on: dt.date | None, day: dt.date) -> dt.date:
    fallback = day - dt.timedelta(days=FRESH_DAYS)
    if tests_on and fallback <= tests_on <= day:
        return tests_on
    return fallback


def reply_by(day: dt.date) -> dt.date:
    """Ask for replies two working days before the conversation, so they can be read in time."""
    out, working = day, 0
    while working < 2:
        out -= dt.timedelta(days=1)
        if out.weekday() < 5:
            working += 1
    return out


def compose_for(conversation: Conversation, *, variant: str | None = None, link: str = "(your reply link)",
                by: User | None = None) -> pack_rules.Pack:
    """One conversation's pack as it would be composed now, in the person's own format or in
    `variant` (staff previews, samples)."""
    return prepare_many(conversation.practice, [conversation], link_for=lambda c, channel: link, variant=variant)[0].pack
