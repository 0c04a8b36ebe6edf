"""The written care plan in the words the person reads, and as the HTML of its A4 PDF.

Used by the staff page (views/written.py) and by the PDFs made once per version and format and kept
(actions/written.py): both lay a version out the same way.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.core.models import Membership, Practice, User
from tandem.core.rules import ROLE_LABELS, Role
from tandem.messaging import actions as messaging
from tandem.messaging import catalogue
from tandem.patients import facts as record_facts
from tandem.patients.models import Patient

from .. import hooks, queries
from ..models import PlanVersion
from ..rules import wording

FORMATS = {"standard": "Standard print", "large_print": "Large print"}
TEMPLATE = "careplans/plan/letter.html.jinja"


def person_name(patient: Patient) -> str:
    return messaging.patient_values(patient)["name"]


def staff_name(user: User | None, practice: Practice, role: str = "") -> str:
    """'Nia Evans, practice nurse': the name, and the role as the practice has it."""
    if user is None:
        return ""
    # a written plan is history: someone who has since left is named with the role they had
    roles = [role] if role in {r.value for r in Role} else sorted(
        Membership.with_left.filter(user=user, practice=practice).values_list("role", flat=True))
    label = ROLE_LABELS[Role(roles[0])] if roles else ""
    label = wording.role_in_sentence(label)
    return f"{user.display_name}, {label}" if label else user.display_name


def clinician_of(version: PlanVersion, practice: Practice) -> str:
    """Who held the conversation the plan came from, else who saved it."""
    talk = version.conversation
    if talk is not None and talk.clinician is not None:
        return staff_name(talk.clinician, practice, talk.clinician_role)
    return staff_name(version.created_by, practice)


def written(version: PlanVersion, patient: Patient, practice: Practice) -> wording.Written:
    """The version in the words the person reads, with the practice's service contact details."""
    directory = {s.pk: wording.ServiceDetails(s.description, s.contact, s.how_to_refer)
                 for s in queries.services(practice, active_only=False)}
    talk = version.conversation  # the plan is made, and agreed, in the conversation it came from
    made = talk.starts_at if talk is not None and talk.starts_at <= version.created_at else version.created_at
    plan = queries.plan_of(version)
    made_on = timezone.localtime(made).date()
    return wording.build(plan, name=person_name(patient), made_on=made_on,
                         version=version.version, clinician=clinician_of(version, practice), services=directory,
                         practice_phone=practice.phone,
                         target_inputs=_target_inputs(patient, practice, on=_plan_day(plan.held_on, made_on)),
                         progress=_progress(version, practice))


def _progress(version: PlanVersion, practice: Practice) -> dict[str, tuple[int, str, str]]:
    """Each goal's latest rating (check-in or review) up to the day this version was saved: the plan
    as written then stays as it was, however it goes afterwards."""
    saved_on = timezone.localtime(version.created_at).date()
    out = {}
    for goal_id, rows in hooks.progress(practice.pk, version.patient_id).items():
        before = [r for r in rows if r.on <= saved_on]
        if before:
            last = before[-1]
            out[goal_id] = (last.level, f"{last.on.day} {last.on:%B %Y}", last.source.lower())
    return out


def _plan_day(held_on: str, made_on: dt.date) -> dt.date:
    """The day the plan speaks for: the day of its conversation (else the day it was made)."""
    try:
        return dt.date.fromisoformat(held_on) if held_on else made_on
    except ValueError:
        return made_on


def _target_inputs(patient: Patient, practice: Practice, *, on: dt.date):
    """The person's registers, frailty and age on the plan's day: the same inputs the summary, the
    workspace and the pack pass to the one rule that decides which target applies (the plan adds its
    agreed targets). A plan is a record of its conversation: its usual targets are the ones that
    applied that day (blood pressure under 80 years, or from 80), not on the day it is reprinted."""
    return record_facts.for_patient(practice, patient.pk, today=on).target_inputs(
        date_of_birth=patient.date_of_birth, on=on)


def letterhead(*, practice: Practice, patient: Patient) -> dict:
    """What a printed plan carries besides the plan itself: the practice's letterhead and the
    person's name and address (the address window). A kept PDF is made again when these change."""
    return {
        "patient": messaging.patient_values(patient),
        "practice": {"name": practice.name, "ods_code": practice.ods_code, "phone": practice.phone,
                     "address_lines": [line for line in (practice.address_line1, practice.address_line2,
                                                         practice.town, practice.postcode) if line]},
        "recipient_lines": messaging.postal_lines(patient) or [person_name(patient)],
    }


def document_html(plan: wording.Written, *, practice: Practice, patient: Patient, variant: str,
                  today: dt.date) -> str:
    """The plan as the HTML of its PDF (the practice letterhead, the person's address in the window)."""
    values = {"plan": plan, "variant": variant, "channel": "letter", "today": today,
              **letterhead(practice=practice, patient=patient)}
    return catalogue.environment().get_template(TEMPLATE).render(values)


# --- Sending the plan (the "Send the plan" section of the staff page) ---------------------------

SEND_CHANNELS = (("email", "Email", "the plan in the email, and the PDF attached"),
                 ("letter", "Letter", "printed from the outbox and posted"),
                 ("sms", "Text message", "a link to read it online, after they give their date of birth"))
LETTER_FORMATS = (("standard", "Standard print"), ("large_print", "Large print"), ("easy_read", "Easy read"))


def sending_options(patient: Patient, *, form: dict | None = None) -> dict:
    """What the "Send the plan" form offers: each way with the reason it cannot be used (no email
    address, no mobile), the letter's format (their reasonable adjustments' by default), and their
    carers (and those with proxy access) with how each can be sent a copy."""
    from ..actions import sending as actions  # the checks the action makes, worded the same

    form = form or {}
    channels = []
    for value, label, hint in SEND_CHANNELS:
        problem = actions.person_problem(patient, value)
        channels.append({"value": value, "text": label, "hint": problem or hint, "disabled": bool(problem),
                         "checked": value == form.get("channel")})
    chosen_format = form.get("variant") or actions.default_format(patient)
    carers = [{"id": person.pk, "name": person.name, "relationship": person.get_relationship_display(),
               "checked": str(person.pk) == form.get("carer"),
               "ways": [{"value": value, "text": label, "hint": actions.carer_problem(patient, person, value),
                         "checked": str(person.pk) == form.get("carer") and value == form.get("carer_channel")}
                        for value, label in (("email", f"By email{' to ' + person.email if person.email else ''}"),
                                             ("letter", f"By letter to {person_name(patient)}'s address, "
                                                        f"marked for {person.name}"))],
               "agreed": str(person.pk) == form.get("carer") and form.get("carer_agreed") == str(person.pk)}
              for person in actions.carers(patient)]
    return {"channels": channels, "any": any(not c["disabled"] for c in channels),
            "formats": [{"value": v, "text": t, "checked": v == chosen_format} for v, t in LETTER_FORMATS],
            "default_format": dict(LETTER_FORMATS).get(actions.default_format(patient), "Standard print"),
            "carers": carers}
