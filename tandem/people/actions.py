"""The only writes to people's accounts and links: atomic, keyword-only, audited (ADR 2).

A person is not a staff user, so `by` is None and the audit row's detail names the account's primary
key; never `sub`, an NHS number or a name.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse

from tandem.core import audit, clock, parsing
from tandem.core.models import AuditEvent, Practice, User
from tandem.core.on_behalf import OnBehalf
from tandem.messaging import actions as messaging
from tandem.messaging import link_actions, links
from tandem.messaging.rules import EMAIL
from tandem.patients.models import Patient, RegistrationStatus

from .carers import GrantRequest, StaffDecision
from .models import PersonAccount, PersonLink, ProxyActivity, ProxyGrant, ProxyHidden
from .rules import (
    INVITATION_DAYS,
    INVITATION_TRIES,
    PLAN_PARTS,
    SCOPE_LABELS,
    UNUSED_YEARS,
    WARN_DAYS_BEFORE_END,
    Level,
    Refusal,
    Scope,
    higher,
    in_force,
    scopes_of,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def sign_in(*, issuer: str, sub: str, level: Level, patient: Patient, by: None = None) -> tuple[PersonAccount, PersonLink]:
    """Records a successful sign-in: the account for (issuer, sub), made on first sign-in, and its one
    open link to the patient the verified NHS number matched this time."""
    now = clock.now()
    account, made = _account(issuer=issuer, sub=sub, level=level)
    link = PersonLink.objects.filter(account=account, ended_at__isnull=True).first()
    if link is not None and link.patient_id != patient.pk:
        _end(link, reason=PersonLink.EndReason.RELINKED, at=now)
        link = None
    if link is None:
        for other in PersonLink.objects.filter(patient=patient, ended_at__isnull=True):
            _end(other, reason=PersonLink.EndReason.REPLACED, at=now)
        link = PersonLink.objects.create(account=account, patient=patient, practice_id=patient.practice_id,
                                         linked_at=now, level=level.value)
    elif higher(link.level, level) != Level(link.level):
        link.level = level.value
        link.save(update_fields=["level"])
    audit.record(by=by, practice=patient.practice, action=AuditEvent.Action.CREATE, what="person.sign_in",
                 patient_id=patient.pk, object_id=account.pk,
                 detail={"account": account.pk, "link": link.pk, "level": level.value, "new_account": made})
    logger.info("people: account %s signed in at %s (link %s)", account.pk, level.value, link.pk)
    return account, link


def _account(*, issuer: str, sub: str, level: Level) -> tuple[PersonAccount, bool]:
    now = clock.now()
    account, made = PersonAccount.objects.select_for_update().get_or_create(
        issuer=issuer, sub=sub,
        defaults={"created_at": now, "last_signed_in_at": now, "highest_level_seen": level.value})
    if not made:
        account.last_signed_in_at = now
        account.highest_level_seen = higher(account.highest_level_seen, level).value
        account.save(update_fields=["last_signed_in_at", "highest_level_seen"])
    return account, made


def sign_in_refused(*, reason: Refusal, by: None = None) -> None:
    """A refused sign-in, audited with its reason only (nothing that says who tried)."""
    audit.record(by=by, practice=None, action=AuditEvent.Action.VIEW, what="person.sign_in_refused",
                 detail={"reason": reason.value})
    logger.info("people: sign-in refused (%s)", reason.value)


@transaction.atomic
def sign_out(*, account_id: int, everywhere: bool, by: None = None) -> None:
    """Signing out this browser is the session's business; everywhere raises the account's generation,
    so every other session for it ends at its next request."""
    if everywhere:
        PersonAccount.objects.filter(pk=account_id).update(session_generation=F("session_generation") + 1)
    audit.record(by=by, practice=None, action=AuditEvent.Action.UPDATE, what="person.sign_out",
                 object_id=account_id, detail={"account": account_id, "everywhere": everywhere})


@transaction.atomic
def end_link(*, link: PersonLink, reason: str, by: None = None) -> None:
    """Ends a link found no longer true on a request (the person left the practice)."""
    _end(link, reason=reason, at=clock.now())
    audit.record(by=by, practice=None, action=AuditEvent.Action.UPDATE, what="person.link_ended",
                 patient_id=link.patient_id, object_id=link.pk, detail={"account": link.account_id, "reason": reason})


def _end(link: PersonLink, *, reason: str, at) -> None:
    link.ended_at = at
    link.end_reason = reason
    link.save(update_fields=["ended_at", "end_reason"])


def on_behalf(viewer) -> OnBehalf:
    """What a write from the person's pages passes to the owning app's action."""
    grant = getattr(viewer, "grant", None)
    return OnBehalf(account=viewer.account_id, grant=grant.pk if grant is not None else None)


def proxy_did(viewer, *, what: str, object_id: str | int = "") -> None:
    """After a write from the person's pages, in the same transaction: when a carer did it, the person's
    record of what their carers did ("Sarah answered your check-in"). Nothing for the person's own."""
    grant = getattr(viewer, "grant", None)
    if grant is None:
        return
    ProxyActivity.objects.create(grant=grant, practice=viewer.practice, patient=viewer.patient, what=what[:40],
                                 object_id=str(object_id)[:40], at=clock.now())


