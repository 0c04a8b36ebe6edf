"""CSV cells that a spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.recall.rules.export import TRIGGERS, safe_cell, safe_row

CELLS = [
    ("=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"),
    ("+44 7700 900123", "'+44 7700 900123"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("  =1+1", "'  =1+1"),
    ("\uff1d1+1", "'\uff1d1+1"),
    ("Okafor", "Okafor"),
    ("O'Brien", "O'Brien"),
    ("999 000 0018", "999 000 0018"),
    ("", ""),
    (None, ""),
    (25, "25"),
]


@pytest.mark.parametrize(("value", "expected"), CELLS)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


@given(st.text())
def test_no_cell_starts_with_a_formula_character(text):
    cell = safe_cell(text)
    assert not cell or cell[0] not in TRIGGERS
    assert cell.lstrip(" ")[:1] not in TRIGGERS or cell.startswith("'")
    assert cell in (text, "'" + text)


def test_safe_row():
    assert safe_row(["=1", "a", 3]) == ["'=1", "a", "3"]
