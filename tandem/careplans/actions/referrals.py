"""Referrals from a plan to organisations outside the practice (tandem.core.models.Provider), as the plan is
saved (called by save_plan, inside its transaction).

- `check`: each referral's organisation must be on the person's practice's list (another practice's is not
  there at all) and, for a new referral, still active and reachable: through Tandem (someone works for it
  there now) or, for one that does not use Tandem, by its secure email address or its postal address. The
  plan keeps the organisation's name as it shows it.
- `how_sent`: through Tandem (its professionals see it in their referrals), by secure email, or by letter.
- `send`: for an organisation that does not use Tandem, the referral goes through the outbox: a secure email
  with the referral letter attached as a PDF, or, without an email address, the letter printed for posting
  to its address. The task records how, and the message. The practice records its answer on the task page
  (tasks.py, `on_behalf`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace

from tandem.core import audit, clock
from tandem.core.models import AuditEvent, Membership, Practice, Provider, ProviderStaff, User
from tandem.core.rules import ROLE_LABELS, Role
from tandem.messaging import actions as messaging
from tandem.messaging import catalogue, letters
from tandem.messaging import rules as messaging_rules
from tandem.patients.models import Patient

from ..models import Task
from ..rules import document, wording
from ..rules.document import Plan

logger = logging.getLogger(__name__)

TEMPLATE = "care_referral"
PDF_NAME = "referral-letter.pdf"


def address_lines(address: str) -> list[str]:
    """An organisation's address (one field, as typed) as the lines of a letter's address window."""
    return [line.strip() for line in re.split(r"[,\n]", address or "") if line.strip()][:6]


def uses_tandem(provider_ids: Iterable[int]) -> set[int]:
    """Which of these organisations someone works for in Tandem now (their referrals reach them there)."""
    ids = set(provider_ids)
    if not ids:
        return set()
    return set(ProviderStaff.objects.filter(provider_id__in=ids, left_on__isnull=True, user__is_active=True)
               .values_list("provider_id", flat=True))


def how_sent(provider: Provider, in_tandem: set[int]) -> str:
    """How a new referral reaches the organisation ("" when it cannot)."""
    if provider.pk in in_tandem:
        return Task.SentBy.TANDEM
    if provider.email:
        return Task.SentBy.EMAIL
    if address_lines(provider.address):
        return Task.SentBy.LETTER
    return ""


def check(plan: Plan, *, patient: Patient) -> tuple[Plan, list[document.Problem], dict[str, str]]:
    """The plan with each referral's organisation named as the plan shows it, the problems with them, and how
    each new referral to an organisation will be sent (referral id -> Task.SentBy)."""
    wanted = {ref.to_provider_id for ref in plan.referrals if ref.to_provider_id is not None}
    if not wanted:
        return plan, [], {}
    found = {p.pk: p for p in Provider.objects.filter(practice_id=patient.practice_id, pk__in=wanted)}
    have = set(Task.objects.filter(patient=patient, referral_id__in=[r.id for r in plan.referrals if r.id])
               .values_list("referral_id", flat=True))
    in_tandem = uses_tandem(p.pk for p in found.values() if p.active)
    problems: list[document.Problem] = []
    routes: dict[str, str] = {}
    referrals = []
    for i, ref in enumerate(plan.referrals):
        if ref.to_provider_id is None:
            referrals.append(ref)
            continue
        provider = found.get(ref.to_provider_id)
        where = f"referrals.{i}.to"
        if provider is None:
            problems.append(document.Problem(where, "Choose the organisation from the list: the one chosen is not "
                                                    "one this practice refers to."))
        elif ref.id not in have:
            route = how_sent(provider, in_tandem)
            if not provider.active:
                problems.append(document.Problem(where, f"{provider.name} is no longer on the practice's list of "
                                                        "organisations: choose another."))
            elif not route:
                problems.append(document.Problem(where, f"{provider.name} does not use Tandem and has no secure "
                                                        "email address or postal address on the practice's list, "
                                                        "so the referral cannot reach them. Add one to their "
                                                        "entry, or choose another way."))
            else:
                routes[ref.id] = route
        referrals.append(replace(ref, to_provider_name=provider.name if provider else ref.to_provider_name))
    return replace(plan, referrals=tuple(referrals)), problems, routes


def _practice_values(practice: Practice) -> dict:
    return {"name": practice.name, "ods_code": practice.ods_code, "phone": practice.phone,
            "address_lines": [line for line in (practice.address_line1, practice.address_line2, practice.town,
                                                 practice.postcode) if line]}


def referrer_of(practice: Practice, user: User | None) -> dict:
    """Who referred, as the letter and the organisation's page name them: name and role at the practice."""
    if user is None:
        return {"name": "", "role": ""}
    role = (Membership.objects.filter(practice=practice, user=user).values_list("role", flat=True).first()) or ""
    label = ROLE_LABELS[Role(role)] if role in {r.value for r in Role} else ""
    return {"name": user.display_name, "role": wording.role_in_sentence(label) if label else ""}