# --- Carers and representatives (ADR 16, section 4) ------------------------------------------------

class GrantError(ValueError):
    """A change to a carer's access that cannot be made, in words for the page."""


def _grant_detail(grant: ProxyGrant) -> dict:
    """What an audit row says about a grant: no names, no dates of birth (DAPB3051 4.5: the basis, who
    decided, and the end date)."""
    return {"grant": grant.pk, "basis": grant.basis, "scopes": sorted(s.value for s in scopes_of(grant)),
            "ends_on": grant.ends_on.isoformat(), "decided_by_staff": grant.decided_by_id is not None}


def _new_grant(*, practice: Practice, patient: Patient, wanted: GrantRequest, by_person: bool, decided_by: User | None,
               decision: StaffDecision | None, renewed_from: ProxyGrant | None = None,
               account_id: int | None = None) -> tuple[ProxyGrant, link_actions.Secret]:
    now = clock.now()
    secret = link_actions.Secret.new()
    grant = ProxyGrant.objects.create(
        practice=practice, patient=patient, proxy_given_name=wanted.given_name, proxy_family_name=wanted.family_name,
        proxy_birth_date=wanted.birth_date, proxy_email=wanted.email, relationship=wanted.relationship,
        **{s.value: s in wanted.scopes for s in Scope}, starts_on=wanted.starts_on, ends_on=wanted.ends_on,
        review_on=wanted.review_on,
        basis=decision.basis if decision else ProxyGrant.Basis.CONSENT,
        basis_detail=decision.basis_detail if decision else "",
        identity_check=decision.identity_check if decision else ProxyGrant.IdentityCheck.NHS_LOGIN,
        granted_by_person=by_person, decided_by=decided_by, created_at=now,
        invitation_digest=links.digest(secret.token),
        invitation_expires_at=links.fresh_expires_at(now, days=INVITATION_DAYS),
        renewed_from=renewed_from, proxy_account_id=account_id, accepted_at=now if account_id else None)
    return grant, secret


def _invite(grant: ProxyGrant, secret: link_actions.Secret, *, by: User | None) -> None:
    """The carer's invitation, by email through the outbox (the stored copy holds a mark, not the link)."""
    url = f"{settings.TANDEM_PUBLIC_URL.rstrip('/')}{reverse('people:invitation', args=[secret.token_mark])}"
    messaging.queue_message(
        practice=grant.practice, patient=grant.patient, channel=EMAIL, template="carer_invitation",
        context={"carer_name": grant.proxy_given_name, "invitation_url": url,
                 "scopes": [SCOPE_LABELS[s] for s in Scope if s in scopes_of(grant)],
                 "ends_on": grant.ends_on, "by_person": grant.granted_by_person,
                 "expires_on": grant.invitation_expires_at.date()},
        idempotency_key=f"carer-invitation-{grant.pk}", by=by,
        to=messaging.Addressee(name=f"{grant.proxy_given_name} {grant.proxy_family_name}", email=grant.proxy_email))


