"""The CareTeam: everyone involved in the person's care and support plan. Pure.

FHIR R4 CareTeam, status active, subject the Patient, managingOrganization the practice. Participants,
in this order, each with its roles (CareTeam.participant.role):
- the person (Patient; SNOMED CT 116154003 "Patient");
- each person who took part in the conversation (Plan.participants: RelatedPerson; Tandem role
  "took-part"; also SNOMED CT 133932002 "Caregiver" when they are a carer on the record);
- the person's carers on the record who did not take part (RelatedPerson; 133932002 "Caregiver");
- the clinician who agreed and saved this version (Practitioner; Tandem role "agreed-plan" and their
  staff role), and the person's named clinician (Tandem role "named-clinician"), one entry if the same;
- the care team outside the practice as it is when the document is made (tandem.careteam): each professional
  (Practitioner, onBehalfOf their Organization) or whole team (Organization), Tandem role
  "outside-the-practice" and their part in the person's care as text, and the day they joined.

Reading it back, Plan.participants are the "took-part" members, in order (careplan import).
"""

from __future__ import annotations

from .common import (
    CS_CARE_TEAM_ROLE,
    CS_STAFF_ROLE,
    SNOMED,
    Clinician,
    coding,
    compact,
    concept,
    ref,
    stable_id,
)

PATIENT = concept(coding(SNOMED, "116154003", "Patient"), text="The person")
CAREGIVER = concept(coding(SNOMED, "133932002", "Caregiver"), text="Carer")
TOOK_PART = "took-part"
AGREED_PLAN = "agreed-plan"
NAMED_CLINICIAN = "named-clinician"
OUTSIDE = "outside-the-practice"
ROLE_LABELS = {
    OUTSIDE: "Care team member outside the practice",
    TOOK_PART: "Took part in the care planning conversation",
    AGREED_PLAN: "Agreed and saved this version of the plan",
    NAMED_CLINICIAN: "Named clinician",
}


def role(code: str) -> dict:
    return concept(coding(CS_CARE_TEAM_ROLE, code, ROLE_LABELS[code]), text=ROLE_LABELS[code])


def staff_role(clinician: Clinician) -> list[dict]:
    if not clinician.role:
        return []
    return [concept(coding(CS_STAFF_ROLE, clinician.role, clinician.role_label), text=clinician.role_label)]


def care_team(*, plan_key: int, patient: dict, practice: dict, members: list[tuple[dict, list[dict]]],
              name: str, outside: list[tuple[dict, list[dict], dict | None, str]] = ()) -> dict:
    """`members`: (the member's resource, its roles), the person first. `outside`: the members from outside the
    practice, last: (the Practitioner or Organization, its roles, the Organization a professional acts for or
    None, the day they joined)."""
    return compact({
        "resourceType": "CareTeam",
        "id": stable_id("careplan", plan_key, "care-team"),
        "status": "active",
        "name": name,
        "subject": ref(patient),
        "participant": [compact({"role": roles, "member": ref(member)}) for member, roles in members]
        + [compact({"role": roles, "member": ref(member), "onBehalfOf": ref(organisation) if organisation else None,
                    "period": {"start": since}}) for member, roles, organisation, since in outside],
        "managingOrganization": [ref(practice, practice.get("name", ""))],
    })
