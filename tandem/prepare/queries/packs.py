"""Reading what packs need, for one conversation or a whole clinic day or month at once.

Everything for many people is read in a fixed number of queries (conversations, registers and
tiers, readings, agreed targets, preferences, packs already sent), then each pack is composed by
the pure rules in tandem.prepare.rules.pack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tandem.core import audit, clock
from tandem.core.compiled import CompiledRead
from tandem.core.models import AuditEvent, Practice, User
from tandem.core.rules import ROLE_LABELS, Role
from tandem.jobs.models import Job
from tandem.patients import facts as record_facts
from tandem.patients.models import Observation
from tandem.patients.queries import personal_targets
from tandem.patients.rules import age_on, frail_for_targets
from tandem.recall import queries as recall_queries
from tandem.recall.rules import delivery as delivery_rules
from tandem.recall.rules.dates import first_of_month
from tandem.terminology.plain_names import plain_names

from ..models import Conversation, Pack, PackPreference, PrepareSettings
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
    conversation = (conversations_of(practice).select_related("patient", "review", "clinician")
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


def clinician_name(conversation: Conversation) -> str:
    user = conversation.clinician
    if user is None:
        return "a member of our team"
    role = conversation.clinician_role
    title = {"gp": "Dr", "nurse": "Nurse", "pharmacist": "Pharmacist"}.get(role, "")
    name = user.get_full_name() or user.get_username()
    if title == "Dr" and user.last_name:
        return f"Dr {user.last_name}"
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


@dataclass(frozen=True)
class Listed:
    """One conversation as the list of packs shows it: whether its pack went, or else how it would go
    and which tests are still outstanding. No pack is composed (that happens when one is opened or sent)."""

    conversation: Conversation
    channel: str | None
    variant: str
    with_results: bool
    fresh_from: dt.date
    sent: Pack | None
    window: timing.Window
    missing: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return not self.missing or not self.with_results


def list_many(practice: Practice, conversations: Sequence[Conversation], *,
              today: dt.date | None = None, settings: PrepareSettings | None = None) -> list[Listed]:
    """What the list of packs shows for these conversations (of this practice), in a fixed number of
    queries and without composing any pack: for a pack already sent, only the sent pack; for the others,
    how it would go and the tests still outstanding (the same rule as a composed pack's `missing`),
    reading only fresh results of the tests a pack waits for."""
    today = today or clock.today()
    conversations = [c for c in conversations if c.practice_id == practice.pk]
    if not conversations:
        return []
    sent = {p.conversation_id: p for p in Pack.objects.filter(practice=practice,
                                                              conversation_id__in=[c.pk for c in conversations])
            .defer("content", "html")}  # the list shows how and when it went, not what it said
    settings = settings or settings_for(practice)
    unsent = [c for c in conversations if c.pk not in sent]
    patient_ids = [c.patient_id for c in unsent]
    fresh = {c.pk: _fresh_from(c, local(c.starts_at).date()) for c in unsent}
    facts = recall_queries.person_facts(practice, patient_ids) if unsent else {}
    wants = dict(PackPreference.objects.filter(practice=practice, patient_id__in=patient_ids)
                 .values_list("patient_id", "results_in_advance")) if unsent else {}
    readings: dict[int, dict[str, list[pack_rules.Reading]]] = {}
    if unsent:
        for pid, concept, on, value in (Observation.objects.filter(
                practice=practice, patient_id__in=patient_ids, concept__in=pack_rules.REQUIRED,
                effective_date__gte=min(fresh.values()), value__isnull=False)
                .values_list("patient_id", "concept", "effective_date", "value")):
            readings.setdefault(pid, {}).setdefault(concept, []).append(pack_rules.Reading(on, value))
    empty = recall_queries.PersonFacts()
    out = []
    for conversation in conversations:
        starts = local(conversation.starts_at)
        window = timing.window(starts.date(), earliest=settings.send_earliest_days,
                               latest=settings.send_latest_days)
        done = sent.get(conversation.pk)
        if done is not None:
            out.append(Listed(conversation=conversation, channel=done.channel, variant=done.variant,
                              with_results=done.with_results, fresh_from=done.sent_on, sent=done, window=window))
            continue
        patient = conversation.patient
        person_facts = facts.get(patient.pk, empty)
        plan = recall_queries.plan_for(person_facts, today=today)
        how = delivery_rules.choose(preferred=patient.preferred_channel,
                                    reachable=_reachable(patient), adjustments=person_facts.adjustments)
        with_results = wants.get(patient.pk, True)
        tests = [pack_rules.Test(step.item.name, step.item.concepts) for step in plan.tests.steps if step.item.concepts]
        missing = pack_rules.outstanding(tests, readings.get(patient.pk, {}), fresh_from=fresh[conversation.pk])
        out.append(Listed(conversation=conversation, channel=how.channel if how.reachable else None,
                          variant=how.variant, with_results=with_results, fresh_from=fresh[conversation.pk],
                          sent=None, window=window, missing=missing))
    return out


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
    tests_on = conversation.review.booked_for
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
