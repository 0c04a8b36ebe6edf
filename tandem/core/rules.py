"""Roles and what each may do. Pure: no Django."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    GP = "gp"
    NURSE = "nurse"
    HCA = "hca"
    PHARMACIST = "pharmacist"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.GP: "GP",
    Role.NURSE: "Practice nurse",
    Role.HCA: "Health care assistant",
    Role.PHARMACIST: "Clinical pharmacist",
    Role.MANAGER: "Practice manager",
    Role.ADMIN: "Administrator",
}


class Capability(StrEnum):
    VIEW_PATIENT = "view_patient"  # demographics, contacts, adjustments
    VIEW_CLINICAL = "view_clinical"  # conditions, results, medicines
    EDIT_CLINICAL = "edit_clinical"
    IMPORT_RECORDS = "import_records"
    MANAGE_PRACTICE = "manage_practice"


_ALL = frozenset(Capability)
_CLINICAL = frozenset({Capability.VIEW_PATIENT, Capability.VIEW_CLINICAL, Capability.EDIT_CLINICAL})

CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.GP: _CLINICAL,
    Role.NURSE: _CLINICAL,
    Role.PHARMACIST: _CLINICAL,
    Role.HCA: frozenset({Capability.VIEW_PATIENT, Capability.VIEW_CLINICAL}),
    Role.MANAGER: _ALL,
    # Administrators run recall and letters: they see who a person is and how to
    # reach them, and import records; they do not see clinical detail.
    Role.ADMIN: frozenset({Capability.VIEW_PATIENT, Capability.IMPORT_RECORDS}),
}


def can(roles: set[Role] | frozenset[Role], capability: Capability) -> bool:
    return any(capability in CAPABILITIES[Role(r)] for r in roles)
