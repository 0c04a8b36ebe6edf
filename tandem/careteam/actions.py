"""Writes for the wider care team: the practice's list of organisations and their professionals, who is in a
person's care team, and what members add to the plan. Atomic, keyword-only, `by=`, audited (ADR 2, 5). Every
change to an existing row takes the version the page showed: if someone changed it since, nothing changes
(`Conflict`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from tandem.careplans import actions as plan_actions
from tandem.careplans import queries as plan_queries
from tandem.careplans.actions import tasks as task_actions
from tandem.careplans.models import CarePlan, Task
from tandem.careplans.rules.tasks import can_move
from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Practice, Provider, ProviderStaff, User
from tandem.core.rules import Role
from tandem.patients.models import Patient, RegistrationStatus
from tandem.team import actions as team_actions

from . import rules
from .models import Contribution, Member

logger = logging.getLogger(__name__)


class CareTeamError(ValueError):
    """Something asked for that cannot be done; the message says why, in plain words (`field`: where)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


class Conflict(CareTeamError):
    """Someone else changed this since the page was opened: nothing was changed."""


def _bump(model, pk: int, expected: int, what: str, **changes) -> None:
    """Update the row if it is still at version `expected` (one statement: no lost update), or Conflict."""
    if not model.objects.filter(pk=pk, version=expected).update(version=F("version") + 1, **changes):
        raise Conflict(f"Someone else changed {what} since you opened this page. Nothing was changed: "
                       "look at it as it is now, then try again.")


# --- The practice's organisations and their professionals ---------------------------------------------

PROVIDER_FIELDS = ("name", "kind", "ods_code", "service", "email", "phone", "address")


@transaction.atomic
def save_provider(*, practice: Practice, by: User | None, values: dict, provider: Provider | None = None,
                  expected_version: int | None = None) -> Provider:
    """Add an organisation to the practice's list, or change one (at `expected_version`). `values` as
    forms.read_provider gave them."""
    now = clock.now()
    data = {k: values[k] for k in PROVIDER_FIELDS}
    try:
        with transaction.atomic():
            if provider is None:
                provider = Provider.objects.create(practice=practice, updated_at=now, updated_by=by, **data)
                action = AuditEvent.Action.CREATE
            else:
                _bump(Provider, provider.pk, expected_version or 0, "this organisation", updated_at=now,
                      updated_by=by, **data)
                provider.refresh_from_db()
                action = AuditEvent.Action.UPDATE
    except IntegrityError:
        raise CareTeamError("The practice's list already has an organisation with this name or ODS code.",
                            field="name") from None
    audit.record(by=by, practice=practice, action=action, what="careteam.provider", object_id=provider.pk)
    return provider


@transaction.atomic
def set_provider_active(*, provider: Provider, by: User | None, active: bool, expected_version: int) -> None:
    """Take an organisation off the practice's list (its professionals then see no one), or put it back."""
    _bump(Provider, provider.pk, expected_version, "this organisation", active=active, updated_at=clock.now(),
          updated_by=by)
    audit.record(by=by, practice=provider.practice, action=AuditEvent.Action.UPDATE, what="careteam.provider",
                 object_id=provider.pk, detail={"active": active})


@dataclass(frozen=True)
class AddedStaff:
    staff: ProviderStaff
    new_account: bool


