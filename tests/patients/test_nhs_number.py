import pytest

from tandem.patients.rules import (
    InvalidNHSNumber,
    format_nhs_number,
    is_valid_nhs_number,
    normalise_nhs_number,
)


@pytest.mark.parametrize("raw", ["9990000018", "999 000 0018", "999-000-0018", " 9990000018 "])
def test_valid_numbers_are_normalised_to_ten_digits(raw):
    assert normalise_nhs_number(raw) == "9990000018"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "required"),
        ("99900000", "has 10 digits; this one has 8"),
        ("9990000019", "check digit does not match"),
        ("99900O0018", "only digits"),
        # 999000000x: the weighted sum leaves remainder 1, so no check digit is valid
        ("9990000000", "check digit"),
    ],
)
def test_invalid_numbers_are_rejected_with_a_reason(raw, message):
    with pytest.raises(InvalidNHSNumber, match=message):
        normalise_nhs_number(raw)


def test_known_published_test_number_validates():
    # 943 476 5919 is the worked example in the NHS Data Dictionary's Modulus 11 description.
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")


def test_display_groups_digits_3_3_4():
    assert format_nhs_number("9990000018") == "999 000 0018"