@transaction.atomic
def grant_by_person(*, viewer, wanted: GrantRequest, by: None = None) -> ProxyGrant:
    """The person gives a carer access from their own pages (they have capacity: the basis is their
    consent). The carer is invited by email and must accept with their own NHS login."""
    if getattr(viewer, "grant", None) is not None:
        raise GrantError("Only the person themselves can give someone access.")
    grant, secret = _new_grant(practice=viewer.practice, patient=viewer.patient, wanted=wanted, by_person=True,
                               decided_by=None, decision=None)
    _invite(grant, secret, by=None)
    audit.record(by=None, practice=viewer.practice, action=AuditEvent.Action.CREATE, what="person.proxy_grant",
                 patient_id=viewer.patient.pk, object_id=grant.pk,
                 detail={**_grant_detail(grant), "account": viewer.account_id})
    logger.info("people: grant %s made by the person", grant.pk)
    return grant


@transaction.atomic
def record_by_staff(*, practice: Practice, patient: Patient, wanted: GrantRequest, decision: StaffDecision,
                    by: User) -> ProxyGrant:
    """Staff record access for a representative of a person who lacks capacity: the basis and its
    evidence, who decided (`by`), and how the representative's identity was checked (DAPB3051 4.5)."""
    if patient.practice_id != practice.pk:
        raise GrantError("That person is not registered here.")
    if decision.basis == ProxyGrant.Basis.CONSENT:
        raise GrantError("A person with capacity gives access themselves; record a legal basis here.")
    grant, secret = _new_grant(practice=practice, patient=patient, wanted=wanted, by_person=False, decided_by=by,
                               decision=decision)
    _invite(grant, secret, by=by)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="person.proxy_grant",
                 patient_id=patient.pk, object_id=grant.pk, detail=_grant_detail(grant))
    return grant


