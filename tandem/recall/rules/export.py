"""Spreadsheet-safe CSV cells. Pure.

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets skip before
reading one of those) is run as a formula when the file is opened in Excel, LibreOffice or Google
Sheets ("CSV injection", OWASP). Such cells get a leading single quote, which makes the spreadsheet
show the text as it is. Full-width forms of the same characters are treated alike, and so is a
cell whose first non-space character is one of them.
"""

from __future__ import annotations

TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    stripped = text.lstrip(" ")
    if text and (text[0] in TRIGGERS or (stripped and stripped[0] in TRIGGERS)):
        return "'" + text
    return text


def safe_row(values) -> list[str]:
    return [safe_cell(v) for v in values]
