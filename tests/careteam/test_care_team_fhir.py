"""A person's care team as FHIR R4 CareTeam: the named clinician, then each member from outside the practice,
a professional on behalf of their organisation or the whole team as the organisation, with the part they play
and when they joined and left. Valid R4 (fhir.resources)."""

from __future__ import annotations

import datetime as dt

from fhir.resources.R4B.careteam import CareTeam

from tandem.careteam import fhir

JO = fhir.Outside(key=1, organisation_key=4, organisation="Riverside Community Nursing", ods_code="RX1CN",
                  kind="community", kind_label="Community nursing and therapy", role="Leg ulcer care at home",
                  since=dt.date(2026, 6, 15), professional_key=9, professional="Jo Marsh", job="Community matron")
TEAM = fhir.Outside(key=2, organisation_key=5, organisation="Age Well Leeds", ods_code="", kind="voluntary",
                    kind_label="Voluntary sector", role="Befriending", since=dt.date(2026, 1, 5),
                    until=dt.date(2026, 5, 1))


def team(**changes):
    values = {"patient_key": 3, "patient_display": "Dorothy Whitfield", "practice_ods": "A81001",
              "practice_name": "Riverside Surgery", "named_clinician": (2, "Nia Evans, practice nurse"),
              "members": [JO, TEAM]} | changes
    return fhir.care_team(**values)


def test_the_care_team_is_valid_r4_with_the_named_clinician_first():
    resource = team()
    CareTeam.model_validate(resource)
    first, jo, age_well = resource["participant"]
    assert first["member"]["display"] == "Nia Evans, practice nurse"
    assert first["role"][0]["coding"][0]["code"] == "named-clinician"
    assert jo["member"]["display"] == "Jo Marsh, Community matron"
    assert jo["onBehalfOf"]["identifier"] == {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RX1CN"}
    assert jo["role"][1]["text"] == "Leg ulcer care at home" and jo["period"] == {"start": "2026-06-15"}
    assert age_well["member"]["display"] == "Age Well Leeds" and "onBehalfOf" not in age_well
    assert age_well["member"]["identifier"]["value"] == "5"  # no ODS code: Tandem's own id
    assert age_well["period"] == {"start": "2026-01-05", "end": "2026-05-01"}


def test_the_same_person_gets_the_same_id_and_without_a_named_clinician_only_the_outside_members():
    assert team()["id"] == team(members=[])["id"]
    alone = team(named_clinician=None, members=[JO])
    CareTeam.model_validate(alone)
    assert [p["member"]["display"] for p in alone["participant"]] == ["Jo Marsh, Community matron"]
