"""What the rules need about each person (person_facts) is read in one statement, with the same
answer as reading registers, risk, adjustments and last-done dates one kind at a time through the ORM."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from tandem.patients.models import Observation, ReasonableAdjustment
from tandem.recall import queries
from tandem.recall.queries.facts import _ORDER, _when_due_concepts
from tandem.registers.models import PatientRisk, RegisterMembership

from .crowd import crowd


def facts_one_kind_at_a_time(practice, ids) -> dict:
    """The reference answer: each kind of fact read by its own ORM query."""
    conditions, adjustments, last_done = {}, {}, {}
    for pid, register in (RegisterMembership.objects.filter(practice=practice, patient_id__in=ids)
                          .values_list("patient_id", "register")):
        conditions.setdefault(pid, []).append(register)
    risks = {pid: (tier, frailty) for pid, tier, frailty in PatientRisk.objects.filter(
        practice=practice, patient_id__in=ids).values_list("patient_id", "tier", "frailty")}
    for pid, kind in ReasonableAdjustment.objects.filter(patient__practice=practice, patient_id__in=ids).values_list(
            "patient_id", "kind"):
        adjustments.setdefault(pid, set()).add(kind)
    for row in (Observation.objects.filter(practice=practice, patient_id__in=ids, concept__in=_when_due_concepts())
                .values("patient_id", "concept").annotate(last=Max("effective_date"))):
        last_done.setdefault(row["patient_id"], {})[row["concept"]] = row["last"]
    return {
        pid: queries.PersonFacts(
            conditions=tuple(sorted(conditions.get(pid, ()), key=lambda s: (_ORDER.get(s, 999), s))),
            tier=risks.get(pid, ("", ""))[0], frailty=risks.get(pid, ("", ""))[1] or "",
            adjustments=frozenset(adjustments.get(pid, ())), last_done=last_done.get(pid, {}))
        for pid in set(conditions) | set(risks) | set(adjustments) | set(last_done)
    }


def add_risk(patient, tier: str, frailty: str) -> None:
    PatientRisk.objects.create(practice_id=patient.practice_id, patient=patient, tier=tier, ltc_count=2, cms=0.5,
                               efi=0.2, frailty=frailty, regular_medicines=3, emergency_admissions=0,
                               ae_attendances=0, appointments=4, computed_on=dt.date(2026, 6, 1))


def test_person_facts_are_those_read_one_kind_at_a_time(universe):
    people = crowd(universe.practice, 24)
    for i, patient in enumerate(people[:6]):
        PatientRisk.objects.filter(patient=patient).delete()
        add_risk(patient, ("case_management", "disease_management", "self_care")[i % 3], ("", "mild", "severe")[i % 3])
    ids = [p.pk for p in people]
    expected = facts_one_kind_at_a_time(universe.practice, ids)
    assert any(f.last_done for f in expected.values()) and any(f.adjustments for f in expected.values())
    assert any(f.tier for f in expected.values()) and any(len(f.conditions) > 2 for f in expected.values())
    with CaptureQueriesContext(connection) as captured:
        found = queries.person_facts(universe.practice, ids)
    assert len(captured) == 1
    assert found == expected
    assert all(isinstance(d, dt.date) for f in found.values() for d in f.last_done.values())


def test_person_facts_read_only_the_practice_people_asked_for(universe):
    people = crowd(universe.practice, 6)
    asked = [people[0].pk, people[2].pk]
    assert set(queries.person_facts(universe.practice, asked)) <= set(asked)
    assert queries.person_facts(universe.other_practice, asked) == {}  # another practice's people are not read


def test_person_facts_of_nobody_reads_nothing(universe):
    with CaptureQueriesContext(connection) as captured:
        assert queries.person_facts(universe.practice, []) == {}
    assert len(captured) == 0


def test_person_facts_take_a_long_list_of_ids_and_a_subquery(universe):
    """An export asks for up to 20,000 people: more ids than a statement may have parameters."""
    people = crowd(universe.practice, 8)
    ids = [p.pk for p in people]
    expected = facts_one_kind_at_a_time(universe.practice, ids)
    assert queries.person_facts(universe.practice, [*ids, *range(10**9, 10**9 + 40_000)]) == expected
    subquery = universe.practice.patients.filter(pk__in=ids).values_list("pk", flat=True)
    assert queries.person_facts(universe.practice, subquery) == expected
