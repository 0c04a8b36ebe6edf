"""The NHS.UK components that sit in a fieldset, in Python: radios, checkboxes and the date input.

Each gives the same markup as the component's template, character for character (compared in
tests/perf/test_templates.py), or None for anything it does not render, which the component's macro
(tandem/templates/nhsuk/components/) then leaves to the template."""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Undefined
from markupsafe import Markup

from .fields import input_html, label_html
from .html import MESSAGE_KEYS, attrs, given, h, has, message, only, optional_attribute, part, raw

_CHOICES_KEYS = {
    "radios": frozenset({"idPrefix", "name", "items", "classes", "small", "inline", "fieldset", "hint", "errorMessage",
                         "attributes", "id", "value", "disabled"}),
    "checkboxes": frozenset({"idPrefix", "name", "items", "classes", "small", "inline", "fieldset", "hint",
                             "errorMessage", "attributes", "id", "values", "disabled", "describedBy"}),
}
_CHOICE_KEYS = {
    "radios": frozenset({"value", "text", "html", "checked", "hint", "disabled", "id", "classes", "attributes",
                         "conditional"}),
    "checkboxes": frozenset({"value", "text", "html", "checked", "hint", "disabled", "id", "classes", "attributes",
                             "name", "conditional"}),
}
_FIELDSET_KEYS = frozenset({"legend", "classes", "describedBy"})
_LEGEND_KEYS = frozenset({"text", "html", "classes", "size"})
_LEGEND_SIZES = ("s", "m", "l", "xl")


def _legend(legend) -> str:
    """A legend that is not a page heading (nhsuk/components/legend), as the fieldset gives it."""
    text, html, classes = given(legend, "text"), given(legend, "html"), "nhsuk-fieldset__legend"
    if not (text or html):
        return ""
    size, extra = given(legend, "size"), given(legend, "classes")
    if size in _LEGEND_SIZES and not (extra and any(f"nhsuk-fieldset__legend--{s}" in extra for s in _LEGEND_SIZES)):
        classes += f" nhsuk-fieldset__legend--{size}"
    if extra:
        classes += f" {extra}"
    # `html` is the caller's markup (the component's `html` parameter), as in the NHS.UK template.
    inner = raw(html).strip() if html else h(text).strip()
    return f'<legend class="{h(classes)}">{inner}</legend>'


def _fieldset(fieldset: Mapping, legend, described_by: str, body: str, role: str = "") -> str:
    """The fieldset (nhsuk/components/fieldset) around a component's body, as the component gives it."""
    classes = "nhsuk-fieldset" + (f" {given(fieldset, 'classes')}" if given(fieldset, "classes") else "")
    return (f'<fieldset class="{h(classes)}"{role}{optional_attribute("aria-describedby", described_by or False)}>'
            f"{_legend(legend or {})}{body}</fieldset>")


def _plain_conditional(item: Mapping) -> bool:
    conditional = given(item, "conditional")
    return conditional is None or (isinstance(conditional, Mapping) and only(conditional, frozenset({"html"})))


def _value(item: Mapping) -> object:
    """`{{ item.value }}` as the templates write it: nothing for a missing value."""
    value = item.get("value", "")
    return "" if isinstance(value, Undefined) else value


