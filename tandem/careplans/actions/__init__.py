"""Writes of the careplans app: saving a plan version, autosaved drafts, copies given, services, and
(tasks.py) the lifecycle of tasks for the team.

Saving a plan is one transaction: the new version, the person's agreed targets (which then override
the defaults everywhere), tasks for referrals, the clinician's draft removed, and the audit row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Membership, Practice, User
from tandem.core.rules import ROLE_LABELS, Role
from tandem.patients import actions as patient_actions
from tandem.patients.models import Patient, PersonalTarget
from tandem.prepare.models import Conversation
from tandem.terminology import codelists, observations
from tandem.terminology.plain_names import PLAIN_NAMES

from .. import hooks, queries
from ..models import CarePlan, CopyGiven, Draft, LocalService, PlanVersion, Task
from ..rules import carry, document, wording
from ..rules.document import Plan
from . import referrals as referral_actions
from . import tasks as task_actions
from . import written as written_pdfs
from .tasks import (  # noqa: F401 - the lifecycle of a task (accept, start, complete, decline, cancel, reassign)
    TaskConflict,
    TaskError,
    accept_task,
    cancel_task,
    change_due_date,
    complete_task,
    decline_task,
    move_task,
    reassign_task,
    start_task,
)

# Who can hold a care planning conversation: the practice's clinical staff.
HOLDS_CONVERSATIONS = (Role.NURSE, Role.GP, Role.PHARMACIST)


class PlanError(ValueError):
    """A plan that cannot be saved: `problems` says what, field by field."""

    def __init__(self, problems: list[document.Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


class DraftTooLarge(ValueError):
    """A draft beyond MAX_DRAFT_CHARACTERS: nothing was kept (what was typed is still on the page)."""

    def __init__(self, size: int):
        self.size = size
        super().__init__(
            f"Your draft was not kept: it has {size:,} characters and the limit is {MAX_DRAFT_CHARACTERS:,}. "
            "What you typed is still on this page: shorten the longest text, then it is kept again.")


# A whole draft plan, as stored. A full plan (every list at its 60 rows) of ordinary length is well under it.
MAX_DRAFT_CHARACTERS = 100_000


class PlanConflict(Exception):
    """Someone saved the plan since this clinician started: nothing was saved. `current` is the
    version now saved; the clinician's own plan is kept (in their draft) to compare and merge."""

    def __init__(self, current: PlanVersion):
        self.current = current
        super().__init__(f"The plan was saved as version {current.version} meanwhile.")


def known_concepts() -> dict[str, tuple[float, float] | None]:
    return {c.key: c.plausible for c in observations.CONCEPTS if not c.coded}


def _plan_for(patient: Patient, now: dt.datetime) -> CarePlan:
    plan, _ = CarePlan.objects.get_or_create(patient=patient, defaults={
        "practice": patient.practice, "created_at": now, "updated_at": now})
    return plan


def clinical_staff(practice: Practice) -> dict[int, str]:
    """Who can hold the conversation (user id -> "Nia Evans, practice nurse"), by name."""
    rows = (Membership.objects.filter(practice=practice, role__in=HOLDS_CONVERSATIONS, user__is_active=True)
            .select_related("user").order_by("user__last_name", "user__first_name", "user_id"))
    return clinical_staff_of(rows)


def clinical_staff_of(memberships) -> dict[int, str]:
    """clinical_staff from memberships already read (active staff, by name): those whose role holds
    conversations, each once (their first such membership)."""
    out: dict[int, str] = {}
    for m in memberships:
        if m.role in HOLDS_CONVERSATIONS:
            out.setdefault(m.user_id, f"{m.user.display_name}, {wording.role_in_sentence(ROLE_LABELS[Role(m.role)])}")
    return out


def conversation_day(conversation: Conversation, today: dt.date) -> dt.date:
    """The day the conversation was held: its booked day, or today if it is booked for later."""
    return min(timezone.localtime(conversation.starts_at).date(), today)


def earlier_plan(patient: Patient, conversation: Conversation) -> Plan:
    """The plan as it stood before this conversation: its latest version saved in another
    conversation or between conversations (an empty plan if there is none)."""
    return queries.plan_of(queries.earlier(patient.practice, patient, conversation))


def default_holder(staff: Mapping[int, str], by: User | None, conversation: Conversation) -> int | None:
    """Who held the conversation when nobody has said: the clinician saving, else the clinician it
    was booked with (either only if they are clinical staff, `staff`)."""
    if by is not None and by.pk in staff:
        return by.pk
    if conversation.clinician_id in staff:
        return conversation.clinician_id
    return None


