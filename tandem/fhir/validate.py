"""Checking resources against the FHIR R4B models of fhir.resources, with reasons in plain words.

R4B is the FHIR release whose models `fhir.resources` ships; for the resource types
Tandem imports (Patient, Condition, Observation, MedicationStatement,
MedicationRequest, Encounter, Medication) R4B is the same as R4 4.0.1, so R4 files
validate unchanged. Lab reports (DiagnosticReport) are checked with the R4B model too; its
status is then read against the R4 statuses (tandem.fhir.mappers.diagnostic_report).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from .mappers.common import shown

MAX_REASONS = 5  # per resource; more are summarised


@cache
def model_class(resource_type: str) -> type | None:
    try:
        return get_fhir_model_class(resource_type)
    except (ValueError, KeyError, AttributeError):
        return None


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(the resource)"


def _reason(item: dict, loc: tuple, owner: str) -> str:
    path = _path(loc)
    kind = item.get("type", "")
    message = str(item.get("msg", "")).removeprefix("Value error, ").rstrip(".")
    if kind == "extra_forbidden":
        return f"'{path}' is not an element of {owner} in FHIR R4"
    if kind in ("missing", "model_field_validation.missing"):
        return f"'{path}' is required but missing"
    if "input" in item and not isinstance(item["input"], dict | list):
        return f"'{path}' has the value {shown(item['input'])}: {message}"
    return f"'{path}': {message}"


def _summarise(reasons: list[str]) -> list[str]:
    if len(reasons) > MAX_REASONS:
        return [*reasons[:MAX_REASONS], f"and {len(reasons) - MAX_REASONS} more problems"]
    return reasons


def validate(resource: dict) -> tuple[Any | None, str]:
    """(the validated model, "") or (None, the reason it is not valid)."""
    resource_type = resource.get("resourceType")
    if not resource_type or not isinstance(resource_type, str):
        return None, "has no resourceType, so it is not a FHIR resource."
    cls = model_class(resource_type)
    if cls is None:
        return None, f"has resourceType {shown(resource_type)}, which is not a FHIR R4 resource type."
    try:
        return cls.model_validate(resource), ""
    except ValidationError as exc:
        reasons = [_reason(item, tuple(item.get("loc", ())), resource_type) for item in exc.errors()]
        return None, "is not valid FHIR R4: " + "; ".join(_summarise(reasons)) + "."
    except (ValueError, TypeError) as exc:  # raised by fhir.resources for some malformed input
        return None, f"is not valid FHIR R4: {str(exc)[:300]}"


def validate_envelope(bundle: dict) -> list[tuple[int | None, str]]:
    """Check a Bundle whose entries' resources were set aside: [(entry index or None, reason)]."""
    try:
        model_class("Bundle").model_validate(bundle)
    except ValidationError as exc:
        found = []
        for item in exc.errors():
            loc = tuple(item.get("loc", ()))
            if len(loc) > 1 and loc[0] == "entry" and isinstance(loc[1], int):
                found.append((loc[1], _reason(item, loc[2:], "a Bundle entry")))
            else:
                found.append((None, "the Bundle " + _reason(item, loc, "Bundle")))
        return found
    except (ValueError, TypeError) as exc:
        return [(None, f"the Bundle is not valid FHIR R4: {str(exc)[:300]}")]
    return []