def _choice(kind: str, params: Mapping, item: Mapping, index: int, id_prefix: str, described_by: str,
            in_fieldset: bool) -> str:
    item_id = given(item, "id") or (f"{id_prefix}-{index}" if index > 1 else id_prefix)
    checked = given(item, "checked")
    if not checked:  # as `item.checked | default(..., true)` in the templates
        if kind == "radios":
            chosen = given(params, "value")
            checked = bool(chosen) and item.get("value") == chosen and checked is not False
        else:
            chosen = given(params, "values")
            checked = bool(chosen) and item.get("value") in chosen and checked is not False
    disabled = given(item, "disabled")
    disabled = disabled or (disabled is not False and given(params, "disabled"))
    hint = part(item, "hint", MESSAGE_KEYS)
    hint_id = f"{item_id}-item-hint" if has(hint) else ""
    if kind == "radios":
        item_described_by = hint_id
    else:
        item_described_by = f"{'' if in_fieldset else described_by} {hint_id}".strip()
    conditional = given(given(item, "conditional") or {}, "html")
    classes = f"nhsuk-{kind}__input" + (f" {given(item, 'classes')}" if given(item, "classes") else "")
    name = (given(item, "name") if kind == "checkboxes" else None) or given(params, "name") or ""
    escaped_id = h(item_id)
    shown = [
        f'<div class="nhsuk-{kind}__item"><input class="{h(classes)}" id="{escaped_id}" name="{h(name)}" '
        f'type="{"radio" if kind == "radios" else "checkbox"}" value="{h(_value(item))}"',
        " checked" if checked else "", " disabled" if disabled else "",
        f' data-aria-controls="conditional-{escaped_id}"' if conditional else "",
        f' aria-describedby="{h(item_described_by)}"' if item_described_by else "",
        attrs(given(item, "attributes")), ">",
        label_html({"text": given(item, "text"), "html": given(item, "html"), "for": item_id,
                "classes": f"nhsuk-{kind}__label"}),
        message("hint", hint, hint_id, f" nhsuk-{kind}__hint") if hint_id else "", "</div>"]
    if conditional:  # the caller's markup, shown when the item is chosen (as in the NHS.UK template)
        hidden = "" if checked else f" nhsuk-{kind}__conditional--hidden"
        shown.append(f'<div class="nhsuk-{kind}__conditional{hidden}" id="conditional-{escaped_id}">'
                     f"{raw(conditional).strip()}</div>")
    return "".join(shown)


def nhsuk_choices(kind: str, params) -> Markup | None:
    """The NHS.UK radios or checkboxes component (nhsuk/components/radios, .../checkboxes) in Python
    for plain choices: an optional fieldset whose legend is not a page heading, an optional hint and
    error message, items with a label and an optional hint (no conditional content, dividers or
    exclusive behaviour). The same markup as the component's template (compared in
    tests/perf/test_templates.py); None for anything else, which the radios and checkboxes macros
    (tandem/templates/nhsuk/components/) leave to the template."""
    if not isinstance(params, Mapping) or not only(params, _CHOICES_KEYS[kind]):
        return None
    items = given(params, "items") or ()
    if not all(isinstance(item, Mapping) and only(item, _CHOICE_KEYS[kind]) and part(item, "hint", MESSAGE_KEYS)
               is not None and _plain_conditional(item) for item in items if item):
        return None
    fieldset = given(params, "fieldset")
    if fieldset and not (isinstance(fieldset, Mapping) and only(fieldset, _FIELDSET_KEYS)):
        return None
    legend = _legend_of(fieldset)
    if legend is _UNSUPPORTED:
        return None
    hint, error = part(params, "hint", MESSAGE_KEYS), part(params, "errorMessage", MESSAGE_KEYS)
    if hint is None or error is None:
        return None
    id_prefix = given(params, "idPrefix") or given(params, "name")
    described_by = (given(params, "describedBy") or "") if kind == "checkboxes" else ""
    if fieldset and given(fieldset, "describedBy"):
        described_by = given(fieldset, "describedBy")
    inner = []
    if has(hint):
        described_by = f"{described_by} {id_prefix}-hint".strip()
        inner.append(message("hint", hint, f"{id_prefix}-hint"))
    if has(error):
        described_by = f"{described_by} {id_prefix}-error".strip()
        inner.append(message("error", error, f"{id_prefix}-error"))
    classes, extra = f"nhsuk-{kind}", given(params, "classes")
    for option in ("small", "inline"):
        if given(params, option) and not (extra and f"nhsuk-{kind}--{option}" in extra):
            classes += f" nhsuk-{kind}--{option}"
    if extra:
        classes += f" {extra}"
    inner.append(f'<div class="{h(classes)}"{optional_attribute("id", given(params, "id"))} data-module="nhsuk-{kind}"'
                 f'{attrs(given(params, "attributes"))}>')
    inner.extend(_choice(kind, params, item, index, id_prefix, described_by, bool(fieldset))
                 for index, item in enumerate(items, start=1) if item)
    inner.append("</div>")
    body = "".join(inner)
    if fieldset:
        body = _fieldset(fieldset, legend, described_by, body)
    group = "nhsuk-form-group" + (" nhsuk-form-group--error" if has(error) or error.get("flag") else "")
    return Markup(f'<div class="{group}">{body}</div>')  # noqa: S704 - every value escaped above