def _the_conversation(plan: Plan, *, patient: Patient, by: User | None, conversation: Conversation,
                      today: dt.date) -> tuple[Plan, list[document.Problem]]:
    """Who held the conversation and when (defaults: the clinician saving, on the conversation's
    day), checked against the practice's clinical staff; and last year's items, each decided."""
    staff = clinical_staff(patient.practice)
    problems: list[document.Problem] = []
    held_by_id = plan.held_by_id if plan.held_by_id is not None else default_holder(staff, by, conversation)
    if held_by_id not in staff:
        problems.append(document.Problem("held_by_id", "Choose who held the conversation, from the practice's "
                                                       "clinical staff."))
    held_on = plan.held_on or conversation_day(conversation, today).isoformat()
    agreed_on = plan.agreed_on or (held_on if plan.agreed_with_person else "")
    plan = replace(plan, held_by_id=held_by_id, held_by=staff.get(held_by_id, ""), held_on=held_on,
                   agreed_on=agreed_on)
    plan, undecided = carry.settle(plan, earlier_plan(patient, conversation))
    return plan, problems + undecided


@dataclass(frozen=True)
class Saved:
    version: PlanVersion
    tasks: int
    targets: int


@transaction.atomic
def save_plan(*, patient: Patient, by: User | None, plan: Plan, base_version: int,
              conversation: Conversation | None = None, note: str = "", on: dt.date | None = None,
              historical: bool = False) -> Saved:
    """Save the plan as its next version. `base_version` is the version the clinician started from
    (0 for a first plan). Raises PlanError (nothing saved) for problems, PlanConflict if someone else
    saved meanwhile.

    A plan made in a conversation records who held it and when (see _the_conversation), and every
    item of the plan before that conversation in it must have been kept, changed or closed."""
    now = clock.now()
    today = on or clock.today()
    if conversation is not None and conversation.patient_id != patient.pk:
        raise PlanError([document.Problem("conversation", "That conversation is not this person's.")])
    plan = document.with_ids(plan)
    problems = []
    if conversation is not None:
        plan, problems = _the_conversation(plan, patient=patient, by=by, conversation=conversation, today=today)
    problems = document.validate(plan, known_concepts=known_concepts(), today=today, historical=historical) + problems
    problems += _referrals_to_staff(plan, patient=patient)
    plan, provider_problems, routes = referral_actions.check(plan, patient=patient)
    problems += provider_problems
    plan, named_problems = _named_people(plan, patient=patient)
    problems += named_problems
    if problems:
        raise PlanError(problems)
    record = CarePlan.objects.select_for_update().filter(pk=_plan_for(patient, now).pk).get()
    if record.version != base_version:
        raise PlanConflict(PlanVersion.objects.get(plan=record, version=record.version))
    previous = (Plan.from_dict(PlanVersion.objects.get(plan=record, version=record.version).content)
                if record.version else Plan())
    plan = document.keep_authors(plan, previous)
    record.version += 1
    record.updated_at = now
    record.save(update_fields=["version", "updated_at"])
    version = PlanVersion.objects.create(
        practice=patient.practice, plan=record, patient=patient, version=record.version, content=plan.as_dict(),
        conversation=conversation, note=note.strip()[:200], created_at=now, created_by=by)
    targets = _apply_targets(patient=patient, by=by, plan=plan, previous=previous, on=today)
    tasks = _tasks_for(patient=patient, by=by, plan=plan, version=version, now=now, routes=routes)
    if plan.named_clinician_id is not None and patient.named_clinician_id != plan.named_clinician_id:
        patient_actions.set_named_clinician(patient=patient, by=by, clinician=User.objects.get(pk=plan.named_clinician_id))
    hooks.saved(version=version, plan=plan, by=by, today=today, historical=historical)
    if by is not None:
        Draft.objects.filter(patient=patient, user=by).delete()
    audit.record(by=by, practice=patient.practice, action=AuditEvent.Action.CREATE, what="careplans.version",
                 patient_id=patient.pk, object_id=version.pk, detail={"version": version.version})
    if not historical:  # its PDFs, made in the background so that printing it is instant
        written_pdfs.request_pdfs(version=version, by=by)
    return Saved(version=version, tasks=tasks, targets=targets)


