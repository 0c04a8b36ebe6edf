"""The measurements Tandem understands: one concept each, with the codes that mean it.

Pure: no Django. Each concept has a canonical unit; values arriving in other units
are converted once, at the edge (FHIR import), so everything stored is comparable.

Sources (each concept below names where its codes were confirmed; every SNOMED CT
identifier here passes the Verhoeff check digit):
- SNOMED CT UK Edition codes: NHS Digital / NHS England Primary Care Domain reference
  sets (QOF clusters such as IFCCHBAM_COD, CHOL2_COD, BMIVAL_COD, LSMOK_COD, EXSMOK_COD,
  MRC_COD) as mirrored on OpenCodelists and copied into public OpenSAFELY study repos;
  University of Manchester GM-SDE clinical code sets (UoM-Data-Science-Platforms/gm-sde,
  shared/clinical-code-sets/tests/*/*.snomed.txt); NHS England "SNOMED code usage in
  primary care" yearly counts (as packaged in bennettoxford/opencodecounts).
- LOINC codes: LOINC (Regenstrief Institute), with long common names as given in public
  FHIR implementation guides and NLM VSAC value set expansions (cited per concept).
- HbA1c DCCT (%) to IFCC (mmol/mol): IFCC = 10.929 x (DCCT - 2.15)
  (IFCC/NGSP master equation; Hoelzel et al., Clin Chem 2004;50:166-74).
- Cholesterol mg/dL to mmol/L: divide by 38.67; albumin:creatinine mg/g to mg/mmol: divide by 8.84.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Concept:
    key: str
    name: str  # what staff see
    plain: str  # what a person sees
    unit: str  # canonical unit, as shown
    loinc: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()
    # unit as sent (UCUM or display form) -> conversion rule to the canonical unit
    conversions: dict[str, str] = field(default_factory=dict)
    decimals: int = 0
    coded: bool = False  # value is a code (e.g. smoking status), not a number
    plausible: tuple[float, float] | None = None  # values outside are rejected on import
    higher_is_worse: bool = True


CONCEPTS: tuple[Concept, ...] = (
    # HbA1c. SNOMED: IFCCHBAM_COD (IFCC, mmol/mol) as copied in opensafely/inflammatory_rheum
    # codelists/nhsd-primary-care-domain-refsets-ifcchbam_cod.csv; 1019431000000105 "HbA1c level
    # (DCCT aligned)" (%) from gm-sde hba1c/2. LOINC: 4548-4, 4549-2 (electrophoresis), 17855-8
    # (calculation), 17856-6 (HPLC), all %, in NLM VSAC "HbA1c Laboratory Test"
    # 2.16.840.1.113883.3.464.1003.198.12.1013; 59261-8 is the IFCC (mmol/mol) code.
    Concept(
        "hba1c", "HbA1c", "average blood sugar (HbA1c)", "mmol/mol",
        loinc=("59261-8", "4548-4", "17856-6", "4549-2", "17855-8"),
        snomed=(
            "999791000000106",  # Haemoglobin A1c level - IFCC standardised
            "1049301000000100",  # HbA1c level (diagnostic reference range) - IFCC standardised
            "1049321000000109",  # HbA1c level (monitoring ranges) - IFCC standardised
            "1107481000000106",  # Substance concentration of haemoglobin A1c in blood
            "1971000237103",  # ... HbA1c diagnostic reference range in blood
            "6181000237109",  # ... HbA1c monitoring range in blood
            "1019431000000105",  # HbA1c level (DCCT aligned), a % value
        ),
        conversions={"%": "dcct_to_ifcc", "mmol/mol": "same"},
        plausible=(15, 200),
    ),
    # Systolic BP. SNOMED: gm-sde blood-pressure/1 and systolic-blood-pressure/1; 72313002 is
    # the code most used in English primary care (opencodecounts, 2024-25), 163030003 the
    # older "O/E - Systolic BP reading" (Read 2469.). Home and ambulatory averages are left
    # out on purpose: they have their own targets. LOINC 8480-6: FHIR R4 vital signs profile.
    Concept(
        "systolic_bp", "Systolic blood pressure", "blood pressure (top number)", "mmHg",
        loinc=("8480-6",),
        snomed=(
            "72313002",  # Systolic arterial pressure
            "271649006",  # Systolic blood pressure
            "163030003",  # On examination - Systolic blood pressure reading
            "407554009",  # Sitting systolic blood pressure
            "400974009",  # Standing systolic blood pressure
            "407556006",  # Lying systolic blood pressure
        ),
        conversions={"mm[Hg]": "same", "mmHg": "same"}, plausible=(50, 300),
    ),
    # Diastolic BP. SNOMED: as systolic (gm-sde; 1091811000000102 is the most used code in
    # English primary care, opencodecounts 2024-25; 163031004 is Read 246A.). LOINC 8462-4:
    # FHIR R4 vital signs profile.
    Concept(
        "diastolic_bp", "Diastolic blood pressure", "blood pressure (bottom number)", "mmHg",
        loinc=("8462-4",),
        snomed=(
            "1091811000000102",  # Diastolic arterial pressure
            "271650006",  # Diastolic blood pressure
            "163031004",  # On examination - Diastolic BP reading
            "407555005",  # Sitting diastolic blood pressure
            "400975005",  # Standing diastolic blood pressure
            "407557002",  # Lying diastolic blood pressure
        ),
        conversions={"mm[Hg]": "same", "mmHg": "same"}, plausible=(20, 200),
    ),
    # Total cholesterol. SNOMED: CHOL2_COD (cholesterol value codes) as copied in
    # markdrussell/nice_gout codelists/nhsd-primary-care-domain-refsets-chol2_cod.csv (the
    # same codes are in gm-sde cholesterol/2). LOINC 14647-2 (mmol/L) and 2093-3 (mg/dL):
    # HL7 FHIR example ValueSet "LOINC Codes for Cholesterol in Serum/Plasma".
    Concept(
        "total_cholesterol", "Total cholesterol", "cholesterol", "mmol/L",
        loinc=("14647-2", "2093-3"),
        snomed=(
            "1005671000000105",  # Serum cholesterol level
            "994351000000103",  # Serum total cholesterol level
            "1017161000000104",  # Plasma total cholesterol level
            "1083761000000106",  # Serum fasting total cholesterol level
            "853681000000104",  # Total cholesterol level
            "850981000000101",  # Cholesterol level
            "1106531000000105",  # Substance concentration of cholesterol in plasma
            "1106541000000101",  # Substance concentration of cholesterol in serum
        ),
        conversions={"mmol/L": "same", "mg/dL": "chol_mgdl"}, decimals=1, plausible=(1, 20),
    ),
    # LDL cholesterol. SNOMED: gm-sde ldl-cholesterol/1. LOINC: 22748-8, 39469-2 (calculated)
    # and 69419-0 (direct) are mmol/L, from HL7 Lithuania lab IG value set and public LOINC
    # display tables; 13457-7 (calculated), 2089-1, 18262-6 (direct) are mg/dL.
    Concept(
        "ldl", "LDL cholesterol", "LDL ('bad') cholesterol", "mmol/L",
        loinc=("22748-8", "39469-2", "69419-0", "13457-7", "2089-1", "18262-6"),
        snomed=(
            "1022191000000100",  # Serum LDL cholesterol level
            "1010591000000104",  # Plasma LDL cholesterol level
            "1014501000000104",  # Calculated LDL cholesterol level
            "1026471000000106",  # Serum fasting LDL cholesterol level
            "1026481000000108",  # Serum random LDL cholesterol level
            "1028861000000101",  # Plasma fasting LDL cholesterol level
            "1028851000000104",  # Plasma random LDL cholesterol level
            "1108541000000100",  # Substance concentration of LDL cholesterol in plasma
            "1108551000000102",  # Substance concentration of LDL cholesterol in serum
            "53981000237105",  # Substance concentration of LDL cholesterol in plasma
            "55621000237101",  # Substance concentration of LDL cholesterol in serum
        ),
        conversions={"mmol/L": "same", "mg/dL": "chol_mgdl"}, decimals=1, plausible=(0.1, 15),
    ),
    # BMI. SNOMED: BMIVAL_COD (BMI value codes) as copied in opensafely/zostavax-dementia
    # codelists/nhsd-primary-care-domain-refsets-bmival_cod.csv. LOINC 39156-5: FHIR R4 vital
    # signs profile.
    Concept(
        "bmi", "Body mass index", "body mass index (BMI)", "kg/m2",
        loinc=("39156-5",),
        snomed=(
            "60621009",  # Body mass index
            "846931000000101",  # Baseline body mass index
            "301331008",  # Finding of body mass index
        ),
        conversions={"kg/m2": "same", "kg/m^2": "same"}, decimals=1, plausible=(10, 90),
    ),
    # Weight. SNOMED: 27113001 and 162763007, the pair OpenSAFELY ehrQL docs and studies use
    # for weight (both among the most used codes in English primary care, opencodecounts).
    # LOINC 29463-7 (FHIR R4 vital signs profile) and 3141-9 "Body weight Measured".
    Concept(
        "weight", "Weight", "weight", "kg",
        loinc=("29463-7", "3141-9"),
        snomed=(
            "27113001",  # Body weight
            "162763007",  # On examination - weight
        ),
        conversions={"kg": "same", "g": "g_to_kg", "[lb_av]": "lb_to_kg"}, decimals=1, plausible=(2, 400),
    ),
    # Height. SNOMED 50373000 "Body height measure" and 162755006 "On examination - height": OpenCodelists
    # opensafely/height-snomed (version 3b4a3891) as copied in opensafely/renal-short-data-report
    # codelists/opensafely-height-snomed.csv. LOINC 8302-2 "Body height": FHIR R4 vital signs profile
    # (the same pair, 50373000 or 8302-2, is what public national FHIR IGs give for body height).
    # Kept in centimetres, as it is measured; a height sent in metres is converted.
    Concept(
        "height", "Height", "height", "cm",
        loinc=("8302-2",),
        snomed=(
            "50373000",  # Body height measure
            "162755006",  # On examination - height
            "248333004",  # Standing height
        ),
        conversions={"cm": "same", "m": "m_to_cm"}, decimals=1, plausible=(50, 250), higher_is_worse=False,
    ),
    # eGFR. SNOMED: gm-sde egfr/1 (estimate codes only: the clearance procedure and the
    # "technique" codes there are left out). LOINC: NLM VSAC eGFR value set
    # 2.16.840.1.113883.17.4077.3.2029 (33914-3, 48642-3, 48643-1, 50044-7, 62238-1,
    # 69405-9) and 98979-8 (CKD-EPI 2021). Race- or sex-specific variants are old reports of
    # the same measure and are kept so history imports.
    Concept(
        "egfr", "eGFR", "kidney function (eGFR)", "mL/min/1.73m2",
        loinc=("62238-1", "98979-8", "33914-3", "48642-3", "48643-1", "69405-9", "50044-7"),
        snomed=(
            "1011481000000105",  # eGFR using creatinine CKD-EPI equation per 1.73 m2
            "1011491000000107",  # eGFR using cystatin C CKD-EPI equation per 1.73 m2
            "1107411000000104",  # eGFR by laboratory calculation
            "1020291000000106",  # GFR calculated by abbreviated MDRD calculation
            "996231000000108",  # GFR by abbreviated MDRD adjusted for African American origin
            "857971000000104",  # eGFR using CKD-EPI formula
            "857981000000102",  # eGFR using CKD-EPI formula per 1.73 m2
            "963601000000106",  # eGFR using cystatin C CKD-EPI equation
            "963611000000108",  # eGFR using cystatin C per 1.73 m2
            "963621000000102",  # eGFR using creatinine CKD-EPI equation
            "963631000000100",  # eGFR using serum creatinine per 1.73 m2
            "80274001",  # Glomerular filtration rate
        ),
        conversions={"mL/min/{1.73_m2}": "same", "mL/min/1.73m2": "same", "mL/min": "same"},
        plausible=(1, 200), higher_is_worse=False,
    ),
    # Urine ACR. SNOMED: gm-sde urinary-albumin-creatinine-ratio/1 (observable codes; the old
    # "(& level)" and procedure codes are left out). LOINC: 9318-7 "Albumin/Creatinine [Mass
    # Ratio] in Urine", 14959-1 "Microalbumin/Creatinine [Mass Ratio] in Urine", 32294-1
    # "Albumin/Creatinine [Ratio] in Urine" (HL7 Europe laboratory IG example).
    Concept(
        "urine_acr", "Urine albumin:creatinine ratio", "protein in urine (ACR)", "mg/mmol",
        loinc=("9318-7", "14959-1", "32294-1"),
        snomed=(
            "1023491000000104",  # Urine albumin:creatinine ratio
            "1027791000000103",  # Urine microalbumin/creatinine ratio
            "1028271000000109",  # Albumin/creatinine ratio
        ),
        conversions={"mg/mmol": "same", "mg/mmol{creat}": "same", "mg/g": "acr_mgg", "mg/g{creat}": "acr_mgg"}, decimals=1, plausible=(0, 3000),
    ),
    # FEV1. SNOMED 59328004 "Forced expired volume in 1 second" and LOINC 20150-9 "Volume
    # expired during 1.0 s of forced expiration": German Medical Informatics Initiative
    # spirometry profile and examples (both codes on one Observation).
    Concept(
        "fev1", "FEV1", "lung function (FEV1)", "L",
        loinc=("20150-9",), snomed=("59328004",),
        conversions={"L": "same", "mL": "ml_to_l"}, decimals=2, plausible=(0.1, 8), higher_is_worse=False,
    ),
    # COPD Assessment Test. SNOMED 446660005 "Chronic obstructive pulmonary disease
    # assessment test score": public FHIR Observation examples and UK primary care code
    # lists (alongside the TPP CAT item codes). Replaces 763066001, which fails the Verhoeff
    # check and so is not a SNOMED CT identifier. No LOINC code could be confirmed.
    Concept(
        "cat_score", "COPD Assessment Test", "COPD Assessment Test score", "score",
        snomed=("446660005",), conversions={"{score}": "same", "score": "same", "": "same"}, plausible=(0, 40),
    ),
    # MRC dyspnoea scale. In English primary care the grade is recorded as one finding code
    # per grade (QOF MRC_COD), not as a number on a scale code: see MRC_GRADE_CODES below.
    # 401199002 was removed: it fails the Verhoeff check. No single "MRC score" observable
    # code could be confirmed, so this concept has no SNOMED code of its own.
    Concept(
        "mrc_dyspnoea", "MRC dyspnoea scale", "breathlessness (MRC scale)", "grade",
        snomed=(), conversions={"{grade}": "same", "grade": "same", "": "same"}, plausible=(1, 5),
    ),
    # PHQ-9. SNOMED 720433000 "Patient Health Questionnaire Nine Item score" (opencodecounts:
    # 1.67 million uses in English primary care, 2023-24). LOINC 44261-6 "PHQ-9 total score
    # [Reported]" (Synthea and FHIR examples).
    Concept(
        "phq9", "PHQ-9", "mood questionnaire (PHQ-9)", "score",
        loinc=("44261-6",), snomed=("720433000",),
        conversions={"{score}": "same", "score": "same", "": "same"}, plausible=(0, 27),
    ),
    # GAD-7. SNOMED 445455005 "Generalized anxiety disorder 7 item score" (opencodecounts;
    # NHS Mental Health Services Data Set PROM list). LOINC 70274-6 is the total score
    # (MII PRO module); 69737-5 is the GAD-7 panel code, kept because some senders put the
    # total on the panel.
    Concept(
        "gad7", "GAD-7", "anxiety questionnaire (GAD-7)", "score",
        loinc=("70274-6", "69737-5"), snomed=("445455005",),
        conversions={"{score}": "same", "score": "same", "": "same"}, plausible=(0, 21),
    ),
    # Smoking status (the question; the answers are SMOKING_VALUES). LOINC 72166-2 "Tobacco
    # smoking status" (US Core / FHIR examples). SNOMED 229819007 "Tobacco use and exposure
    # (observable entity)" (AU primary care and other FHIR IGs use it as the code);
    # 365980008 "Tobacco use and exposure - finding" is the parent of the status findings
    # (France EDS IG value set "descendent-of 365980008").
    Concept(
        "smoking", "Smoking status", "smoking", "",
        loinc=("72166-2",), snomed=("229819007", "365980008"), coded=True,
    ),
    # Diabetic foot risk (NICE NG19: low, moderate or high risk, or an active diabetic foot problem).
    # English GP systems record one finding per foot ("On examination - Left diabetic foot at low
    # risk"): the finding is the result, and its side and level are read from FOOT_RISK_CODES below,
    # as MRC grades are read from MRC_GRADE_CODES. So this concept has no question code of its own.
    Concept("foot_risk", "Diabetic foot risk", "foot check", "", coded=True),
    # Inhaler technique, checked by watching the person use each inhaler. Recorded under
    # INHALER_TECHNIQUE_CODE below with its outcome as the value (INHALER_TECHNIQUE_LABELS). The code
    # is kept in its own constant, like the foot findings, rather than in `snomed`: the concepts' own
    # codes are read as questions with a value, and no SNOMED CT finding for a good or a poor
    # technique could be confirmed from a primary source.
    Concept("inhaler_technique", "Inhaler technique", "how you use your inhalers", "", coded=True),
)

# MRC Breathlessness Scale: one SNOMED CT finding per grade, as English GP systems record it.
# The code is the result; the grade is read from this table. Source: QOF cluster MRC_COD
# (grades 1-5), matching the Read v2 codes 173H.-173L.; grades 1-4 with their terms in a UK
# primary care code list, and 391126003 (grade 5) in UK COPD dyspnoea code lists.
MRC_GRADE_CODES: dict[str, int] = {
    "391120009": 1,  # MRC Breathlessness Scale: grade 1
    "391123006": 2,  # MRC Breathlessness Scale: grade 2
    "391124000": 3,  # MRC Breathlessness Scale: grade 3
    "391125004": 4,  # MRC Breathlessness Scale: grade 4
    "391126003": 5,  # MRC Breathlessness Scale: grade 5
}

BY_KEY: dict[str, Concept] = {c.key: c for c in CONCEPTS}
BY_CODE: dict[tuple[str, str], Concept] = {}
for _c in CONCEPTS:
    for _code in _c.loinc:
        BY_CODE[("loinc", _code)] = _c
    for _code in _c.snomed:
        BY_CODE[("snomed", _code)] = _c

SYSTEMS = {"http://loinc.org": "loinc", "http://snomed.info/sct": "snomed"}

# A blood-pressure panel whose components are systolic and diastolic readings.
# LOINC 85354-9 "Blood pressure panel with all children optional" (FHIR R4 vital signs) and
# 55284-4 "Blood pressure systolic and diastolic"; SNOMED 75367002 "Blood pressure" and
# 163020007 "On examination - blood pressure reading" (gm-sde blood-pressure/1; 163020007 is
# among the most used codes in English primary care, opencodecounts).
BP_PANEL_CODES = {("loinc", "85354-9"), ("loinc", "55284-4"), ("snomed", "75367002"), ("snomed", "163020007")}

# Smoking status values (SNOMED CT findings) -> our coded value.
# current: status findings from QOF LSMOK_COD; ex: EXSMOK_COD (both as copied in
# opensafely/zostavax-dementia codelists/). Observables in those clusters that carry a number
# or a date (cigarette consumption, date ceased smoking, time since stopped) are left out:
# they are not a status. never: 266919005 (HL7 US Core smoking status value set) and
# 221000119102 (never-smoker codes in NHS England SDE / CVD-COVID-UK smoking code lists).
SMOKING_VALUES: dict[str, str] = {
    "77176002": "current",  # Smoker
    "65568007": "current",  # Cigarette smoker
    "449868002": "current",  # Smokes tobacco daily
    "160603005": "current",  # Light cigarette smoker (1-9 cigs/day)
    "160604004": "current",  # Moderate cigarette smoker (10-19 cigs/day)
    "160605003": "current",  # Heavy cigarette smoker (20-39 cigs/day)
    "160606002": "current",  # Very heavy cigarette smoker (40+ cigs/day)
    "266920004": "current",  # Trivial cigarette smoker (less than one cigarette/day)
    "230059006": "current",  # Occasional cigarette smoker
    "230060001": "current",  # Light cigarette smoker
    "230062009": "current",  # Moderate cigarette smoker
    "230063004": "current",  # Heavy cigarette smoker
    "230064005": "current",  # Very heavy cigarette smoker
    "230065006": "current",  # Chain smoker
    "428041000124106": "current",  # Occasional tobacco smoker
    "56578002": "current",  # Moderate smoker (20 or less per day)
    "56771006": "current",  # Heavy smoker (over 20 per day)
    "59978006": "current",  # Cigar smoker
    "82302008": "current",  # Pipe smoker
    "160619003": "current",  # Rolls own cigarettes
    "225934006": "current",  # Smokes in bed
    "134406006": "current",  # Smoking reduced
    "160612007": "current",  # Keeps trying to stop smoking
    "160613002": "current",  # Admitted tobacco consumption possibly untrue
    "160616005": "current",  # Trying to give up smoking
    "203191000000107": "current",  # Wants to stop smoking
    "266929003": "current",  # Smoking started
    "308438006": "current",  # Smoking restarted
    "394871007": "current",  # Thinking about stopping smoking
    "394872000": "current",  # Ready to stop smoking
    "394873005": "current",  # Not interested in stopping smoking
    "446172000": "current",  # Failed attempt to stop smoking
    "8517006": "ex",  # Ex-smoker
    "281018007": "ex",  # Ex-cigarette smoker
    "160617001": "ex",  # Stopped smoking
    "160620009": "ex",  # Ex-pipe smoker
    "160621008": "ex",  # Ex-cigar smoker
    "266921000": "ex",  # Ex-trivial cigarette smoker (<1/day)
    "266922007": "ex",  # Ex-light cigarette smoker (1-9/day)
    "266923002": "ex",  # Ex-moderate cigarette smoker (10-19/day)
    "266924008": "ex",  # Ex-heavy cigarette smoker (20-39/day)
    "266925009": "ex",  # Ex-very heavy cigarette smoker (40+/day)
    "266928006": "ex",  # Ex-cigarette smoker amount unknown
    "492191000000103": "ex",  # Ex roll-up cigarette smoker
    "1092031000000108": "ex",  # Ex-smoker amount unknown
    "1092041000000104": "ex",  # Ex-very heavy smoker (40+/day)
    "1092071000000105": "ex",  # Ex-heavy smoker (20-39/day)
    "1092091000000109": "ex",  # Ex-moderate smoker (10-19/day)
    "1092111000000104": "ex",  # Ex-light smoker (1-9/day)
    "1092131000000107": "ex",  # Ex-trivial smoker (<1/day)
    "48031000119106": "ex",  # Ex-smoker for more than 1 year
    "735128000": "ex",  # Ex-smoker for less than 1 year
    "53896009": "ex",  # Tolerant ex-smoker
    "360890004": "ex",  # Intolerant ex-smoker
    "360900008": "ex",  # Aggressive ex-smoker
    "266919005": "never",  # Never smoked tobacco
    "221000119102": "never",  # Never smoked any substance
}
SMOKING_LABELS = {"current": "Current smoker", "ex": "Ex-smoker", "never": "Never smoked"}

# Diabetic foot risk: one SNOMED CT finding per foot and level -> (side, level). Levels are NICE NG19's
# (low, moderate, high risk; "active" = an active diabetic foot problem, here an ulcerated foot).
# Source: University of Manchester GM-SDE code set UoM-Data-Science-Platforms/gm-sde
# "shared/Long-term conditions/Endocrine/diabetes.diagnosis.snomed.txt" (commit b45e3a96, 21 April
# 2021), which lists each concept id with its fully specified name and marks it active. The two
# "at increased risk" findings are the older QOF wording of the middle level ("increased risk
# (neuropathy or absent pulses)", QOF DM012 as published by NICE, NM13), read here as moderate; their
# inactive twins 856321000000104 and 856331000000102 are left out. Tandem records the first code of
# each (side, level) below.
FOOT_RISK_CODES: dict[str, tuple[str, str]] = {
    "394675000": ("left", "low"),  # On examination - Left diabetic foot at low risk
    "394671009": ("right", "low"),  # On examination - Right diabetic foot at low risk
    "394681008": ("left", "moderate"),  # On examination - Left diabetic foot at moderate risk
    "394682001": ("right", "moderate"),  # On examination - Right diabetic foot at moderate risk
    "756381000000100": ("left", "moderate"),  # On examination - Left diabetic foot at increased risk
    "756391000000103": ("right", "moderate"),  # On examination - Right diabetic foot at increased risk
    "394676004": ("left", "high"),  # On examination - Left diabetic foot at high risk
    "394672002": ("right", "high"),  # On examination - Right diabetic foot at high risk
    "394674001": ("left", "active"),  # On examination - Left diabetic foot - ulcerated
    "394673007": ("right", "active"),  # On examination - Right diabetic foot - ulcerated
}
# Lowest to highest: the overall risk of two feet is the higher of the two.
FOOT_RISK_LABELS = {"low": "Low risk", "moderate": "Moderate risk", "high": "High risk",
                    "active": "Active foot problem, ulcerated"}

# Inhaler technique: SNOMED CT 170614009 "Inhaler technique observed (situation)", active, SNOMED CT
# core module (SNOMED CT International release as published in the Swedish Edition 2022-05-31,
# tx.fhir.org); used as an asthma review code in public UK primary care code lists. The outcome is
# Tandem's own value: no SNOMED CT finding for "technique good" or "technique poor" was confirmed.
INHALER_TECHNIQUE_CODE = "170614009"
INHALER_TECHNIQUE_LABELS = {"good": "Good technique", "needs_help": "Needs help with technique"}

# Words for each coded concept's values, for every screen that shows them.
CODED_LABELS: dict[str, dict[str, str]] = {
    "smoking": SMOKING_LABELS, "foot_risk": FOOT_RISK_LABELS, "inhaler_technique": INHALER_TECHNIQUE_LABELS,
}


class UnknownUnit(ValueError):
    pass


def _convert(rule: str, value: float) -> float:
    match rule:
        case "same":
            return value
        case "dcct_to_ifcc":
            return 10.929 * (value - 2.15)
        case "chol_mgdl":
            return value / 38.67
        case "acr_mgg":
            return value / 8.84
        case "g_to_kg":
            return value / 1000
        case "lb_to_kg":
            return value * 0.45359237
        case "ml_to_l":
            return value / 1000
        case "m_to_cm":
            return value * 100
    raise AssertionError(rule)


def to_canonical(concept: Concept, value: float, unit: str | None) -> float:
    """Convert a value in `unit` (UCUM or display form) to the concept's canonical unit."""
    unit = (unit or "").strip()
    rule = concept.conversions.get(unit)
    if rule is None:
        lowered = {k.lower(): v for k, v in concept.conversions.items()}
        rule = lowered.get(unit.lower())
    if rule is None:
        if unit == concept.unit:
            rule = "same"
        else:
            known = ", ".join(sorted(u for u in concept.conversions if u)) or concept.unit
            raise UnknownUnit(f"{concept.name} in unit '{unit}' is not understood (expected one of: {known}).")
    return round(_convert(rule, value), concept.decimals + 1)


