"""The Jinja2 environment: Tandem templates first, then the NHS.UK frontend component macros."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from tandem.core import clock
from tandem.core.rules import Capability, can


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def date_format(value: dt.date | None, style: str = "long") -> str:
    """'4 March 2026' (long) or '4 Mar 2026' (short). Empty for no date."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    month = "%B" if style == "long" else "%b"
    return f"{value.day} {value.strftime(month)} {value.year}"


def environment(**options) -> Environment:
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    options["undefined"] = ChainableUndefined  # the NHS.UK macros rely on it
    options["autoescape"] = True  # everything a person typed is escaped
    env = Environment(**options)  # noqa: S701 - autoescape is forced on above
    env.globals.update(
        static=static,
        url=url,
        get_messages=messages.get_messages,
        today=clock.today,
        can=lambda roles, capability: can(roles, Capability(capability)),
        assetPath="/static/nhsuk/assets",
    )
    env.filters["date"] = date_format
    return env
