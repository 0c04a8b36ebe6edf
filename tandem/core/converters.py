"""The path converter for ids in URLs: ``<id:pk>``.

Django's ``<int:...>`` passes any run of ASCII digits to the view, and a number beyond the database's
integer column is then an error of the database ("integer out of range" on PostgreSQL, an
OverflowError on SQLite) instead of "not found". ``<id:...>`` reads the id with the parsing layer
(tandem.core.parsing.read_id): 1 to 2**31-1, or the URL does not match and the answer is a 404.
It is registered when the core app is ready (tandem/core/apps.py), before any URLs are read.
"""

from __future__ import annotations

from django.urls.converters import IntConverter

from .parsing import read_id


class IdConverter(IntConverter):
    """A database id: 1 to 2**31-1, else the URL does not match (404)."""

    def to_python(self, value: str) -> int:
        number = read_id(value)
        if number is None:
            raise ValueError("not an id")  # Django: this URL does not match
        return number
