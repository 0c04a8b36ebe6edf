"""The only writes to people's accounts and links: atomic, keyword-only, audited (ADR 2).

A person is not a staff user, so `by` is None and the audit row's detail names the account's primary
key; never `sub`, an NHS number or a name.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F

from tandem.core import audit, clock
from tandem.core.models import AuditEvent
from tandem.patients.models import Patient

from .models import PersonAccount, PersonLink
from .rules import Level, Refusal, higher

logger = logging.getLogger(__name__)


@transaction.atomic
def sign_in(*, issuer: str, sub: str, level: Level, patient: Patient, by: None = None) -> tuple[PersonAccount, PersonLink]:
    """Records a successful sign-in: the account for (issuer, sub), made on first sign-in, and its one
    open link to the patient the verified NHS number matched this time."""
    now = clock.now()
    account, made = PersonAccount.objects.select_for_update().get_or_create(
        issuer=issuer, sub=sub,
        defaults={"created_at": now, "last_signed_in_at": now, "highest_level_seen": level.value})
    if not made:
        account.last_signed_in_at = now
        account.highest_level_seen = higher(account.highest_level_seen, level).value
        account.save(update_fields=["last_signed_in_at", "highest_level_seen"])
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
