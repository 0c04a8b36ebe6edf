"""UK Core: the resources the API serves claim a UK Core profile only where UK Core's profile of the type is active
and they were checked against it, and then every one served meets what that profile makes mandatory (its fixed
values, its slices, its bound value sets); the CapabilityStatement claims exactly those profiles. The facts are
copied from UK Core's repository into tandem/fhirapi/uk_core.json (with the commit), so this runs without it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from tandem.careplans.fhir.common import checked
from tandem.fhirapi import rules
from tandem.fhirapi.auth import id_codec
from tandem.patients import actions as patient_actions
from tests.careteam.referral_helpers import refer

from .conftest import Api, get_token, register

pytestmark = pytest.mark.django_db
D = dt.date
UK_CORE = json.loads((Path(rules.__file__).parent / "uk_core.json").read_text())
PROFILES = UK_CORE["profiles"]
VALUE_SETS = UK_CORE["value_sets"]
COMMIT = "3d2827e3e9918674640d0c14a0f870084397a615"
CLAIMED_TYPES = {"Patient", "Condition", "Observation", "MedicationStatement", "ServiceRequest"}
UCUM = "http://unitsofmeasure.org"


def systems_of(value_set: str) -> set[str]:
    return {include["system"] for include in VALUE_SETS[value_set]["include"]}


def binding(type_name: str, element: str) -> dict:
    return PROFILES[type_name]["bindings"][f"{type_name}.{element}"]


# --- The copied facts, pinned --------------------------------------------------------------------------

def test_the_copied_uk_core_facts_are_the_ones_checked():
    assert UK_CORE["source"]["commit"] == COMMIT == rules.UK_CORE_SOURCE[1]
    assert {name: p["status"] for name, p in PROFILES.items()} == {
        "Patient": "active", "Condition": "active", "Observation": "active", "MedicationStatement": "active",
        "ServiceRequest": "active", "CareTeam": "draft", "Task": "draft", "QuestionnaireResponse": "draft",
        "CarePlan": "draft"}
    assert "Goal" not in PROFILES  # UK Core has no Goal profile
    assert {name: len(p["mandatory"]) for name, p in PROFILES.items() if p["mandatory"]} == {
        "Patient": 2, "MedicationStatement": 2}
    assert PROFILES["Patient"]["fixed"] == {"Patient.identifier:nhsNumber.system": rules.NHS_NUMBER}
    assert PROFILES["Patient"]["slices"] == {"Patient.identifier": ["value:system"]}
    assert {name: len(p["bindings"]) for name, p in PROFILES.items() if p["status"] == "active"} == {
        "Patient": 3, "Condition": 2, "Observation": 2, "MedicationStatement": 5, "ServiceRequest": 4}
    assert len(VALUE_SETS) == 5
    # UK Core's medication codes: dm+d (https://dmd.nhs.uk) in five concept classes, and SNOMED CT for trials
    medication = VALUE_SETS["https://fhir.hl7.org.uk/ValueSet/UKCore-MedicationCode"]
    assert [i["system"] for i in medication["include"]] == [rules.DMD] * 5 + [rules.SNOMED]


def test_a_type_claims_its_uk_core_profile_only_when_active_and_checked():
    assert set(rules.CLAIMED) == CLAIMED_TYPES
    for name, claimed in rules.CLAIMED.items():
        assert PROFILES[name]["status"] == "active"
        assert (claimed.url, claimed.version) == (PROFILES[name]["url"], PROFILES[name]["version"])
    for name in rules.TYPES:
        if name not in rules.CLAIMED:
            assert rules.profile_of(name) == f"http://hl7.org/fhir/StructureDefinition/{name}"
            assert name not in PROFILES or PROFILES[name]["status"] != "active", name


# --- What is served ------------------------------------------------------------------------------------

@pytest.fixture
def served(world):  # noqa: F811 - a fixture
    """Dorothy's record (a diagnosis, results and measurements, a medicine with and one without a dm+d code, a
    referral to community nursing), read by the practice nurse's system: every resource of each type."""
    u = world
    patient_actions.record_condition(patient=u.dorothy, by=u.nurse, code="44054006",
                                     term="Type 2 diabetes mellitus", onset_date=D(2015, 4, 1))
    asthma = patient_actions.record_condition(patient=u.dorothy, by=u.nurse, code="195967001", term="Asthma",
                                              onset_date=D(1990, 1, 1))
    patient_actions.resolve_condition(condition=asthma, by=u.nurse, resolved_date=D(2020, 1, 1))
    patient_actions.record_observation(patient=u.dorothy, by=u.nurse, concept="hba1c", value=52,
                                       effective_date=D(2026, 5, 20), code="4548-4", code_system="loinc")
    for concept, value in (("weight", 80), ("systolic_bp", 148), ("egfr", 55), ("phq9", 6)):
        patient_actions.record_observation(patient=u.dorothy, by=u.nurse, concept=concept, value=value,
                                           effective_date=D(2026, 5, 20))
    patient_actions.record_medication(patient=u.dorothy, by=u.nurse, name="Metformin 500mg tablets",
                                      dmd_code="39109911000001105", start_date=D(2015, 5, 1))
    patient_actions.record_medication(patient=u.dorothy, by=u.nurse, name="Home remedy", start_date=D(2020, 1, 1),
                                      end_date=D(2021, 1, 1))
    refer(u, to=u.nursing)
    api = Api(get_token(register(), u.nurse, "user/*.rs")["access_token"])
    out = {}
    person = id_codec().encode("Patient", u.dorothy.pk)
    for name in rules.TYPES:
        query = {"patient": person} if name != "Patient" else {"_id": person}
        found = api.get(name, query)
        assert found.status_code == 200, found.content[:300]
        out[name] = [e["resource"] for e in found.json().get("entry", [])]
    out["api"] = api
    return out


