"""The Jinja2 environment: Tandem templates first, then the NHS.UK frontend component macros."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    Undefined,
)
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

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


def nhsuk_attributes(attributes) -> Markup:
    """The NHS.UK frontend's `nhsukAttributes` macro (nhsuk/macros/attributes.jinja), in Python.

    Every NHS.UK component calls it several times per field, and as a Jinja macro it was most of the
    cost of a page with a long form. tandem/templates/nhsuk/macros/attributes.jinja puts this in its
    place; the output is the same, character for character (tests/perf/test_templates.py compares
    the two). Each attribute renders as ` name="value"` (value escaped); with `optional`, an empty
    value (None, undefined, False) is left out and True renders the bare name."""
    if isinstance(attributes, str):
        return Markup(attributes)  # noqa: S704 - as the macro: a string of attributes is the caller's HTML
    if not isinstance(attributes, Mapping):
        return Markup("")
    out = []
    for name, item in attributes.items():
        if isinstance(item, Mapping):
            value, kind, optional = item.get("value"), item.get("type"), item.get("optional")
        else:
            value, kind, optional = item, "string", False
        if value is None or isinstance(value, Undefined):
            value, escaped = None, ""
        elif isinstance(value, Markup):
            value, escaped = _UNSET, value
        elif kind == "array" and isinstance(value, Iterable):
            value, escaped = _UNSET, htmlsafe_json_dumps(value, sort_keys=True)  # as `| tojson`
        else:
            escaped = escape(value)
        if optional is True and value is True:
            out.append(f" {escape(name)}")
        elif optional is not True or (value is not None and value is not False):
            shown = str(value).lower() if isinstance(value, bool) else escaped
            quote = "'" if '"' in escaped else '"'
            out.append(f" {escape(name)}={quote}{shown}{quote}")
    return Markup("".join(out))  # noqa: S704 - every name and value above is escaped


_UNSET = object()


def _given(params: Mapping, key: str):
    """params.key as the NHS.UK templates read it: missing, None and undefined are all nothing."""
    value = params.get(key)
    return None if isinstance(value, Undefined) else value


_LABEL_SIZES = ("s", "m", "l", "xl")


def nhsuk_plain_label(params) -> bool:
    """Whether `nhsuk_label` renders this label (no heading, no caption): every form field's label."""
    return isinstance(params, Mapping) and not any(
        _given(params, key) for key in ("isPageHeading", "heading", "caption"))


def nhsuk_label(params: Mapping) -> Markup:
    """The NHS.UK label component (nhsuk/components/label) for a label that is not a page heading and
    has no caption, in Python: the same element, classes and attributes as the component's template
    (compared in tests/perf/test_templates.py), for the hundreds of labels of a long form. The label
    macro (tandem/templates/nhsuk/components/label/macro.jinja) uses the component's own template for
    any other label."""
    text, html = _given(params, "text"), _given(params, "html")
    if not (text or html):
        return Markup("")
    classes = "nhsuk-label"
    size, extra = _given(params, "size"), _given(params, "classes")
    if size and size in _LABEL_SIZES and not (
            extra and any(f"nhsuk-label--{s}" in extra for s in ("xxs", "xs", "s", "m", "l", "xl"))):
        classes += f" nhsuk-label--{size}"
    if extra:
        classes += f" {extra}"
    # `html` is the caller's markup (the component's `html` parameter), as in the NHS.UK template.
    inner = Markup(html).strip() if html else escape(text).strip()  # noqa: S704
    hidden = _given(params, "visuallyHiddenText")
    if hidden:
        inner += Markup('<span class="nhsuk-u-visually-hidden"> %s</span>') % hidden
    attributes = (Markup(' class="%s"') % classes + _optional("id", _given(params, "id"))
                  + _optional("for", _given(params, "for")) + nhsuk_attributes(_given(params, "attributes")))
    return Markup("<label%s>%s</label>") % (attributes, inner)


