"""Parameters of the select and radios components for a field of a form, built in Python once per
field rather than by a loop in the template for each row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


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
