"""A person's care team as a FHIR R4 CareTeam. Pure: no Django. It claims no UK Core profile: UK Core's CareTeam
is a draft (tandem/fhirapi/README.md, "UK Core"), and Tandem claims only active ones.

- status active; subject the Patient; managingOrganization the practice (ODS code).
- participant, in this order: the named clinician (Practitioner; Tandem role "named-clinician"); then each
  member from outside the practice: an Organization (the whole team) or a Practitioner with onBehalfOf their
  Organization, role the part they play in the person's care (text) with Tandem's kind of organisation,
  period from the day they were added to the day they left (ended members are kept, with period.end).
- An organisation's identifier is its ODS code where it has one (https://fhir.nhs.uk/Id/ods-organization-code),
  else Tandem's own organisation id; a professional's is Tandem's staff identifier.

Contained resources would make a CareTeam self-contained but unsearchable; references are to the API's own
Practitioner and Organization ids (`stable_id`), which an API that serves this resource must resolve or return
as `display` only. Here each reference carries its identifier and display, so a reader needs no other read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.careplans.fhir.common import (
    BASE,
    CS_CARE_TEAM_ROLE,
    ID_STAFF,
    ODS,
    coding,
    compact,
    concept,
    stable_id,
)

ID_PROVIDER = f"{BASE}/Id/organisation-outside-the-practice"
CS_PROVIDER_KIND = f"{BASE}/CodeSystem/organisation-kind"
NAMED_CLINICIAN = "named-clinician"
OUTSIDE = "outside-the-practice"
ROLE_LABELS = {NAMED_CLINICIAN: "Named clinician", OUTSIDE: "Care team member outside the practice"}


@dataclass(frozen=True)
class Outside:
    """One member of the care team from outside the practice (tandem.careteam.models.Member)."""

    key: int
    organisation_key: int
    organisation: str
    ods_code: str
    kind: str
    kind_label: str
    role: str  # their part in the person's care, as typed
    since: dt.date
    until: dt.date | None = None
    professional_key: int | None = None  # the user, when one professional rather than the whole team
    professional: str = ""
    job: str = ""


def organisation_reference(key: int, name: str, ods_code: str) -> dict:
    identifier = {"system": ODS, "value": ods_code} if ods_code else {"system": ID_PROVIDER, "value": str(key)}
    return {"reference": f"Organization/{stable_id('provider', key)}", "identifier": identifier, "display": name}


def practitioner_reference(key: int, name: str) -> dict:
    return {"reference": f"Practitioner/{stable_id('practitioner', key)}",
            "identifier": {"system": ID_STAFF, "value": str(key)}, "display": name}


def _role(code: str) -> dict:
    return concept(coding(CS_CARE_TEAM_ROLE, code, ROLE_LABELS[code]), text=ROLE_LABELS[code])


def care_team(*, patient_key: int, patient_display: str, practice_ods: str, practice_name: str,
              named_clinician: tuple[int, str] | None, members: list[Outside], updated: dt.datetime | None = None) -> dict:
    """The person's care team. `named_clinician`: (user key, "Nia Evans, practice nurse") or None."""
    participants = []
    if named_clinician is not None:
        participants.append({"role": [_role(NAMED_CLINICIAN)],
                             "member": practitioner_reference(named_clinician[0], named_clinician[1])})
    for m in members:
        organisation = organisation_reference(m.organisation_key, m.organisation, m.ods_code)
        if m.professional_key is not None:
            member = practitioner_reference(m.professional_key, f"{m.professional}, {m.job}" if m.job else m.professional)
        else:
            member = organisation
        participants.append(compact({
            "role": [_role(OUTSIDE), concept(coding(CS_PROVIDER_KIND, m.kind, m.kind_label), text=m.role)],
            "member": member,
            "onBehalfOf": organisation if m.professional_key is not None else None,
            "period": compact({"start": m.since.isoformat(), "end": m.until.isoformat() if m.until else None}),
        }))
    return compact({
        "resourceType": "CareTeam",
        "id": stable_id("careteam", patient_key),
        "meta": {"lastUpdated": updated.isoformat()} if updated else None,
        "status": "active",
        "name": f"{patient_display}'s care team",
        "subject": {"reference": f"Patient/{stable_id('patient', patient_key)}", "display": patient_display},
        "managingOrganization": [{"identifier": {"system": ODS, "value": practice_ods}, "display": practice_name}],
        "participant": participants,
    })