def _apply_targets(*, patient: Patient, by: User | None, plan: Plan, previous: Plan, on: dt.date) -> int:
    """The targets in the plan become the person's own; one dropped from the plan ends."""
    current = {t.concept: t for t in PersonalTarget.objects.filter(patient=patient, ended_on__isnull=True)}
    changed = 0
    for target in plan.targets:
        existing = current.get(target.concept)
        if existing is not None and (existing.upper, existing.lower) == (target.upper, target.lower):
            continue
        patient_actions.agree_target(patient=patient, by=by, concept=target.concept, upper=target.upper,
                                     lower=target.lower, reason=target.reason, agreed_on=on)
        changed += 1
    dropped = {t.concept for t in previous.targets} - {t.concept for t in plan.targets}
    for concept in dropped:
        if concept in current:
            patient_actions.end_target(target=current[concept], by=by, ended_on=on)
            changed += 1
    return changed


def _referrals_to_staff(plan: Plan, *, patient: Patient) -> list[document.Problem]:
    """A referral to a named person must be to someone working at the person's practice now: not
    another practice's staff, and not someone who has left (their task would reach nobody)."""
    wanted = {ref.to_user_id for ref in plan.referrals if ref.to_user_id is not None}
    if not wanted:
        return []
    staff = set(Membership.objects.filter(practice=patient.practice, user_id__in=wanted, user__is_active=True)
                .values_list("user_id", flat=True))
    return [document.Problem(f"referrals.{i}.to", "Choose who this is for from the list: the person chosen "
                             "is not working at the practice now.")
            for i, ref in enumerate(plan.referrals) if ref.to_user_id is not None and ref.to_user_id not in staff]


def _named_people(plan: Plan, *, patient: Patient) -> tuple[Plan, list[document.Problem]]:
    """The named clinician and the person who phones for check-ins must be clinical staff working at the
    practice now; the plan keeps their names as it shows them. A check-in by text or email needs the
    person's mobile number or email address."""
    staff = clinical_staff(patient.practice)
    problems = []
    named = plan.named_clinician
    if plan.named_clinician_id is not None:
        if plan.named_clinician_id not in staff:
            problems.append(document.Problem("named_clinician_id", "Choose the named clinician from the list: the "
                                             "person chosen is not on the practice's clinical staff now."))
        else:
            named = staff[plan.named_clinician_id]
    agreed = plan.checkins
    caller = agreed.caller
    if agreed.every and agreed.channel == "phone" and agreed.caller_id is not None:
        if agreed.caller_id not in staff:
            problems.append(document.Problem("checkins.caller_id", "Choose who will phone them from the list."))
        else:
            caller = staff[agreed.caller_id]
    if agreed.every and agreed.channel == "text" and not patient.mobile:
        problems.append(document.Problem("checkins.channel", "They have no mobile number on record: choose an "
                                         "email or a phone call, or add their number first."))
    if agreed.every and agreed.channel == "email" and not patient.email:
        problems.append(document.Problem("checkins.channel", "They have no email address on record: choose a "
                                         "text or a phone call, or add their address first."))
    if agreed.channel != "phone":
        caller = ""
    return replace(plan, named_clinician=named if plan.named_clinician_id is not None else "",
                   checkins=replace(agreed, caller=caller,
                                    caller_id=agreed.caller_id if agreed.channel == "phone" else None)), problems


def _tasks_for(*, patient: Patient, by: User | None, plan: Plan, version: PlanVersion, now: dt.datetime,
               routes: Mapping[str, str] | None = None) -> int:
    """Each new referral becomes a task for that person or role, or for that organisation outside the practice
    (once: re-saving the plan keeps it). A referral to an organisation that does not use Tandem is sent to it
    through the outbox (referrals.py; `routes`: how each is sent)."""
    have = set(Task.objects.filter(patient=patient).values_list("referral_id", flat=True))
    staff = set(Membership.objects.filter(practice=patient.practice).values_list("user_id", flat=True))
    new = []
    for ref in plan.referrals:
        if ref.id in have:
            continue
        to_provider = ref.to_provider_id if ref.id in (routes or {}) else None
        to_user = ref.to_user_id if ref.to_user_id in staff and to_provider is None else None
        new.append(Task(practice=patient.practice, patient=patient, version=version, referral_id=ref.id,
                        what=ref.what[:500], why=ref.why[:1000], to_role=ref.to_role if to_provider is None else "", to_user_id=to_user,
                        to_provider_id=to_provider, sent_by=(routes or {}).get(ref.id, ""),
                        due_on=dt.date.fromisoformat(ref.by_when) if ref.by_when else None,
                        created_at=now, created_by=by))
    Task.objects.bulk_create(new)
    if new:
        task_actions.record_created(new, by=by, now=now)
        referral_actions.send(tasks=new, routes=dict(routes or {}), plan=plan, patient=patient, by=by)
    return len(new)


