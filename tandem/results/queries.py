"""What the results page reads for one review: always from the practice, the person's read audited.

    review_page(practice=..., pk=..., by=..., today=...) -> Page: the person, the fields their plan
        asks for, their last results, the targets that apply and the review's conversation
    progress(practice, page, today=...) -> what is still outstanding, and the conversation's pack
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.core.models import AuditEvent, Practice, User
from tandem.patients import facts as record_facts
from tandem.patients.models import Observation, Patient
from tandem.patients.queries import get_patient, personal_targets
from tandem.patients.rules import Target, TargetInputs, age_on, applicable_target, frail_for_targets
from tandem.prepare.models import Conversation
from tandem.prepare.queries import packs as pack_queries
from tandem.prepare.rules import pack as pack_rules
from tandem.recall import queries as recall_queries
from tandem.recall.models import Review
from tandem.terminology import observations

from . import rules

# The concepts each field reads its last result from.
FIELD_CONCEPTS = {"blood_pressure": ("systolic_bp", "diastolic_bp"), "weight": ("weight", "bmi")}


@dataclass(frozen=True)
class Last:
    """A field's last result: its value in words and the day it was taken."""

    text: str
    on: dt.date


@dataclass(frozen=True)
class Page:
    review: Review
    patient: Patient
    fields: tuple[str, ...]
    steps: tuple[pack_rules.Test, ...]  # the steps of the tests appointment that record results
    last: dict[str, Last]
    readings: dict[str, list[pack_rules.Reading]]
    known_height: float | None
    targets: dict[str, Target]
    conversation: Conversation | None


def review_page(*, practice: Practice, pk: int, by: User, today: dt.date) -> Page:
    """The review (404 if not this practice's), its person (audited as viewed) and what the form needs."""
    review = recall_queries.get_review(practice=practice, pk=pk)
    patient = get_patient(practice=practice, pk=review.patient_id, by=by, what="results.review")
    facts = recall_queries.person_facts(practice, [patient.pk]).get(patient.pk) or recall_queries.PersonFacts()
    plan = recall_queries.plan_for(facts, today=today)
    fields = rules.fields_for(step.item.key for step in plan.tests.steps)
    steps = tuple(pack_rules.Test(step.item.name, step.item.concepts) for step in plan.tests.steps
                  if step.item.concepts)
    readings, last_coded = _readings(practice, patient)
    register = record_facts.for_patients(practice, [patient.pk], today=today)[patient.pk]
    inputs = TargetInputs.of(age=age_on(patient.date_of_birth, today), registers=register.registers,
                             frail=frail_for_targets(register.frailty),
                             personal=personal_targets(practice, [patient.pk]).get(patient.pk, {}))
    targets = {c: t for c in ("systolic_bp", "diastolic_bp", "hba1c", "ldl")
               if (t := applicable_target(c, inputs)) is not None}
    conversation = (pack_queries.conversations_of(practice).select_related("patient", "review", "clinician")
                    .filter(review=review, state=Conversation.State.BOOKED).order_by("starts_at").first())
    height = readings.get("height")
    return Page(review=review, patient=patient, fields=fields, steps=steps,
                last=_last(fields, readings, last_coded), readings=readings,
                known_height=height[0].value if height else None, targets=targets, conversation=conversation)


def _readings(practice: Practice, patient: Patient) -> tuple[dict[str, list[pack_rules.Reading]], dict[str, Last]]:
    """The person's readings of every concept the form records, newest first (one query)."""
    wanted = {c for f in rules.ORDER for c in FIELD_CONCEPTS.get(f, (f,))} | {"height"}
    readings: dict[str, list[pack_rules.Reading]] = {}
    latest: dict[str, list] = {}  # coded concept -> its latest day's rows (day, value_code, code)
    for concept, on, value, value_code, code in (
            Observation.objects.filter(practice=practice, patient=patient, concept__in=sorted(wanted))
            .order_by("-effective_date", "-pk")
            .values_list("concept", "effective_date", "value", "value_code", "code")):
        if value is None:
            day_rows = latest.setdefault(concept, [])
            if value_code and (not day_rows or day_rows[0][0] == on):
                day_rows.append((on, value_code, code))
            continue
        readings.setdefault(concept, []).append(pack_rules.Reading(on, value))
    coded = {concept: Last(rules.coded_text(concept, [(v, c) for _, v, c in day_rows]), day_rows[0][0])
             for concept, day_rows in latest.items() if day_rows}
    return readings, coded


def _last(fields, readings, coded) -> dict[str, Last]:
    out: dict[str, Last] = {}
    for name in fields:
        if name == "blood_pressure":
            pairs = pack_rules.blood_pressure_pairs(readings.get("systolic_bp", ()), readings.get("diastolic_bp", ()))
            if pairs:
                out[name] = Last(f"{pairs[0].value:.0f}/{pairs[0].second:.0f} mmHg", pairs[0].on)
        elif name in coded:
            out[name] = coded[name]
        elif name == "mrc_dyspnoea" and readings.get(name):
            out[name] = Last(f"grade {readings[name][0].value:.0f}", readings[name][0].on)
        elif readings.get(name):
            concept, latest = observations.BY_KEY[name], readings[name][0]
            out[name] = Last(f"{latest.value:.{concept.decimals}f} {concept.unit}".strip(), latest.on)
    return out


@dataclass(frozen=True)
class Progress:
    """What is still outstanding for the review, and its conversation's pack as it would go now."""

    missing: tuple[str, ...]
    prepared: pack_queries.Prepared | None  # None: no conversation booked


def progress(practice: Practice, page: Page, *, today: dt.date) -> Progress:
    """The steps of the tests appointment still without a recent result, by the packs' rule. With a
    conversation booked, its pack is composed as the list of packs and the sending job compose it, so
    its `missing` and `ready` are theirs; otherwise results from the last FRESH_DAYS days count."""
    if page.conversation is not None:
        prepared = pack_queries.prepare_many(practice, [page.conversation], today=today)[0]
        return Progress(prepared.missing, prepared)
    missing = pack_rules.outstanding(page.steps, page.readings,
                                     fresh_from=today - dt.timedelta(days=pack_queries.FRESH_DAYS))
    return Progress(missing, None)


@dataclass(frozen=True)
class SavedForm:
    """The rows one results form saved, who recorded them and the day they were taken."""

    rows: tuple[Observation, ...]
    by: str
    on: dt.date
    bp_used: rules.BloodPressure | None


def saved(practice: Practice, patient: Patient, token: str) -> SavedForm | None:
    """What the form with this token saved for this person (None if nothing): two queries, the rows and
    the audit row of the first, which names who recorded them."""
    rows = tuple(Observation.objects.filter(practice=practice, patient=patient,
                                            source_id__startswith=f"results:{token}:").order_by("pk"))
    if not rows:
        return None
    event = (AuditEvent.objects.filter(practice=practice, what="observation", object_id=str(rows[0].pk))
             .select_related("user").first())
    user = event.user if event is not None else None
    by = (user.get_full_name() or user.get_username()) if user is not None else "Tandem"
    pairs = [(s.value, d.value) for s, d in zip([r for r in rows if r.concept == "systolic_bp"],
                                                [r for r in rows if r.concept == "diastolic_bp"], strict=False)]
    return SavedForm(rows=rows, by=by, on=rows[0].effective_date, bp_used=rules.reading_used(pairs) if pairs else None)
