"""The Jinja2 environment: Tandem templates first, then the NHS.UK frontend component macros.

- compiler: how templates are compiled (`{{ value }}` as a plain escaped string) and kept on disk
- filters: `url(...)` and `|date`
- the NHS.UK components in Python are tandem.nhsuk; they are re-exported here by their old names
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.templatetags.static import static
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from tandem.core import clock
from tandem.core.rules import Capability, can
from tandem.nhsuk import (
    TEMPLATE_GLOBALS,
    nhsuk_attributes,
    nhsuk_choices,
    nhsuk_date_input,
    nhsuk_input,
    nhsuk_label,
    nhsuk_plain_label,
    nhsuk_select,
    nhsuk_tag,
    nhsuk_textarea,
    radios_params,
    select_params,
)

from .compiler import TandemEnvironment, bytecode_cache
from .filters import date_format, url

__all__ = [
    "TandemEnvironment", "date_format", "environment", "nhsuk_attributes", "nhsuk_choices", "nhsuk_date_input",
    "nhsuk_input", "nhsuk_label", "nhsuk_plain_label", "nhsuk_select", "nhsuk_tag", "nhsuk_textarea",
    "radios_params", "select_params", "url",
]


def environment(**options) -> Environment:
    """Tandem's Jinja environment (settings.TEMPLATES): Django's options, with the NHS.UK package's
    templates after Tandem's, autoescaping on, and the globals and filters templates use."""
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    options["undefined"] = ChainableUndefined  # the NHS.UK macros rely on it
    options["autoescape"] = True  # everything a person typed is escaped
    # Templates are compiled once per process. Served, they are never checked for edits (Django sets
    # auto_reload from DEBUG; SERVED forces it off) and every template stays in the cache.
    if getattr(settings, "SERVED", False):
        options["auto_reload"] = False
    options["cache_size"] = -1
    options["bytecode_cache"] = bytecode_cache()
    env = TandemEnvironment(**options)  # noqa: S701 - autoescape is forced on above
    env.globals.update(
        static=static,
        url=url,
        get_messages=messages.get_messages,
        today=clock.today,
        can=lambda roles, capability: can(roles, Capability(capability)),
        assetPath="/static/nhsuk/assets",
        **TEMPLATE_GLOBALS,
    )
    env.filters["date"] = date_format
    return env
