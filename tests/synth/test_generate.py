"""The synthetic generator without a database: deterministic, well-formed, coded from our codelists."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest

from tandem.patients.rules import is_valid_nhs_number
from tandem.synth.generate import CAPACITY, COLUMNS, RangeExhausted, generate
from tandem.synth.generate.general_medicines import FROM_CONDITION_CATALOGUE, general_catalogue
from tandem.synth.generate.nhs_numbers import nhs_numbers
from tandem.terminology import codelists
from tandem.terminology.observations import BY_KEY, MRC_GRADE_CODES

TODAY = dt.date(2026, 6, 15)


def rows_by_table(chunks) -> dict[str, list[tuple]]:
    """All chunks' rows with the chunk-local patient position made global, so chunkings compare."""
    out: dict[str, list[tuple]] = defaultdict(list)
    for chunk in chunks:
        for name, rows in chunk.tables():
            if name == "patients":
                out[name].extend(rows)
            else:
                out[name].extend((chunk.first_index + row[0], *row[1:]) for row in rows)
    return out


@pytest.fixture(scope="module")
def practice_rows():
    return rows_by_table(generate(patients=3000, seed=11, today=TODAY))


def as_dicts(rows: dict[str, list[tuple]], name: str) -> list[dict]:
    return [dict(zip(COLUMNS[name], row, strict=True)) for row in rows[name]]


def test_same_seed_gives_identical_rows_whatever_the_chunk_size():
    first = rows_by_table(generate(patients=400, seed=3, today=TODAY))
    again = rows_by_table(generate(patients=400, seed=3, today=TODAY, chunk_size=37))
    assert first == again
    assert sum(len(rows) for rows in first.values()) > 400 * 10


def test_different_seed_or_reference_date_gives_different_people():
    one = rows_by_table(generate(patients=200, seed=3, today=TODAY))
    other = rows_by_table(generate(patients=200, seed=4, today=TODAY))
    assert one["patients"] != other["patients"]
    later = rows_by_table(generate(patients=200, seed=3, today=TODAY + dt.timedelta(days=1)))
    assert later["observations"] != one["observations"]


def test_chunks_are_bounded():
    sizes = [len(chunk.patients) for chunk in generate(patients=1234, seed=1, today=TODAY, chunk_size=500)]
    assert sizes == [500, 500, 234]


def test_nhs_numbers_are_valid_unique_and_in_the_999_range(practice_rows):
    numbers = [p["nhs_number"] for p in as_dicts(practice_rows, "patients")]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)


def test_nhs_numbers_skip_those_already_used():
    first_ten = [n for n, _ in zip(nhs_numbers(5), range(10), strict=False)]
    generated = [p[0] for chunk in generate(patients=10, seed=5, today=TODAY, exclude_nhs_numbers={first_ten[0]})
                 for p in chunk.patients]
    assert first_ten[0] not in generated
    assert generated[:9] == first_ten[1:]


def test_the_999_range_holds_909091_valid_numbers_and_more_are_refused():
    # Count stems 999dddddd whose Modulus 11 check is not 10, digit by digit (weights 10..2).
    remainders = {sum(9 * w for w in (10, 9, 8)) % 11: 1}
    for weight in (7, 6, 5, 4, 3, 2):
        following = defaultdict(int)
        for remainder, count in remainders.items():
            for digit in range(10):
                following[(remainder + digit * weight) % 11] += count
        remainders = following
    valid = sum(count for remainder, count in remainders.items() if (11 - remainder) % 11 != 10)
    assert CAPACITY == valid == 909_091
    with pytest.raises(RangeExhausted, match="999 test range"):
        next(generate(patients=CAPACITY + 1, seed=1, today=TODAY))


def test_every_condition_code_comes_from_a_codelist_with_its_term(practice_rows):
    conditions = as_dicts(practice_rows, "conditions")
    assert conditions
    for row in conditions:
        slugs = codelists.conditions_for_code(row["code"])
        resolution = [cl for cl in codelists.resolution_codelists().values() if row["code"] in cl]
        assert slugs or resolution, row
        assert row["term"] == codelists.term_for(row["code"])
        assert row["resolved_date"] is None or row["resolved_date"] >= row["onset_date"]


