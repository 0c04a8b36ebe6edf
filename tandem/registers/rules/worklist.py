"""The register data-quality worklist: what makes a record worth a second look. Pure: no Django.

Two kinds of item:

* **likely missing diagnosis**: results or medicines that usually mean a condition, with no
  code for it (so the person is on no register, is not invited for reviews, and is missed by
  every count);
* **likely stale entry**: a register entry with nothing in the record for years that the
  condition would bring, or one that lacks the test that confirms it.

Each check is a small rule here (thresholds, medicine words, wording); `tandem.registers.sql`
finds the candidates set-based and `explain_*` below turn their readings into a sentence.
Sources: NICE NG28 and WHO 2011 (HbA1c 48 mmol/mol or more, repeated, diagnoses type 2
diabetes); KDIGO 2012 and NICE NG203 (eGFR under 60 for more than 3 months is CKD stage 3 or
worse); NICE NG136 (clinic BP 140/90 or more: offer ambulatory or home readings to confirm
hypertension); NICE NG115 and QOF COPD010 (COPD diagnosis confirmed by post-bronchodilator
spirometry); QOF asthma register (asthma drug treatment in the last 12 months; none for 3
years suggests the asthma has resolved); BNF chapter 6.1 (drugs used in diabetes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from tandem.terminology import codelists

# --- Kinds ----------------------------------------------------------------------------------

MISSING = "missing"
STALE = "stale"


@dataclass(frozen=True)
class Check:
    key: str
    group: str  # MISSING | STALE
    title: str
    action: str  # what to do about it


CHECKS: tuple[Check, ...] = (
    Check("hba1c_no_diabetes", MISSING, "HbA1c in the diabetes range, no diabetes diagnosis",
          "Review the results; if diabetes is confirmed, code the diagnosis."),
    Check("diabetes_medicine_no_diabetes", MISSING, "Diabetes medicine, no diabetes diagnosis",
          "Check why the medicine is taken; code diabetes if that is the reason."),
    Check("copd_inhaler_no_copd", MISSING, "COPD inhaler, no COPD diagnosis",
          "Check why the inhaler is taken; arrange spirometry and code COPD if confirmed."),
    Check("egfr_no_ckd", MISSING, "Low eGFR for 3 months or more, no CKD diagnosis",
          "Review kidney function; code the CKD stage if confirmed."),
    Check("bp_no_hypertension", MISSING, "Raised blood pressure readings, no hypertension diagnosis",
          "Offer home or ambulatory readings to confirm; code hypertension if confirmed."),
    Check("copd_no_spirometry", STALE, "COPD without a spirometry result",
          "Arrange spirometry to confirm the diagnosis."),
    Check("asthma_no_treatment", STALE, "Asthma with no asthma medicine for 3 years",
          "Review; if the asthma has resolved, code 'asthma resolved'."),
    Check("depression_inactive", STALE, "Depression coded long ago, nothing since",
          "Review; if the depression has resolved, code 'depression resolved'."),
)
CHECK_BY_KEY: dict[str, Check] = {c.key: c for c in CHECKS}

# --- Thresholds ------------------------------------------------------------------------------

HBA1C_DIABETES = 48.0  # mmol/mol
EGFR_LOW = 60.0  # mL/min/1.73m2
EGFR_PERSISTENT_DAYS = 90
SYSTOLIC_RAISED = 140.0
DIASTOLIC_RAISED = 90.0
BP_RAISED_READINGS = 3
RESULTS_YEARS = 2  # results count when taken in the last 2 years
ASTHMA_UNTREATED_YEARS = 3
DEPRESSION_QUIET_YEARS = 5  # no depression code for 5 years ...
DEPRESSION_ACTIVITY_YEARS = 2  # ... and no antidepressant or PHQ-9 for 2 years

DIABETES_REGISTERS = ("diabetes_type1", "diabetes_type2")

# Glucose-lowering medicines (BNF 6.1): the catalogue's diabetes medicines are matched by
# these words in the medicine name (statins and others in the catalogue also serve diabetes,
# but do not suggest it). Metformin is also used for polycystic ovary syndrome and to prevent
# diabetes in non-diabetic hyperglycaemia; SGLT2 inhibitors (dapagliflozin, empagliflozin)
# are also licensed for heart failure and chronic kidney disease.
GLUCOSE_LOWERING: tuple[str, ...] = (
    "metformin", "gliclazide", "glimepiride", "glipizide", "tolbutamide", "sitagliptin", "linagliptin",
    "alogliptin", "saxagliptin", "vildagliptin", "pioglitazone", "empagliflozin", "dapagliflozin",
    "canagliflozin", "ertugliflozin", "insulin", "semaglutide", "liraglutide", "dulaglutide", "exenatide",
    "lixisenatide", "tirzepatide", "repaglinide", "nateglinide", "acarbose",
)
METFORMIN = "metformin"
# Long-acting muscarinic antagonists: in primary care a COPD treatment (NICE NG115); LABA with an
# inhaled corticosteroid is an asthma treatment too, so it is not taken as a sign of COPD.
LAMA: tuple[str, ...] = ("tiotropium", "umeclidinium", "glycopyrronium", "aclidinium")
ANTIDEPRESSANTS: tuple[str, ...] = (
    "sertraline", "citalopram", "escitalopram", "fluoxetine", "paroxetine", "mirtazapine", "venlafaxine",
    "duloxetine", "vortioxetine", "trazodone",
)


def substance_in(name: str, words: tuple[str, ...]) -> str | None:
    lowered = name.lower()
    for word in words:
        if word in lowered:
            return word
    return None


@cache
def also_for() -> dict[str, frozenset[str]]:
    """Glucose-lowering substance -> the non-diabetes registers the catalogue also gives it for
    (e.g. dapagliflozin: heart failure, CKD). Someone on one of those registers is not listed."""
    found: dict[str, set[str]] = {}
    for medicine in codelists.medicines():
        word = substance_in(medicine.name, GLUCOSE_LOWERING)
        if word is None:
            continue
        others = {s for s in medicine.for_conditions if s not in DIABETES_REGISTERS}
        found.setdefault(word, set()).update(others)
    return {word: frozenset(slugs) for word, slugs in found.items()}


@cache
def asthma_medicine_words() -> tuple[str, ...]:
    """Lower-cased catalogue names of asthma medicines (any row whose name starts with one counts)."""
    return tuple(sorted({m.name.lower() for m in codelists.medicines_for("asthma")}))


# --- Wording ------------------------------------------------------------------------------------


def short_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def explain_hba1c(readings: list[tuple[dt.date, float]]) -> str:
    """readings: the high ones, oldest first."""
    shown = readings[-2:] if len(readings) > 2 else readings
    words = _and([f"{_number(v)} on {short_date(d)}" for d, v in shown])
    count = "Two" if len(readings) == 2 else f"{len(readings)}"
    lead = f"{count} HbA1c results of {HBA1C_DIABETES:.0f} or more"
    if len(readings) > 2:
        lead += f" in {RESULTS_YEARS} years, the latest {words}"
    else:
        lead += f": {words}"
    return f"{lead}; no diabetes diagnosis recorded"


def explain_diabetes_medicine(names: list[str]) -> str:
    only_metformin = all(substance_in(n, GLUCOSE_LOWERING) == METFORMIN for n in names)
    text = f"Takes {_and(names)}, a medicine for diabetes; no diabetes diagnosis recorded"
    if only_metformin:
        text += (". Metformin alone is also used for polycystic ovary syndrome and to prevent diabetes,"
                 " so this may not be diabetes")
    return text


def explain_copd_inhaler(names: list[str], fev1: tuple[dt.date, float] | None) -> str:
    text = f"Takes {_and(names)}, an inhaler used for COPD; no COPD diagnosis recorded"
    if fev1 is None:
        return text + "; no spirometry (FEV1) recorded"
    return text + f"; latest FEV1 {fev1[1]:.2f} L on {short_date(fev1[0])}"


def explain_egfr(first: tuple[dt.date, float], latest: tuple[dt.date, float]) -> str:
    days = (latest[0] - first[0]).days
    return (f"eGFR under {EGFR_LOW:.0f}: {_number(first[1])} on {short_date(first[0])} and "
            f"{_number(latest[1])} on {short_date(latest[0])}, {days} days apart; no chronic kidney disease "
            "diagnosis recorded")


def explain_bp(readings: list[tuple[dt.date, float | None, float | None]]) -> str:
    """readings: (date, systolic, diastolic) of the raised ones, oldest first."""
    def bp(s, d):
        return f"{_number(s) if s is not None else '?'}/{_number(d) if d is not None else '?'}"

    latest = readings[-3:]
    words = _and([f"{bp(s, d)} on {short_date(day)}" for day, s, d in latest])
    lead = f"{len(readings)} blood pressure readings of 140/90 or more in {RESULTS_YEARS} years"
    if len(readings) > 3:
        lead += f", the latest {words}"
    else:
        lead += f": {words}"
    return f"{lead}; no hypertension diagnosis recorded"


def explain_copd_no_spirometry(since: dt.date) -> str:
    return f"On the COPD register since {short_date(since)}; no spirometry (FEV1) result recorded"


def explain_asthma(since: dt.date, last_medicine: dt.date | None) -> str:
    if last_medicine is None:
        tail = "no asthma medicine recorded"
    else:
        tail = f"last asthma medicine stopped {short_date(last_medicine)}"
    return f"On the asthma register since {short_date(since)}; {tail}, none in the last {ASTHMA_UNTREATED_YEARS} years"


def explain_depression(first: dt.date, latest: dt.date) -> str:
    coded = (f"Depression coded {short_date(first)}" if first == latest
             else f"Depression first coded {short_date(first)}, last coded {short_date(latest)}")
    return (f"{coded}; no antidepressant or PHQ-9 score in the last {DEPRESSION_ACTIVITY_YEARS} years. "
            "It may have resolved")


# Asthma treatment, for the stale-asthma check: inhaled relievers and preventers, leukotriene
# receptor antagonists (BTS/NICE/SIGN NG245). Any of them in 3 years means the asthma is treated.
ASTHMA_TREATMENT: tuple[str, ...] = (
    "salbutamol", "terbutaline", "beclometasone", "budesonide", "fluticasone", "ciclesonide", "mometasone",
    "formoterol", "salmeterol", "vilanterol", "montelukast",
)
