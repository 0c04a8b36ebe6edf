"""Functions and filters that templates call: `url(...)` and `|date`."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse


def url(name: str, *args, **kwargs) -> str:
    """The path of the URL named `name` (Django's `reverse`), its arguments given in order or by name."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_SHORT_MONTHS = tuple(month[:3] for month in _MONTHS)


def date_format(value: dt.date | None, style: str = "long") -> str:
    """'4 March 2026' (long) or '4 Mar 2026' (short). Empty for no date. (English month names, as
    `strftime` gives them in the C locale Tandem runs in, without its cost on every row of a list.)"""
    if not value:
        return ""
    months = _MONTHS if style == "long" else _SHORT_MONTHS
    return f"{value.day} {months[value.month - 1]} {value.year}"