def test_some_conditions_are_resolved_with_a_resolution_code(practice_rows):
    conditions = as_dicts(practice_rows, "conditions")
    resolved = [c for c in conditions if c["resolved_date"] is not None]
    assert resolved, "registers need resolved diagnoses to exclude"
    resolution_codes = {code for cl in codelists.resolution_codelists().values() for code in cl.codes}
    by_patient = defaultdict(set)
    for c in conditions:
        by_patient[c["patient"]].add(c["code"])
    for c in resolved:
        if c["code"] not in resolution_codes:
            assert by_patient[c["patient"]] & resolution_codes


def test_codes_fit_the_person(practice_rows):
    sex = {i: p["sex"] for i, p in enumerate(as_dicts(practice_rows, "patients"))}
    for row in as_dicts(practice_rows, "conditions"):
        term = row["term"].lower()
        if "prostate" in term or "testis" in term:
            assert sex[row["patient"]] == "male"
        if "ovary" in term or "cervix" in term or "uterus" in term or "female breast" in term:
            assert sex[row["patient"]] == "female"


def test_observations_use_canonical_concepts_units_codes_and_plausible_values(practice_rows):
    observations = as_dicts(practice_rows, "observations")
    seen = {o["concept"] for o in observations}
    # Recorded at the tests appointment (tandem.results); the synthetic histories do not make them.
    point_of_care_only = {"height", "foot_risk", "inhaler_technique"}
    assert seen == set(BY_KEY) - point_of_care_only, f"missing: {set(BY_KEY) - point_of_care_only - seen}"
    for o in observations:
        concept = BY_KEY[o["concept"]]
        assert o["unit"] == concept.unit
        if concept.key == "mrc_dyspnoea":  # one finding code per grade, as GP systems record it
            assert o["code_system"] == "snomed" and MRC_GRADE_CODES[o["code"]] == o["value"], o
        elif o["code_system"] == "snomed":
            assert o["code"] in concept.snomed
        elif o["code_system"] == "loinc":
            assert o["code"] in concept.loinc
        else:
            assert not concept.snomed and not concept.loinc and o["code"] == ""
        if concept.coded:
            assert o["value"] is None and o["value_code"] in ("current", "ex", "never")
        else:
            low, high = concept.plausible
            assert o["value_code"] == "" and low <= o["value"] <= high, o


def test_results_are_dated_within_each_life_and_registration(practice_rows):
    patients = as_dicts(practice_rows, "patients")
    for o in as_dicts(practice_rows, "observations"):
        p = patients[o["patient"]]
        end = p["date_of_death"] or p["left_on"] or TODAY
        assert p["date_of_birth"] <= o["effective_date"] <= end
    for c in as_dicts(practice_rows, "conditions"):
        p = patients[c["patient"]]
        assert p["date_of_birth"] <= c["onset_date"] <= TODAY
    for m in as_dicts(practice_rows, "medications"):
        p = patients[m["patient"]]
        end = p["date_of_death"] or p["left_on"] or TODAY
        assert p["date_of_birth"] <= m["start_date"] <= end, m
        assert m["end_date"] is None or m["start_date"] < m["end_date"] <= end, m


def test_medicines_come_from_the_catalogues_and_fit_the_person(practice_rows):
    for_conditions = {m.name: m for m in codelists.medicines()}
    everyday = {m.name: m for m in general_catalogue()}
    assert not set(for_conditions) & set(everyday)
    slugs = defaultdict(set)
    for c in as_dicts(practice_rows, "conditions"):
        slugs[c["patient"]].update(codelists.conditions_for_code(c["code"]))
    sex = {i: p["sex"] for i, p in enumerate(as_dicts(practice_rows, "patients"))}
    medications = as_dicts(practice_rows, "medications")
    assert any(m["status"] == "stopped" for m in medications)
    assert {m["name"] for m in medications} & set(everyday)
    for m in medications:
        medicine = for_conditions.get(m["name"]) or everyday[m["name"]]
        assert m["dmd_code"] == (medicine.dmd_code or "")
        assert m["is_regular"] == medicine.regular
        assert m["dose"] == medicine.dose
        if m["name"] in for_conditions and m["name"] not in FROM_CONDITION_CATALOGUE:
            assert set(medicine.for_conditions) & slugs[m["patient"]], m
        if m["name"].startswith(("Tamsulosin", "Finasteride")):
            assert sex[m["patient"]] == "male"
        if m["name"].startswith(("Estradiol", "Progesterone")):
            assert sex[m["patient"]] == "female"
        assert (m["status"] == "stopped") == (m["end_date"] is not None)


