"""The NHS.UK label, text input, textarea and select components in Python, for a plain form field.

Each gives the same markup as the component's template, character for character (compared in
tests/perf/test_templates.py), or None for a field it does not render, which the component's macro
(tandem/templates/nhsuk/components/) then leaves to the template."""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Undefined
from markupsafe import Markup

from .html import (
    MESSAGE_KEYS,
    attrs,
    given,
    h,
    has,
    message,
    only,
    optional,
    optional_attribute,
    part,
    raw,
    required,
)

_LABEL_SIZES = ("s", "m", "l", "xl")


def nhsuk_plain_label(params) -> bool:
    """Whether `nhsuk_label` renders this label (no heading, no caption): every form field's label."""
    return isinstance(params, Mapping) and not any(
        given(params, key) for key in ("isPageHeading", "heading", "caption"))


def label_html(params: Mapping) -> str:
    """A label as `nhsuk_label` gives it, as a plain string: also each choice's and date box's label."""
    text, html = given(params, "text"), given(params, "html")
    if not (text or html):
        return ""
    classes = "nhsuk-label"
    size, extra = given(params, "size"), given(params, "classes")
    if size and size in _LABEL_SIZES and not (
            extra and any(f"nhsuk-label--{s}" in extra for s in ("xxs", "xs", "s", "m", "l", "xl"))):
        classes += f" nhsuk-label--{size}"
    if extra:
        classes += f" {extra}"
    # `html` is the caller's markup (the component's `html` parameter), as in the NHS.UK template.
    inner = raw(html).strip() if html else h(text).strip()
    hidden = given(params, "visuallyHiddenText")
    if hidden:
        inner = f'{inner}<span class="nhsuk-u-visually-hidden"> {h(hidden)}</span>'
    return (f'<label class="{h(classes)}"{optional("id", given(params, "id"))}'
            f'{optional("for", given(params, "for"))}{attrs(given(params, "attributes"))}>{inner}</label>')


def nhsuk_label(params: Mapping) -> Markup:
    """The NHS.UK label component (nhsuk/components/label) for a label that is not a page heading and
    has no caption, in Python: the same element, classes and attributes as the component's template
    (compared in tests/perf/test_templates.py), for the hundreds of labels of a long form. The label
    macro (tandem/templates/nhsuk/components/label/macro.jinja) uses the component's own template for
    any other label."""
    return Markup(label_html(params))  # noqa: S704 - built by label_html, every value escaped


_INPUT_KEYS = frozenset({"id", "name", "value", "label", "hint", "errorMessage", "width", "attributes", "inputmode",
                         "autocomplete", "describedBy", "classes", "type", "spellcheck", "disabled", "autocapitalize",
                         "pattern", "placeholder"})
_LABEL_KEYS = frozenset({"text", "html", "classes", "size", "visuallyHiddenText"})
_INPUT_WIDTHS = ("2", "3", "4", "5", "10", "20", "30")


def _field_parts(params: Mapping, element_id: str) -> tuple[list[str], str, bool] | None:
    """The label, hint and error message of a form field as the NHS.UK components render them, the
    field's aria-describedby and whether it is in error; None when any of them needs the template."""
    label, hint, error = (part(params, "label", _LABEL_KEYS), part(params, "hint", MESSAGE_KEYS),
                          part(params, "errorMessage", MESSAGE_KEYS))
    if label is None or hint is None or error is None:
        return None
    described_by = given(params, "describedBy") or ""
    label["for"] = element_id
    parts = [label_html(label)]
    if has(hint):
        described_by = f"{described_by} {element_id}-hint".strip()
        parts.append(message("hint", hint, f"{element_id}-hint"))
    if has(error):
        described_by = f"{described_by} {element_id}-error".strip()
        parts.append(message("error", error, f"{element_id}-error"))
    return parts, described_by, has(error) or bool(error.get("flag"))


def input_html(params) -> str | None:
    """A text input as `nhsuk_input` gives it, as a plain string (None: the template renders it)."""
    if not isinstance(params, Mapping) or not only(params, _INPUT_KEYS):
        return None
    element_id = given(params, "id") or given(params, "name")
    fields = _field_parts(params, element_id)
    if fields is None:
        return None
    parts, described_by, has_error = fields
    extra = given(params, "classes")
    classes, group = "nhsuk-input", "nhsuk-form-group"
    if has_error:
        classes += " nhsuk-input--error"
        group += " nhsuk-form-group--error"
    width = given(params, "width")
    if width and str(width) in _INPUT_WIDTHS and not (
            extra and any(f"nhsuk-input--width-{w}" in extra for w in _INPUT_WIDTHS)):
        classes += f" nhsuk-input--width-{width}"
    if extra:
        classes += f" {extra}"
    spellcheck = given(params, "spellcheck")
    parts.append("".join((
        "<input", required("class", classes), required("id", element_id), required("name", given(params, "name")),
        required("type", given(params, "type") or "text"),
        optional("spellcheck", str(spellcheck).lower() if spellcheck in (True, False) else False),
        optional("value", given(params, "value")), optional("disabled", given(params, "disabled")),
        optional("aria-describedby", described_by or False),
        *(optional(key, given(params, key))
          for key in ("autocomplete", "autocapitalize", "pattern", "placeholder", "inputmode")),
        attrs(given(params, "attributes")), ">")))
    return f'<div class="{h(group)}">{"".join(parts)}</div>'


