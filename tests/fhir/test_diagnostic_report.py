"""Lab results arriving as a DiagnosticReport with its Observations: in the file, or contained in the report."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from tandem.fhir.report import render_text
from tandem.patients.models import Observation, Patient

from .conftest import as_file, load

pytestmark = pytest.mark.django_db

IMRAN = "9990000727"
BLOOD, URINE = 2, 6  # entry numbers of the two reports in lab_reports.json


def lab_reports() -> dict:
    return load("lab_reports.json")


def resource(bundle: dict, rid: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == rid)


def results(practice) -> dict[str, Observation]:
    return {o.concept: o for o in Observation.objects.filter(practice=practice, patient__nhs_number=IMRAN)}


def stored(practice) -> tuple[int, int]:
    return Patient.objects.filter(practice=practice).count(), Observation.objects.filter(practice=practice).count()


# --- Reports and their results ----------------------------------------------------------------

def test_a_blood_report_and_a_urine_report_arrive_with_their_results(run_import, universe):
    [report] = run_import(as_file(lab_reports(), "qureshi-labs.json"))
    assert report.imported, report.problems
    found = results(universe.practice)
    assert set(found) == {"hba1c", "total_cholesterol", "egfr", "urine_acr"}
    assert found["hba1c"].value == pytest.approx(58.5, abs=0.1) and found["hba1c"].unit == "mmol/mol"  # 7.5%
    assert found["egfr"].value == 52 and found["urine_acr"].value == pytest.approx(3.4)
    # None of the results carries a date: each takes its report's (the day the sample was taken).
    assert {o.effective_date for o in found.values()} == {dt.date(2026, 6, 2)}
    assert report.created == {"patient": 1, "observation": 4}
    assert report.imported_lines() == ["1 patient: 1 new", "4 observations: 4 new", "4 results from 2 lab reports"]
    assert report.skipped_line() == ""  # the reports are no longer skipped
    assert "  4 results from 2 lab reports" in render_text([report]).splitlines()  # the command line's report


def test_a_contained_result_is_identified_by_its_report_and_its_own_id(run_import, universe):
    run_import(as_file(lab_reports()))
    acr = Observation.objects.get(practice=universe.practice, concept="urine_acr")
    assert acr.source_id == "DiagnosticReport/urine-2026-06-02#acr"
    assert acr.patient.nhs_number == IMRAN  # the contained result names no patient: it is the report's


def test_a_result_with_its_own_date_keeps_it(run_import, universe):
    bundle = lab_reports()
    resource(bundle, "chol-2026-06-02")["effectiveDateTime"] = "2026-05-30"
    run_import(as_file(bundle))
    assert results(universe.practice)["total_cholesterol"].effective_date == dt.date(2026, 5, 30)


def test_observations_that_are_no_report_s_results_are_imported_as_before(run_import, universe):
    bundle = lab_reports()
    resource(bundle, "blood-2026-06-02")["result"].pop(0)  # the HbA1c
    resource(bundle, "hba1c-2026-06-02")["effectiveDateTime"] = "2026-06-01"
    [report] = run_import(as_file(bundle))
    assert report.imported, report.problems
    assert results(universe.practice)["hba1c"].effective_date == dt.date(2026, 6, 1)
    assert "4 observations: 4 new" in report.imported_lines()
    assert "3 results from 2 lab reports" in report.imported_lines()


# --- Problems: nothing from the file is stored --------------------------------------------------

def test_a_result_reference_that_resolves_to_nothing_is_a_problem(run_import, universe):
    bundle = lab_reports()
    resource(bundle, "blood-2026-06-02")["result"].append(
        {"reference": "urn:uuid:3f6a2c1e-8b4d-4e7a-9c20-5d1e2f3a4b99"})
    resource(bundle, "urine-2026-06-02")["result"].append({"reference": "#creatinine"})
    before = stored(universe.practice)
    [report] = run_import(as_file(bundle))
    assert report.rejected and stored(universe.practice) == before
    problems = {p.where.number: p.reason for p in report.problems}
    assert set(problems) == {BLOOD, URINE}
    assert problems[BLOOD] == ("this DiagnosticReport lists the result urn:uuid:3f6a2c1e-8b4d-4e7a-9c20-5d1e2f3a4b99, "
                               "which is neither in this file, contained in the report, nor an Observation Tandem "
                               "holds.")
    assert problems[URINE] == "this DiagnosticReport lists the result #creatinine, but it contains nothing with that id."


def test_a_result_about_a_different_patient_from_its_report_is_refused(run_import, universe):
    bundle = lab_reports()
    # Margaret is registered at the practice, so the reference itself resolves.
    resource(bundle, "hba1c-2026-06-02")["subject"] = {
        "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}}
    resource(bundle, "urine-2026-06-02")["contained"][0]["subject"] = {"reference": "Patient/someone-else"}
    before = stored(universe.practice)
    [report] = run_import(as_file(bundle))
    assert report.rejected and stored(universe.practice) == before
    assert not Observation.objects.filter(patient=universe.patient).exists()
    by_where = {(p.where.number, p.where.resource): p.reason for p in report.problems}
    assert by_where[(3, "Observation/hba1c-2026-06-02")].startswith(
        "this Observation is a result of the lab report at Entry 2 (DiagnosticReport/blood-2026-06-02)")
    assert "about a different patient from the report" in by_where[(3, "Observation/hba1c-2026-06-02")]
    # A contained result refers to someone who is nobody Tandem knows: a problem of its own.
    assert "neither in this file nor registered" in by_where[
        (URINE, "DiagnosticReport/urine-2026-06-02, contained Observation #acr")]


def test_an_implausible_result_refuses_the_whole_file(run_import, universe):
    bundle = lab_reports()
    # An HbA1c of 7.5 labelled mmol/mol: the % value with the wrong unit.
    resource(bundle, "urine-2026-06-02")["contained"][0].update({
        "code": {"coding": [{"system": "http://loinc.org", "code": "59261-8"}]},
        "valueQuantity": {"value": 7.5, "unit": "mmol/mol"}})
    [report] = run_import(as_file(bundle))
    assert report.rejected
    assert stored(universe.practice) == (1, 0)  # not even the patient or the sound blood results
    [problem] = report.problems
    assert (problem.where.number, problem.where.resource) == (
        URINE, "DiagnosticReport/urine-2026-06-02, contained Observation #acr")
    assert "outside the plausible range" in problem.reason


def test_an_invalid_report_is_a_problem_named_by_its_entry(run_import, universe):
    bundle = lab_reports()
    resource(bundle, "blood-2026-06-02")["status"] = "finished"
    [report] = run_import(as_file(bundle))
    assert report.rejected
    [problem] = report.problems
    assert problem.where.number == BLOOD
    assert problem.reason.startswith("this DiagnosticReport has the status 'finished', which is not a status of a "
                                     "report in FHIR R4")


# --- Reports that are not final ------------------------------------------------------------------

@pytest.mark.parametrize("status, label", [
    ("preliminary", "preliminary"), ("partial", "not final"), ("registered", "no results yet"),
    ("cancelled", "cancelled"), ("entered-in-error", "entered in error"), ("unknown", "status unknown"),
])
def test_a_report_that_is_not_final_is_skipped_with_its_results(run_import, universe, status, label):
    bundle = lab_reports()
    resource(bundle, "blood-2026-06-02")["status"] = status
    [report] = run_import(as_file(bundle))
    assert report.imported, report.problems
    # The results in the file are the report's: they wait for the final report too.
    assert set(results(universe.practice)) == {"urine_acr"}
    assert report.skipped[f"DiagnosticReport ({label})"] == 1
    assert report.skipped["Observation (result of a lab report not imported)"] == 3
    assert "1 result from 1 lab report" in report.imported_lines()
    [warning] = report.warnings
    assert warning.where.number == BLOOD
    assert warning.reason.startswith("this lab report and its results were not imported: ")


def test_a_report_marked_entered_in_error_after_import_is_flagged_not_deleted(run_import, universe):
    run_import(as_file(lab_reports()))
    withdrawn = lab_reports()
    resource(withdrawn, "blood-2026-06-02")["status"] = "entered-in-error"
    [report] = run_import(as_file(withdrawn))
    assert report.imported
    assert set(results(universe.practice)) == {"hba1c", "total_cholesterol", "egfr", "urine_acr"}
    [warning] = report.warnings
    assert warning.where.number == BLOOD
    assert warning.reason.startswith("this lab report is marked as entered in error, but Tandem holds 3 results "
                                     "from it, imported earlier. Importing never deletes")


# --- Re-import and correction --------------------------------------------------------------------

def test_reimporting_the_same_reports_changes_nothing(run_import, universe):
    run_import(as_file(lab_reports()))
    before = {o.source_id: (o.pk, o.value, o.effective_date) for o in Observation.objects.all()}
    [again] = run_import(as_file(lab_reports()))
    assert again.imported and not again.created and not again.updated
    assert {o.source_id: (o.pk, o.value, o.effective_date) for o in Observation.objects.all()} == before
    assert again.imported_lines() == ["1 patient: 1 already up to date", "4 observations: 4 already up to date",
                                      "4 results from 2 lab reports"]


def test_a_corrected_report_updates_its_results_in_place(run_import, universe):
    run_import(as_file(lab_reports()))
    corrected = lab_reports()
    resource(corrected, "urine-2026-06-02")["status"] = "corrected"
    resource(corrected, "urine-2026-06-02")["contained"][0]["valueQuantity"]["value"] = 4.1
    resource(corrected, "blood-2026-06-02")["status"] = "amended"
    resource(corrected, "hba1c-2026-06-02")["valueQuantity"] = {"value": 61, "unit": "mmol/mol"}
    [report] = run_import(as_file(corrected))
    assert report.updated == {"observation": 2}
    found = results(universe.practice)
    assert (found["urine_acr"].value, found["hba1c"].value) == (pytest.approx(4.1), 61)
    assert Observation.objects.filter(practice=universe.practice).count() == 4


# --- Reports and results in files of their own (a bulk-data export) -----------------------------

def _export() -> tuple[list[dict], list[dict], list[dict]]:
    bundle = lab_reports()
    entries = [copy.deepcopy(e["resource"]) for e in bundle["entry"]]
    patient, blood, *observations = entries[:5]
    patient["id"] = "imran"
    for resource_ in (blood, *observations):
        resource_["subject"] = {"reference": "Patient/imran"}
    blood["result"] = [{"reference": f"Observation/{o['id']}"} for o in observations]
    for observation in observations:
        observation["effectiveDateTime"] = "2026-06-02"
    return [patient], observations, [blood]


def test_a_report_may_refer_to_observations_in_another_file_of_the_export(run_import, universe):
    patients, observations, reports = _export()
    imported = run_import(as_file(reports, "DiagnosticReport.ndjson"), as_file(observations, "Observation.ndjson"),
                          as_file(patients, "Patient.ndjson"))
    assert all(r.imported for r in imported), [r.problems for r in imported]
    assert set(results(universe.practice)) == {"hba1c", "total_cholesterol", "egfr"}
    assert imported[0].imported_lines() == ["3 results from 1 lab report"]


def test_a_report_referring_to_another_patients_observation_held_by_tandem_is_refused(run_import, universe):
    patients, observations, reports = _export()
    run_import(as_file(patients, "Patient.ndjson"), as_file(observations, "Observation.ndjson"))
    reports[0]["subject"] = {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000018"}}
    [report] = run_import(as_file(reports, "DiagnosticReport.ndjson"))
    assert report.rejected
    assert {p.where.number for p in report.problems} == {1}
    assert all("which Tandem holds for a different patient" in p.reason for p in report.problems)
