"""The care plan as a FHIR R4 document: valid against the FHIR models, laid out as a document, and read
back into the same plan."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.careplans import actions
from tandem.careplans.actions.fhir import import_plan
from tandem.careplans.fhir import common
from tandem.careplans.fhir.bundle import document
from tandem.careplans.fhir.importer import plan_from_bundle
from tandem.careplans.models import PlanVersion, Task
from tandem.careplans.queries.fhir import export_source
from tandem.careplans.rules.document import (
    ACTION_STATUS,
    AREAS,
    GOAL_STAGE,
    LEVELS,
    MEDICATION_KINDS,
    WHO,
    AboutMe,
    Action,
    Goal,
    MedicationAgreement,
    Need,
    Participant,
    Plan,
    Referral,
    Signpost,
    TargetAgreement,
    WarningSign,
)
from tandem.core.models import AuditEvent
from tandem.patients import actions as patient_actions
from tandem.patients.models import Condition
from tandem.terminology import codelists, observations


def _rich(u) -> Plan:
    walking = actions.save_service(practice=u.practice, by=u.manager, name="Leeds Walking for Health",
                                   kind="exercise", description="Group walks <most days> & free",
                                   contact="walks@example.org")
    return Plan(
        about=AboutMe(what_matters="Seeing my grandchildren on Fridays & staying in my own home",
                      people="My daughter Claire", communication="Speak slowly; <left> ear is better",
                      please_do="Call me \"Arthur\"", please_dont="Don't phone before 10am",
                      strengths="I like routines"),
        needs=(Need(id="n1", text="Worried about my feet", conditions=("diabetes_type2",)),
               Need(id="n2", text="Out of breath on the stairs", conditions=("copd", "hypertension")),
               Need(id="n3", text="Lonely since my wife died")),
        goals=(
            Goal(id="g1", words="Walk to my daughter's house without stopping", importance=9, stage="working_on",
                 actions=(
                     Action(id="a1", what="Walk 10 minutes after lunch", when="every day", confidence=8,
                            strategies="Walk with the dog", status="in_progress"),
                     Action(id="a2", what="Drive me to the walking group", who="carer", who_name="Claire",
                            when="Tuesdays", confidence=6),
                     Action(id="a3", what="Check my feet", who="professional", who_name="Nia, practice nurse",
                            status="done"),
                     Action(id="a4", what="Group walks", who="service", who_name="Walking for Health",
                            status="stopped", confidence=0),
                 )),
            Goal(id="g2", words="Sleep through the night", importance=5, stage="partly", outcome="Some nights",
                 actions=(Action(id="a5", what="No tea after 4pm"),)),
            Goal(id="g3", words="Keep my eyesight", stage="new"),
            Goal(id="g4", words="Stop smoking", importance=2, stage="dropped", outcome="Not now"),
            Goal(id="g5", words="Lose a stone", importance=7, stage="achieved"),
            Goal(id="g6", words="Swim again", importance=10, stage="not_achieved", outcome="Pool closed"),
        ),
        targets=(TargetAgreement(concept="hba1c", upper=53, reason="To protect my eyes"),
                 TargetAgreement(concept="systolic_bp", upper=140),
                 TargetAgreement(concept="weight", upper=85.5, lower=70),
                 TargetAgreement(concept="egfr", lower=45),
                 TargetAgreement(concept="ldl", upper=2.0)),
        medicines=(MedicationAgreement(id="m1", kind="start", medicine="Atorvastatin 20mg", reason="Protect my heart",
                                       agreed_by="Arthur and Dr Shah"),
                   MedicationAgreement(id="m2", kind="stop", medicine="Gliclazide", reason="Low sugars"),
                   MedicationAgreement(id="m3", kind="continue", medicine="All other medicines")),
        information="Leaflet on looking after your feet",
        self_management="Keep a note of blood pressure at home",
        services=(Signpost(id="s1", service_id=walking.pk, name="Leeds Walking for Health", why="To get fitter"),
                  Signpost(id="s2", service_id=None, name="Men's Shed", why="")),
        warning_signs=(WarningSign(id="w1", level="green", signs="Usual breathing", what_to_do="Carry on"),
                       WarningSign(id="w2", level="amber", signs="More breathless", what_to_do="Start the rescue pack",
                                   contact="Call the practice on 0113 496 0000"),
                       WarningSign(id="w3", level="red", signs="Chest pain", what_to_do="Call 999", contact="999")),
        rescue="Amoxicillin and prednisolone rescue pack",
        participants=(Participant(name="Claire", relationship="daughter"),
                      Participant(name="Sam Jones", relationship="advocate")),
        agreed_with_person=True,
        review_date="2027-06-10", review_by="Practice nurse", follow_ups="Book feet check in 3 months",
        referrals=(Referral(id="r1", what="Review inhaler technique", to_role="pharmacist", by_when="2026-07-14"),
                   Referral(id="r2", what="Foot check", to_user_id=u.nurse.pk, to_role="nurse")),
        areas=("medication_review", "prevention", "social_support"),
    )


@pytest.fixture
def saved(booked):
    u = booked
    patient_actions.add_related_person(patient=u.arthur, by=u.nurse, name="Claire", relationship="child",
                                       is_carer=True, phone="07700 900123")
    patient_actions.add_related_person(patient=u.arthur, by=u.nurse, name="Bob <Builder>", relationship="friend",
                                       is_carer=True)
    patient_actions.set_named_clinician(patient=u.arthur, by=u.manager, clinician=u.nurse)
    u.plan = _rich(u)
    actions.save_plan(patient=u.arthur, by=u.nurse, plan=Plan(information="First"), base_version=0)
    u.version = actions.save_plan(patient=u.arthur, by=u.nurse, plan=u.plan, base_version=1).version
    return u


def _bundle(u, number=None) -> dict:
    return document(export_source(practice=u.practice, patient_id=u.arthur.pk, by=u.nurse, number=number))


def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _by_url(bundle):
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def test_a_rich_plan_comes_back_the_same_after_export_and_import(saved):
    text = json.dumps(_bundle(saved))
    plan, nhs_number, problems = plan_from_bundle(text)
    assert problems == []
    assert nhs_number == saved.arthur.nhs_number
    assert plan.as_dict() == Plan.from_dict(saved.version.content).as_dict()
    assert plan.as_dict() == saved.plan.as_dict()


def test_importing_our_own_export_saves_the_same_plan_as_a_new_version(saved):
    bundle = _bundle(saved)
    result = import_plan(practice=saved.practice, by=saved.manager, document=json.dumps(bundle))
    assert result.version.version == 3
    assert Plan.from_dict(result.version.content).as_dict() == saved.plan.as_dict()
    assert result.tasks == 0  # the referrals kept their ids: their tasks exist already
    assert AuditEvent.objects.filter(action="import", what="careplans.fhir", patient_id=saved.arthur.pk).exists()


def test_the_command_imports_a_document_file(saved, tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_bundle(saved)))
    call_command("import_careplan", str(path), "--practice", "A81001", "--user", "manager")
    assert "saved as version 3" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError):
        call_command("import_careplan", str(bad), "--practice", "A81001")
    assert "not valid JSON" in capsys.readouterr().out
    assert PlanVersion.objects.filter(patient=saved.arthur).count() == 3


def test_every_resource_and_the_bundle_validate_against_the_fhir_r4_models(saved):
    bundle = _bundle(saved)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        common.model_class(resource["resourceType"]).model_validate(resource)
        assert common.binding_problems(resource) == []
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Composition", "Patient", "Organization", "Practitioner", "CarePlan", "CareTeam", "RelatedPerson",
            "Condition", "Goal", "Task", "ServiceRequest", "HealthcareService"} <= kinds


def test_it_is_a_document_with_the_composition_first_and_every_reference_inside(saved):
    bundle = _bundle(saved)
    assert bundle["type"] == "document" and bundle["timestamp"] and bundle["identifier"]["value"].startswith("urn:")
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition" and composition["status"] == "final"
    urls = _by_url(bundle)
    assert len(urls) == len(bundle["entry"])
    for section in composition["section"]:
        ET.fromstring(section["text"]["div"])  # noqa: S314 - our own narrative: is it well-formed XHTML?
        for entry in section.get("entry", []):
            assert entry["reference"] in urls
    titles = [s["title"] for s in composition["section"]]
    assert titles[:4] == ["About me", "Conditions", "Needs and concerns", "Goals and actions"]
    assert "Contingency plan" in titles
    assert {"mode": "personal"}.items() <= composition["attester"][0].items()
    assert urls[composition["attester"][0]["party"]["reference"]]["resourceType"] == "Patient"


def test_typed_text_is_escaped_in_the_narrative(saved):
    composition = _bundle(saved)["entry"][0]["resource"]
    about = composition["section"][0]["text"]["div"]
    assert "Speak slowly; &lt;left&gt; ear is better" in about
    assert "grandchildren on Fridays &amp; staying" in about
    assert "<left>" not in about


def test_the_same_version_always_gives_the_same_document_and_ids_stay_across_versions(saved):
    first, again = _bundle(saved), _bundle(saved)
    assert first == again
    earlier = _bundle(saved, number=1)
    careplan, old = _resources(first, "CarePlan")[0], _resources(earlier, "CarePlan")[0]
    assert careplan["id"] == old["id"]
    assert (careplan["meta"]["versionId"], old["meta"]["versionId"]) == ("2", "1")
    assert (careplan["status"], old["status"]) == ("active", "revoked")
    assert first["id"] != earlier["id"]


def test_careplan_addresses_the_persons_conditions_and_the_needs(saved):
    bundle = _bundle(saved)
    urls = _by_url(bundle)
    careplan = _resources(bundle, "CarePlan")[0]
    addressed = [urls[r["reference"]] for r in careplan["addresses"]]
    coded = [c for c in addressed if c.get("code", {}).get("coding")]
    rows = Condition.objects.filter(patient=saved.arthur)
    assert sorted(c["code"]["coding"][0]["code"] for c in coded) == sorted(r.code for r in rows)
    assert all(c["subject"]["reference"] == careplan["subject"]["reference"] for c in addressed)
    needs = [c for c in addressed if not c.get("code", {}).get("coding")]
    assert [n["code"]["text"] for n in needs] == ["Worried about my feet", "Out of breath on the stairs",
                                                  "Lonely since my wife died"]
    diabetes = next(c for c in coded if "diabetes_type2" in codelists.conditions_for_code(c["code"]["coding"][0]["code"]))
    related = [e["valueReference"]["reference"] for e in needs[0]["extension"] if e["url"] == common.CONDITION_RELATED]
    assert related == [f"urn:uuid:{diabetes['id']}"]
    hba1c = next(g for g in _resources(bundle, "Goal") if g.get("target"))
    assert hba1c["addresses"] == [{"reference": f"urn:uuid:{diabetes['id']}"}]


def test_goals_carry_the_persons_words_importance_and_stage(saved):
    bundle = _bundle(saved)
    goals = {g["description"]["text"]: g for g in _resources(bundle, "Goal")}
    walk = goals["Walk to my daughter's house without stopping"]
    assert walk["lifecycleStatus"] == "active"
    assert walk["achievementStatus"]["coding"][0]["code"] == "in-progress"
    assert walk["priority"]["coding"][0]["code"] == "high-priority"
    assert walk["extension"] == [{"url": common.EXT_IMPORTANCE, "valueInteger": 9}]
    assert goals["Sleep through the night"]["priority"]["coding"][0]["code"] == "medium-priority"
    assert goals["Stop smoking"]["lifecycleStatus"] == "cancelled"
    hba1c = goals["HbA1c: 53 mmol/mol or lower"]["target"][0]
    assert {"system": "http://loinc.org", "code": "59261-8"} in hba1c["measure"]["coding"]
    assert hba1c["detailQuantity"] == {"value": 53, "comparator": "<=", "unit": "mmol/mol",
                                       "system": "http://unitsofmeasure.org", "code": "mmol/mol"}
    weight = goals["Weight: 70 to 85.5 kg"]["target"][0]["detailRange"]
    assert (weight["low"]["value"], weight["high"]["value"]) == (70, 85.5)


def test_care_team_has_the_person_who_took_part_carers_and_clinicians(saved):
    bundle = _bundle(saved)
    urls = _by_url(bundle)
    team = _resources(bundle, "CareTeam")[0]
    members = [(urls[p["member"]["reference"]], [c["code"] for r in p["role"] for c in r.get("coding", [])])
               for p in team["participant"]]
    assert members[0][0]["resourceType"] == "Patient"
    claire = next(m for m in members if m[0].get("name") == [{"text": "Claire"}])
    assert set(claire[1]) == {"took-part", "133932002"}  # took part, and a carer on the record
    bob = next(m for m in members if m[0].get("name") == [{"text": "Bob <Builder>"}])
    assert bob[1] == ["133932002"]
    nurse = next(m for m in members if m[0]["resourceType"] == "Practitioner")
    assert {"agreed-plan", "named-clinician", "nurse"} <= set(nurse[1])


def test_referrals_are_tasks_and_services_are_service_requests(saved):
    bundle = _bundle(saved)
    urls = _by_url(bundle)
    tasks = {t["description"]: t for t in _resources(bundle, "Task")}
    inhaler = tasks["Review inhaler technique"]
    assert inhaler["status"] == "requested" and inhaler["intent"] == "order"
    assert inhaler["performerType"][0]["coding"][0]["code"] == "pharmacist"
    assert inhaler["restriction"]["period"]["end"] == "2026-07-14"
    feet = tasks["Foot check"]
    assert urls[feet["owner"]["reference"]]["resourceType"] == "Practitioner"
    Task.objects.filter(referral_id="r1").update(status="completed", outcome="Technique good")
    assert {t["description"]: t["status"] for t in _resources(_bundle(saved), "Task")}["Review inhaler technique"] \
        == "completed"
    walking = next(s for s in _resources(bundle, "ServiceRequest") if s["code"]["text"] == "Leeds Walking for Health")
    service = urls[walking["performer"][0]["reference"]]
    assert service["resourceType"] == "HealthcareService" and service["comment"] == "Group walks <most days> & free"


def test_the_endpoint_returns_the_document_and_audits_an_export(saved, client):
    client.force_login(saved.nurse)
    response = client.get(reverse("careplans:fhir", kwargs={"patient_id": saved.arthur.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/fhir+json"
    bundle = json.loads(response.content)
    assert bundle["type"] == "document"
    assert _resources(bundle, "CarePlan")[0]["meta"]["versionId"] == "2"
    assert AuditEvent.objects.filter(action="export", what="careplans.fhir", patient_id=saved.arthur.pk).exists()
    earlier = client.get(reverse("careplans:fhir", kwargs={"patient_id": saved.arthur.pk}) + "?version=1")
    assert _resources(json.loads(earlier.content), "CarePlan")[0]["status"] == "revoked"
    for bad in ("9", "x", "0"):
        assert client.get(reverse("careplans:fhir", kwargs={"patient_id": saved.arthur.pk}) + f"?version={bad}"
                          ).status_code == 404


def test_the_endpoint_is_for_clinical_staff_of_the_practice_only(saved, client):
    url = reverse("careplans:fhir", kwargs={"patient_id": saved.arthur.pk})
    client.force_login(saved.other_nurse)
    assert client.get(url).status_code == 404
    client.force_login(saved.admin)  # administrators do not see clinical detail
    assert client.get(url).status_code == 403
    client.force_login(saved.nurse)
    assert client.get(reverse("careplans:fhir", kwargs={"patient_id": saved.foreign_patient.pk})).status_code == 404


def test_a_person_without_a_plan_is_sent_to_their_record(booked, client):
    client.force_login(booked.nurse)
    response = client.get(reverse("careplans:fhir", kwargs={"patient_id": booked.beatrice.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:summary", kwargs={"pk": booked.beatrice.pk})


@pytest.mark.parametrize(("change", "where", "words"), [
    (lambda b: "{not json", "file", "not valid JSON"),
    (lambda b: {"resourceType": "Patient"}, "file", "not a FHIR Bundle"),
    (lambda b: {**b, "type": "collection"}, "Bundle.type", "type 'collection'"),
    (lambda b: {**b, "entry": b["entry"][1:]}, "Bundle.entry[0]", "starts with Patient"),
    (lambda b: {**b, "entry": [*b["entry"], {"fullUrl": "urn:uuid:x", "resource": {"resourceType": "CarePlan"}}]},
     "Bundle", "not valid FHIR R4"),
    (lambda b: _edit(b, "Patient", identifier=[{"system": common.NHS_NUMBER, "value": "1234567890"}]),
     "Patient.identifier", "NHS number is not valid"),
    (lambda b: _edit(b, "Patient", identifier=[]), "CarePlan.subject", "no NHS number"),
    (lambda b: _edit(b, "CarePlan", note=[{"text": "No topic"}]), "CarePlan.note[0]", "no topic"),
    (lambda b: _edit(b, "CarePlan", activity=[{"detail": {"status": "not-started", "description": "?"}}]),
     "CarePlan.activity[0]", "does not know what kind of activity"),
    (lambda b: _edit(b, "CarePlan", goal=[{"reference": "urn:uuid:nowhere"}]), "CarePlan.goal[0]", "does not lead"),
])
def test_bad_documents_give_clear_problems_and_change_nothing(saved, change, where, words):
    bundle = change(_bundle(saved))
    plan, _nhs, problems = plan_from_bundle(bundle if isinstance(bundle, str) else json.dumps(bundle))
    assert problems, "expected a problem"
    assert any(p.field == where and words in p.message for p in problems), problems
    with pytest.raises(actions.PlanError):
        import_plan(practice=saved.practice, by=saved.manager, document=bundle)
    assert PlanVersion.objects.filter(patient=saved.arthur).count() == 2


def _edit(bundle: dict, kind: str, **values) -> dict:
    bundle = json.loads(json.dumps(bundle))
    resource = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind)
    resource.update(values)
    return bundle


def test_a_target_in_other_units_is_converted_and_an_unknown_unit_is_a_problem(saved):
    bundle = _bundle(saved)
    goal = next(g for g in _resources(bundle, "Goal") if g.get("target") and "HbA1c" in g["description"]["text"])
    goal["target"][0]["detailQuantity"].update(value=7.0, unit="%", code="%")
    plan, _nhs, problems = plan_from_bundle(bundle)
    assert problems == []
    assert next(t for t in plan.targets if t.concept == "hba1c").upper == pytest.approx(53.0, abs=0.1)
    goal["target"][0]["detailQuantity"].update(unit="furlongs", code="furlongs")
    _plan, _nhs, problems = plan_from_bundle(bundle)
    assert any("not understood" in p.message for p in problems)


def test_another_practices_document_is_not_imported_for_a_person_not_registered_here(saved):
    bundle = _bundle(saved)
    with pytest.raises(actions.PlanError) as error:
        import_plan(practice=saved.other_practice, by=saved.other_nurse, document=bundle)
    assert "No one registered at this practice" in error.value.problems[0].message


def test_links_to_another_practices_staff_and_services_are_dropped_on_import(saved):
    plan = replace(saved.plan, referrals=(Referral(id="r9", what="Call back", to_user_id=saved.other_nurse.pk,
                                                   to_role="nurse"),))
    source = export_source(practice=saved.practice, patient_id=saved.arthur.pk, by=saved.nurse)
    bundle = document(replace(source, plan=plan))
    result = import_plan(practice=saved.practice, by=saved.manager, document=bundle)
    imported = Plan.from_dict(result.version.content)
    assert imported.referrals[0].to_user_id is None and imported.referrals[0].to_role == "nurse"


# --- Any plan comes back the same (pure: no database) ------------------------------------------------

def _text(required: bool = False):
    visible = st.builds(lambda before, seen, after: before + seen + after, st.text(max_size=12),
                        st.characters(exclude_categories=("Zs", "Zl", "Zp", "Cc", "Cs")), st.text(max_size=12))
    return visible if required else st.one_of(st.just(""), visible)


_DATES = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)).map(dt.date.isoformat)
_TARGETS = [c for c in observations.CONCEPTS if not c.coded]
_SLUGS = list(codelists.LTC_SLUGS)
_STAFF = {7: common.Clinician(key=7, name="Nia Evans", role="nurse", role_label="Practice nurse")}
_SERVICES = {3: common.Service(key=3, name="Walks", kind="exercise", kind_label="Exercise and activity")}


@st.composite
def _target(draw, found):
    low, high = found.plausible
    value = st.floats(min_value=low, max_value=high, allow_nan=False).map(lambda x: round(x, 2))
    upper, lower = draw(st.one_of(st.none(), value)), draw(st.one_of(st.none(), value))
    if upper is None and lower is None:
        upper = high
    return TargetAgreement(concept=found.key, upper=upper, lower=lower, reason=draw(_text()))


@st.composite
def _plans(draw) -> Plan:
    ids = iter(f"i{n}" for n in range(1000))
    actions_ = st.builds(lambda *a: Action(next(ids), *a), _text(True), st.sampled_from(list(WHO)), _text(), _text(),
                         _text(), st.sampled_from(list(ACTION_STATUS)), st.one_of(st.none(), st.integers(0, 10)))
    goals = st.builds(lambda words, importance, stage, outcome, acts: Goal(next(ids), words, importance, stage,
                                                                          outcome, tuple(acts)),
                      _text(True), st.one_of(st.none(), st.integers(1, 10)), st.sampled_from(list(GOAL_STAGE)),
                      _text(), st.lists(actions_, max_size=3))
    concepts = draw(st.lists(st.sampled_from(_TARGETS), unique_by=lambda c: c.key, max_size=4))
    return Plan(
        about=AboutMe(*(draw(_text()) for _ in range(6))),
        needs=tuple(Need(next(ids), draw(_text(True)), tuple(draw(st.lists(st.sampled_from(_SLUGS), unique=True,
                                                                             max_size=3))))
                    for _ in range(draw(st.integers(0, 3)))),
        goals=tuple(draw(st.lists(goals, max_size=3))),
        targets=tuple(draw(_target(c)) for c in concepts),
        medicines=tuple(MedicationAgreement(next(ids), draw(st.sampled_from(list(MEDICATION_KINDS))), draw(_text()),
                                            draw(_text()), draw(_text())) for _ in range(draw(st.integers(0, 2)))),
        information=draw(_text()), self_management=draw(_text()),
        services=tuple(Signpost(next(ids), draw(st.sampled_from([None, 3, 99])), draw(_text()), draw(_text()))
                       for _ in range(draw(st.integers(0, 2)))),
        warning_signs=tuple(WarningSign(next(ids), draw(st.sampled_from(list(LEVELS))), draw(_text(True)),
                                        draw(_text()), draw(_text())) for _ in range(draw(st.integers(0, 3)))),
        rescue=draw(_text()),
        participants=tuple(Participant(draw(_text()), draw(_text())) for _ in range(draw(st.integers(0, 2)))),
        agreed_with_person=draw(st.booleans()),
        review_date=draw(st.one_of(st.just(""), _DATES)), review_by=draw(_text()), follow_ups=draw(_text()),
        referrals=tuple(Referral(next(ids), draw(_text(True)), draw(st.sampled_from(["", "gp", "pharmacist"])),
                                 draw(st.sampled_from([None, 7, 12])), draw(st.one_of(st.just(""), _DATES)))
                        for _ in range(draw(st.integers(0, 2)))),
        areas=tuple(draw(st.lists(st.sampled_from(list(AREAS)), unique=True))),
        agreed_on=draw(st.one_of(st.just(""), _DATES)),
    )


def _source(plan: Plan, *, latest: bool = True) -> common.Source:
    return common.Source(
        plan=plan, plan_key=1, version=2, latest=latest,
        saved_at=dt.datetime(2026, 6, 15, 10, 30, tzinfo=dt.UTC),
        person=common.Person(key=5, nhs_number="9990000034", given_name="Arthur", family_name="Bennett",
                             birth_date=dt.date(1950, 3, 9), sex="male"),
        practice=common.Organisation(ods_code="A81001", name="Riverside Surgery"),
        saved_by=_STAFF[7], carers=(common.Carer(key=1, name="Claire", relationship="Son or daughter"),),
        diagnoses=(common.Diagnosis(key=1, code="44054006", term="Type 2 diabetes", onset=dt.date(2015, 1, 1),
                                    registers=("diabetes_type2",)),),
        registers=("diabetes_type2",), services=_SERVICES, staff=_STAFF)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plans())
def test_any_plan_comes_back_the_same(plan):
    bundle = document(_source(plan))
    again, nhs_number, problems = plan_from_bundle(json.dumps(bundle))
    assert problems == []
    assert nhs_number == "9990000034"
    assert again.as_dict() == plan.as_dict()


def test_text_that_is_only_spaces_is_left_out_and_comes_back_empty():
    plan = Plan(about=AboutMe(what_matters="\u00a0 ", strengths="Stubborn"), information="\n")
    again, _nhs, problems = plan_from_bundle(document(_source(plan)))
    assert problems == []
    assert again == Plan(about=AboutMe(strengths="Stubborn"))


def test_items_without_ids_or_sharing_one_still_make_a_valid_document():
    plan = Plan(goals=(Goal(id="g", words="Walk"), Goal(id="g", words="Swim"), Goal(id="", words="Sleep")),
                referrals=(Referral(id="", what="Call", to_role="gp"),))
    bundle = document(_source(plan))
    again, _nhs, problems = plan_from_bundle(bundle)
    assert problems == []
    assert [g.words for g in again.goals] == ["Walk", "Swim", "Sleep"]
    assert [g.id for g in again.goals] == ["g", "g", ""]
