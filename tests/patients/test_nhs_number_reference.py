"""Tandem's Modulus 11 check agrees with an independent implementation: the `nhs-number` package
(uk-fci/nhs-number on PyPI, 2.2.0), on random strings.

Where the package judges more than the check digit, the comparison is restricted to the check digit:

- Scottish CHI numbers. For a number in the CHI range (010 101 0000 to 311 299 9999) the package also
  requires the first six digits to be a real date of birth (DDMMYY) and calls the number invalid
  otherwise (nhs_number.validate.is_valid). Tandem does not apply that rule: NHS numbers issued in
  England carry no date of birth, Tandem's practices are in England, and a CHI number is an identifier
  of NHS Scotland, not an NHS number. For those numbers Tandem is compared with the package's
  check-digit calculation (calculate_checksum) alone.
- Layout. The package accepts exactly '9990000018', '999 000 0018' or '999-000-0018'; Tandem also accepts
  other spacing and digits written in other forms (full-width, other scripts), which it reads as ASCII
  digits first. The package is therefore given Tandem's ASCII reading of the same characters.
"""

from __future__ import annotations

import nhs_number
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from nhs_number import REGION_SCOTLAND

from tandem.patients.rules import (
    InvalidNHSNumber,
    ascii_digits,
    is_valid_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
)

ASCII_DIGITS = st.text(alphabet="0123456789", min_size=10, max_size=10)
ANY_DIGITS = st.text(alphabet=st.characters(categories=["Nd"]), min_size=10, max_size=10)


def package_check_digit_verdict(ten_ascii_digits: str) -> bool:
    """The package's verdict on the Modulus 11 check digit alone (no CHI date of birth rule)."""
    if REGION_SCOTLAND.contains_number(ten_ascii_digits):
        return nhs_number.calculate_checksum(ten_ascii_digits[:9]) == int(ten_ascii_digits[9])
    return nhs_number.is_valid(ten_ascii_digits)


@settings(max_examples=2000, deadline=None)
@given(ASCII_DIGITS)
@example("9434765919")  # the NHS Data Dictionary's worked example
@example("9990000018")
@example("9990000000")  # remainder 1: no check digit is possible
@example("0101000003")  # CHI range, 1 January 2000
@example("3102000002")  # CHI range, 31 February: the package refuses it on the date, not the check digit
def test_tandem_and_the_package_agree_on_the_check_digit(digits):
    assert is_valid_nhs_number(digits) == package_check_digit_verdict(digits)


@settings(max_examples=500, deadline=None)
@given(ANY_DIGITS)
def test_they_agree_on_numbers_written_in_any_script(digits):
    assert is_valid_nhs_number(digits) == package_check_digit_verdict(ascii_digits(digits))


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=16))
def test_on_any_text_tandem_accepts_only_numbers_the_package_also_accepts(text):
    try:
        number = normalise_nhs_number(text)
    except InvalidNHSNumber:
        return
    assert package_check_digit_verdict(number)
    assert nhs_number.standardise_format(number) == number


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_check_digit_tandem_computes_is_the_packages(first_nine):
    ours = nhs_check_digit(first_nine)
    theirs = nhs_number.calculate_checksum(first_nine)
    assert ours == (None if theirs == 10 else theirs)


def test_the_scottish_date_rule_is_the_only_difference():
    # 3102000002: first six digits 31/02/00 (no such date); the check digit is right.
    assert nhs_check_digit("310200000") == 2
    assert is_valid_nhs_number("3102000002")
    assert not nhs_number.is_valid("3102000002")


@pytest.mark.parametrize("layout", ["999 000 0018", "999-000-0018", " 9990000018 "])
def test_layouts_both_accept_are_read_the_same(layout):
    assert normalise_nhs_number(layout) == nhs_number.standardise_format(layout)
