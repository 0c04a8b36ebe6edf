"""The SNOMED CT codelists and medicines catalogue: complete, cited, well-formed.

Plain pytest, no database. The Verhoeff check digit is implemented here on
purpose (not imported from the code under test): every real SNOMED CT and dm+d
identifier passes it, so it catches mistyped or invented codes.
"""

from __future__ import annotations

import csv
import io

import pytest

from tandem.terminology import codelists
from tandem.terminology.codelists import LTC_SLUGS, CodelistError


@pytest.fixture(autouse=True)
def _pinned_clock():
    """Override the suite-wide clock pin: these tests are pure and need no Django settings."""
    yield


# --- Verhoeff check digit (as SNOMED CT identifiers use it) ---------------------

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
# The position permutations are powers of one permutation; build them rather
# than typing eight rows out (a typo there silently breaks the check).
_P1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P = [tuple(range(10))]
for _ in range(7):
    _P.append(tuple(_P[-1][_P1[j]] for j in range(10)))


def verhoeff_ok(number: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def is_snomed_id(code: str) -> bool:
    return code.isdigit() and 6 <= len(code) <= 18 and code[0] != "0" and verhoeff_ok(code)


def test_verhoeff_accepts_known_ids_and_rejects_a_typo():
    for real in (
        "138875005",
        "404684003",
        "195967001",
        "44054006",
        "900000000000207008",
        "10692761000119107",
    ):
        assert is_snomed_id(real), real
    assert not is_snomed_id("195967002")  # last digit changed
    assert not is_snomed_id("195976001")  # adjacent digits swapped
    assert not is_snomed_id("12345")  # too short


# --- codelists ------------------------------------------------------------------

REQUIRED_LTCS = (
    "hypertension",
    "diabetes_type1",
    "diabetes_type2",
    "non_diabetic_hyperglycaemia",
    "asthma",
    "copd",
    "coronary_heart_disease",
    "heart_failure",
    "atrial_fibrillation",
    "stroke_tia",
    "ckd_3_5",
    "depression",
    "dementia",
    "serious_mental_illness",
    "learning_disability",
    "osteoporosis",
    "rheumatoid_arthritis",
    "cancer",
    "epilepsy",
    "hypothyroidism",
    "osteoarthritis",
    "chronic_pain",
)

CANONICAL = {
    "hypertension": ("38341003", "59621000"),
    "diabetes_type1": ("46635009",),
    "diabetes_type2": ("44054006",),
    "non_diabetic_hyperglycaemia": ("700449008",),
    "asthma": ("195967001",),
    "copd": ("13645005",),
    "coronary_heart_disease": ("53741008", "22298006", "194828000"),
    "heart_failure": ("84114007",),
    "atrial_fibrillation": ("49436004",),
    "stroke_tia": ("230690007", "266257000"),
    "ckd_3_5": ("433144002", "700378005", "700379002", "431857002", "433146000"),
    "depression": ("35489007",),
    "dementia": ("52448006", "26929004"),
    "serious_mental_illness": ("58214004", "13746004"),
    "osteoporosis": ("64859006",),
    "rheumatoid_arthritis": ("69896004",),
    "cancer": ("363346000",),
    "epilepsy": ("84757009",),
    "hypothyroidism": ("40930008",),
    "osteoarthritis": ("396275006",),
    "chronic_pain": ("82423001",),
}

# Codes deliberately in more than one diagnosis list, because that is clinically right.
ALLOWED_OVERLAPS = {
    "10692761000119107": {"asthma", "copd"},  # asthma-COPD overlap syndrome
}
# Pairs of registers whose published QOF clusters share codes (the lists are the whole clusters, so
# a code in two clusters is in both lists): epilepsy syndromes with intellectual disability, vascular
# dementia after stroke, depression with psychotic features, a syndrome with diabetes and
# intellectual disability...
OVERLAPPING_CLUSTERS = {
    frozenset(pair) for pair in (
        ("asthma", "copd"), ("epilepsy", "learning_disability"), ("depression", "serious_mental_illness"),
        ("dementia", "stroke_tia"), ("dementia", "depression"), ("diabetes_type2", "learning_disability"),
        ("epilepsy", "stroke_tia"), ("dementia", "learning_disability"),
        # hypertension in CKD stage 3 to 5 due to type 2 diabetes: in both HYP_COD and CKD_COD
        ("ckd_3_5", "hypertension"),
    )
}


def test_ltc_slugs_are_exactly_the_required_conditions_in_order():
    assert LTC_SLUGS == REQUIRED_LTCS


@pytest.mark.parametrize("slug", REQUIRED_LTCS)
def test_every_ltc_has_a_cited_diagnosis_codelist(slug):
    codelist = codelists.get(slug)
    assert codelist.slug == slug
    assert codelist.kind == "diagnosis"
    assert codelist.name.strip()
    assert len(codelist.source) > 20, "source must say where the codes come from"
    assert len(codelist.codes) >= 1
    assert codelist.resolves == ()
    assert codelists.display_name(slug) == codelist.name


def test_diagnosis_codelists_follow_ltc_order():
    assert tuple(codelists.diagnosis_codelists()) == LTC_SLUGS
    assert tuple(codelists.all_codelists())[: len(LTC_SLUGS)] == LTC_SLUGS


@pytest.mark.parametrize("slug", sorted(codelists.all_codelists()))
def test_codes_are_snomed_ids_with_terms(slug):
    codelist = codelists.get(slug)
    bad = sorted(code for code in codelist.codes if not is_snomed_id(code))
    assert not bad, f"{slug}: not valid SNOMED CT identifiers (Verhoeff): {bad}"
    assert set(codelist.terms) == set(codelist.codes)
    assert all(term.strip() for term in codelist.terms.values())


@pytest.mark.parametrize(("slug", "codes"), sorted(CANONICAL.items()))
def test_canonical_codes_are_in_the_right_list(slug, codes):
    for code in codes:
        assert code in codelists.get(slug), f"{code} missing from {slug}"
        assert slug in codelists.conditions_for_code(code)


def test_type_1_and_type_2_diabetes_do_not_share_codes():
    type1 = codelists.get("diabetes_type1").codes
    type2 = codelists.get("diabetes_type2").codes
    assert not type1 & type2


def test_codes_are_in_one_diagnosis_list_unless_allowed():
    for code, allowed in ALLOWED_OVERLAPS.items():
        assert set(codelists.conditions_for_code(code)) == allowed
    shared = {}
    for slug, codelist in codelists.diagnosis_codelists().items():
        for code in codelist.codes:
            shared.setdefault(code, set()).add(slug)
    unexpected = {c: s for c, s in shared.items()
                  if len(s) > 1 and ALLOWED_OVERLAPS.get(c) != s and frozenset(s) not in OVERLAPPING_CLUSTERS}
    assert not unexpected


def test_resolution_lists_resolve_existing_diagnosis_lists():
    resolution = codelists.resolution_codelists()
    assert {
        "diabetes_resolved",
        "hypertension_resolved",
        "asthma_resolved",
        "depression_resolved",
        "ckd_resolved",
    } <= set(resolution)
    diagnosis = codelists.diagnosis_codelists()
    for slug, codelist in resolution.items():
        assert codelist.kind == "resolution"
        assert codelist.resolves, slug
        assert codelist.source.strip()
        for target in codelist.resolves:
            assert target in diagnosis, f"{slug} resolves unknown {target}"
            assert codelist in codelists.resolutions_for(target)
        # a "resolved" code must never count as a diagnosis of what it resolves (a CKD stage 1-2 code may
        # still be a hypertension code: HYP_COD and CKD1AND2_COD share "hypertension in CKD stage 2" codes)
        for code in codelist.codes:
            assert not set(codelists.conditions_for_code(code)) & set(codelist.resolves), (slug, code)


def test_diabetes_resolved_resolves_both_types():
    assert set(codelists.get("diabetes_resolved").resolves) == {"diabetes_type1", "diabetes_type2"}
    assert "315051004" in codelists.get("diabetes_resolved")


def test_age_limits_follow_qof_registers():
    expected = {
        "diabetes_type1": 17,
        "diabetes_type2": 17,
        "ckd_3_5": 18,
        "depression": 18,
        "epilepsy": 18,
        "osteoporosis": 50,
        "rheumatoid_arthritis": 16,
    }
    for slug, age in expected.items():
        assert codelists.get(slug).age_min == age, slug
    assert codelists.get("hypertension").age_min is None


def test_lookups():
    assert codelists.term_for("44054006") == "Diabetes mellitus type 2"
    assert codelists.term_for(44054006) == "Diabetes mellitus type 2"
    assert codelists.term_for("315051004") == "Diabetes resolved"
    assert codelists.term_for("999999999") is None
    assert codelists.conditions_for_code(" 49436004 ") == ("atrial_fibrillation",)
    assert codelists.conditions_for_code("1") == ()
    assert codelists.get("asthma").term("195967001") == "Asthma"


def test_unknown_slug_error_lists_the_known_slugs():
    with pytest.raises(KeyError) as excinfo:
        codelists.get("gout")
    message = str(excinfo.value)
    assert "gout" in message
    assert "hypertension" in message and "diabetes_resolved" in message
    with pytest.raises(KeyError):
        codelists.medicines_for("gout")


def test_returned_collections_cannot_change_the_cache():
    everything = codelists.all_codelists()
    everything.pop("asthma")
    assert "asthma" in codelists.all_codelists()
    with pytest.raises(TypeError):
        codelists.get("asthma").terms["1"] = "x"  # type: ignore[index]


# --- the file format ------------------------------------------------------------


def test_parser_rejects_malformed_files():
    good = "# name: X\n# slug: x\n# kind: diagnosis\n# source: somewhere\ncode,term\n44054006,T\n"
    assert codelists._parse_codelist("x.csv", good).codes == {"44054006"}
    broken = {
        "missing source": good.replace("# source: somewhere\n", ""),
        "slug mismatch": good.replace("slug: x", "slug: y"),
        "bad kind": good.replace("kind: diagnosis", "kind: other"),
        "duplicate code": good + "44054006,T again\n",
        "non-numeric code": good + "ABC,T\n",
        "no codes": good.replace("44054006,T\n", ""),
        "resolution without resolves": good.replace("kind: diagnosis", "kind: resolution"),
        "bad age": good.replace("code,term", "# age_min: old\ncode,term"),
        "unknown header": good.replace("code,term", "# colour: red\ncode,term"),
    }
    for what, text in broken.items():
        with pytest.raises(CodelistError):
            codelists._parse_codelist("x.csv", text)
            pytest.fail(what)


# --- medicines ------------------------------------------------------------------

# Conditions with no catalogue medicine, and why.
NO_MEDICINE = {
    # NICE PH38: managed by lifestyle change and the NHS Diabetes Prevention Programme.
    "non_diabetic_hyperglycaemia",
    # A learning disability is not treated with medicines (conditions that come with it have their own).
    "learning_disability",
}

# Codes in each list, pinned: a list that changes must change here too, with its source line.
PINNED_COUNTS = {
    "diabetes_type1": 24, "diabetes_type2": 62, "diabetes_resolved": 1,  # DM_COD 20250627: 86 in all
    "hypertension": 117, "hypertension_resolved": 1, "asthma": 142, "asthma_resolved": 1, "copd": 58,
    "copd_resolved": 1, "coronary_heart_disease": 336, "stroke_tia": 280, "heart_failure": 41,
    "heart_failure_resolved": 1, "dementia": 325, "epilepsy": 210, "epilepsy_resolved": 1, "ckd_resolved": 1,
    "osteoporosis": 40, "depression": 106, "depression_resolved": 1, "learning_disability": 696,
    "atrial_fibrillation_resolved": 1, "anxiety": 422,
    # Cambridge Multimorbidity Score: bristol/multimorbidity_irritable-bowel-syndrome, all 15; the laxative (BNF 1.6)
    # and antispasmodic (BNF 1.2) VMPs of user/ZoeMZou/multimorbidity_prescription_chronic_constipation and _anti_spasmodic
    "irritable_bowel_syndrome": 15, "cms_laxatives": 114, "cms_antispasmodics": 55,
    # QOF clusters, whole: AFIB_COD 20260630, CKD_COD 20200812, CKD1AND2_COD 20260630, RARTH_COD 20260630,
    # MH_COD 20210127; cancer: C19CAN_COD 20210127 (3,520) with C19HAEMCAN_COD 20210127 (817), 10 shared
    "atrial_fibrillation": 24, "ckd_3_5": 51, "ckd_stage_1_2": 27, "rheumatoid_arthritis": 152,
    "serious_mental_illness": 190, "cancer": 4327, "alcohol_problems": 86,
    "efi_activity_limitation": 6, "efi_anaemia": 155, "efi_arthritis": 83, "efi_atrial_fibrillation": 21,
    "efi_cerebrovascular": 80, "efi_ckd": 43, "efi_diabetes": 157, "efi_dizziness": 37, "efi_dyspnoea": 10,
    "efi_falls": 13, "efi_foot_problems": 9, "efi_fragility_fracture": 149, "efi_hearing_impairment": 44,
    "efi_heart_failure": 62, "efi_heart_valve_disease": 5, "efi_housebound": 17, "efi_hypertension": 39,
    "efi_hypotension": 28, "efi_ischaemic_heart_disease": 64, "efi_memory": 112, "efi_mobility": 32,
    "efi_osteoporosis": 55, "efi_parkinsonism": 43, "efi_peptic_ulcer": 95, "efi_peripheral_vascular_disease": 27,
    "efi_requires_care": 11, "efi_respiratory": 265, "efi_skin_ulcer": 97, "efi_sleep_disturbance": 18,
    "efi_social_vulnerability": 22, "efi_thyroid": 46, "efi_urinary_incontinence": 36,
    "efi_urinary_system_disease": 40, "efi_visual_impairment": 154, "efi_weight_loss": 14,
}


@pytest.mark.parametrize(("slug", "count"), sorted(PINNED_COUNTS.items()))
def test_each_list_holds_the_published_count(slug, count):
    assert len(codelists.get(slug)) == count


def test_the_diabetes_lists_together_are_the_whole_qof_diabetes_cluster():
    union = codelists.get("diabetes_type1").codes | codelists.get("diabetes_type2").codes
    assert len(union) == 86
    assert "73211009" in codelists.get("diabetes_type2")  # Diabetes mellitus
    assert "703136005" in codelists.get("diabetes_type2")  # Diabetes mellitus in remission: still diabetes


def test_every_list_says_where_it_comes_from_and_which_release():
    for slug, codelist in codelists.all_codelists().items():
        assert "github.com" in codelist.source or "opencodelists.org" in codelist.source \
            or "not reached" in codelist.notes, slug


def test_ckd_stage_1_and_2_codes_end_the_ckd_register_and_are_no_register_of_their_own():
    stage_1_2 = codelists.get("ckd_stage_1_2")
    assert stage_1_2.kind == "resolution" and stage_1_2.resolves == ("ckd_3_5",)
    assert {"431855005", "431856006"} <= stage_1_2.codes  # CKD stage 1, stage 2
    assert not stage_1_2.codes & codelists.get("ckd_3_5").codes
    assert stage_1_2 in codelists.resolutions_for("ckd_3_5")


def test_the_cancer_register_holds_haematological_cancers_too():
    cancer = codelists.get("cancer")
    assert "92814006" in cancer  # Chronic lymphoid leukemia
    assert "363346000" in cancer  # Malignant neoplastic disease


def test_the_efi_has_a_code_list_for_every_deficit_but_polypharmacy():
    efi = {slug for slug in codelists.feature_codelists() if slug.startswith("efi_")}
    assert len(efi) == 35


def test_medicine_groups_name_their_bnf_section_and_hold_the_medicines_people_take():
    groups = codelists.medicine_groups()
    assert {slug: g.bnf for slug, g in groups.items()} == {"cms_antispasmodics": "1.2", "cms_laxatives": "1.6"}
    laxatives, antispasmodics = groups["cms_laxatives"], groups["cms_antispasmodics"]
    assert {"42358311000001108", "3591211000001105", "42354411000001105"} <= laxatives.codes  # senna, macrogol, lactulose
    assert "42355011000001102" in antispasmodics  # mebeverine 135mg tablets
    assert "42354211000001106" in laxatives and "42354211000001106" in antispasmodics  # ispaghula with mebeverine
    ibs = [m for m in codelists.medicines() if "irritable_bowel_syndrome" in m.for_conditions]
    assert len(ibs) == 5 and all(m.dmd_code in antispasmodics for m in ibs)
    assert not groups.keys() & codelists.feature_codelists().keys()


def test_the_synthetic_practice_laxatives_are_in_the_laxative_group():
    from tandem.synth.generate.general_medicines import LAXATIVES, general_catalogue

    by_name = {m.name: m for m in general_catalogue()}
    assert all(by_name[name].dmd_code in codelists.get("cms_laxatives") for name in LAXATIVES)


def test_only_a_medicine_group_names_a_bnf_section():
    head = "# name: X\n# slug: x\n# source: s\n"
    with pytest.raises(CodelistError, match="bnf"):
        codelists._parse_codelist("x.csv", head + "# kind: medicine\ncode,term\n42358311000001108,Senna\n")
    with pytest.raises(CodelistError, match="bnf"):
        codelists._parse_codelist("x.csv", head + "# kind: feature\n# bnf: 1.6\ncode,term\n10743008,IBS\n")
    assert codelists._parse_codelist(
        "x.csv", head + "# kind: medicine\n# bnf: 1.6\ncode,term\n42358311000001108,Senna\n").bnf == "1.6"


def test_medicines_catalogue_is_well_formed():
    catalogue = codelists.medicines()
    assert 60 <= len(catalogue) <= 90
    names = [m.name for m in catalogue]
    assert len(names) == len(set(names))
    known = set(codelists.all_codelists())
    for medicine in catalogue:
        assert medicine.dose.strip(), medicine.name
        assert medicine.for_conditions, medicine.name
        assert set(medicine.for_conditions) <= known, medicine.name
        assert isinstance(medicine.regular, bool)


def test_dmd_codes_pass_the_check_digit():
    coded = [m for m in codelists.medicines() if m.dmd_code]
    assert len(coded) >= 40
    bad = [(m.name, m.dmd_code) for m in coded if not is_snomed_id(m.dmd_code)]
    assert not bad
    codes = [m.dmd_code for m in coded]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("slug", REQUIRED_LTCS)
def test_every_ltc_has_a_medicine_unless_none_is_right(slug):
    found = codelists.medicines_for(slug)
    if slug in NO_MEDICINE:
        assert found == ()
    else:
        assert found, f"no medicine for {slug}"


def test_medicine_examples():
    by_name = {m.name: m for m in codelists.medicines()}
    metformin = by_name["Metformin 500mg tablets"]
    assert metformin.dmd_code == "325278007"
    assert metformin.for_conditions == ("diabetes_type2",)
    assert metformin.regular is True
    assert by_name["Salbutamol 100micrograms/dose inhaler CFC free"].regular is False
    assert "ONCE A WEEK" in by_name["Methotrexate 2.5mg tablets"].dose
    assert (
        "Pregnancy Prevention Programme"
        in by_name["Sodium valproate modified-release tablets"].dose
    )
    assert (
        by_name["Sertraline 50mg tablets"].dmd_code is None
    )  # not verified: left blank, not guessed
    assert metformin in codelists.medicines_for("diabetes_type2")
    assert metformin not in codelists.medicines_for("diabetes_type1")


def test_medicines_file_header_cites_dmd():
    text = (codelists._data_files() / "medicines.csv").read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("dm+d" in line for line in comments)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    header = next(csv.reader(io.StringIO(body)))
    assert header == ["dmd_code", "name", "dose", "for_conditions", "regular"]