def _same_name(a: str, b: str) -> bool:
    def norm(x: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", x).casefold().replace("\u2019", "'").split())
    return bool(a) and norm(a) == norm(b)


def invitation(token: str) -> ProxyGrant | None:
    """The grant an invitation's token is for, whatever its state (None for anything else)."""
    if not links.looks_like_token(token):
        return None
    return ProxyGrant.objects.select_related("practice").filter(invitation_digest=links.digest(token)).first()


def invitation_open(grant: ProxyGrant | None, *, now=None) -> bool:
    now = now or clock.now()
    return (grant is not None and grant.accepted_at is None and grant.revoked_at is None and grant.ended_at is None
            and grant.invitation_failures < INVITATION_TRIES and now < grant.invitation_expires_at
            and clock.today() <= grant.ends_on)


@transaction.atomic
def accept(*, digest: str, account: PersonAccount, family_name: object, birth_date: object,
           by: None = None) -> ProxyGrant | None:
    """A carer signed in with NHS login (P9) to accept an invitation: their verified family name and date
    of birth must be the ones on the grant. A mismatch counts against the invitation (locked after
    INVITATION_TRIES) and returns None; nothing about the grant is shown."""
    grant = ProxyGrant.objects.select_for_update().filter(invitation_digest=digest).first()
    if not invitation_open(grant):
        return None
    if account.links.filter(ended_at__isnull=True, patient_id=grant.patient_id).exists():
        return None  # the person's own account is never their carer
    born = parsing.read_iso_date(birth_date) if isinstance(birth_date, str) else None
    if not (isinstance(family_name, str) and _same_name(family_name, grant.proxy_family_name)
            and born == grant.proxy_birth_date):
        grant.invitation_failures += 1
        grant.save(update_fields=["invitation_failures"])
        audit.record(by=None, practice=grant.practice, action=AuditEvent.Action.VIEW, what="person.proxy_refused",
                     patient_id=grant.patient_id, object_id=grant.pk,
                     detail={"grant": grant.pk, "account": account.pk, "failures": grant.invitation_failures})
        return None
    grant.proxy_account = account
    grant.accepted_at = clock.now()
    grant.row_version += 1
    grant.save(update_fields=["proxy_account", "accepted_at", "row_version"])
    audit.record(by=None, practice=grant.practice, action=AuditEvent.Action.UPDATE, what="person.proxy_accepted",
                 patient_id=grant.patient_id, object_id=grant.pk, detail={"grant": grant.pk, "account": account.pk})
    return grant


def grants_in_force(account_id: int) -> list[ProxyGrant]:
    """The grants a carer's account acts under today, the people registered there still."""
    today = clock.today()
    found = (ProxyGrant.objects.select_related("patient", "practice")
             .filter(proxy_account_id=account_id, revoked_at__isnull=True, ended_at__isnull=True,
                     starts_on__lte=today, ends_on__gte=today,
                     patient__registration_status=RegistrationStatus.REGISTERED)
             .order_by("patient__given_name", "pk"))
    return [g for g in found if in_force(g, today)]


def _locked_grant(*, grant_id: int, practice_id: int, patient_id: int, row_version: int | None) -> ProxyGrant:
    grant = (ProxyGrant.objects.select_for_update()
             .filter(pk=grant_id, practice_id=practice_id, patient_id=patient_id).first())
    if grant is None:
        raise Http404("No such access.")
    if row_version is not None and grant.row_version != row_version:
        raise GrantError("This access was changed by someone else while you were looking. Check it and try again.")
    return grant


@transaction.atomic
def revoke(*, grant_id: int, practice_id: int, patient_id: int, row_version: int | None, reason: str,
           by: User | None, viewer=None) -> ProxyGrant:
    """Ends a carer's access now, by the person (`viewer`, never a carer) or by staff (`by`). Their next
    request is refused. Revoking twice changes nothing."""
    if viewer is not None and getattr(viewer, "grant", None) is not None:
        raise GrantError("Only the person themselves or the practice can end someone's access.")
    grant = _locked_grant(grant_id=grant_id, practice_id=practice_id, patient_id=patient_id, row_version=row_version)
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = clock.now()
    grant.revoked_by = by
    grant.revoked_by_person = viewer is not None
    grant.revoke_reason = reason
    grant.row_version += 1
    grant.save(update_fields=["revoked_at", "revoked_by", "revoked_by_person", "revoke_reason", "row_version"])
    audit.record(by=by, practice=grant.practice, action=AuditEvent.Action.UPDATE, what="person.proxy_revoked",
                 patient_id=patient_id, object_id=grant.pk,
                 detail={**_grant_detail(grant), "by_person": viewer is not None,
                         **({"account": viewer.account_id} if viewer is not None else {})})
    return grant


@transaction.atomic
def renew(*, grant_id: int, practice_id: int, patient_id: int, row_version: int | None, ends_on: dt.date,
          by: User | None, viewer=None) -> ProxyGrant:
    """Access that ended (or is about to) goes on to a new end date as a new grant with the same carer,
    scopes and basis (DAPB3051 7.3: easy to reactivate). A revoked grant is not renewed: grant again."""
    if viewer is not None and getattr(viewer, "grant", None) is not None:
        raise GrantError("Only the person themselves or the practice can renew someone's access.")
    old = _locked_grant(grant_id=grant_id, practice_id=practice_id, patient_id=patient_id, row_version=row_version)
    if old.revoked_at is not None:
        raise GrantError("This access was ended on purpose. Give access again instead.")
    today = clock.today()
    if ends_on <= today:
        raise GrantError("The new end date must be after today.")
    wanted = GrantRequest(given_name=old.proxy_given_name, family_name=old.proxy_family_name,
                          birth_date=old.proxy_birth_date, email=old.proxy_email, relationship=old.relationship,
                          scopes=scopes_of(old), starts_on=today, ends_on=ends_on, review_on=None)
    decision = StaffDecision(basis=old.basis, basis_detail=old.basis_detail, identity_check=old.identity_check) \
        if not old.granted_by_person else None
    if old.ended_at is None:
        old.ended_at = clock.now()
        old.row_version += 1
        old.save(update_fields=["ended_at", "row_version"])
    new, secret = _new_grant(practice=old.practice, patient=old.patient, wanted=wanted,
                             by_person=viewer is not None and old.granted_by_person,
                             decided_by=None if viewer is not None and old.granted_by_person else (by or old.decided_by),
                             decision=decision, renewed_from=old, account_id=old.proxy_account_id)
    if old.proxy_account_id is None:
        _invite(new, secret, by=by)
    audit.record(by=by, practice=old.practice, action=AuditEvent.Action.CREATE, what="person.proxy_renewed",
                 patient_id=patient_id, object_id=new.pk, detail={**_grant_detail(new), "renewed_from": old.pk})
    return new


@dataclass
class GrantsDone:
    ended: int = 0
    warned: int = 0
    reviews: int = 0


def end_and_warn(*, practice: Practice, today: dt.date | None = None) -> GrantsDone:
    """The daily task, for one practice: grants past their end date are marked ended, and so are those not used for
    UNUSED_YEARS (DAPB3051 4.1.2); the carer of each grant ending in WARN_DAYS_BEFORE_END days is told,
    by email, once (DAPB3051 7.3). Set-based: one update for the ended, one query for the warned."""
    today = today or clock.today()
    now = clock.now()
    done = GrantsDone()
    open_grants = ProxyGrant.objects.filter(practice=practice, revoked_at__isnull=True, ended_at__isnull=True)
    unused_since = now - dt.timedelta(days=365 * UNUSED_YEARS)
    with transaction.atomic():
        ending = open_grants.filter(Q(ends_on__lt=today)
                                    | Q(accepted_at__lt=unused_since) & (Q(last_used_on__isnull=True)
                                                                          | Q(last_used_on__lt=unused_since.date())))
        ids = list(ending.values_list("pk", flat=True))
        done.ended = ProxyGrant.objects.filter(pk__in=ids).update(ended_at=now, row_version=F("row_version") + 1)
    warn = list(open_grants.filter(ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=WARN_DAYS_BEFORE_END),
                                   warned_at__isnull=True, accepted_at__isnull=False)
                .select_related("practice", "patient"))
    for grant in warn:  # a handful a day: each is one message through the outbox
        with transaction.atomic():
            messaging.queue_message(
                practice=grant.practice, patient=grant.patient, channel=EMAIL, template="carer_access_ending",
                context={"carer_name": grant.proxy_given_name, "ends_on": grant.ends_on},
                idempotency_key=f"carer-ending-{grant.pk}", by=None,
                to=messaging.Addressee(name=f"{grant.proxy_given_name} {grant.proxy_family_name}",
                                       email=grant.proxy_email))
            ProxyGrant.objects.filter(pk=grant.pk).update(warned_at=now)
            done.warned += 1
    done.reviews = _review_tasks(open_grants, today=today, now=now)
    if done.ended or done.warned or done.reviews:
        logger.info("people: %s carer grants ended, %s warned, %s due for review", done.ended, done.warned,
                    done.reviews)
    return done