def test_everyday_medicines_catalogue_is_well_formed_and_cited():
    from tests.terminology.test_codelists import is_snomed_id

    catalogue = general_catalogue()
    assert len({m.name for m in catalogue}) == len(catalogue) >= 15
    for medicine in catalogue:
        assert medicine.dose and medicine.for_conditions == ()
        assert medicine.dmd_code is None or is_snomed_id(medicine.dmd_code), medicine
    assert FROM_CONDITION_CATALOGUE <= {m.name for m in codelists.medicines()}


def test_values_are_valid_model_choices(practice_rows):
    from tandem.patients.models import (
        Channel,
        Encounter,
        Ethnicity,
        HospitalEvent,
        ReasonableAdjustment,
        RegistrationStatus,
        RelatedPerson,
        Sex,
    )

    for p in as_dicts(practice_rows, "patients"):
        assert p["sex"] in Sex.values
        assert p["ethnicity"] in [*Ethnicity.values, ""]
        assert p["preferred_channel"] in Channel.values
        assert p["registration_status"] in RegistrationStatus.values
        assert p["imd_decile"] is None or 1 <= p["imd_decile"] <= 10
        assert re.fullmatch(r"YY\d{1,2} \d[A-Z]{2}", p["postcode"])
        assert p["mobile"] == "" or re.fullmatch(r"07700 900\d{3}", p["mobile"])
        assert p["phone"] == "" or re.fullmatch(r"01632 960\d{3}", p["phone"])
        assert p["email"] == "" or p["email"].endswith("@example.com")
        assert p["date_of_birth"] <= p["registered_on"] <= TODAY
        assert (p["registration_status"] == "deceased") == (p["date_of_death"] is not None)
        assert (p["registration_status"] == "left") == (p["left_on"] is not None)
        assert p["source_id"].startswith("synth:11:")
    kinds = defaultdict(list)
    for a in as_dicts(practice_rows, "reasonable_adjustments"):
        assert a["kind"] in ReasonableAdjustment.Kind.values
        kinds[a["patient"]].append(a["kind"])
    assert all(len(k) == len(set(k)) for k in kinds.values())
    for r in as_dicts(practice_rows, "related_people"):
        assert r["relationship"] in RelatedPerson.Relationship.values
    for e in as_dicts(practice_rows, "encounters"):
        assert e["kind"] in Encounter.Kind.values
        assert e["status"] in Encounter.Status.values
        assert e["clinician_role"] in ("gp", "nurse", "hca", "pharmacist")
        assert (e["date"] > TODAY) == (e["status"] == "booked")
    for h in as_dicts(practice_rows, "hospital_events"):
        assert h["kind"] in HospitalEvent.Kind.values
        assert h["start_date"] <= h["end_date"]
        assert h["reason_code"] == "" or codelists.conditions_for_code(h["reason_code"])


def test_a_practice_has_the_variety_staff_need(practice_rows):
    patients = as_dicts(practice_rows, "patients")
    statuses = {p["registration_status"] for p in patients}
    assert statuses == {"registered", "left", "deceased"}
    assert {p["preferred_language"] for p in patients} - {"English"}
    kinds = {a["kind"] for a in as_dicts(practice_rows, "reasonable_adjustments")}
    assert {"large_print", "interpreter"} <= kinds
    related = as_dicts(practice_rows, "related_people")
    assert any(r["is_carer"] for r in related) and any(r["has_proxy_access"] for r in related)
    encounters = as_dicts(practice_rows, "encounters")
    assert {e["status"] for e in encounters} >= {"attended", "dna", "booked"}
    assert {e["kind"] for e in encounters} == {"face_to_face", "telephone", "video", "home_visit"}
    assert {h["kind"] for h in as_dicts(practice_rows, "hospital_events")} == {"emergency", "elective", "ae"}


def test_the_generator_is_pure_python_without_django():
    import subprocess
    import sys

    code = ("import sys, tandem.synth.generate, tandem.synth.epidemiology; "
            "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