def slice_members(resource: dict, element: str, slice_name: str, type_name: str) -> list[dict]:
    """The repeats of `element` in the slice, by its fixed system (the slicing is value:system)."""
    system = PROFILES[type_name]["fixed"][f"{type_name}.{element}:{slice_name}.system"]
    return [item for item in resource.get(element, []) if item.get("system") == system]


def present(resource: dict, type_name: str, path: str) -> bool:
    """Whether every repeat of the mandatory element's parent that is present has the element."""
    parts = path.split(".")[1:]
    *parents, leaf = parts
    items = [resource]
    for part in parents:
        name, _, slice_name = part.partition(":")
        found = []
        for item in items:
            found += slice_members(item, name, slice_name, type_name) if slice_name else \
                (item.get(name) if isinstance(item.get(name), list) else [item[name]] if name in item else [])
        items = found
    return all(item.get(leaf) not in (None, "", [], {}) for item in items)


def test_every_resource_of_a_claimed_type_names_its_profile_and_has_what_uk_core_makes_mandatory(served):
    counts = {name: len(served[name]) for name in CLAIMED_TYPES}
    assert counts == {"Patient": 1, "Condition": 2, "Observation": 5, "MedicationStatement": 2, "ServiceRequest": 1}
    for name in CLAIMED_TYPES:
        for resource in served[name]:
            checked(resource)  # valid FHIR R4, with R4's required bindings
            assert resource["meta"]["profile"] == [PROFILES[name]["url"]], name
            for path in PROFILES[name]["mandatory"]:
                assert present(resource, name, path), (name, path)


def test_the_patient_carries_one_nhs_number_in_the_uk_core_slice(served):
    (patient,) = served["Patient"]
    (nhs,) = slice_members(patient, "identifier", "nhsNumber", "Patient")  # max 1
    assert nhs["system"] == "https://fhir.nhs.uk/Id/nhs-number" and re.fullmatch(r"[0-9]{10}", nhs["value"])
    assert patient["meta"]["lastUpdated"]  # still says when it changed
    for element in ("maritalStatus", "communication", "contact"):
        assert element not in patient  # bound elements Tandem does not send


