"""Recording a review's results: the only write path of this app. Atomic, keyword-only, audited.

Each result is an Observation written by tandem.patients.actions.record_observation (the record's own
checks and audit row), with a `source_id` made from the form's one-time token and the row's place in
the form. Sending the same form twice (a double click, a retried request) therefore writes nothing the
second time: the rows already saved are found by their token, and two submissions racing each other
meet the database's one-`source_id`-per-practice constraint, so one of them saves and the other finds
its rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from tandem.core import audit
from tandem.core.models import User
from tandem.patients import actions as patient_actions
from tandem.patients.models import Observation, Patient
from tandem.recall.models import Review

from .forms import Entry

SOURCE = "results"


class ResultsError(ValueError):
    """Results that cannot be recorded, with a message a person can act on."""


@dataclass(frozen=True)
class Saved:
    rows: tuple[Observation, ...]
    again: bool = False  # the form had been saved already: nothing new was written


def source_prefix(token: str) -> str:
    return f"{SOURCE}:{token}:"


@transaction.atomic
def record_results(*, review: Review, patient: Patient, by: User | None, entries: list[Entry],
                   taken_on: dt.date, token: str) -> Saved:
    """Record every entry of one results form for the person of `review`, or none of them."""
    if review.patient_id != patient.pk or review.practice_id != patient.practice_id:
        raise ResultsError("These results are for a different person's review.")
    if not entries:
        raise ResultsError("Enter at least one result.")
    earlier = _saved(patient, token)
    if earlier:
        return Saved(rows=earlier, again=True)
    prefix = source_prefix(token)
    try:
        with transaction.atomic():
            rows = tuple(
                patient_actions.record_observation(
                    patient=patient, by=by, concept=e.concept, effective_date=taken_on, value=e.value, unit=e.unit,
                    value_code=e.value_code, code_system=e.code_system, code=e.code,
                    source_id=f"{prefix}{n}", pair_known=True)
                for n, e in enumerate(entries, start=1))
    except IntegrityError:
        # The same form, sent again while the first was being saved: that one's rows are the answer.
        earlier = _saved(patient, token)
        if not earlier:
            raise
        return Saved(rows=earlier, again=True)
    except patient_actions.PatientError as exc:
        raise ResultsError(str(exc)) from exc
    audit.record(by=by, practice=patient.practice, action="create", what="results", patient_id=patient.pk,
                 object_id=review.pk, detail={"concepts": sorted({r.concept for r in rows}), "rows": len(rows)})
    return Saved(rows=rows)


def _saved(patient: Patient, token: str) -> tuple[Observation, ...]:
    return tuple(Observation.objects.filter(practice=patient.practice, patient=patient,
                                            source_id__startswith=source_prefix(token)).order_by("pk"))