def lookup(system: str, code: str) -> Concept | None:
    short = SYSTEMS.get(system, system)
    return BY_CODE.get((short, code))


def outside_plausible(concept: Concept, value: float) -> str:
    """Why `value` (in the concept's unit) cannot be a real reading ('' if it can): the words every
    entry point puts after the reading it refuses ("outside the plausible range 15 to 200 mmol/mol").
    The FHIR import and the results form both use it, so a value is judged the same way however it
    arrives."""
    if concept.plausible is None:
        return ""
    low, high = concept.plausible
    if low <= value <= high:
        return ""
    return f"outside the plausible range {low:g} to {high:g} {concept.unit}".rstrip()


# --- Blood pressure: one reading a day --------------------------------------------------------
#
# When several clinic blood pressures are recorded on one day, the lowest systolic and the lowest
# diastolic of that day are the day's reading (they may come from different readings). This is the
# rule of the NHS England QOF business rules for the blood pressure indicators (HYP008/HYP009 and
# others). The business rules' own wording could not be found in a stored public copy when this was
# written: check it against the current QOF business rules (NHS England, v50 or later) and quote it here.
# Every reader of blood pressures (the results pack, the clinical summary, the registers worklist, the
# results form) goes through `blood_pressure_by_day`, so they all show and judge the same number.


def blood_pressure_by_day(systolic, diastolic) -> list[tuple]:
    """(day, systolic, diastolic) for each day with both halves recorded, newest first, from
    (day, value) pairs: the lowest systolic and the lowest diastolic of each day."""
    lowest_systolic: dict = {}
    for day, value in systolic:
        if value is not None and (day not in lowest_systolic or value < lowest_systolic[day]):
            lowest_systolic[day] = value
    lowest_diastolic: dict = {}
    for day, value in diastolic:
        if value is not None and (day not in lowest_diastolic or value < lowest_diastolic[day]):
            lowest_diastolic[day] = value
    days = sorted(set(lowest_systolic) & set(lowest_diastolic), reverse=True)
    return [(day, lowest_systolic[day], lowest_diastolic[day]) for day in days]
