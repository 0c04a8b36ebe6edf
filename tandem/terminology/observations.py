"""The measurements Tandem understands: one concept each, with the codes that mean it.

Pure: no Django. Each concept has a canonical unit; values arriving in other units
are converted once, at the edge (FHIR import), so everything stored is comparable.

Sources:
- LOINC codes: LOINC (Regenstrief Institute), loinc.org, version 2.7x.
- SNOMED CT codes: UK Edition (NHS England Terminology Server / NHS Digital
  pathology and QOF cluster references).
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
    Concept(
        "hba1c", "HbA1c", "average blood sugar (HbA1c)", "mmol/mol",
        loinc=("59261-8", "4548-4", "17856-6", "4549-2"),
        snomed=("999791000000106", "1019431000000105"),
        conversions={"%": "dcct_to_ifcc", "mmol/mol": "same"},
        plausible=(15, 200),
    ),
    Concept(
        "systolic_bp", "Systolic blood pressure", "blood pressure (top number)", "mmHg",
        loinc=("8480-6",), snomed=("271649006", "72313002"),
        conversions={"mm[Hg]": "same", "mmHg": "same"}, plausible=(50, 300),
    ),
    Concept(
        "diastolic_bp", "Diastolic blood pressure", "blood pressure (bottom number)", "mmHg",
        loinc=("8462-4",), snomed=("271650006", "1091811000000102"),
        conversions={"mm[Hg]": "same", "mmHg": "same"}, plausible=(20, 200),
    ),
    Concept(
        "total_cholesterol", "Total cholesterol", "cholesterol", "mmol/L",
        loinc=("14647-2", "2093-3"), snomed=("1005671000000105",),
        conversions={"mmol/L": "same", "mg/dL": "chol_mgdl"}, decimals=1, plausible=(1, 20),
    ),
    Concept(
        "ldl", "LDL cholesterol", "LDL ('bad') cholesterol", "mmol/L",
        loinc=("22748-8", "39469-2", "13457-7", "2089-1", "18262-6"), snomed=("1022191000000100",),
        conversions={"mmol/L": "same", "mg/dL": "chol_mgdl"}, decimals=1, plausible=(0.1, 15),
    ),
    Concept(
        "bmi", "Body mass index", "body mass index (BMI)", "kg/m2",
        loinc=("39156-5",), snomed=("60621009",),
        conversions={"kg/m2": "same", "kg/m^2": "same"}, decimals=1, plausible=(10, 90),
    ),
    Concept(
        "weight", "Weight", "weight", "kg",
        loinc=("29463-7", "3141-9"), snomed=("27113001",),
        conversions={"kg": "same", "g": "g_to_kg", "[lb_av]": "lb_to_kg"}, decimals=1, plausible=(2, 400),
    ),
    Concept(
        "egfr", "eGFR", "kidney function (eGFR)", "mL/min/1.73m2",
        loinc=("62238-1", "98979-8", "33914-3", "48642-3", "48643-1", "69405-9", "50044-7"),
        snomed=("1011481000000105", "80274001"),
        conversions={"mL/min/{1.73_m2}": "same", "mL/min/1.73m2": "same", "mL/min": "same"},
        plausible=(1, 200), higher_is_worse=False,
    ),
    Concept(
        "urine_acr", "Urine albumin:creatinine ratio", "protein in urine (ACR)", "mg/mmol",
        loinc=("9318-7", "14959-1", "32294-1"), snomed=("1023491000000104",),
        conversions={"mg/mmol": "same", "mg/g": "acr_mgg"}, decimals=1, plausible=(0, 3000),
    ),
    Concept(
        "fev1", "FEV1", "lung function (FEV1)", "L",
        loinc=("20150-9",), snomed=("59328004",),
        conversions={"L": "same", "mL": "ml_to_l"}, decimals=2, plausible=(0.1, 8), higher_is_worse=False,
    ),
    Concept(
        "cat_score", "COPD Assessment Test", "COPD Assessment Test score", "score",
        snomed=("763066001",), conversions={"{score}": "same", "score": "same", "": "same"}, plausible=(0, 40),
    ),
    Concept(
        "mrc_dyspnoea", "MRC dyspnoea scale", "breathlessness (MRC scale)", "grade",
        snomed=("401199002",), conversions={"{grade}": "same", "grade": "same", "": "same"}, plausible=(1, 5),
    ),
    Concept(
        "phq9", "PHQ-9", "mood questionnaire (PHQ-9)", "score",
        loinc=("44261-6",), snomed=("720433000",),
        conversions={"{score}": "same", "score": "same", "": "same"}, plausible=(0, 27),
    ),
    Concept(
        "gad7", "GAD-7", "anxiety questionnaire (GAD-7)", "score",
        loinc=("69737-5", "70274-6"), snomed=("445455005",),
        conversions={"{score}": "same", "score": "same", "": "same"}, plausible=(0, 21),
    ),
    Concept(
        "smoking", "Smoking status", "smoking", "",
        loinc=("72166-2",), snomed=("229819007", "365980008"), coded=True,
    ),
)

BY_KEY: dict[str, Concept] = {c.key: c for c in CONCEPTS}
BY_CODE: dict[tuple[str, str], Concept] = {}
for _c in CONCEPTS:
    for _code in _c.loinc:
        BY_CODE[("loinc", _code)] = _c
    for _code in _c.snomed:
        BY_CODE[("snomed", _code)] = _c

SYSTEMS = {"http://loinc.org": "loinc", "http://snomed.info/sct": "snomed"}

# A blood-pressure panel whose components are systolic and diastolic readings.
BP_PANEL_CODES = {("loinc", "85354-9"), ("loinc", "55284-4"), ("snomed", "75367002"), ("snomed", "163020007")}

# Smoking status values (SNOMED CT findings) -> our coded value.
SMOKING_VALUES: dict[str, str] = {
    "77176002": "current",  # Smoker
    "449868002": "current",  # Smokes tobacco daily
    "65568007": "current",  # Cigarette smoker
    "8517006": "ex",  # Ex-smoker
    "266919005": "never",  # Never smoked tobacco
    "221000119102": "never",  # Never smoked any substance
}
SMOKING_LABELS = {"current": "Current smoker", "ex": "Ex-smoker", "never": "Never smoked"}


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
