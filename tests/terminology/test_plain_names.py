"""Every condition has one plain name for what a person reads (letters, packs, plans, texts)."""

from __future__ import annotations

from tandem.terminology import codelists
from tandem.terminology.plain_names import PLAIN_NAMES, plain_name, plain_names


def test_every_register_has_a_plain_name_including_those_being_added():
    assert set(codelists.LTC_SLUGS) <= set(PLAIN_NAMES)
    assert {"learning_disability", "anxiety"} <= set(PLAIN_NAMES)


def test_plain_names_read_after_your_in_a_sentence():
    for slug, name in PLAIN_NAMES.items():
        assert name and name.split()[0].lower() not in ("a", "an", "the"), slug
        assert name[0].islower() or name.split()[0].isupper(), slug  # "type 2 diabetes", "COPD (lung disease)"


def test_register_jargon_is_replaced_by_everyday_words():
    assert plain_name("hypertension") == "high blood pressure"
    assert plain_name("ckd_3_5") == "kidney disease"
    assert plain_name("atrial_fibrillation") == "irregular heartbeat (atrial fibrillation)"
    for slug in ("hypertension", "ckd_3_5", "diabetes_type2", "copd", "stroke_tia", "hypothyroidism"):
        assert codelists.display_name(slug).lower() not in plain_name(slug).lower(), slug


def test_several_conditions_keep_their_order_and_each_appears_once():
    assert plain_names(["hypertension", "ckd_3_5", "hypertension"]) == ("high blood pressure", "kidney disease")


def test_a_register_without_a_plain_name_never_shows_its_slug_as_code():
    assert plain_name("some_new_register") == "some new register"