_UNSUPPORTED = object()  # a legend these functions leave to the template


def _legend_of(fieldset):
    """The fieldset's legend as a mapping (a plain string is its text), None without one."""
    legend = given(fieldset, "legend") if fieldset else None
    if isinstance(legend, str):
        return {"text": legend, "html": legend if isinstance(legend, Markup) else None}
    if legend is not None and not (isinstance(legend, Mapping) and only(legend, _LEGEND_KEYS)):
        return _UNSUPPORTED
    return legend


_DATE_KEYS = frozenset({"id", "fieldset", "hint", "errorMessage", "items", "classes", "attributes"})
_DATE_ITEM_KEYS = frozenset({"id", "name", "label", "width", "value", "classes"})
_DATE_FIELDSET_KEYS = frozenset({"legend", "classes"})


def nhsuk_date_input(params) -> Markup | None:
    """The NHS.UK date input component (nhsuk/components/date-input) in Python for a date whose boxes
    are all given (each with a name, a label and a width), in an optional fieldset whose legend is
    not a page heading, with an optional hint and error message. The same markup as the component's
    template (compared in tests/perf/test_templates.py), each box by `nhsuk_input`; None for any
    other date, which the date input macro (tandem/templates/nhsuk/components/date-input/macro.jinja)
    leaves to the template."""
    if not isinstance(params, Mapping) or not only(params, _DATE_KEYS) or not given(params, "id"):
        return None
    items = given(params, "items")
    if not items or not all(isinstance(item, Mapping) and only(item, _DATE_ITEM_KEYS)
                            and given(item, "name") and given(item, "width")
                            and isinstance(given(item, "label"), str) and given(item, "label")
                            for item in items):
        return None
    fieldset = given(params, "fieldset")
    if fieldset and not (isinstance(fieldset, Mapping) and only(fieldset, _DATE_FIELDSET_KEYS)):
        return None
    legend = _legend_of(fieldset)
    if legend is _UNSUPPORTED:
        return None
    hint, error = part(params, "hint", MESSAGE_KEYS), part(params, "errorMessage", MESSAGE_KEYS)
    if hint is None or error is None:
        return None
    element_id, described_by, inner = given(params, "id"), "", []
    if has(hint):
        described_by = f"{element_id}-hint"
        inner.append(message("hint", hint, described_by))
    if has(error):
        described_by = f"{described_by} {element_id}-error".strip()
        inner.append(message("error", error, f"{element_id}-error"))
    marked = ["nhsuk-input--error" in (given(item, "classes") or "") for item in items]
    group_error = has(error) or bool(error.get("flag"))
    classes = "nhsuk-date-input" + (f" {given(params, 'classes')}" if given(params, "classes") else "")
    inner.append(f'<div class="{h(classes)}" id="{h(element_id)}"{attrs(given(params, "attributes"))}>')
    for item, item_marked in zip(items, marked, strict=True):
        box = input_html({
            "label": {"text": item["label"], "classes": "nhsuk-date-input__label"},
            "errorMessage": not item_marked and group_error and not any(marked),
            "id": given(item, "id") or f"{element_id}-{item['name']}", "name": item["name"],
            "value": given(item, "value"), "width": item["width"], "inputmode": "numeric",
            "classes": f"nhsuk-date-input__input {given(item, 'classes') or ''}".strip()})
        if box is None:
            return None
        inner.append(f'<div class="nhsuk-date-input__item">{box}</div>')
    inner.append("</div>")
    body = "".join(inner)
    if fieldset:
        body = _fieldset(fieldset, legend, described_by, body, role=' role="group"')
    group = "nhsuk-form-group" + (" nhsuk-form-group--error" if group_error or any(marked) else "")
    return Markup(f'<div class="{group}">{body}</div>')  # noqa: S704 - every value escaped above
