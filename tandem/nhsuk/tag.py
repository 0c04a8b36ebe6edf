"""The NHS.UK tag component in Python, for a tag on every row of a list."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from .html import attrs, given, h, only, raw

_TAG_KEYS = frozenset({"text", "html", "classes", "colour", "id", "attributes"})
_TAG_COLOURS = ("white", "grey", "green", "aqua-green", "blue", "purple", "pink", "red", "orange", "yellow")


def nhsuk_tag(params) -> Markup | None:
    """The NHS.UK tag component (nhsuk/components/tag) in Python, for a tag on every row of a list:
    the same markup as the component's template (compared in tests/perf/test_templates.py). None for
    a tag the template must render (no border, no colour), which the tag macro
    (tandem/templates/nhsuk/components/tag/macro.jinja) leaves to it."""
    if not isinstance(params, Mapping) or not only(params, _TAG_KEYS) or params.get("colour") is False:
        return None
    classes, extra, colour = "nhsuk-tag", given(params, "classes"), given(params, "colour")
    if colour in _TAG_COLOURS and not (extra and any(f"nhsuk-tag--{c}" in extra for c in _TAG_COLOURS)):
        classes += f" nhsuk-tag--{colour}"
    if extra:
        classes += f" {extra}"
    text, html = given(params, "text"), given(params, "html")
    # `html` is the caller's markup (the component's `html` parameter), as in the NHS.UK template.
    inner = raw(html).strip() if html else h(text).strip() if text else ""
    element_id = given(params, "id")
    id_attribute = f' id="{h(element_id)}"' if element_id else ""
    return Markup(  # noqa: S704 - every value escaped
        f'<strong class="{h(classes)}"{id_attribute}{attrs(given(params, "attributes"))}>{inner}</strong>')
