"""Writes to the practice's team: adding staff, changing a role, leaving and returning, the set-password
email, and who does each step of the cycle. Atomic, keyword-only, `by=` the manager, audited (ADR 2, 5).

Every change to a membership takes the version the manager's page was based on: if another manager
changed that person since, nothing is changed (`Conflict`), so two managers never overwrite each other."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Membership, Practice, User
from tandem.core.rules import Role

from . import rules
from .models import StepRolesSettings

logger = logging.getLogger(__name__)

LAST_MANAGER = ("{practice} must always have a practice manager. Make someone else practice manager first, "
                "then {what}.")


class TeamError(ValueError):
    """Something a manager asked for that cannot be done; the message says why, in plain words."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


class Conflict(TeamError):
    """Someone else changed this since the page was opened: nothing was changed."""


@dataclass(frozen=True)
class Added:
    membership: Membership
    new_account: bool  # a new account (no password yet: they were sent the set-password email)


# --- Adding staff ---------------------------------------------------------------------------------

@transaction.atomic
def add_member(*, practice: Practice, by: User | None, username: str, first_name: str, last_name: str,
               email: str, role: Role) -> Added:
    """Add someone to the practice with `role`. A username not yet used makes a new account with no
    password (send them `send_set_password_email`); an existing one (someone who works at another
    practice too) gets this practice added, their account and other practices untouched. Values are
    as `rules.clean_*` gave them."""
    role = Role(role)
    user = existing_account(username=username, email=email)
    if user is not None:
        existing = Membership.with_left.filter(user=user, practice=practice).first()
        if existing is not None and existing.left_on is None:
            raise TeamError(f"{user.display_name} already works at this practice, as "
                            f"{rules.role_in_sentence(existing.role)}. Change their role on their page.",
                            field="username")
        if existing is not None:
            raise TeamError(f"{user.display_name} has left this practice. To bring them back, open their page "
                            "from the team list and choose that they have returned.", field="username")
        new_account = False
    else:
        user = new_account_for(username=username, first_name=first_name, last_name=last_name, email=email)
        new_account = True
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, practice=practice, role=role.value)
    except IntegrityError:  # another manager added them a moment ago
        raise Conflict(f"{user.display_name} has just been added to this practice by someone else.",
                       field="username") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="membership", object_id=user.pk,
                 detail={"role": role.value, "new_account": new_account})
    logger.info("team: user %s added to practice %s", user.pk, practice.pk)
    return Added(membership=membership, new_account=new_account)


def existing_account(*, username: str, email: str) -> User | None:
    """The account with exactly this username, if there is one and it is this person's (the same email address,
    or none on it). A username that differs only in capital letters, or another email address, is refused
    rather than guessed at (TeamError on the username field)."""
    same = list(User.objects.filter(username__iexact=username).order_by("pk")[:2])
    user = next((u for u in same if u.username == username), None)
    if user is None and same:
        raise TeamError(f"There is already an account with the username {same[0].username}, which differs only in "
                        f"capital letters. To add that person, type {same[0].username}; otherwise choose another "
                        "username.", field="username")
    if user is not None and user.email and user.email.lower() != email.lower():
        raise TeamError(f"There is already an account with the username {username}, with a different email "
                        "address. If this is the same person, enter the email address their account has; if "
                        "not, choose another username.", field="username")
    return user


def new_account_for(*, username: str, first_name: str, last_name: str, email: str) -> User:
    """A new account with no usable password (they choose one from the set-password email)."""
    try:
        with transaction.atomic():
            user = User(username=username, first_name=first_name, last_name=last_name, email=email)
            user.set_unusable_password()
            user.save()
    except IntegrityError:  # someone made the same username a moment ago
        raise TeamError(f"The username {username} has just been taken. Choose another username.",
                        field="username") from None
    return user


@transaction.atomic
def send_set_password_email(*, membership: Membership, by: User | None, site: str) -> None:
    """Email them a link to choose their password (Django's password reset link, which works once and
    for PASSWORD_RESET_TIMEOUT). `site`: the address Tandem is reached at, e.g. https://tandem.example.
    Raises OSError or smtplib's errors when the mail server cannot be reached; nothing is recorded then."""
    email_set_password(user=membership.user, organisation=membership.practice.name, practice=membership.practice,
                       by=by, site=site)


def email_set_password(*, user: User, organisation: str, practice: Practice, by: User | None, site: str) -> None:
    """The set-password email to someone added to `organisation` (a practice, or an organisation outside it
    that works with `practice`). Raises as send_set_password_email."""
    if not user.email:
        raise TeamError(f"{user.display_name} has no email address, so no email can be sent.")
    link = site.rstrip("/") + reverse("core:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    context = {"user": user, "organisation": organisation, "link": link}
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE,
                 what="account.set_password_email", object_id=user.pk)
    send_mail(render_to_string("team/email/set_password_subject.txt", context).strip(),
              render_to_string("team/email/set_password.txt", context), None, [user.email])