def autosave(*, patient: Patient, by: User, content: dict, base_version: int,
             conversation: Conversation | None = None) -> Draft:
    """Keep what the clinician has typed so far (not a version; not validated beyond its shape).
    Raises DraftTooLarge (nothing kept) beyond MAX_DRAFT_CHARACTERS."""
    plan = Plan.from_dict(content)  # keeps only known fields
    size = draft_size(plan)
    if size > MAX_DRAFT_CHARACTERS:
        raise DraftTooLarge(size)
    draft, _ = Draft.objects.update_or_create(patient=patient, user=by, defaults={
        "practice": patient.practice, "conversation": conversation, "base_version": base_version,
        "content": plan.as_dict(), "updated_at": clock.now()})
    return draft


def draft_size(plan: Plan) -> int:
    """The characters a draft of `plan` takes as stored (its JSON)."""
    return len(json.dumps(plan.as_dict(), ensure_ascii=False, separators=(",", ":")))


def discard_draft(*, patient: Patient, by: User) -> None:
    Draft.objects.filter(patient=patient, user=by).delete()


@transaction.atomic
def record_copy_given(*, version: PlanVersion, by: User | None, how: str, on: dt.date | None = None) -> CopyGiven:
    if how not in CopyGiven.How.values:
        raise ValueError("Choose how the copy was given.")
    on = on or clock.today()
    if on > clock.today():
        raise ValueError("The date a copy was given cannot be in the future.")
    copy = CopyGiven.objects.create(practice=version.practice, version=version, how=how, on=on,
                                    recorded_at=clock.now(), recorded_by=by)
    audit.record(by=by, practice=version.practice, action=AuditEvent.Action.EXPORT, what="careplans.copy_given",
                 patient_id=version.patient_id, object_id=version.pk, detail={"how": how})
    return copy


# The longest each of a local service's fields may be (the columns hold these).
SERVICE_LIMITS = {"name": 120, "description": 500, "contact": 200, "how_to_refer": 300}


@transaction.atomic
def save_service(*, practice: Practice, by: User | None, name: str, kind: str, description: str = "",
                 contact: str = "", how_to_refer: str = "", active: bool = True, service: LocalService | None = None,
                 expected_version: int | None = None, conditions: tuple[str, ...] | None = None) -> LocalService:
    """Add a service to the practice's directory, or change one (with the version the editor saw)."""
    name, description, contact, how_to_refer = (" ".join(name.split()), description.strip(), contact.strip(),
                                                how_to_refer.strip())
    for label, value, limit in (("name", name, SERVICE_LIMITS["name"]),
                                ("description", description, SERVICE_LIMITS["description"]),
                                ("contact details", contact, SERVICE_LIMITS["contact"]),
                                ("how to refer", how_to_refer, SERVICE_LIMITS["how_to_refer"])):
        if len(value) > limit:
            raise ValueError(f"The service's {label} must be {limit:,} characters or fewer (it has {len(value):,}).")
    if not name:
        raise ValueError("Give the service a name.")
    if kind not in LocalService.Kind.values:
        raise ValueError("Choose what kind of service it is.")
    clash = LocalService.objects.filter(practice=practice, name__iexact=name)
    if service is not None:
        clash = clash.exclude(pk=service.pk)
    if clash.exists():
        raise ValueError(f"There is already a service called {name} in the directory.")
    now = clock.now()
    if service is None:
        service = LocalService(practice=practice, version=0)
    else:
        service = LocalService.objects.select_for_update().get(pk=service.pk, practice=practice)
        if expected_version is not None and expected_version != service.version:
            raise ValueError("Someone else changed this service while you were editing it. Check it and try again.")
    service.name, service.kind, service.description = name, kind, description
    service.contact, service.how_to_refer, service.active = contact, how_to_refer, active
    if conditions is not None:  # the registers it is for (slugs); unknown ones are refused
        unknown = [c for c in conditions if c not in PLAIN_NAMES and c not in codelists.all_codelists()]
        if unknown:
            raise ValueError("Choose the conditions the service is for from the list.")
        service.conditions = sorted(set(conditions))
    service.version += 1
    service.updated_at, service.updated_by = now, by
    service.save()
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="careplans.service",
                 object_id=service.pk)
    return service