def test_conditions_use_the_uk_core_category_value_set_and_snomed_ct(served):
    category = binding("Condition", "category")
    assert category["strength"] == "extensible"
    for condition in served["Condition"]:
        codings = [c for concept in condition["category"] for c in concept["coding"]]
        assert {c["system"] for c in codings} <= systems_of(category["valueSet"])
        assert {c["code"] for c in codings} == {"problem-list-item"}
        assert {c["system"] for c in condition["code"]["coding"]} <= systems_of(binding("Condition", "code")["valueSet"])
    assert sorted(c["clinicalStatus"]["coding"][0]["code"] for c in served["Condition"]) == ["active", "resolved"]


def test_medicines_are_coded_with_dm_and_d_as_uk_core_asks_or_named_in_text(served):
    medication = binding("MedicationStatement", "medication[x]")
    by_name = {m["medicationCodeableConcept"]["text"]: m for m in served["MedicationStatement"]}
    (coded,) = by_name["Metformin 500mg tablets"]["medicationCodeableConcept"]["coding"]
    assert coded["system"] == "https://dmd.nhs.uk" and coded["system"] in systems_of(medication["valueSet"])
    assert coded["code"] == "39109911000001105"
    assert "coding" not in by_name["Home remedy"]["medicationCodeableConcept"]  # no code: the text alone
    assert by_name["Home remedy"]["status"] == "stopped"
    for statement in served["MedicationStatement"]:
        assert "category" not in statement and "identifier" not in statement


def test_observations_send_ucum_unit_codes_and_vital_signs_their_category(served):
    by_code = {o["code"]["coding"][0]["code"]: o for o in served["Observation"]}
    assert by_code["8480-6"]["valueQuantity"] == {"value": 148.0, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}
    assert by_code["29463-7"]["valueQuantity"]["code"] == "kg"
    assert by_code["4548-4"]["valueQuantity"]["code"] == "mmol/mol"
    egfr = next(o for o in served["Observation"] if o["code"]["text"].startswith("eGFR"))
    assert egfr["valueQuantity"]["code"] == "mL/min/{1.73_m2}" and egfr["valueQuantity"]["unit"] == "mL/min/1.73m2"
    phq9 = next(o for o in served["Observation"] if o["code"]["text"].startswith("PHQ"))
    assert phq9["valueQuantity"]["code"] == "{score}"
    vital = {code for code, o in by_code.items()
             if any(c["code"] == "vital-signs" for cat in o.get("category", []) for c in cat["coding"])}
    assert vital == {"8480-6", "29463-7"}  # blood pressure and weight; HbA1c is not a vital sign
    for observation in served["Observation"]:
        assert observation["status"] == "final" and observation["subject"]["reference"].startswith("Patient/")


def test_the_referral_meets_uk_core_service_request(served):
    (request,) = served["ServiceRequest"]
    assert request["status"] == "active" and request["intent"] == "order"
    assert request["meta"]["versionId"] == "1"  # the revision If-Match names is kept beside the profile
    assert "category" not in request  # so no genomics category slice


def test_types_whose_uk_core_profile_is_a_draft_claim_nothing(served):
    for name in ("CareTeam", "Task", "CarePlan", "Goal", "QuestionnaireResponse"):
        for resource in served[name]:
            assert "profile" not in resource.get("meta", {}), name
    assert served["CareTeam"] and served["Task"]  # there was something to look at


def test_the_capability_statement_claims_exactly_the_uk_core_profiles_checked(served):
    statement = served["api"].get("metadata").json()
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == set(rules.TYPES)
    claimed = {name: r["supportedProfile"] for name, r in resources.items() if "supportedProfile" in r}
    assert claimed == {name: [PROFILES[name]["url"]] for name in CLAIMED_TYPES}
    for name, r in resources.items():
        expected = PROFILES[name]["url"] if name in CLAIMED_TYPES else f"http://hl7.org/fhir/StructureDefinition/{name}"
        assert r["profile"] == expected, name
        said = f"Meets {expected.rsplit('/', 1)[1]} {PROFILES[name]['version']}." if name in CLAIMED_TYPES else "Meets"
        assert (said in r["documentation"]) == (name in CLAIMED_TYPES), name
    from tandem.careplans.fhir.common import model_class

    model_class("CapabilityStatement").model_validate(statement)  # still valid FHIR R4
