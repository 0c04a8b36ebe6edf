"""Register facts for the pages and documents that show a person's record (see
`tandem.patients.facts`): the registers they are on today and the start of each condition's current
episode, worked out by the register rules from their coded conditions, and their frailty category
from the practice's latest refresh (`PatientRisk`). Two queries for any number of people, so the
results packs for a clinic month cost the same few reads as one person's summary."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from tandem.core.compiled import CompiledRead
from tandem.core.models import Practice
from tandem.patients.facts import RecordFacts
from tandem.patients.models import Condition, Patient, RegistrationStatus

from .models import PatientRisk
from .rules import ConditionRecord, PatientFacts, episode_start, evaluate, register_rules


def for_patients(practice: Practice, patient_ids: list[int], *, today: dt.date) -> dict[int, RecordFacts]:
    people: dict[int, dt.date] = {}
    registered: set[int] = set()
    frailty: dict[int, str] = {}
    for pid, born, status, frail in (Patient.objects.filter(practice=practice, pk__in=patient_ids)
                                     .values_list("pk", "date_of_birth", "registration_status", "risk__frailty")):
        people[pid] = born
        frailty[pid] = frail or ""
        if status == RegistrationStatus.REGISTERED:
            registered.add(pid)
    conditions: dict[int, list[ConditionRecord]] = defaultdict(list)
    for pid, code, onset, resolved in (Condition.objects.filter(practice=practice, patient_id__in=patient_ids)
                                       .values_list("patient_id", "code", "onset_date", "resolved_date")):
        conditions[pid].append(ConditionRecord(code, onset, resolved))
    out: dict[int, RecordFacts] = {}
    for pid in patient_ids:
        if pid not in people:
            out[pid] = RecordFacts()
            continue
        out[pid] = _facts(people[pid], pid in registered, tuple(conditions.get(pid, ())), frailty[pid], today)
    return out


def _facts(born: dt.date, registered: bool, rows: tuple[ConditionRecord, ...], frailty: str,
           today: dt.date) -> RecordFacts:
    rules = register_rules()
    episodes = {rule.slug: since for rule in rules if (since := episode_start(rule, rows, today)) is not None}
    # Only a condition with a current episode can put them on its register: evaluate just those.
    on = [rule for rule in rules if rule.slug in episodes]
    registers = evaluate(PatientFacts(born, registered, rows), today, on) if on else {}
    return RecordFacts(registers=registers, episodes=episodes, frailty=frailty)


_FRAILTY = CompiledRead(lambda practice, pk: PatientRisk.objects.filter(practice_id=practice, patient_id=pk)
                        .values_list("frailty"), "practice", "pk")


def for_record(practice: Practice, patient: Patient, conditions, *, today: dt.date) -> RecordFacts:
    """The same facts as `for_patients` for one person whose record was read already (the patient
    row and every one of their conditions): only their frailty is read."""
    found = _FRAILTY.run(practice=practice.pk, pk=patient.pk)
    rows = tuple(ConditionRecord(c.code, c.onset_date, c.resolved_date) for c in conditions)
    return _facts(patient.date_of_birth, patient.registration_status == RegistrationStatus.REGISTERED, rows,
                  (found[0][0] if found else "") or "", today)