def nhsuk_input(params) -> Markup | None:
    """The NHS.UK text input component (nhsuk/components/input) in Python for a plain field: a label
    that is not a page heading, an optional hint and error message, no prefix, suffix or wrapper. The
    same markup as the component's template (compared in tests/perf/test_templates.py); None for any
    other input, which the input macro (tandem/templates/nhsuk/components/input/macro.jinja) leaves to
    the template."""
    html = input_html(params)
    return None if html is None else Markup(html)  # noqa: S704 - built by input_html, every value escaped


_TEXTAREA_KEYS = frozenset({"id", "name", "value", "rows", "label", "hint", "errorMessage", "attributes", "classes",
                            "describedBy", "disabled", "autocomplete"})


def _control_classes(component: str, params: Mapping, has_error: bool) -> tuple[str, str]:
    """The control's classes (its error modifier, then any given) and its form group's."""
    classes = component + (f" {component}--error" if has_error else "")
    if given(params, "classes"):
        classes += f" {given(params, 'classes')}"
    return classes, "nhsuk-form-group" + (" nhsuk-form-group--error" if has_error else "")


def nhsuk_textarea(params) -> Markup | None:
    """The NHS.UK textarea component (nhsuk/components/textarea) in Python for a plain field (a label
    that is not a page heading, an optional hint and error message, nothing before or after it): the
    same markup as the component's template (compared in tests/perf/test_templates.py), the value
    exactly as given. None for any other textarea, which the textarea macro
    (tandem/templates/nhsuk/components/textarea/macro.jinja) leaves to the template."""
    if not isinstance(params, Mapping) or not only(params, _TEXTAREA_KEYS):
        return None
    element_id = given(params, "id") or given(params, "name")
    fields = _field_parts(params, element_id)
    if fields is None:
        return None
    parts, described_by, has_error = fields
    classes, group = _control_classes("nhsuk-textarea", params, has_error)
    value = params.get("value")
    parts.append("".join((
        f'<textarea class="{h(classes)}" id="{h(element_id)}" name="{h(given(params, "name") or "")}"'
        f' rows="{h(given(params, "rows") or 5)}"', " disabled" if given(params, "disabled") else "",
        optional_attribute("aria-describedby", described_by or None),
        optional_attribute("autocomplete", given(params, "autocomplete") or None),
        attrs(given(params, "attributes")), ">",
        "" if isinstance(value, Undefined) or "value" not in params else h(value), "</textarea>")))
    return Markup(f'<div class="{h(group)}">{"".join(parts)}</div>')  # noqa: S704 - every value escaped


_SELECT_KEYS = frozenset({"id", "name", "value", "label", "hint", "errorMessage", "items", "attributes", "classes",
                          "describedBy", "disabled"})
_OPTION_KEYS = frozenset({"value", "text", "selected", "disabled", "attributes"})


def _option(item: Mapping, chosen) -> str:
    value, selected = given(item, "value"), given(item, "selected")
    has_value = "value" in item and not isinstance(item["value"], Undefined)
    if not selected and chosen:  # as `item.selected | default(..., true)` in the template
        effective = item["value"] if has_value else given(item, "text")
        selected = effective == chosen and selected is not False
    text = given(item, "text")
    return "".join((
        "<option", f' value="{h(value)}"' if has_value else "", " selected" if selected else "",
        " disabled" if given(item, "disabled") else "", attrs(given(item, "attributes")), ">",
        "" if text is None else h(text), "</option>"))


def nhsuk_select(params) -> Markup | None:
    """The NHS.UK select component (nhsuk/components/select) in Python for a plain field (a label that
    is not a page heading, an optional hint and error message, options without dividers, nothing
    before or after it): the same markup as the component's template (compared in
    tests/perf/test_templates.py). None for any other select, which the select macro
    (tandem/templates/nhsuk/components/select/macro.jinja) leaves to the template."""
    if not isinstance(params, Mapping) or not only(params, _SELECT_KEYS):
        return None
    items = given(params, "items") or ()
    if not all(isinstance(item, Mapping) and only(item, _OPTION_KEYS) for item in items):
        return None
    element_id = given(params, "id") or given(params, "name")
    fields = _field_parts(params, element_id)
    if fields is None:
        return None
    parts, described_by, has_error = fields
    classes, group = _control_classes("nhsuk-select", params, has_error)
    chosen = given(params, "value")
    parts.append("".join((
        f'<select class="{h(classes)}" id="{h(element_id)}" name="{h(given(params, "name") or "")}"',
        " disabled" if given(params, "disabled") else "",
        optional_attribute("aria-describedby", described_by or None),
        attrs(given(params, "attributes")), ">", *(_option(item, chosen) for item in items if item),
        "</select>")))
    return Markup(f'<div class="{h(group)}">{"".join(parts)}</div>')  # noqa: S704 - every value escaped