# --- Changing a role, leaving and returning -------------------------------------------------------

def _locked(practice: Practice, pk: int, expected_version: int | None) -> tuple[Membership, dict[int, str]]:
    """The membership (locked), after checking the version; and the roles of everyone working here (locked too,
    so two managers changing two managers at once cannot leave the practice with none)."""
    active = dict(Membership.objects.select_for_update().filter(practice=practice).order_by("pk")
                  .values_list("pk", "role"))
    membership = (Membership.with_left.select_for_update().filter(practice=practice, pk=pk)
                  .select_related("user").first())
    if membership is None:
        raise TeamError("This member of staff is not in this practice's team.")
    if expected_version is None or membership.version != expected_version:
        raise Conflict(f"Someone else changed {membership.user.display_name}'s details while you were looking at "
                       "them. Their details are shown as they are now: check them and make your change again.")
    return membership, active


def _bump(membership: Membership, **fields) -> None:
    Membership.with_left.filter(pk=membership.pk).update(version=F("version") + 1, **fields)
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.version += 1


@transaction.atomic
def change_role(*, practice: Practice, member_id: int, role: Role, expected_version: int | None,
                by: User | None) -> Membership:
    role = Role(role)
    membership, active = _locked(practice, member_id, expected_version)
    if membership.left_on is not None:
        raise TeamError(f"{membership.user.display_name} has left this practice. Choose that they have returned "
                        "before changing their role.")
    old = membership.role
    if old == role.value:
        return membership
    if rules.leaves_no_manager(active, member_id=membership.pk, new_role=role.value):
        raise TeamError(LAST_MANAGER.format(practice=practice.name, what=(
            "change your own role" if by is not None and membership.user_id == by.pk else "change this role")),
            field="role")
    _bump(membership, role=role.value)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="membership",
                 object_id=membership.user_id, detail={"role_from": old, "role_to": role.value})
    return membership


@transaction.atomic
def record_leaving(*, practice: Practice, member_id: int, expected_version: int | None,
                   by: User | None) -> Membership:
    """They have left the practice: from their next request they have no role here. If they work nowhere
    else now, every session of theirs ends too. The row stays, so what they did stays theirs."""
    membership, active = _locked(practice, member_id, expected_version)
    if membership.left_on is not None:
        return membership
    if rules.leaves_no_manager(active, member_id=membership.pk, new_role=None):
        raise TeamError(LAST_MANAGER.format(practice=practice.name, what=(
            "record that you are leaving" if by is not None and membership.user_id == by.pk
            else "record that they are leaving")))
    _bump(membership, left_on=clock.today(), left_by=by)
    ended_sessions = not Membership.objects.filter(user_id=membership.user_id).exists()
    if ended_sessions:
        User.objects.filter(pk=membership.user_id).update(session_generation=F("session_generation") + 1)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="membership.left",
                 object_id=membership.user_id, detail={"role": membership.role, "sessions_ended": ended_sessions})
    logger.info("team: user %s left practice %s", membership.user_id, practice.pk)
    return membership


@transaction.atomic
def record_return(*, practice: Practice, member_id: int, expected_version: int | None,
                  by: User | None) -> Membership:
    """They work here again, in the role they had when they left."""
    membership, _ = _locked(practice, member_id, expected_version)
    if membership.left_on is None:
        return membership
    _bump(membership, left_on=None, left_by=None)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="membership.returned",
                 object_id=membership.user_id, detail={"role": membership.role})
    logger.info("team: user %s returned to practice %s", membership.user_id, practice.pk)
    return membership


# --- Who does each step ---------------------------------------------------------------------------

@transaction.atomic
def save_step_roles(*, practice: Practice, steps: rules.StepRoles, expected_version: int | None,
                    by: User | None) -> StepRolesSettings:
    """Save which roles hold each step (checked by `rules.check_steps`). `expected_version`: the version the
    form showed (0: the defaults, never saved); anything else raises Conflict and changes nothing."""
    current = StepRolesSettings.objects.select_for_update().filter(practice=practice).first()
    seen = current.version if current is not None else 0
    if expected_version is None or expected_version != seen:
        raise Conflict("Someone else changed who does each step while you were editing. The saved choices are "
                       "shown below: check them and make your change again.")
    for step in rules.Step:  # checked again here: every caller, not only the form
        roles = steps.roles_for(step)
        if not roles or not roles <= rules.ALLOWED[step]:
            raise TeamError(f"{rules.STEP_LABELS[step]}: choose at least one role that may hold it.", field=step.value)
    if current is None:
        current = StepRolesSettings(practice=practice, version=0)
    current.roles = steps.as_stored()
    current.version += 1
    current.updated_at, current.updated_by = clock.now(), by
    current.save()
    audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="team.step_roles",
                 object_id=current.pk, detail=current.roles)
    return current
