"""The plain name of each long-term condition, for everything a person reads. Pure: no Django.

Letters, texts, emails, results packs and the written care plan name a person's conditions in
these words, never by their register names ("Chronic kidney disease stage 3 to 5", "Type 2 diabetes
mellitus"), which are for staff screens. One home, keyed by register slug
(`tandem.terminology.codelists.LTC_SLUGS`), so every document says the same thing.

Each name reads in a list and after "your" ("your high blood pressure"), so none starts with "a"
or "an". Where the everyday words could be vague, the medical word follows in brackets ("irregular
heartbeat (atrial fibrillation)"), so the person can match it to what their doctor says.
"""

from __future__ import annotations

PLAIN_NAMES: dict[str, str] = {
    "hypertension": "high blood pressure",
    "diabetes_type1": "type 1 diabetes",
    "diabetes_type2": "type 2 diabetes",
    "non_diabetic_hyperglycaemia": "raised blood sugar",
    "asthma": "asthma",
    "copd": "COPD (lung disease)",
    "coronary_heart_disease": "heart disease",
    "heart_failure": "heart failure",
    "atrial_fibrillation": "irregular heartbeat (atrial fibrillation)",
    "stroke_tia": "stroke or mini-stroke",
    "ckd_3_5": "kidney disease",
    "depression": "depression",
    "anxiety": "anxiety",
    "dementia": "dementia",
    "serious_mental_illness": "serious mental illness",
    "osteoporosis": "osteoporosis (fragile bones)",
    "rheumatoid_arthritis": "rheumatoid arthritis",
    "cancer": "cancer",
    "epilepsy": "epilepsy",
    "hypothyroidism": "underactive thyroid",
    "osteoarthritis": "osteoarthritis",
    "chronic_pain": "long-term pain",
    "learning_disability": "learning disability",
}


def plain_name(slug: str) -> str:
    """The words a person reads for the condition of register `slug`. A slug Tandem has no plain
    name for (a register added without one, which a test forbids) reads as its words, never as a
    code or a register's technical name."""
    return PLAIN_NAMES.get(slug, slug.replace("_", " "))


def plain_names(slugs) -> tuple[str, ...]:
    """Plain names for several registers, in the order given, each once ("type 1 diabetes" and
    "type 2 diabetes" stay distinct)."""
    return tuple(dict.fromkeys(plain_name(s) for s in slugs))
