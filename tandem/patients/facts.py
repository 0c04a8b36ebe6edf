"""What the register rules say about people, for the pages and documents that show their record.

The staff summary, the conversation workspace, the results pack and the written plan all show a
person's conditions with the date each began and their results against the target that applies.
Those depend on the register rules (which registers a person is on, when the current episode of each
condition began) and on their frailty (the electronic Frailty Index), which live in
`tandem.registers`, above this app. So the registers app provides them when Django starts
(`provide`), and every page asks the same function (`for_patients`): ADR 1's inversion, the higher
layer passing in what a lower one needs. Pure data here; no queries of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .rules import Target, TargetInputs, age_on, frail_for_targets


@dataclass(frozen=True)
class RecordFacts:
    """One person's register facts on one day.

    `registers`: the registers they are on, each with the start of its current episode (the
    register rule's `since`). `episodes`: the start of the current episode of every condition they
    have one of, whether or not they are on its register (someone under a register's minimum age, or
    no longer registered at the practice); a condition with no current episode is resolved.
    `frailty`: the electronic Frailty Index category (fit, mild, moderate, severe; "" under 65 or
    not yet assessed)."""

    registers: Mapping[str, dt.date] = field(default_factory=dict)
    episodes: Mapping[str, dt.date] = field(default_factory=dict)
    frailty: str = ""

    def target_inputs(self, *, date_of_birth: dt.date, on: dt.date,
                      personal: Mapping[str, Target] | None = None) -> TargetInputs:
        """The inputs of `rules.applicable_target` for this person on day `on`."""
        return TargetInputs.of(age=age_on(date_of_birth, on), registers=self.registers,
                               frail=frail_for_targets(self.frailty), personal=dict(personal or {}))


Provider = Callable[..., dict[int, RecordFacts]]
RecordProvider = Callable[..., RecordFacts]
_provider: Provider | None = None
_record_provider: RecordProvider | None = None


def provide(provider: Provider, *, for_record: RecordProvider | None = None) -> None:
    """Called once by the registers app when Django starts."""
    global _provider, _record_provider
    _provider, _record_provider = provider, for_record


def for_patients(practice, patient_ids: Iterable[int], *, today: dt.date) -> dict[int, RecordFacts]:
    """Register facts for these patients of `practice` on `today`, by patient id (everyone asked
    for has an entry). Empty facts when no registers app is installed."""
    ids = list(dict.fromkeys(patient_ids))
    if _provider is None:
        return {pid: RecordFacts() for pid in ids}
    return _provider(practice, ids, today=today)


def for_patient(practice, patient_id: int, *, today: dt.date) -> RecordFacts:
    return for_patients(practice, [patient_id], today=today)[patient_id]


def for_record(practice, patient, conditions, *, today: dt.date) -> RecordFacts:
    """`for_patient` for a person whose record was read already: `patient` (a Patient of `practice`)
    and every one of their `conditions` (rows with code, onset_date and resolved_date), so the page
    does not read them twice. The same answer as `for_patient`."""
    if _record_provider is None:
        return for_patient(practice, patient.pk, today=today)
    return _record_provider(practice, patient, conditions, today=today)
