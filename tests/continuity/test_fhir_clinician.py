"""Who the person saw, from a FHIR Encounter's participants: what continuity of care counts."""

from __future__ import annotations

import pytest

from tests.fhir.test_mappers import encounter

PPRF = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PPRF"}]}]
ATND = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "ATND"}]}]


@pytest.mark.parametrize(("participant", "expected"), [
    ([{"individual": {"reference": "Practitioner/gp-7", "display": "Dr Sam Lee"}}], "Practitioner/gp-7"),
    ([{"individual": {"identifier": {"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "123456"}}}],
     "https://fhir.nhs.uk/Id/sds-user-id|123456"),
    ([{"individual": {"display": "Dr Sam Lee"}}], "Dr Sam Lee"),
    ([{"type": ATND, "individual": {"reference": "Practitioner/student"}},
      {"type": PPRF, "individual": {"reference": "Practitioner/gp-7"}}], "Practitioner/gp-7"),
    ([], ""),
])
def test_the_clinician_seen_is_the_primary_performer_by_reference_identifier_or_name(participant, expected):
    mapped = encounter("AMB", participant=participant)
    assert mapped.rows[0].fields["clinician_ref"] == expected


def test_a_long_reference_is_cut_to_fit():
    mapped = encounter("AMB", participant=[{"individual": {"reference": "Practitioner/" + "x" * 200}}])
    assert len(mapped.rows[0].fields["clinician_ref"]) <= 100