@transaction.atomic
def add_professional(*, provider: Provider, by: User | None, username: str, first_name: str, last_name: str,
                     email: str, job: str) -> AddedStaff:
    """Give a professional of `provider` an account (or add this organisation to the account they have)."""
    try:
        user = team_actions.existing_account(username=username, email=email)
    except team_actions.TeamError as e:
        raise CareTeamError(str(e), field=e.field) from None
    new_account = user is None
    if user is not None:
        row = ProviderStaff.objects.filter(user=user, provider=provider).first()
        if row is not None and row.left_on is None:
            raise CareTeamError(f"{user.display_name} already works for {provider.name} in Tandem.", field="username")
        if row is not None:  # they come back
            _bump(ProviderStaff, row.pk, row.version, "this professional", left_on=None, left_by=None, job=job)
            row.refresh_from_db()
            audit.record(by=by, practice=provider.practice, action=AuditEvent.Action.UPDATE,
                         what="careteam.professional", object_id=row.pk, detail={"returned": True})
            return AddedStaff(staff=row, new_account=False)
    else:
        try:
            user = team_actions.new_account_for(username=username, first_name=first_name, last_name=last_name,
                                                email=email)
        except team_actions.TeamError as e:
            raise CareTeamError(str(e), field=e.field) from None
    row = ProviderStaff.objects.create(user=user, provider=provider, job=job, since=clock.today())
    audit.record(by=by, practice=provider.practice, action=AuditEvent.Action.CREATE, what="careteam.professional",
                 object_id=row.pk, detail={"new_account": new_account})
    logger.info("careteam: user %s added to provider %s", user.pk, provider.pk)
    return AddedStaff(staff=row, new_account=new_account)


def send_set_password_email(*, staff: ProviderStaff, by: User | None, site: str) -> None:
    try:
        team_actions.email_set_password(user=staff.user, organisation=staff.provider.practice.name,
                                        practice=staff.provider.practice, by=by, site=site)
    except team_actions.TeamError as e:
        raise CareTeamError(str(e)) from None


@transaction.atomic
def professional_left(*, staff: ProviderStaff, by: User | None, expected_version: int) -> None:
    """They no longer work there: from their next request they see no one through this organisation."""
    _bump(ProviderStaff, staff.pk, expected_version, "this professional", left_on=clock.today(), left_by=by)
    audit.record(by=by, practice=staff.provider.practice, action=AuditEvent.Action.UPDATE,
                 what="careteam.professional", object_id=staff.pk, detail={"left": True})


# --- A person's care team ---------------------------------------------------------------------------

@transaction.atomic
def add_member(*, patient: Patient, by: User | None, provider: Provider, professional: ProviderStaff | None,
               role: str, scopes: tuple[str, ...], agreed_how: str, agreed_on: dt.date, agreed_note: str = "") -> Member:
    """Add an organisation (or one of its professionals) to the person's care team, with their agreement."""
    if provider.practice_id != patient.practice_id or not provider.active:
        raise CareTeamError("Choose an organisation from the practice's list.", field="provider")
    if professional is not None and (professional.provider_id != provider.pk or professional.left_on is not None):
        raise CareTeamError(f"Choose someone who works for {provider.name} now, or the whole team.",
                            field="professional")
    if patient.registration_status != RegistrationStatus.REGISTERED:
        raise CareTeamError("This person is no longer registered at the practice.")
    if agreed_how not in rules.AGREED_HOW:
        raise CareTeamError("Say how the person agreed.", field="agreed_how")
    try:
        with transaction.atomic():
            member = Member.objects.create(
                practice=patient.practice, patient=patient, provider=provider, professional=professional,
                role=role, sees_results=rules.RESULTS in scopes, adds_to_plan=rules.CONTRIBUTE in scopes,
                agreed_how=agreed_how, agreed_on=agreed_on,
                agreed_note=agreed_note, added_at=clock.now(), added_by=by)
    except IntegrityError:
        who = professional.user.display_name if professional is not None else provider.name
        raise CareTeamError(f"{who} is already in this person's care team.", field="professional") from None
    audit.record(by=by, practice=patient.practice, action=AuditEvent.Action.CREATE, what="careteam.member",
                 patient_id=patient.pk, object_id=member.pk,
                 detail={"provider": provider.pk, "scopes": member.scopes, "agreed_how": agreed_how})
    return member


@transaction.atomic
def end_member(*, member: Member, by: User | None, reason: str, expected_version: int) -> None:
    """Take them out of the care team: from their next request they no longer see this person. Their waiting
    additions are withdrawn (the named clinician's review of them is no longer needed)."""
    if member.ended_on is not None:
        raise CareTeamError("They are no longer in this person's care team.")
    _bump(Member, member.pk, expected_version, "this person's care team", ended_on=clock.today(), ended_by=by,
          end_reason=reason)
    for contribution in Contribution.objects.filter(member=member, status=Contribution.Status.WAITING):
        _decide(contribution, by=by, status=Contribution.Status.WITHDRAWN,
                outcome="Withdrawn: they are no longer in the care team.")
    audit.record(by=by, practice=member.practice, action=AuditEvent.Action.UPDATE, what="careteam.member",
                 patient_id=member.patient_id, object_id=member.pk, detail={"ended": True})