def _review_words(grant: ProxyGrant) -> str:
    carer, on = f"{grant.proxy_given_name} {grant.proxy_family_name}", f"{grant.review_on.day} {grant.review_on:%B %Y}"
    if grant.granted_by_person:
        return (f"Review date {on}: check with {grant.patient.given_name} that {carer} should still help with their "
                "care online (Carers and representatives)")
    return (f"Review date {on}: review {carer}'s access for {grant.patient.given_name} "
            f"({ProxyGrant.Basis(grant.basis).label.lower()}) (Carers and representatives)")


def _review_tasks(open_grants, *, today: dt.date, now) -> int:
    """On a grant's review date, a task for the person's named clinician (else a GP) to check the access
    with the person, or with who decided for them: the practice's own to-do list, once per grant."""
    from tandem.careplans.actions import tasks as task_actions
    from tandem.careplans.models import Task
    from tandem.core.rules import Role

    due = list(open_grants.filter(review_on__lte=today, review_task_at__isnull=True, ends_on__gte=today)
               .select_related("patient"))
    if not due:
        return 0
    with transaction.atomic():
        tasks = Task.objects.bulk_create([Task(
            practice_id=grant.practice_id, patient_id=grant.patient_id, referral_id=f"pg{grant.pk}"[:12],
            what=_review_words(grant)[:500],
            to_user_id=grant.patient.named_clinician_id, to_role="" if grant.patient.named_clinician_id else Role.GP,
            due_on=today + dt.timedelta(days=14), created_at=now, created_by=None) for grant in due])
        task_actions.record_created(tasks, by=None, now=now)
        ProxyGrant.objects.filter(pk__in=[g.pk for g in due]).update(review_task_at=now)
    return len(due)