def _required(name: str, value) -> Markup:
    """One attribute as `nhsuk_attributes` gives it, without building its mapping."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(' %s="%s"') % (name, value)
    return nhsuk_attributes({name: value})


def _optional(name: str, value) -> Markup:
    """One optional attribute as `nhsuk_attributes` gives it (left out when None or False, bare when
    True), without building its mapping: labels and ids are on every field."""
    if value is None or value is False:
        return Markup("")
    if value is True:
        return Markup(" %s") % name
    if isinstance(value, Markup):
        return nhsuk_attributes({name: {"value": value, "optional": True}})
    return Markup(' %s="%s"') % (name, value)


_INPUT_KEYS = frozenset({"id", "name", "value", "label", "hint", "errorMessage", "width", "attributes", "inputmode",
                         "autocomplete", "describedBy", "classes", "type", "spellcheck", "disabled", "autocapitalize",
                         "pattern", "placeholder"})
_LABEL_KEYS = frozenset({"text", "html", "classes", "size", "visuallyHiddenText"})
_MESSAGE_KEYS = frozenset({"text", "html"})
_INPUT_WIDTHS = ("2", "3", "4", "5", "10", "20", "30")


def _only(params: Mapping, allowed: frozenset) -> bool:
    """Whether params gives nothing outside `allowed` (a key set to None or undefined gives nothing)."""
    return all(key in allowed or _given(params, key) is None for key in params)


def _part(params: Mapping, key: str, allowed: frozenset) -> dict | None:
    """A label, hint or error message parameter (a mapping, or a string for its text) as a dict; None
    when it uses anything the fast input does not render (the component's template then does). An
    error message of True (as the date input gives its boxes) marks the field in error with no
    message; False is no error."""
    value = _given(params, key)
    if value is None or value is False:
        return {}
    if value is True and key == "errorMessage":
        return {"flag": True}
    if isinstance(value, str):
        return {"text": value, "html": value if isinstance(value, Markup) else None}
    if isinstance(value, Mapping) and _only(value, allowed):
        return {k: _given(value, k) for k in allowed}
    return None


def _has(part: dict) -> bool:
    return bool(part.get("text") or part.get("html"))


def _field_parts(params: Mapping, element_id: str) -> tuple[list, str, bool] | None:
    """The label, hint and error message of a form field as the NHS.UK components render them, the
    field's aria-describedby and whether it is in error; None when any of them needs the template."""
    label, hint, error = (_part(params, "label", _LABEL_KEYS), _part(params, "hint", _MESSAGE_KEYS),
                          _part(params, "errorMessage", _MESSAGE_KEYS))
    if label is None or hint is None or error is None:
        return None
    described_by = _given(params, "describedBy") or ""
    parts = [nhsuk_label({**label, "for": element_id})]
    if _has(hint):
        described_by = f"{described_by} {element_id}-hint".strip()
        parts.append(_message("hint", hint, f"{element_id}-hint"))
    if _has(error):
        described_by = f"{described_by} {element_id}-error".strip()
        parts.append(_message("error", error, f"{element_id}-error"))
    return parts, described_by, _has(error) or bool(error.get("flag"))


def _message(kind: str, part: dict, element_id: str, classes: str = "") -> Markup:
    inner = Markup(part["html"]).strip() if part.get("html") else escape(str(part["text"]).strip())  # noqa: S704
    if kind == "hint":
        return Markup('<div class="nhsuk-hint%s" id="%s">%s</div>') % (classes, element_id, inner)
    return Markup('<span class="nhsuk-error-message" id="%s"><span class="nhsuk-u-visually-hidden">Error: </span>'
                  "%s</span>") % (element_id, inner)


def nhsuk_input(params) -> Markup | None:
    """The NHS.UK text input component (nhsuk/components/input) in Python for a plain field: a label
    that is not a page heading, an optional hint and error message, no prefix, suffix or wrapper. The
    same markup as the component's template (compared in tests/perf/test_templates.py); None for any
    other input, which the input macro (tandem/templates/nhsuk/components/input/macro.jinja) leaves to
    the template."""
    if not isinstance(params, Mapping) or not _only(params, _INPUT_KEYS):
        return None
    element_id = _given(params, "id") or _given(params, "name")
    fields = _field_parts(params, element_id)
    if fields is None:
        return None
    parts, described_by, has_error = fields
    extra = _given(params, "classes")
    classes, group = "nhsuk-input", "nhsuk-form-group"
    if has_error:
        classes += " nhsuk-input--error"
        group += " nhsuk-form-group--error"
    width = _given(params, "width")
    if width and str(width) in _INPUT_WIDTHS and not (
            extra and any(f"nhsuk-input--width-{w}" in extra for w in _INPUT_WIDTHS)):
        classes += f" nhsuk-input--width-{width}"
    if extra:
        classes += f" {extra}"
    spellcheck = _given(params, "spellcheck")
    attributes = Markup("").join((
        _required("class", classes), _required("id", element_id), _required("name", _given(params, "name")),
        _required("type", _given(params, "type") or "text"),
        _optional("spellcheck", str(spellcheck).lower() if spellcheck in (True, False) else False),
        _optional("value", _given(params, "value")), _optional("disabled", _given(params, "disabled")),
        _optional("aria-describedby", described_by or False),
        *(_optional(key, _given(params, key))
          for key in ("autocomplete", "autocapitalize", "pattern", "placeholder", "inputmode")),
        nhsuk_attributes(_given(params, "attributes"))))
    parts.append(Markup("<input%s>") % attributes)
    return Markup('<div class="%s">%s</div>') % (group, Markup("").join(parts))


_TEXTAREA_KEYS = frozenset({"id", "name", "value", "rows", "label", "hint", "errorMessage", "attributes", "classes",
                            "describedBy", "disabled", "autocomplete"})


def _control_classes(component: str, params: Mapping, has_error: bool) -> tuple[str, str]:
    """The control's classes (its error modifier, then any given) and its form group's."""
    classes = component + (f" {component}--error" if has_error else "")
    if _given(params, "classes"):
        classes += f" {_given(params, 'classes')}"
    return classes, "nhsuk-form-group" + (" nhsuk-form-group--error" if has_error else "")


def nhsuk_textarea(params) -> Markup | None:
    """The NHS.UK textarea component (nhsuk/components/textarea) in Python for a plain field (a label
    that is not a page heading, an optional hint and error message, nothing before or after it): the
    same markup as the component's template (compared in tests/perf/test_templates.py), the value
    exactly as given. None for any other textarea, which the textarea macro
    (tandem/templates/nhsuk/components/textarea/macro.jinja) leaves to the template."""
    if not isinstance(params, Mapping) or not _only(params, _TEXTAREA_KEYS):
        return None
    element_id = _given(params, "id") or _given(params, "name")
    fields = _field_parts(params, element_id)
    if fields is None:
        return None
    parts, described_by, has_error = fields
    classes, group = _control_classes("nhsuk-textarea", params, has_error)
    value = params.get("value")
    attributes = Markup(' class="%s" id="%s" name="%s" rows="%s"') % (
        classes, element_id, _given(params, "name") or "", _given(params, "rows") or 5,
    ) + (Markup(" disabled") if _given(params, "disabled") else Markup("")) + nhsuk_attributes({
        "aria-describedby": {"value": described_by or None, "optional": True},
        "autocomplete": {"value": _given(params, "autocomplete") or None, "optional": True},
    }) + nhsuk_attributes(_given(params, "attributes"))
    parts.append(Markup("<textarea%s>%s</textarea>") % (attributes, "" if isinstance(value, Undefined) or
                                                          "value" not in params else value))
    return Markup('<div class="%s">%s</div>') % (group, Markup("").join(parts))


_SELECT_KEYS = frozenset({"id", "name", "value", "label", "hint", "errorMessage", "items", "attributes", "classes",
                          "describedBy", "disabled"})
_OPTION_KEYS = frozenset({"value", "text", "selected", "disabled", "attributes"})


def _option(item: Mapping, chosen) -> Markup:
    value, selected = _given(item, "value"), _given(item, "selected")
    has_value = "value" in item and not isinstance(item["value"], Undefined)
    if not selected and chosen:  # as `item.selected | default(..., true)` in the template
        effective = item["value"] if has_value else _given(item, "text")
        selected = effective == chosen and selected is not False
    text = _given(item, "text")
    return Markup("<option%s%s%s%s>%s</option>") % (
        Markup(' value="%s"') % value if has_value else "",
        Markup(" selected") if selected else "", Markup(" disabled") if _given(item, "disabled") else "",
        nhsuk_attributes(_given(item, "attributes")), "" if text is None else text)


def nhsuk_select(params) -> Markup | None:
    """The NHS.UK select component (nhsuk/components/select) in Python for a plain field (a label that
    is not a page heading, an optional hint and error message, options without dividers, nothing
    before or after it): the same markup as the component's template (compared in
    tests/perf/test_templates.py). None for any other select, which the select macro
    (tandem/templates/nhsuk/components/select/macro.jinja) leaves to the template."""
    if not isinstance(params, Mapping) or not _only(params, _SELECT_KEYS):
        return None
    items = _given(params, "items") or ()
    if not all(isinstance(item, Mapping) and _only(item, _OPTION_KEYS) for item in items):
        return None
    element_id = _given(params, "id") or _given(params, "name")
    fields = _field_parts(params, element_id)
    if fields is None:
        return None
    parts, described_by, has_error = fields
    classes, group = _control_classes("nhsuk-select", params, has_error)
    chosen = _given(params, "value")
    attributes = Markup(' class="%s" id="%s" name="%s"') % (classes, element_id, _given(params, "name") or "") + (
        Markup(" disabled") if _given(params, "disabled") else Markup("")) + nhsuk_attributes(
        {"aria-describedby": {"value": described_by or None, "optional": True}}) + nhsuk_attributes(
        _given(params, "attributes"))
    options = Markup("").join(_option(item, chosen) for item in items if item)
    parts.append(Markup("<select%s>%s</select>") % (attributes, options))
    return Markup('<div class="%s">%s</div>') % (group, Markup("").join(parts))


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


def _legend(legend) -> Markup:
    """A legend that is not a page heading (nhsuk/components/legend), as the fieldset gives it."""
    text, html, classes = _given(legend, "text"), _given(legend, "html"), "nhsuk-fieldset__legend"
    if not (text or html):
        return Markup("")
    size, extra = _given(legend, "size"), _given(legend, "classes")
    if size in _LEGEND_SIZES and not (extra and any(f"nhsuk-fieldset__legend--{s}" in extra for s in _LEGEND_SIZES)):
        classes += f" nhsuk-fieldset__legend--{size}"
    if extra:
        classes += f" {extra}"
    # `html` is the caller's markup (the component's `html` parameter), as in the NHS.UK template.
    inner = Markup(html).strip() if html else escape(text).strip()  # noqa: S704
    return Markup('<legend class="%s">%s</legend>') % (classes, inner)


def _plain_conditional(item: Mapping) -> bool:
    conditional = _given(item, "conditional")
    return conditional is None or (isinstance(conditional, Mapping) and _only(conditional, frozenset({"html"})))


def _value(item: Mapping) -> object:
    """`{{ item.value }}` as the templates write it: nothing for a missing value."""
    value = item.get("value", "")
    return "" if isinstance(value, Undefined) else value


def _choice(kind: str, params: Mapping, item: Mapping, index: int, id_prefix: str, described_by: str,
            in_fieldset: bool) -> Markup:
    item_id = _given(item, "id") or (f"{id_prefix}-{index}" if index > 1 else id_prefix)
    checked = _given(item, "checked")
    if not checked:  # as `item.checked | default(..., true)` in the templates
        if kind == "radios":
            chosen = _given(params, "value")
            checked = bool(chosen) and item.get("value") == chosen and checked is not False
        else:
            chosen = _given(params, "values")
            checked = bool(chosen) and item.get("value") in chosen and checked is not False
    disabled = _given(item, "disabled")
    disabled = disabled or (disabled is not False and _given(params, "disabled"))
    hint = _part(item, "hint", _MESSAGE_KEYS)
    hint_id = f"{item_id}-item-hint" if _has(hint) else ""
    if kind == "radios":
        item_described_by = hint_id
    else:
        item_described_by = f"{'' if in_fieldset else described_by} {hint_id}".strip()
    conditional = _given(_given(item, "conditional") or {}, "html")
    classes = f"nhsuk-{kind}__input" + (f" {_given(item, 'classes')}" if _given(item, "classes") else "")
    name = (_given(item, "name") if kind == "checkboxes" else None) or _given(params, "name") or ""
    element = Markup('<input class="%s" id="%s" name="%s" type="%s" value="%s"%s%s%s%s%s>') % (
        classes, item_id, name, "radio" if kind == "radios" else "checkbox", _value(item),
        Markup(" checked") if checked else "", Markup(" disabled") if disabled else "",
        Markup(' data-aria-controls="conditional-%s"') % item_id if conditional else "",
        Markup(' aria-describedby="%s"') % item_described_by if item_described_by else "",
        nhsuk_attributes(_given(item, "attributes")))
    label = nhsuk_label({"text": _given(item, "text"), "html": _given(item, "html"), "for": item_id,
                         "classes": f"nhsuk-{kind}__label"})
    hint_html = _message("hint", hint, hint_id, f" nhsuk-{kind}__hint") if hint_id else ""
    shown = Markup('<div class="nhsuk-%s__item">%s%s%s</div>') % (kind, element, label, hint_html)
    if conditional:  # the caller's markup, shown when the item is chosen (as in the NHS.UK template)
        shown += Markup('<div class="nhsuk-%s__conditional%s" id="conditional-%s">%s</div>') % (
            kind, "" if checked else f" nhsuk-{kind}__conditional--hidden", item_id,
            Markup(conditional).strip())  # noqa: S704
    return shown


def nhsuk_choices(kind: str, params) -> Markup | None:
    """The NHS.UK radios or checkboxes component (nhsuk/components/radios, .../checkboxes) in Python
    for plain choices: an optional fieldset whose legend is not a page heading, an optional hint and
    error message, items with a label and an optional hint (no conditional content, dividers or
    exclusive behaviour). The same markup as the component's template (compared in
    tests/perf/test_templates.py); None for anything else, which the radios and checkboxes macros
    (tandem/templates/nhsuk/components/) leave to the template."""
    if not isinstance(params, Mapping) or not _only(params, _CHOICES_KEYS[kind]):
        return None
    items = _given(params, "items") or ()
    if not all(isinstance(item, Mapping) and _only(item, _CHOICE_KEYS[kind]) and _part(item, "hint", _MESSAGE_KEYS)
               is not None and _plain_conditional(item) for item in items if item):
        return None
    fieldset = _given(params, "fieldset")
    if fieldset and not (isinstance(fieldset, Mapping) and _only(fieldset, _FIELDSET_KEYS)):
        return None
    legend = _given(fieldset, "legend") if fieldset else None
    if isinstance(legend, str):
        legend = {"text": legend, "html": legend if isinstance(legend, Markup) else None}
    elif legend is not None and not (isinstance(legend, Mapping) and _only(legend, _LEGEND_KEYS)):
        return None
    hint, error = _part(params, "hint", _MESSAGE_KEYS), _part(params, "errorMessage", _MESSAGE_KEYS)
    if hint is None or error is None:
        return None
    id_prefix = _given(params, "idPrefix") or _given(params, "name")
    described_by = (_given(params, "describedBy") or "") if kind == "checkboxes" else ""
    if fieldset and _given(fieldset, "describedBy"):
        described_by = _given(fieldset, "describedBy")
    inner = []
    if _has(hint):
        described_by = f"{described_by} {id_prefix}-hint".strip()
        inner.append(_message("hint", hint, f"{id_prefix}-hint"))
    if _has(error):
        described_by = f"{described_by} {id_prefix}-error".strip()
        inner.append(_message("error", error, f"{id_prefix}-error"))
    classes, extra = f"nhsuk-{kind}", _given(params, "classes")
    for option in ("small", "inline"):
        if _given(params, option) and not (extra and f"nhsuk-{kind}--{option}" in extra):
            classes += f" nhsuk-{kind}--{option}"
    if extra:
        classes += f" {extra}"
    choices = Markup("").join(_choice(kind, params, item, index, id_prefix, described_by, bool(fieldset))
                              for index, item in enumerate(items, start=1) if item)
    inner.append(Markup("<div%s%s>%s</div>") % (
        nhsuk_attributes({"class": classes, "id": {"value": _given(params, "id"), "optional": True},
                          "data-module": f"nhsuk-{kind}"}),
        nhsuk_attributes(_given(params, "attributes")), choices))
    body = Markup("").join(inner)
    if fieldset:
        body = Markup("<fieldset%s>%s%s</fieldset>") % (
            nhsuk_attributes({"class": "nhsuk-fieldset" + (f" {_given(fieldset, 'classes')}"
                                                           if _given(fieldset, "classes") else ""),
                              "aria-describedby": {"value": described_by or False, "optional": True}}),
            _legend(legend or {}), body)
    group = "nhsuk-form-group" + (" nhsuk-form-group--error" if _has(error) or error.get("flag") else "")
    return Markup('<div class="%s">%s</div>') % (group, body)


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
    if not isinstance(params, Mapping) or not _only(params, _DATE_KEYS) or not _given(params, "id"):
        return None
    items = _given(params, "items")
    if not items or not all(isinstance(item, Mapping) and _only(item, _DATE_ITEM_KEYS)
                            and _given(item, "name") and _given(item, "width")
                            and isinstance(_given(item, "label"), str) and _given(item, "label")
                            for item in items):
        return None
    fieldset = _given(params, "fieldset")
    if fieldset and not (isinstance(fieldset, Mapping) and _only(fieldset, _DATE_FIELDSET_KEYS)):
        return None
    legend = _given(fieldset, "legend") if fieldset else None
    if isinstance(legend, str):
        legend = {"text": legend, "html": legend if isinstance(legend, Markup) else None}
    elif legend is not None and not (isinstance(legend, Mapping) and _only(legend, _LEGEND_KEYS)):
        return None
    hint, error = _part(params, "hint", _MESSAGE_KEYS), _part(params, "errorMessage", _MESSAGE_KEYS)
    if hint is None or error is None:
        return None
    element_id, described_by, inner = _given(params, "id"), "", []
    if _has(hint):
        described_by = f"{element_id}-hint"
        inner.append(_message("hint", hint, described_by))
    if _has(error):
        described_by = f"{described_by} {element_id}-error".strip()
        inner.append(_message("error", error, f"{element_id}-error"))
    marked = ["nhsuk-input--error" in (_given(item, "classes") or "") for item in items]
    group_error = _has(error) or bool(error.get("flag"))
    boxes = []
    for item, item_marked in zip(items, marked, strict=True):
        box = nhsuk_input({
            "label": {"text": item["label"], "classes": "nhsuk-date-input__label"},
            "errorMessage": not item_marked and group_error and not any(marked),
            "id": _given(item, "id") or f"{element_id}-{item['name']}", "name": item["name"],
            "value": _given(item, "value"), "width": item["width"], "inputmode": "numeric",
            "classes": f"nhsuk-date-input__input {_given(item, 'classes') or ''}".strip()})
        if box is None:
            return None
        boxes.append(Markup('<div class="nhsuk-date-input__item">%s</div>') % box)
    classes = "nhsuk-date-input" + (f" {_given(params, 'classes')}" if _given(params, "classes") else "")
    inner.append(Markup('<div class="%s" id="%s"%s>%s</div>') % (
        classes, element_id, nhsuk_attributes(_given(params, "attributes")), Markup("").join(boxes)))
    body = Markup("").join(inner)
    if fieldset:
        body = Markup("<fieldset%s>%s%s</fieldset>") % (
            nhsuk_attributes({"class": "nhsuk-fieldset" + (f" {_given(fieldset, 'classes')}"
                                                           if _given(fieldset, "classes") else ""),
                              "role": "group",
                              "aria-describedby": {"value": described_by or False, "optional": True}}),
            _legend(legend or {}), body)
    group = "nhsuk-form-group" + (" nhsuk-form-group--error" if group_error or any(marked) else "")
    return Markup('<div class="%s">%s</div>') % (group, body)


_TAG_KEYS = frozenset({"text", "html", "classes", "colour", "id", "attributes"})
_TAG_COLOURS = ("white", "grey", "green", "aqua-green", "blue", "purple", "pink", "red", "orange", "yellow")


def nhsuk_tag(params) -> Markup | None:
    """The NHS.UK tag component (nhsuk/components/tag) in Python, for a tag on every row of a list:
    the same markup as the component's template (compared in tests/perf/test_templates.py). None for
    a tag the template must render (no border, no colour), which the tag macro
    (tandem/templates/nhsuk/components/tag/macro.jinja) leaves to it."""
    if not isinstance(params, Mapping) or not _only(params, _TAG_KEYS) or params.get("colour") is False:
        return None
    classes, extra, colour = "nhsuk-tag", _given(params, "classes"), _given(params, "colour")
    if colour in _TAG_COLOURS and not (extra and any(f"nhsuk-tag--{c}" in extra for c in _TAG_COLOURS)):
        classes += f" nhsuk-tag--{colour}"
    if extra:
        classes += f" {extra}"
    text, html = _given(params, "text"), _given(params, "html")
    # `html` is the caller's markup (the component's `html` parameter), as in the NHS.UK template.
    inner = Markup(html).strip() if html else escape(text).strip() if text else ""  # noqa: S704
    element_id = _given(params, "id")
    return Markup("<strong%s%s%s>%s</strong>") % (
        nhsuk_attributes({"class": classes}), Markup(' id="%s"') % element_id if element_id else "",
        nhsuk_attributes(_given(params, "attributes")), inner)


def _choice_of(choice) -> tuple:
    """(value, text) of a choice, as `c.value` and `c.text` read it in a template (attribute or key)."""
    if isinstance(choice, Mapping):
        return choice.get("value"), choice.get("text")
    return choice.value, choice.text


def _field_extras(form, path: str, hint: str) -> dict:
    """The hint and error message of a form field whose values and problems come from
    `form` (v, error, focus: as the workspace's FormState), as the field macros give them."""
    extras: dict = {}
    if hint:
        extras["hint"] = {"text": hint}
    problem = form.error(path)
    if problem:
        extras["errorMessage"] = {"text": problem}
    return extras


def select_params(form, path: str, label: str, choices: Iterable, blank: str = "", value=None,
                  hint: str = "") -> dict:
    """The select component's parameters for the field at `path` ("goals.0.who": id "goals-0-who"),
    the option chosen being `value` or else the form's value, with a blank first option if `blank`
    is given. Built in Python, once per field, rather than by a loop in the template for each row."""
    element_id = path.replace(".", "-")
    current = form.v(path) if value is None else value
    items = [{"value": "", "text": blank, "selected": not current}] if blank else []
    for choice in choices:
        choice_value, text = _choice_of(choice)
        items.append({"value": choice_value, "text": text, "selected": choice_value == current})
    return {"id": element_id, "name": path, "label": {"text": label}, "items": items,
            "attributes": {"autofocus": True} if form.focus == element_id else {},
            **_field_extras(form, path, hint)}


def radios_params(form, path: str, legend: str, choices: Iterable, classes: str = "",
                  legend_classes: str = "") -> dict:
    """The radios component's parameters for the field at `path` in a fieldset with `legend`, the
    choice checked being the form's value. Built in Python, as select_params."""
    chosen = form.v(path)
    items = []
    for choice in choices:
        choice_value, text = _choice_of(choice)
        items.append({"value": choice_value, "text": text, "checked": choice_value == chosen})
    params = {"idPrefix": path.replace(".", "-"), "name": path, "items": items,
              "fieldset": {"legend": {"text": legend, **({"classes": legend_classes} if legend_classes else {})}},
              **_field_extras(form, path, "")}
    if classes:
        params["classes"] = classes
    return params


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept in var/ so a new server process does not compile them again (a
    template's entry is keyed on its source, so an edited template is compiled afresh)."""
    folder = Path(settings.VAR_DIR) / "jinja2-cache"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # read-only: each process compiles its templates once, in memory
    return FileSystemBytecodeCache(str(folder))


def environment(**options) -> Environment:
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    options["undefined"] = ChainableUndefined  # the NHS.UK macros rely on it
    options["autoescape"] = True  # everything a person typed is escaped
    # Templates are compiled once per process. Served, they are never checked for edits (Django sets
    # auto_reload from DEBUG; SERVED forces it off) and every template stays in the cache.
    if getattr(settings, "SERVED", False):
        options["auto_reload"] = False
    options["cache_size"] = -1
    options["bytecode_cache"] = _bytecode_cache()
    env = Environment(**options)  # noqa: S701 - autoescape is forced on above
    env.globals.update(
        static=static,
        url=url,
        get_messages=messages.get_messages,
        today=clock.today,
        can=lambda roles, capability: can(roles, Capability(capability)),
        assetPath="/static/nhsuk/assets",
        nhsuk_attributes=nhsuk_attributes,
        nhsuk_label=nhsuk_label,
        nhsuk_input=nhsuk_input,
        nhsuk_textarea=nhsuk_textarea,
        nhsuk_select=nhsuk_select,
        nhsuk_choices=nhsuk_choices,
        nhsuk_tag=nhsuk_tag,
        nhsuk_date_input=nhsuk_date_input,
        nhsuk_plain_label=nhsuk_plain_label,
        select_params=select_params,
        radios_params=radios_params,
    )
    env.filters["date"] = date_format
    return env
