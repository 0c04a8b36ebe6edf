"""Readability: the published formulas on hand-counted texts, the counting rules (numbers, web
addresses, placeholders, line breaks), and every standard wording block and sample pack within its
reading-age limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.messaging import wording
from tandem.messaging.wording import readability
from tandem.messaging.wording.readability import EMPTY, Score, count_syllables, limit_for, score

# Formulas (Flesch 1948; Kincaid et al. 1975):
#   FRE  = 206.835 - 1.015 (words/sentences) - 84.6 (syllables/words)
#   FKGL = 0.39 (words/sentences) + 11.8 (syllables/words) - 15.59
#   reading age = FKGL + 5, never below 5
HAND_COUNTED = [
    # "The cat sat on the mat.": 6 words, 1 sentence, 6 syllables (one each).
    #   FRE  = 206.835 - 1.015 x 6 - 84.6 x 1 = 116.145 -> 116.1
    #   FKGL = 0.39 x 6 + 11.8 x 1 - 15.59 = -1.45 -> -1.4 (rounded from -1.4499...); reading age 3.55 -> 5
    ("The cat sat on the mat.", Score(6, 1, 6, 116.1, -1.4, 5.0)),
    # Your(1) HbA1c(a number-like word: 1) shows(1) your(1) av-er-age(3) blood(1) su-gar(2) o-ver(2)
    # the(1) last(1) 2(1) to(1) 3(1) months(1): 14 words, 1 sentence, 18 syllables.
    #   FRE  = 206.835 - 1.015 x 14 - 84.6 x 18/14 = 206.835 - 14.21 - 108.771 = 83.854 -> 83.9
    #   FKGL = 0.39 x 14 + 11.8 x 18/14 - 15.59 = 5.46 + 15.171 - 15.59 = 5.041 -> 5.0; reading age 10.0
    ("Your HbA1c shows your average blood sugar over the last 2 to 3 months.", Score(14, 1, 18, 83.9, 5.0, 10.0)),
    # Cho-les-ter-ol(4) is a fat in your blood (6 x 1): 7 words, 10 syllables.
    # Too much of it can block your blood (8 x 1) ves-sels(2): 9 words, 10 syllables.
    # 16 words, 2 sentences, 20 syllables: 8 words a sentence, 1.25 syllables a word.
    #   FRE  = 206.835 - 1.015 x 8 - 84.6 x 1.25 = 206.835 - 8.12 - 105.75 = 92.965 -> 93.0
    #   FKGL = 0.39 x 8 + 11.8 x 1.25 - 15.59 = 3.12 + 14.75 - 15.59 = 2.28 -> 2.3; reading age 7.3
    ("Cholesterol is a fat in your blood. Too much of it can block your blood vessels.",
     Score(16, 2, 20, 93.0, 2.3, 7.3)),
    # Some med-i-cines(3) need a change of dose when kid-neys(2) work less well (9 x 1): 12 words, 15 syllables.
    #   FRE  = 206.835 - 1.015 x 12 - 84.6 x 15/12 = 206.835 - 12.18 - 105.75 = 88.905 -> 88.9
    #   FKGL = 0.39 x 12 + 11.8 x 1.25 - 15.59 = 4.68 + 14.75 - 15.59 = 3.84 -> 3.8; reading age 8.8
    ("Some medicines need a change of dose when kidneys work less well.", Score(12, 1, 15, 88.9, 3.8, 8.8)),
]


@pytest.mark.parametrize(("text", "expected"), HAND_COUNTED)
def test_scores_match_the_published_formulas_on_hand_counted_texts(text, expected):
    assert score(text) == expected


@pytest.mark.parametrize(("word", "syllables"), [
    ("cholesterol", 4), ("table", 2), ("make", 1), ("people", 2), ("wheezing", 2), ("the", 1),
    ("flare-ups", 2),  # hyphenated: the parts added up
    ("Sam's", 1),
    ("COPD", 4), ("BMI", 3), ("eGFR", 4),  # abbreviations are read letter by letter
    ("blorpish", 2),  # not in the dictionary: vowel groups
    ("glomp", 1), ("slombe", 1),  # silent final e
])
def test_syllables_come_from_the_dictionary_or_a_rule_of_thumb(word, syllables):
    assert count_syllables(word) == syllables


def test_numbers_times_and_phone_numbers_count_as_one_short_word():
    assert score("Call us on 0113 496 0000 at 10:30am.") == score("Call us on ten at nine.")
    assert score("Your blood pressure was 142/86 mmHg.") == score("Your blood pressure was low mmHg.")
    assert score("It was 4.6 on 14 July 2026.") == score("It was low on the July day.")


def test_web_and_email_addresses_are_left_out():
    with_link = score("Go to https://example.org/r/abc. You will need your date of birth.")
    assert (with_link.words, with_link.sentences) == (9, 2)
    assert score("Email us at help@example.org or see nhs.uk/conditions today.") == score("Email us at or see today.")


def test_placeholders_count_as_one_short_word():
    # Dear(1) {given_name}(1), see(1) you(1) on(1) {date}(1): like "Dear Sam, see you on Thursday" with
    # a one-syllable day.
    assert score("Dear {given_name}, see you on {date}.") == score("Dear Sam, see you on one.") == Score(
        6, 1, 6, 116.1, -1.4, 5.0)


def test_line_breaks_list_items_and_headings_end_sentences():
    result = score("Mood and worries\nMoney\n\nYour home\n- Sleep")
    assert (result.sentences, result.words) == (4, 7)


def test_abbreviations_and_decimals_do_not_end_sentences():
    assert score("Bring a list, e.g. your medicines. It was 4.6 last time.").sentences == 2


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "...", "?!", "- \n* ", "https://example.org/only"])
def test_text_with_no_words_scores_as_the_easiest(text):
    assert score(text) == EMPTY
    assert EMPTY.reading_age == 5.0


def test_limits_for_each_variant():
    assert limit_for(wording.STANDARD) == readability.STANDARD_MAX_AGE == 11
    assert limit_for("large_print") == 11  # large print uses the standard wording
    assert limit_for(wording.EASY_READ) == readability.EASY_READ_MAX_AGE == 9


@given(st.text())
def test_any_text_gives_a_score_and_never_crashes(text):
    result = score(text)
    assert result.reading_age >= 5.0
    assert result.sentences <= result.words <= result.syllables
    assert (result.words == 0) == (result == EMPTY)


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), max_size=200))
def test_adding_a_web_address_never_changes_the_score(text):
    assert score(text + " https://example.org/r/abc") == score(text)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_the_size_of_a_number_never_changes_the_score(a, b):
    assert score(f"Your result was {a} last year.") == score(f"Your result was {b} last year.")


# --- Tandem's standard wording stays within the limits ----------------------------------------

BLOCK_VARIANTS = [(key, variant) for key in wording.blocks() for variant in wording.VARIANTS]


@pytest.mark.parametrize(("key", "variant"), BLOCK_VARIANTS, ids=[f"{k}-{v}" for k, v in BLOCK_VARIANTS])
def test_every_standard_wording_block_is_within_its_reading_age_limit(key, variant):
    block = wording.block(key)
    result = readability.score_block(block.default(variant), block)
    assert result.reading_age <= limit_for(variant), (
        f"{key} ({variant}) has a reading age of {result.reading_age}; the limit is {limit_for(variant)}")


@pytest.mark.parametrize("variant", wording.VARIANTS)
@pytest.mark.parametrize("with_results", [True, False])
def test_a_whole_pack_with_the_standard_wording_is_within_the_limit(variant, with_results):
    from tandem.prepare.queries.wording import sample_pack

    pack = sample_pack(variant=variant, texts={}, with_results=with_results)
    result = score(pack.text())
    assert result.words > 200
    assert result.reading_age <= limit_for(variant)


@pytest.mark.parametrize("variant", ["standard", "large_print", "easy_read"])
def test_the_example_pack_for_sample_pdfs_is_within_the_limit(variant):
    from tandem.prepare.presenters.pack import example

    result = score(example(variant).text())
    assert result.reading_age <= limit_for(variant)