# --- What members add --------------------------------------------------------------------------------

REVIEW_PREFIX = "ct"  # careplans Task.referral_id of the named clinician's review of a contribution


def review_key(contribution_id: int) -> str:
    return f"{REVIEW_PREFIX}{contribution_id}"


def author_of(member: Member, user: User) -> tuple[str, str]:
    """(how the plan names who added it, how it names who does an action): 'Jo Smith, community matron,
    Riverside Community Nursing' and 'Jo Smith, community matron (Riverside Community Nursing)'."""
    job = member.professional.job if member.professional is not None and member.professional.user_id == user.pk \
        else ProviderStaff.objects.filter(user=user, provider=member.provider).values_list("job", flat=True).first()
    label = rules.author_label(name=user.display_name, job=job or "", organisation=member.provider.name)
    owner = rules.author_label(name=user.display_name, job=job or "", organisation="")
    return label[:300], f"{owner} ({member.provider.name})"[:200]


@transaction.atomic
def contribute(*, member: Member, by: User, kind: str, content: dict, based_on: int) -> Contribution:
    """Add something to the person's plan, for the named clinician to review. It is not in the plan until they
    accept it; they (or, without a named clinician, any GP) get a task to review it."""
    if not rules.may(member.scopes, rules.CONTRIBUTE):
        raise CareTeamError("Your part in this person's care team does not include adding to their plan.")
    label, _owner = author_of(member, by)
    now = clock.now()
    contribution = Contribution.objects.create(
        practice=member.practice, patient=member.patient, member=member, author=by, author_label=label, kind=kind,
        content=content, based_on=based_on, created_at=now)
    patient = member.patient
    task = Task(practice=patient.practice, patient=patient, referral_id=review_key(contribution.pk),
                what=f"Review an addition to the care plan from {label}"[:500],
                to_user_id=patient.named_clinician_id, to_role="" if patient.named_clinician_id else Role.GP.value,
                due_on=clock.today() + dt.timedelta(days=rules.REVIEW_WITHIN_DAYS), created_at=now, created_by=by)
    task.save()
    task_actions.record_created([task], by=by, now=now)
    audit.record(by=by, practice=patient.practice, action=AuditEvent.Action.CREATE, what="careteam.contribution",
                 patient_id=patient.pk, object_id=contribution.pk, detail={"kind": kind, "provider": member.provider_id})
    return contribution


def _decide(contribution: Contribution, *, by: User | None, status: str, outcome: str, reason: str = "",
            added_in=None) -> None:
    _bump(Contribution, contribution.pk, contribution.version, "this addition", status=status,
          decided_at=clock.now(), decided_by=by, reason=reason, added_in=added_in)
    task = Task.objects.filter(patient_id=contribution.patient_id, referral_id=review_key(contribution.pk)).first()
    if task is None or task.status in ("completed", "declined", "cancelled"):
        return
    # the review task ends as the addition did: added (completed), not added (declined, with the reason), or
    # withdrawn (cancelled), so a list of tasks, and the FHIR API's Task, say which
    if status == Contribution.Status.ACCEPTED:
        task_actions.complete_task(task=task, by=by, outcome=outcome[:1000], expected_revision=task.revision)
    elif status == Contribution.Status.DECLINED and can_move(task.status, "decline"):
        task_actions.decline_task(task=task, by=by, reason=reason[:500], expected_revision=task.revision)
    elif status == Contribution.Status.DECLINED:  # the reviewer had started it: it ends done, saying why not
        task_actions.complete_task(task=task, by=by, outcome=outcome[:1000], expected_revision=task.revision)
    else:
        task_actions.cancel_task(task=task, by=by, expected_revision=task.revision)


