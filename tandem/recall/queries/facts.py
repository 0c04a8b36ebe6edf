"""What the rules need about each person (registers, tier, frailty, adjustments, last-done dates)
and the review plan worked out from it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from tandem.core.models import Practice
from tandem.patients.models import Observation, Patient, ReasonableAdjustment
from tandem.registers.models import PatientRisk, RegisterMembership
from tandem.terminology import codelists

from ..models import RecallSettings
from ..rules import protocols, schedule
from ..rules.review import ReviewPlan, review_plan

if TYPE_CHECKING:
    from .listing import BoardRow


# --- What the rules need about each person ------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    conditions: tuple[str, ...] = ()
    tier: str = ""
    frailty: str = ""
    adjustments: frozenset[str] = frozenset()
    last_done: dict[str, dt.date] = field(default_factory=dict)


_ORDER = {slug: i for i, slug in enumerate(codelists.LTC_SLUGS)}


def _when_due_concepts() -> tuple[str, ...]:
    return tuple(sorted({c for item in protocols.load().items.values() if item.when_due_months
                         for c in item.concepts}))


def person_facts(practice: Practice, patient_ids: Iterable[int] | QuerySet) -> dict[int, PersonFacts]:
    """Registers, tier, frailty, reasonable adjustments and last-done dates, in one statement (the
    four reads joined by UNION ALL, their SQL written once per process and database vendor).
    `patient_ids` may be a list or a values_list QuerySet (used as a subquery)."""
    if isinstance(patient_ids, QuerySet):
        ids_sql, ids_params = patient_ids.query.sql_with_params()
        ids, ids_part = list(ids_params), f"IN ({ids_sql})"
    else:
        ids = sorted({int(pid) for pid in patient_ids})
        if not ids:
            return {}
        ids, ids_part = [_ids_param(ids)], _ids_clause()
    sql, concepts = _facts_sql(ids_part)
    params = [practice.pk, *ids] * 3 + ([practice.pk, *ids, *concepts] if concepts else [])
    conditions: dict[int, list[str]] = {}
    risks: dict[int, tuple[str, str]] = {}
    adjustments: dict[int, set[str]] = {}
    last_done: dict[int, dict[str, dt.date]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for part, patient_id, value, frailty, last in rows:
        if part == _REGISTER:
            conditions.setdefault(patient_id, []).append(value)
        elif part == _RISK:
            risks[patient_id] = (value, frailty)
        elif part == _ADJUSTMENT:
            adjustments.setdefault(patient_id, set()).add(value)
        else:
            last = dt.date.fromisoformat(last) if isinstance(last, str) else last  # SQLite returns text
            last_done.setdefault(patient_id, {})[value] = last
    everyone = set(conditions) | set(risks) | set(adjustments) | set(last_done)
    return {
        pid: PersonFacts(
            conditions=tuple(sorted(conditions.get(pid, ()), key=lambda s: (_ORDER.get(s, 999), s))),
            tier=risks.get(pid, ("", ""))[0], frailty=risks.get(pid, ("", ""))[1] or "",
            adjustments=frozenset(adjustments.get(pid, ())), last_done=last_done.get(pid, {}),
        )
        for pid in everyone
    }


_REGISTER, _RISK, _ADJUSTMENT, _LAST_DONE = 0, 1, 2, 3


def _ids_clause() -> str:
    """How a list of ids is given, as one parameter: an array on PostgreSQL, JSON on SQLite (so a
    long list, such as an export's, never runs into the limit on the number of parameters)."""
    return "= ANY(%s)" if connection.vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"


def _ids_param(ids: list[int]):
    return ids if connection.vendor == "postgresql" else json.dumps(ids)


@lru_cache(maxsize=8)
def _facts_sql(ids_part: str) -> tuple[str, tuple[str, ...]]:
    """The statement person_facts runs, for one way of giving the ids, and the concepts of its
    last-done part. Every part takes the practice, then the ids; the last-done part also the concepts."""
    quote = connection.ops.quote_name
    membership, risk, adjustment, patient, observation = (quote(m._meta.db_table) for m in (
        RegisterMembership, PatientRisk, ReasonableAdjustment, Patient, Observation))
    no_date = "CAST(NULL AS DATE)"
    parts = [
        f"SELECT {_REGISTER}, m.patient_id, m.register, '', {no_date} FROM {membership} m "
        f"WHERE m.practice_id = %s AND m.patient_id {ids_part}",
        f"SELECT {_RISK}, r.patient_id, r.tier, r.frailty, {no_date} FROM {risk} r "
        f"WHERE r.practice_id = %s AND r.patient_id {ids_part}",
        f"SELECT {_ADJUSTMENT}, a.patient_id, a.kind, '', {no_date} FROM {adjustment} a "
        f"JOIN {patient} p ON p.id = a.patient_id WHERE p.practice_id = %s AND a.patient_id {ids_part}",
    ]
    concepts = _when_due_concepts()
    if concepts:
        parts.append(
            f"SELECT {_LAST_DONE}, o.patient_id, o.concept, '', MAX(o.effective_date) FROM {observation} o "
            f"WHERE o.practice_id = %s AND o.patient_id {ids_part} "
            f"AND o.concept IN ({', '.join(['%s'] * len(concepts))}) GROUP BY o.patient_id, o.concept")
    return " UNION ALL ".join(parts), concepts


def condition_name(slug: str) -> str:
    try:
        return codelists.display_name(slug)
    except KeyError:
        return slug.replace("_", " ").capitalize()


def plan_for(facts: PersonFacts, *, today: dt.date) -> ReviewPlan:
    """The person's review plan. Many people share the same conditions, so plans are cached by
    what they depend on."""
    return _plan(facts.conditions, facts.tier, facts.frailty, facts.adjustments,
                 tuple(sorted(facts.last_done.items())), today)


@lru_cache(maxsize=4096)
def _plan(conditions: tuple[str, ...], tier: str, frailty: str, adjustments: frozenset[str],
          last_done: tuple[tuple[str, dt.date], ...], today: dt.date) -> ReviewPlan:
    return review_plan(conditions, protocols=protocols.load(), tier=tier, frailty=frailty,
                       adjustments=adjustments, last_done=dict(last_done), today=today,
                       condition_names={c: condition_name(c) for c in conditions})


def due_explanation(item: BoardRow, settings: RecallSettings) -> schedule.DueExplanation | None:
    """Why this person's review is not due in the month the practice's scheme gives; None if it is."""
    review, patient = item.review, item.patient
    person = {"patient_id": patient.pk, "date_of_birth": patient.date_of_birth, "conditions": item.facts.conditions,
              "scheme": settings.scheme, "condition_months": settings.month_pairs()}
    scheme_month = schedule.due_month(review_year=review.review_year, **person)
    basis = schedule.scheme_basis(**person, condition_names={c: condition_name(c) for c in item.facts.conditions})
    planned_on = timezone.localtime(review.created_at).date()
    return schedule.explain_due(due=review.due_month, scheme_month=scheme_month, basis=basis, planned_on=planned_on)