def letter_context(task: Task, *, patient: Patient, provider: Provider, referrer: dict, why: str,
                   named_clinician: str) -> dict:
    """What the referral letter and email say: plain values only (the outbox keeps what was sent)."""
    return {"referral": {
        "reference": f"R{task.pk}",
        "what": task.what, "why": why, "by_when": task.due_on,
        "provider": {"name": provider.name, "address_lines": address_lines(provider.address)},
        "person": {"name": f"{patient.given_name} {patient.family_name}".strip(), "born": patient.date_of_birth,
                   "nhs_number": patient.nhs_number_display, "phone": patient.mobile or patient.phone,
                   "address_lines": [line for line in (patient.address_line1, patient.address_line2, patient.town,
                                                       patient.postcode) if line]},
        "referrer": referrer, "named_clinician": named_clinician,
    }}


def letter_pdf(*, practice: Practice, patient: Patient, context: dict, recipient_lines: list[str]) -> bytes:
    """The referral letter as a PDF, for attaching to the email."""
    values = {**context, "patient": messaging.patient_values(patient), "practice": _practice_values(practice),
              "today": clock.today(), "recipient_lines": recipient_lines}
    rendered = catalogue.render(name=TEMPLATE, channel=messaging_rules.LETTER, variant=messaging_rules.STANDARD,
                                values=values)
    return letters.to_pdf(rendered.letter_html)[0]


def send(*, tasks: list[Task], routes: dict[str, str], plan: Plan, patient: Patient, by: User | None) -> int:
    """Send each new referral to an organisation that does not use Tandem through the outbox, and record how on
    its task (those that do use Tandem are recorded as sent there). Returns how many were queued."""
    mine = [t for t in tasks if t.to_provider_id is not None]
    if not mine:
        return 0
    providers = {p.pk: p for p in Provider.objects.filter(pk__in={t.to_provider_id for t in mine},
                                                         practice_id=patient.practice_id)}
    practice = patient.practice
    referrer: dict | None = None
    queued = 0
    for task in mine:
        route = routes.get(task.referral_id, Task.SentBy.TANDEM)
        provider = providers[task.to_provider_id]
        task.sent_by = route
        if route == Task.SentBy.TANDEM:
            Task.objects.filter(pk=task.pk).update(sent_by=route)
            continue
        if referrer is None:
            referrer = referrer_of(practice, by)
        named = plan.named_clinician or (patient.named_clinician.display_name if patient.named_clinician_id else "")
        context = letter_context(task, patient=patient, provider=provider, referrer=referrer,
                                 why=task.why, named_clinician=named)
        lines = address_lines(provider.address)
        to = messaging.Addressee(name=provider.name, email=provider.email if route == Task.SentBy.EMAIL else "",
                                 address=tuple(lines) if route == Task.SentBy.LETTER else ())
        attachments = ()
        if route == Task.SentBy.EMAIL:
            pdf = letter_pdf(practice=practice, patient=patient, context=context, recipient_lines=[provider.name, *lines])
            attachments = (messaging.Attachment(name=PDF_NAME, content_type="application/pdf", data=pdf),)
        message = messaging.queue_message(
            practice=practice, patient=patient, channel=messaging_rules.EMAIL if route == Task.SentBy.EMAIL
            else messaging_rules.LETTER, template=TEMPLATE, context=context, idempotency_key=f"referral:{task.pk}",
            by=by, to=to, attachments=attachments)
        task.message = message
        Task.objects.filter(pk=task.pk).update(sent_by=route, message=message)
        audit.record(by=by, practice=practice, action=AuditEvent.Action.EXPORT, what="careplans.referral.sent",
                     patient_id=patient.pk, object_id=task.pk,
                     detail={"provider": provider.pk, "channel": route, "message": message.pk})
        queued += 1
    if queued:
        logger.info("careplans: %s referrals to organisations queued in the outbox", queued)
    return queued
