"""Cohort definitions: who the practice starts care planning with. Pure: no Django.

A definition is a small JSON object; every key is optional and the parts combine with AND:

    {"all_of": ["copd", "asthma"],          # on every one of these registers
     "any_of": ["coronary_heart_disease"],  # on at least one of these
     "tiers": ["case_management"],          # in one of these risk tiers
     "age_min": 65, "age_max": null,        # age today, inclusive
     "frequent_attenders": true}            # at or above the practice's frequent-attendance count

With no register condition, everyone on at least one register is included ("all long-term
conditions"). Only registered patients are ever in a cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

from .registers import register_slugs
from .risk import TIER_LABELS, TIERS

KEYS = ("all_of", "any_of", "tiers", "age_min", "age_max", "frequent_attenders")


class CohortError(ValueError):
    """A definition that cannot be used, with a message a person can act on."""


@dataclass(frozen=True)
class CohortDefinition:
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    frequent_attenders: bool = False

    def to_json(self) -> dict:
        return {"all_of": list(self.all_of), "any_of": list(self.any_of), "tiers": list(self.tiers),
                "age_min": self.age_min, "age_max": self.age_max, "frequent_attenders": self.frequent_attenders}


def _slugs(value, what: str, known: tuple[str, ...]) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, (list, tuple)):
        raise CohortError(f"{what} must be a list.")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise CohortError(f"{what}: {', '.join(map(str, unknown))} not known.")
    return tuple(s for s in known if s in value)  # known order, each once


def _age(value, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        age = int(value)
    except (TypeError, ValueError):
        raise CohortError(f"{what} must be a whole number of years.") from None
    if not 0 <= age <= 120:
        raise CohortError(f"{what} must be between 0 and 120.")
    return age


def parse(data: dict | None) -> CohortDefinition:
    data = data or {}
    if not isinstance(data, dict):
        raise CohortError("A cohort definition is a set of named parts.")
    extra = sorted(set(data) - set(KEYS))
    if extra:
        raise CohortError(f"Unknown parts: {', '.join(extra)}.")
    registers = register_slugs()
    definition = CohortDefinition(
        all_of=_slugs(data.get("all_of"), "Registers (all of)", registers),
        any_of=_slugs(data.get("any_of"), "Registers (any of)", registers),
        tiers=_slugs(data.get("tiers"), "Tiers", TIERS),
        age_min=_age(data.get("age_min"), "Youngest age"),
        age_max=_age(data.get("age_max"), "Oldest age"),
        frequent_attenders=bool(data.get("frequent_attenders")),
    )
    if definition.age_min is not None and definition.age_max is not None and definition.age_min > definition.age_max:
        raise CohortError("The youngest age must not be more than the oldest age.")
    return definition


def describe(definition: CohortDefinition, names: dict[str, str]) -> list[str]:
    """The definition in words, one line per part."""
    lines = []
    if definition.all_of:
        lines.append("On all of: " + ", ".join(names[s] for s in definition.all_of))
    if definition.any_of:
        lines.append("On any of: " + ", ".join(names[s] for s in definition.any_of))
    if not definition.all_of and not definition.any_of:
        lines.append("On any long-term condition register")
    if definition.tiers:
        lines.append("Tier: " + " or ".join(TIER_LABELS[t] for t in definition.tiers))
    if definition.age_min is not None and definition.age_max is not None:
        lines.append(f"Aged {definition.age_min} to {definition.age_max}")
    elif definition.age_min is not None:
        lines.append(f"Aged {definition.age_min} or over")
    elif definition.age_max is not None:
        lines.append(f"Aged {definition.age_max} or under")
    if definition.frequent_attenders:
        lines.append("Frequent attenders")
    return lines
