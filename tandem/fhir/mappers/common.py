"""Shared vocabulary of the mappers. Pure: no Django.

A mapper takes one validated FHIR resource (a fhir.resources R4B model) and returns
either the Tandem fields it means (`Mapped`), a reason it is deliberately not imported
(`Mapped.skipped`), or raises `MappingError` with a reason a person can act on; the
file is then rejected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# dm+d: NHS England FHIR terminology guidance names https://dmd.nhs.uk as the dm+d
# code system; dm+d concept ids are also SNOMED CT ids, so SNOMED is accepted too.
DMD = "https://dmd.nhs.uk"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
# The system used by the older NHS Digital Care Connect (STU3) profiles.
NHS_NUMBER_LEGACY = "http://fhir.nhs.net/Id/nhs-number"
NHS_NUMBER_SYSTEMS = (NHS_NUMBER, NHS_NUMBER_LEGACY)

_SCTID = re.compile(r"^[1-9][0-9]{5,17}$")


class MappingError(ValueError):
    """The resource cannot be imported safely; the message says why, in plain words."""


@dataclass(frozen=True)
class SubjectRef:
    """Who a resource is about: a literal reference, an NHS number, or both."""

    reference: str = ""
    nhs_number: str = ""  # raw, as sent (normalised when resolved)
    identifier_system: str = ""

    def describe(self) -> str:
        if self.reference:
            return self.reference
        if self.nhs_number:
            return "a patient identified by NHS number"
        if self.identifier_system:
            return f"a patient identified in {self.identifier_system}"
        return "no patient"


@dataclass
class Row:
    """One Tandem row a resource becomes. `table` names the patients model."""

    table: str  # condition | observation | medication | encounter | hospital_event
    fields: dict[str, Any]
    suffix: str = ""  # tells apart the rows made from one resource (a BP panel makes two)
    # Dates given as the person's age (FHIR onsetAge, abatementAge): field -> (value, UCUM unit).
    # The planner turns them into dates once it knows whose birth date to count from.
    ages: dict[str, tuple[float, str]] = field(default_factory=dict)


@dataclass
class Mapped:
    rows: list[Row] = field(default_factory=list)
    subject: SubjectRef | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: str = ""  # non-empty: not imported; counted under this label


@dataclass(frozen=True)
class Context:
    """What a mapper may know beyond its own resource."""

    today: dt.date
    # Resolves a medicationReference (contained "#id", "Medication/id" or a fullUrl)
    # to a Medication model, or None when it is not in the file.
    medication: Callable[[str, Any], Any] = lambda reference, resource: None


def shown(value: Any, limit: int = 60) -> str:
    """A value quoted for a message, shortened."""
    text = f"'{value}'" if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def clip(text: str | None, length: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def to_date(value: Any) -> dt.date | None:
    """A FHIR date, dateTime or instant as a calendar date.

    Times keep the date as written at the source (no time-zone shift: a reading taken
    at 23:30 in London on 3 March stays on 3 March). Partial dates ('2013', '2013-04')
    become the first day of the year or month they name.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _PARTIAL.match(str(value))
    if not match:
        return None
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


def long_date(day: dt.date) -> str:
    """'1 January 1950': how dates are written in messages."""
    return f"{day.day} {day:%B %Y}"


# UCUM units of time an Age may be given in (FHIR R4 Age: system http://unitsofmeasure.org), with the
# words senders also write in Quantity.unit.
_AGE_UNITS = {
    "a": "a", "year": "a", "years": "a", "yr": "a", "yrs": "a",
    "mo": "mo", "month": "mo", "months": "mo",
    "wk": "wk", "week": "wk", "weeks": "wk",
    "d": "d", "day": "d", "days": "d",
}


def age_unit(quantity: Any) -> tuple[float, str] | None:
    """(value, UCUM unit) of a FHIR Age, or None when it has no value or no unit of time Tandem knows."""
    if quantity is None or quantity.value is None or quantity.value < 0:
        return None
    for unit in (quantity.code, quantity.unit):
        known = _AGE_UNITS.get((unit or "").strip().lower())
        if known:
            return float(quantity.value), known
    return None


def date_at_age(born: dt.date, value: float, unit: str) -> dt.date | None:
    """The day a person born on `born` reached the age `value` `unit` (whole years and months on the
    anniversary, fractions in days); None if that is not a date."""
    try:
        if unit in ("a", "mo"):
            whole = int(value)
            months = whole * (12 if unit == "a" else 1)
            year, month = divmod(born.month - 1 + months, 12)
            year += born.year
            day = min(born.day, _days_in(year, month + 1))
            start = dt.date(year, month + 1, day)
            fraction_days = (value - whole) * (365.25 if unit == "a" else 30.4375)
            return start + dt.timedelta(days=round(fraction_days))
        days = value * (7 if unit == "wk" else 1)
        return born + dt.timedelta(days=round(days))
    except (ValueError, OverflowError):
        return None


def _days_in(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def is_partial_date(value: Any) -> bool:
    return isinstance(value, str) and len(value) < 10


def period_start(period: Any) -> dt.date | None:
    return to_date(period.start) if period is not None else None


def period_end(period: Any) -> dt.date | None:
    return to_date(period.end) if period is not None else None


def codings(concept: Any) -> list[Any]:
    return list(concept.coding or []) if concept is not None else []


def coding_in(concept: Any, systems: Iterable[str]) -> Any | None:
    wanted = tuple(systems)
    for coding in codings(concept):
        if coding.system in wanted and coding.code:
            return coding
    return None


def code_of(concept: Any) -> str:
    """The first code of a CodeableConcept (used for FHIR status value sets)."""
    for coding in codings(concept):
        if coding.code:
            return coding.code
    return ""


def text_of(concept: Any) -> str:
    if concept is None:
        return ""
    if concept.text:
        return concept.text
    for coding in codings(concept):
        if coding.display:
            return coding.display
    return ""


def systems_of(concept: Any) -> str:
    found = sorted({c.system for c in codings(concept) if c.system})
    return ", ".join(found) if found else "no coding system"


def is_sctid(code: str) -> bool:
    return bool(_SCTID.match(code or ""))


def subject_of(reference: Any) -> SubjectRef | None:
    """Turn a FHIR Reference to a patient into a SubjectRef (None if it names nobody)."""
    if reference is None:
        return None
    literal = (reference.reference or "").strip()
    identifier = reference.identifier
    nhs = ""
    system = ""
    if identifier is not None and identifier.value:
        system = identifier.system or ""
        if system in NHS_NUMBER_SYSTEMS:
            nhs = identifier.value
    if not literal and not nhs and not system:
        return None
    return SubjectRef(reference=literal, nhs_number=nhs, identifier_system=system)


def future(day: dt.date | None, ctx: Context) -> bool:
    return day is not None and day > ctx.today