@dataclass(frozen=True)
class Accepted:
    version: int
    count: int


@transaction.atomic
def accept(*, patient: Patient, by: User, contribution_ids: list[int], plan_version: int) -> Accepted:
    """Add the chosen additions to the plan as its next version (saved by `by`, with who added each item kept).
    `plan_version`: the version the reviewer was looking at; if the plan was saved since, nothing changes."""
    chosen = list(Contribution.objects.select_for_update().filter(
        patient=patient, pk__in=contribution_ids, status=Contribution.Status.WAITING).select_related(
        "member", "member__provider", "author").order_by("created_at", "pk"))
    if not chosen or len(chosen) != len(set(contribution_ids)):
        raise Conflict("Choose additions that are waiting for review: some have been decided meanwhile. "
                       "Nothing was changed.")
    record = CarePlan.objects.filter(patient=patient).first()
    current = record.version if record is not None else 0
    if current != plan_version:
        raise Conflict(f"The plan was saved as version {current} since you opened this page. Nothing was changed: "
                       "look at the plan as it is now, then choose again.")
    plan = plan_queries.plan_of(plan_queries.latest(patient.practice, patient))
    for contribution in chosen:
        _label, owner = author_of(contribution.member, contribution.author)
        try:
            plan = rules.add_to(plan, kind=contribution.kind, content=contribution.content,
                                author=contribution.author_label, owner=owner)
        except rules.CannotAdd as e:
            raise CareTeamError(f"{contribution.author_label}: {e}") from None
    names = sorted({c.author_label.split(",")[0] for c in chosen})
    note = f"Added from the care team: {', '.join(names)}"
    try:
        saved = plan_actions.save_plan(patient=patient, by=by, plan=plan, base_version=current, note=note)
    except plan_actions.PlanConflict:
        raise Conflict("The plan was saved by someone else a moment ago. Nothing was changed: try again.") from None
    except plan_actions.PlanError as e:
        raise CareTeamError(f"The plan cannot be saved with these additions: {e}") from None
    for contribution in chosen:
        _decide(contribution, by=by, status=Contribution.Status.ACCEPTED, added_in=saved.version,
                outcome=f"Added to the plan (version {saved.version.version}).")
    audit.record(by=by, practice=patient.practice, action=AuditEvent.Action.UPDATE, what="careteam.contribution",
                 patient_id=patient.pk, object_id=saved.version.pk, detail={"accepted": len(chosen)})
    return Accepted(version=saved.version.version, count=len(chosen))


@transaction.atomic
def decline(*, contribution: Contribution, by: User, reason: str, expected_version: int) -> None:
    """Not added, with the reason, which the member who added it sees."""
    if contribution.status != Contribution.Status.WAITING:
        raise Conflict("This addition has been decided already. Nothing was changed.")
    if contribution.version != expected_version:
        raise Conflict("Someone else changed this addition since you opened this page. Nothing was changed.")
    _decide(contribution, by=by, status=Contribution.Status.DECLINED, reason=reason, outcome=f"Not added: {reason}")
    audit.record(by=by, practice=contribution.practice, action=AuditEvent.Action.UPDATE,
                 what="careteam.contribution", patient_id=contribution.patient_id, object_id=contribution.pk,
                 detail={"declined": True})


@transaction.atomic
def withdraw(*, contribution: Contribution, by: User, expected_version: int) -> None:
    """The member who added it takes it back before it is decided."""
    if contribution.author_id != by.pk:
        raise CareTeamError("Only who added it can withdraw it.")
    if contribution.status != Contribution.Status.WAITING or contribution.version != expected_version:
        raise Conflict("This addition has been decided or changed already. Nothing was changed.")
    _decide(contribution, by=by, status=Contribution.Status.WITHDRAWN, outcome="Withdrawn by who added it.")
    audit.record(by=by, practice=contribution.practice, action=AuditEvent.Action.UPDATE,
                 what="careteam.contribution", patient_id=contribution.patient_id, object_id=contribution.pk,
                 detail={"withdrawn": True})