# --- Entries hidden from carers --------------------------------------------------------------------

@transaction.atomic
def hide(*, practice: Practice, patient: Patient, what: str, object_id: int | None, part: str, reason: str,
         by: User) -> ProxyHidden:
    """Staff mark an entry as not to be shown to carers (DAPB3051 4.4). Hiding it again changes nothing."""
    if patient.practice_id != practice.pk:
        raise GrantError("That person is not registered here.")
    if what == ProxyHidden.What.PLAN_PART:
        if part not in PLAN_PARTS:
            raise GrantError("No such part of the plan.")
        object_id = None
    elif what in ProxyHidden.What.values:
        if object_id is None or not _entry_exists(what, object_id, practice=practice, patient=patient):
            raise Http404("No such entry.")
        part = ""
    else:
        raise GrantError("That kind of entry cannot be hidden.")
    found = ProxyHidden.objects.filter(patient=patient, what=what, object_id=object_id, part=part,
                                       shown_again_at__isnull=True).first()
    if found is not None:
        return found
    hidden = ProxyHidden.objects.create(practice=practice, patient=patient, what=what, object_id=object_id, part=part,
                                        reason=reason, hidden_by=by, hidden_at=clock.now())
    audit.record(by=by, practice=practice, action=AuditEvent.Action.CREATE, what="person.proxy_hidden",
                 patient_id=patient.pk, object_id=hidden.pk, detail={"what": what, "part": part})
    return hidden


@transaction.atomic
def show_again(*, hidden_id: int, practice: Practice, patient_id: int, by: User) -> ProxyHidden:
    hidden = (ProxyHidden.objects.select_for_update()
              .filter(pk=hidden_id, practice=practice, patient_id=patient_id).first())
    if hidden is None:
        raise Http404("No such entry.")
    if hidden.shown_again_at is None:
        hidden.shown_again_at, hidden.shown_again_by = clock.now(), by
        hidden.save(update_fields=["shown_again_at", "shown_again_by"])
        audit.record(by=by, practice=practice, action=AuditEvent.Action.UPDATE, what="person.proxy_shown_again",
                     patient_id=patient_id, object_id=hidden.pk, detail={"what": hidden.what, "part": hidden.part})
    return hidden


def _entry_exists(what: str, object_id: int, *, practice: Practice, patient: Patient) -> bool:
    from tandem.booking.models import Appointment
    from tandem.checkins.models import CheckIn
    from tandem.patients.models import Observation

    model = {ProxyHidden.What.OBSERVATION: Observation, ProxyHidden.What.CHECKIN: CheckIn,
             ProxyHidden.What.APPOINTMENT: Appointment}[what]
    return model.objects.filter(pk=object_id, practice=practice, patient=patient).exists()


@transaction.atomic
def carer_signed_in(*, issuer: str, sub: str, level: Level, by: None = None) -> PersonAccount:
    """A carer's sign-in: their own account (made on first sign-in), never linked to a patient by it."""
    account, _made = _account(issuer=issuer, sub=sub, level=level)
    audit.record(by=by, practice=None, action=AuditEvent.Action.CREATE, what="person.carer_sign_in",
                 object_id=account.pk, detail={"account": account.pk, "level": level.value})
    return account
