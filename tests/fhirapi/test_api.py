"""The FHIR API as another provider's system uses it: which rows each search returns, paging, refusals
(400, 401, 403, 404, 406 as OperationOutcome), scoping (another practice, a patient-bound token, a
member of staff who has left), and the audit rows a read or search leaves."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.fhirapi.auth import id_codec
from tandem.patients import actions as patient_actions

from .conftest import Api, get_token, ids_of

D = dt.date
LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"


def pid(patient) -> str:
    return id_codec().encode("Patient", patient.pk)


def rid(type_name: str, row) -> str:
    return id_codec().encode(type_name, row.pk)


@pytest.fixture
def record(universe):
    """Margaret's record at Riverside, and Brian's at Hillview."""
    u = universe
    r = type("Record", (), {})()
    r.u = u
    r.diabetes = patient_actions.record_condition(patient=u.patient, by=u.nurse, code="44054006",
                                                  term="Type 2 diabetes mellitus", onset_date=D(2015, 4, 1))
    r.asthma = patient_actions.record_condition(patient=u.patient, by=u.nurse, code="195967001", term="Asthma",
                                                onset_date=D(1990, 1, 1))
    patient_actions.resolve_condition(condition=r.asthma, by=u.nurse, resolved_date=D(2020, 1, 1))
    r.hba1c = [patient_actions.record_observation(patient=u.patient, by=u.nurse, concept="hba1c", value=v,
                                                  effective_date=day, code="4548-4", code_system="loinc")
               for v, day in ((64, D(2025, 6, 1)), (58, D(2026, 1, 10)), (52, D(2026, 5, 20)))]
    r.weight = patient_actions.record_observation(patient=u.patient, by=u.nurse, concept="weight", value=80,
                                                  effective_date=D(2026, 5, 20))
    r.metformin = patient_actions.record_medication(patient=u.patient, by=u.nurse, name="Metformin 500mg tablets",
                                                    dmd_code="39109911000001105", start_date=D(2015, 5, 1))
    r.old = patient_actions.record_medication(patient=u.patient, by=u.nurse, name="Salbutamol inhaler",
                                              start_date=D(2010, 1, 1), end_date=D(2020, 1, 1))
    r.foreign_diabetes = patient_actions.record_condition(patient=u.foreign_patient, by=u.other_nurse,
                                                          code="44054006", term="Type 2 diabetes mellitus",
                                                          onset_date=D(2018, 1, 1))
    r.foreign_hba1c = patient_actions.record_observation(patient=u.foreign_patient, by=u.other_nurse,
                                                         concept="hba1c", value=70, effective_date=D(2026, 2, 1),
                                                         code="4548-4", code_system="loinc")
    return r


def bundle(response) -> dict:
    assert response.status_code == 200, response.content[:400]
    assert response["Content-Type"].startswith("application/fhir+json")
    data = response.json()
    assert data["resourceType"] == "Bundle" and data["type"] == "searchset"
    assert all(e["search"] == {"mode": "match"} for e in data.get("entry", []))
    return data


def refused(response, status: int) -> str:
    assert response.status_code == status, response.content[:400]
    data = response.json()
    assert data["resourceType"] == "OperationOutcome"
    return data["issue"][0]["diagnostics"]


# --- Each type's searches -----------------------------------------------------------------------------

def test_patients_by_nhs_number_birth_date_gender_and_id(record, user_api):
    u = record.u
    margaret = pid(u.patient)
    assert ids_of(bundle(user_api.get("Patient"))) == [margaret]  # never Hillview's Brian
    assert ids_of(bundle(user_api.get("Patient", {"identifier": "https://fhir.nhs.uk/Id/nhs-number|9990000018"}))) \
        == [margaret]
    assert "without spaces" in refused(user_api.get("Patient", {"identifier": "999 000 0018"}), 400)
    assert ids_of(bundle(user_api.get("Patient", {"identifier": "9990000018"}))) == [margaret]
    # Brian is registered at Hillview: his NHS number finds no one here
    assert bundle(user_api.get("Patient", {"identifier": "9990000026"}))["total"] == 0
    assert ids_of(bundle(user_api.get("Patient", {"birthdate": "1948"}))) == [margaret]
    assert ids_of(bundle(user_api.get("Patient", {"birthdate": "1948-03"}))) == [margaret]
    assert ids_of(bundle(user_api.get("Patient", {"birthdate": "1948-03-03"}))) == []
    assert ids_of(bundle(user_api.get("Patient", {"birthdate": "lt1948-03-02"}))) == []
    assert ids_of(bundle(user_api.get("Patient", {"birthdate": "le1948-03-02"}))) == [margaret]
    assert ids_of(bundle(user_api.get("Patient", {"birthdate": "gt1948-03"}))) == []
    assert ids_of(bundle(user_api.get("Patient", {"birthdate": "ge1948-03"}))) == [margaret]
    assert ids_of(bundle(user_api.get("Patient", {"gender": "female"}))) == [margaret]
    assert ids_of(bundle(user_api.get("Patient", {"gender": "male"}))) == []
    assert ids_of(bundle(user_api.get("Patient", {"_id": margaret}))) == [margaret]
    assert ids_of(bundle(user_api.get("Patient", {"_id": pid(u.foreign_patient)}))) == []
    read = user_api.get(f"Patient/{margaret}").json()
    assert read["identifier"] == [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}]
    assert read["birthDate"] == "1948-03-02" and read["name"][0]["family"] == "Okafor"
    assert read["generalPractitioner"][0]["identifier"]["value"] == "A81001"


def test_conditions_by_patient_code_clinical_status_category_and_onset(record, user_api):
    margaret = pid(record.u.patient)
    diabetes, asthma = rid("Condition", record.diabetes), rid("Condition", record.asthma)
    assert ids_of(bundle(user_api.get("Condition", {"patient": margaret}))) == [diabetes, asthma]
    assert ids_of(bundle(user_api.get("Condition", {"subject": f"Patient/{margaret}"}))) == [diabetes, asthma]
    assert ids_of(bundle(user_api.get("Condition", {"code": f"{SNOMED}|44054006"}))) == [diabetes]  # not Brian's
    assert ids_of(bundle(user_api.get("Condition", {"code": "195967001,44054006"}))) == [diabetes, asthma]
    assert ids_of(bundle(user_api.get("Condition", {"code": f"{SNOMED}|"}))) == [diabetes, asthma]
    assert ids_of(bundle(user_api.get("Condition", {"code": "|44054006"}))) == []  # no system: Tandem has none
    assert ids_of(bundle(user_api.get("Condition", {"clinical-status": "active"}))) == [diabetes]
    assert ids_of(bundle(user_api.get("Condition", {"clinical-status": "resolved"}))) == [asthma]
    assert ids_of(bundle(user_api.get("Condition", {"category": "problem-list-item"}))) == [diabetes, asthma]
    assert ids_of(bundle(user_api.get("Condition", {"category": "encounter-diagnosis"}))) == []
    assert ids_of(bundle(user_api.get("Condition", {"onset-date": "ge2000"}))) == [diabetes]
    assert ids_of(bundle(user_api.get("Condition", {"onset-date": "lt2000"}))) == [asthma]
    assert ids_of(bundle(user_api.get("Condition", [("onset-date", "ge2015-04-01"), ("onset-date", "le2015-04-01")]))) \
        == [diabetes]
    read = user_api.get(f"Condition/{asthma}").json()
    assert read["subject"] == {"reference": f"Patient/{margaret}"}
    assert read["clinicalStatus"]["coding"][0]["code"] == "resolved" and read["abatementDateTime"] == "2020-01-01"


def test_observations_by_patient_code_and_date_with_every_prefix(record, user_api):
    margaret = pid(record.u.patient)
    old, mid, new = (rid("Observation", o) for o in record.hba1c)
    weight = rid("Observation", record.weight)
    hba1c = f"{LOINC}|4548-4"
    assert ids_of(bundle(user_api.get("Observation", {"patient": margaret}))) == [old, mid, new, weight]
    assert ids_of(bundle(user_api.get("Observation", {"patient": margaret, "code": hba1c}))) == [old, mid, new]
    cases = {"2026": [mid, new], "eq2026-01": [mid], "2026-05-20": [new], "lt2026-01-10": [old],
             "le2026-01-10": [old, mid], "gt2026-01-10": [new], "ge2026-01-10": [mid, new], "gt2026": [],
             "lt2025": []}
    for value, expected in cases.items():
        assert ids_of(bundle(user_api.get("Observation", {"code": hba1c, "date": value}))) == expected, value
    assert ids_of(bundle(user_api.get("Observation", {"code": f"{SNOMED}|4548-4"}))) == []
    assert ids_of(bundle(user_api.get("Observation", {"code": hba1c, "status": "final"}))) == [old, mid, new]
    assert ids_of(bundle(user_api.get("Observation", {"code": hba1c, "status": "preliminary"}))) == []
    read = user_api.get(f"Observation/{new}").json()
    assert read["valueQuantity"]["value"] == 52 and read["valueQuantity"]["unit"] == "mmol/mol"
    assert read["code"]["coding"][0] == {"system": LOINC, "code": "4548-4", "display": "HbA1c"}
    assert read["effectiveDateTime"] == "2026-05-20"


def test_medication_statements_by_status_code_and_start(record, user_api):
    metformin, old = rid("MedicationStatement", record.metformin), rid("MedicationStatement", record.old)
    assert ids_of(bundle(user_api.get("MedicationStatement"))) == [metformin, old]
    assert ids_of(bundle(user_api.get("MedicationStatement", {"status": "active"}))) == [metformin]
    assert ids_of(bundle(user_api.get("MedicationStatement", {"status": "stopped"}))) == [old]
    assert ids_of(bundle(user_api.get("MedicationStatement", {"code": "https://dmd.nhs.uk|39109911000001105"}))) \
        == [metformin]
    assert ids_of(bundle(user_api.get("MedicationStatement", {"effective": "lt2015"}))) == [old]
    read = user_api.get(f"MedicationStatement/{old}").json()
    assert read["status"] == "stopped" and read["effectivePeriod"] == {"start": "2010-01-01", "end": "2020-01-01"}


@pytest.fixture
def plan(record):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Action, Goal, Plan, TargetAgreement

    u = record.u
    return plan_actions.save_plan(patient=u.patient, by=u.nurse, base_version=0, plan=Plan(
        goals=(Goal(id="walk", words="Walk to the shop and back", importance=8, stage="working_on",
                    actions=(Action(id="a1", what="Walk every morning", who="person"),)),
               Goal(id="garden", words="Get back to my garden", stage="achieved")),
        targets=(TargetAgreement(concept="hba1c", upper=58, reason="Agreed together"),)))


def test_the_care_plan_and_its_goals_refer_to_each_other_by_api_ids(record, plan, user_api, app):
    from tandem.careplans.fhir.common import checked

    margaret = pid(record.u.patient)
    plans = bundle(user_api.get("CarePlan", {"patient": margaret}))
    assert plans["total"] == 1
    careplan = plans["entry"][0]["resource"]
    assert careplan["subject"]["reference"] == f"Patient/{margaret}" and careplan["status"] == "active"
    goals = bundle(user_api.get("Goal", {"patient": margaret}))
    assert goals["total"] == 3
    texts = [g["resource"]["description"]["text"] for g in goals["entry"]]
    assert texts[:2] == ["Walk to the shop and back", "Get back to my garden"] and texts[2].startswith("HbA1c")
    goal_refs = {f"Goal/{g['resource']['id']}" for g in goals["entry"]}
    assert {g["reference"] for g in careplan["goal"]} == goal_refs
    # every reference in the plan points at something the API serves
    action = next(a for a in careplan["activity"] if a.get("detail", {}).get("description") == "Walk every morning")
    assert action["detail"]["goal"][0]["reference"] in goal_refs
    for resource in (careplan, *(g["resource"] for g in goals["entry"])):
        checked(resource)  # valid FHIR R4
        assert "urn:uuid:" not in str(resource)
    assert ids_of(bundle(user_api.get("Goal", {"patient": margaret, "lifecycle-status": "completed"}))) \
        == [goals["entry"][1]["resource"]["id"]]
    one = goals["entry"][0]["resource"]["id"]
    assert user_api.get(f"Goal/{one}").json()["description"]["text"] == "Walk to the shop and back"
    assert user_api.get(f"CarePlan/{careplan['id']}").status_code == 200
    assert ids_of(bundle(user_api.get("CarePlan", {"date": "2026"}))) == [careplan["id"]]
    assert ids_of(bundle(user_api.get("CarePlan", {"status": "revoked"}))) == []
    refused(user_api.get("Goal"), 400)  # a Goal search names its people...
    bound = Api(get_token(app, record.u.nurse, "patient/Goal.rs", patient=record.u.patient)["access_token"])
    assert bundle(bound.get("Goal"))["total"] == 3  # ...unless the token is for one person


def test_every_resource_the_api_serves_is_valid_fhir_r4(record, plan, user_api):
    from tandem.careplans.fhir.common import checked

    for type_name in ("Patient", "Condition", "Observation", "MedicationStatement", "CarePlan"):
        for entry in bundle(user_api.get(type_name))["entry"]:
            checked(entry["resource"])


# --- Paging ---------------------------------------------------------------------------------------------

def test_pages_follow_next_and_previous_links_and_stop(record, user_api):
    u = record.u
    for n in range(7):
        patient_actions.record_observation(patient=u.patient, by=u.nurse, concept="weight", value=70 + n,
                                           effective_date=D(2026, 1, 1) + dt.timedelta(days=n))
    everything = ids_of(bundle(user_api.get("Observation", {"_count": "200"})))
    assert len(everything) == 11
    seen, url, pages = [], "/fhir/Observation?_count=4", 0
    while url:
        page = bundle(user_api.get(url))
        assert page["total"] == 11
        seen += ids_of(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
        if pages:
            assert "previous" in links
        url = urlparse(links["next"]).path + "?" + urlparse(links["next"]).query if "next" in links else None
        pages += 1
    assert pages == 3 and seen == everything
    last = bundle(user_api.get("Observation", {"_count": "4", "_offset": "8"}))
    previous = next(link["url"] for link in last["link"] if link["relation"] == "previous")
    back = bundle(user_api.get(urlparse(previous).path + "?" + urlparse(previous).query))
    assert ids_of(back) == everything[4:8]
    assert bundle(user_api.get("Observation", {"_offset": "100"}))["entry"] == []
    only_total = bundle(user_api.get("Observation", {"_count": "0", "_total": "accurate"}))
    assert only_total["total"] == 11 and only_total["entry"] == [] and len(only_total["link"]) == 1


def test_a_search_of_fifty_rows_costs_the_same_few_queries_as_one(record, user_api):
    u = record.u
    for n in range(60):
        patient_actions.record_observation(patient=u.patient, by=u.nurse, concept="weight", value=60 + n / 10,
                                           effective_date=D(2024, 1, 1) + dt.timedelta(days=n))
    user_api.get("Observation", {"_count": "1"})
    counts = {}
    for size in ("1", "50"):
        with CaptureQueriesContext(connection) as captured:
            assert len(bundle(user_api.get("Observation", {"patient": pid(u.patient), "_count": size}))["entry"]) \
                == int(size)
        counts[size] = len(captured)
    # the token with its user and person, the count, the page, one audit INSERT (and transaction markers)
    assert counts["1"] == counts["50"] <= 6


# --- Refusals ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "says"), [
    ({"colour": "red"}, "no search parameter 'colour'"),
    ({"code:text": "sugar"}, "no search parameter"),
    ({"patient.name": "x"}, "no search parameter"),
    ({"date": "2026-13"}, "must be a real date"),
    ({"date": "2026-02-30"}, "must be a real date"),
    ({"date": "yesterday"}, "must be a date like 2026"),
    ({"date": "ne2026"}, "must be a date like 2026"),
    ({"date": "2026-05-01T10:00:00Z"}, "is a day"),
    ({"date": "0999"}, "the year must be from 1900"),
    ({"date": "\u0662\u0660\u0662\u0666"}, "must be a date like 2026"),  # Arabic-Indic digits
    ({"date": "2026,2027"}, "one date per parameter"),
    ({"_count": "-1"}, "_count must be a whole number from 0 to 200"),
    ({"_count": "201"}, "_count must be a whole number from 0 to 200"),
    ({"_total": "maybe"}, "_total must be none, estimate or accurate"),
    ({"_count": "99999999999999999999999"}, "_count must be a whole number"),
    ({"_count": "\uff15\uff10"}, "in the digits 0-9"),  # full-width 50
    ({"_count": "\u00b2"}, "_count must be a whole number"),
    ({"_count": "1e3"}, "_count must be a whole number"),
    ({"_offset": "10001"}, "_offset must be a whole number from 0 to 10000"),
    ({"_offset": "-1"}, "_offset must be a whole number"),
    ({"code": "a b"}, "printable characters without spaces"),
    ({"code": "x" * 201}, "at most 200 characters"),
    ({"code": "x" * 10_000}, "too long"),
    ({"code": ",".join(["1"] * 21)}, "at most 20 values"),
    ({"code": "a|b|c"}, "system|code"),
    ({"code": "http://example.org|1"}, "the system must be"),
    ({"code": ""}, "empty value"),
    ({"patient": "Practitioner/1"}, "Patient/<id>"),
    ({"_format": "xml"}, "_format must be json"),
])
def test_a_malformed_or_unknown_parameter_is_refused_with_what_is_wrong(record, user_api, query, says):
    before = AuditEvent.objects.count()
    assert says in refused(user_api.get("Observation", query), 400)
    assert AuditEvent.objects.count() == before  # nothing read, nothing recorded


def test_refusals_for_the_identifier_and_a_huge_query(record, user_api):
    assert "not an NHS number" in refused(user_api.get("Patient", {"identifier": "1234567890"}), 400)
    assert "too long" in refused(user_api.get("Patient", {"gender": "f" * 5000}), 400)
    assert "at most 4 times" in refused(user_api.get("Observation", [("date", "2026")] * 5), 400)
    # more fields than Django reads at all: refused before the API sees the request (Tandem's 400 page)
    assert user_api.get("/fhir/Observation?" + "a&" * 1500).status_code == 400


def test_an_unknown_type_or_id_is_not_found_and_says_so(record, user_api):
    assert "does not serve" in refused(user_api.get("Encounter"), 404)
    assert "does not serve" in refused(user_api.get("Practitioner/abc"), 404)
    refused(user_api.get("Patient/" + "0" * 32), 404)
    refused(user_api.get("Patient/not-an-id"), 404)
    # a Condition's id is not a Patient's
    refused(user_api.get(f"Patient/{rid('Condition', record.diabetes)}"), 404)
    assert user_api.get("Patient/" + "a" * 65).status_code == 404  # not an id at all


def test_another_practices_resource_is_not_found_and_not_audited(record, user_api):
    before = AuditEvent.objects.count()
    for path in (f"Patient/{pid(record.u.foreign_patient)}", f"Condition/{rid('Condition', record.foreign_diabetes)}",
                 f"Observation/{rid('Observation', record.foreign_hba1c)}"):
        refused(user_api.get(path), 404)
    assert AuditEvent.objects.count() == before
    found = bundle(user_api.get("Observation", {"patient": pid(record.u.foreign_patient)}))
    assert found["total"] == 0


def test_only_fhir_json_is_offered(record, user_api):
    assert "application/fhir+json only" in refused(user_api.get("Patient", HTTP_ACCEPT="application/fhir+xml"), 406)
    assert user_api.get("Patient", HTTP_ACCEPT="text/html").status_code == 406
    for accept in ("application/fhir+json", "application/json", "*/*", "text/html, application/json;q=0.9", ""):
        assert user_api.get("Patient", HTTP_ACCEPT=accept).status_code == 200, accept


def test_no_token_a_bad_token_or_an_expired_one_is_401_with_a_bearer_challenge(record, app):
    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    response = Api(None).get("Patient")
    assert "needs an access token" in refused(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="tandem-fhir"'
    response = Api("made-up").get("Patient")
    refused(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    response = Api(None).get("Patient", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert 'error="invalid_request"' in response["WWW-Authenticate"]
    token = get_token(app, record.u.nurse, "user/*.rs")["access_token"]
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    refused(Api(token).get("Patient"), 401)


def test_the_staff_session_is_not_accepted_by_the_api(record, client):
    client.force_login(record.u.nurse)
    assert client.get("/fhir/Patient").status_code == 401
    assert client.post("/fhir/Patient/_search", {"gender": "female"}).status_code == 401


def test_a_scope_that_does_not_cover_the_type_is_forbidden(record, app):
    api = Api(get_token(app, record.u.nurse, "user/Patient.rs user/Observation.s")["access_token"])
    assert bundle(api.get("Patient"))["total"] == 1
    assert "do not allow search of Condition" in refused(api.get("Condition"), 403)
    assert "do not allow read of Observation" in refused(api.get(f"Observation/{rid('Observation', record.weight)}"),
                                                         403)
    assert bundle(api.get("Observation"))["total"] == 4
    v1 = Api(get_token(app, record.u.nurse, "user/Condition.read")["access_token"])
    assert bundle(v1.get("Condition"))["total"] == 2


def test_post_search_takes_a_form_and_answers_as_get(record, user_api):
    from urllib.parse import urlencode

    hba1c = f"{LOINC}|4548-4"
    form = "application/x-www-form-urlencoded"
    posted = bundle(user_api.post("Observation/_search", urlencode({"code": hba1c, "date": "ge2026"}),
                                  content_type=form))
    got = bundle(user_api.get("Observation", {"code": hba1c, "date": "ge2026"}))
    assert ids_of(posted) == ids_of(got) and len(ids_of(got)) == 2
    assert "no search parameter" in refused(user_api.post("Observation/_search", "colour=red", content_type=form), 400)
    assert refused(user_api.post("Observation/_search", {"code": hba1c}), 415)  # multipart: not a FHIR search form
    assert user_api.post("Observation", {"code": hba1c}).status_code == 405  # no create


# --- Who may see what ----------------------------------------------------------------------------------

def test_a_patient_bound_token_sees_that_one_person_only(record, app):
    u = record.u
    bruce = patient_actions.register_patient(practice=u.practice, by=None, nhs_number="9990000034",
                                             given_name="Bruce", family_name="Lee", date_of_birth=D(1960, 1, 1))
    patient_actions.record_condition(patient=bruce, by=u.nurse, code="44054006", term="Type 2 diabetes",
                                     onset_date=D(2019, 1, 1))
    answer = get_token(app, u.nurse, "launch/patient patient/*.rs", patient=u.patient)
    assert answer["patient"] == pid(u.patient)
    api = Api(answer["access_token"])
    assert ids_of(bundle(api.get("Patient"))) == [pid(u.patient)]
    assert ids_of(bundle(api.get("Condition", {"code": "44054006"}))) == [rid("Condition", record.diabetes)]
    refused(api.get(f"Patient/{pid(bruce)}"), 404)
    assert bundle(api.get("Condition", {"patient": pid(bruce)}))["total"] == 0


def test_the_person_stays_bound_when_the_token_is_refreshed(record, app, client):
    u = record.u
    answer = get_token(app, u.nurse, "patient/Patient.rs", patient=u.patient)
    refreshed = client.post("/fhir/auth/token", {"grant_type": "refresh_token", "refresh_token": answer["refresh_token"],
                                                 "client_id": app.client_id})
    assert refreshed.status_code == 200, refreshed.content
    body = refreshed.json()
    assert body["patient"] == pid(u.patient)
    assert ids_of(bundle(Api(body["access_token"]).get("Patient"))) == [pid(u.patient)]
    refused(Api(answer["access_token"]).get("Patient"), 401)  # the old token went with the refresh


def test_a_member_of_staff_who_leaves_the_practice_sees_nothing_at_once(record, user_api):
    from tandem.core.models import Membership

    assert bundle(user_api.get("Patient"))["total"] == 1
    Membership.objects.filter(user=record.u.nurse).update(left_on=D(2026, 6, 15))
    assert bundle(user_api.get("Patient"))["total"] == 0
    refused(user_api.get(f"Patient/{pid(record.u.patient)}"), 404)


def test_a_role_without_clinical_records_sees_nothing(record, user_api):
    from tandem.core.models import Membership

    Membership.objects.filter(user=record.u.nurse).update(role=Role.ADMIN.value)
    assert bundle(user_api.get("Condition"))["total"] == 0


def test_someone_working_in_two_practices_sees_both(record, app):
    u = record.u
    from tandem.core.models import Membership

    Membership.objects.create(user=u.nurse, practice=u.other_practice, role=Role.NURSE.value)
    api = Api(get_token(app, u.nurse, "user/*.rs", practice=u.practice)["access_token"])
    assert sorted(ids_of(bundle(api.get("Patient")))) == sorted([pid(u.patient), pid(u.foreign_patient)])


def test_a_revoked_token_is_refused(record, app, client):
    answer = get_token(app, record.u.nurse, "user/*.rs")
    assert client.post("/fhir/auth/revoke", {"token": answer["access_token"], "client_id": app.client_id}).status_code \
        == 200
    refused(Api(answer["access_token"]).get("Patient"), 401)


# --- Audit --------------------------------------------------------------------------------------------

def test_reads_and_searches_are_audited_once_per_request_with_the_people_seen(record, app):
    u = record.u
    token = get_token(app, u.nurse, "user/*.rs")
    api = Api(token["access_token"])
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    bundle(api.get("Observation", {"code": f"{LOINC}|4548-4"}))
    rows = AuditEvent.objects.exclude(pk__in=before)
    assert [(r.action, r.what, r.user_id, r.practice_id, r.patient_id) for r in rows] == [
        ("search", "fhirapi.Observation", u.nurse.pk, u.practice.pk, u.patient.pk)]
    assert rows[0].detail["count"] == 3 and rows[0].detail["type"] == "Observation"
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    api.get(f"Condition/{rid('Condition', record.diabetes)}")
    (row,) = AuditEvent.objects.exclude(pk__in=before)
    assert (row.action, row.what, row.patient_id) == ("view", "fhirapi.Condition", u.patient.pk)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    bundle(api.get("Observation", {"code": "nothing"}))
    (row,) = AuditEvent.objects.exclude(pk__in=before)
    assert row.patient_id is None and row.detail["count"] == 0
    assert "Okafor" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


# --- What it says about itself ---------------------------------------------------------------------------

def test_the_capability_statement_lists_exactly_what_is_served(record, client):
    from tandem.fhirapi import rules

    statement = client.get("/fhir/metadata").json()
    assert statement["resourceType"] == "CapabilityStatement" and statement["fhirVersion"] == "4.0.1"
    assert statement["kind"] == "instance" and statement["format"] == ["json"]
    rest = statement["rest"][0]
    served = {r["type"]: {p["name"] for p in r["searchParam"]} for r in rest["resource"]}
    assert served == {name: {p.name for p in t.params} for name, t in rules.TYPES.items()}
    assert "_lastUpdated" in served["Patient"] and "_lastUpdated" in served["Observation"]
    assert "_lastUpdated" not in served["Goal"] and "_lastUpdated" not in served["CareTeam"]
    oauth = rest["security"]["extension"][0]["extension"]
    assert {e["url"]: e["valueUri"] for e in oauth}["token"] == "http://testserver/fhir/auth/token"
    smart = client.get("/fhir/.well-known/smart-configuration").json()
    assert smart["code_challenge_methods_supported"] == ["S256"]
    assert "patient/Observation.rs" in smart["scopes_supported"]
    from tandem.careplans.fhir.common import model_class

    model_class("CapabilityStatement").model_validate(statement)  # valid FHIR
    spec = client.get("/fhir/openapi.json").json()
    assert set(spec["paths"]) >= {"/Observation", "/Observation/{id}", "/metadata"}
