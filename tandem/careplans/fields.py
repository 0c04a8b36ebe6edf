"""The workspace form's fields, for its templates: each renders one NHS.UK component for the field at a
plan path ("goals.0.words": id "goals-0-words"), with the value, problem and focus the form state gives
it (presenters.workspace.FormState).

A long plan has a few hundred fields. As Jinja macros (a field macro calling the component's macro
calling tandem.jinja2env's Python version of the component) the layers of macro calls cost more than
the components themselves; these functions build each component's parameters once and call the Python
component directly, falling back to the component's macro (and so its NHS.UK template) for anything
that one does not render, as the macro would. The markup is the same, character for character
(tests/careplans/test_workspace_fields.py compares them with the macros they replace).

The templates reach them through `careplans/workspace/_fields.jinja`, which binds them to the page's
`form`; views pass `form_fields` (this module's `WorkspaceFields`) in the context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.template import engines
from markupsafe import Markup

from tandem.jinja2env import (
    nhsuk_choices,
    nhsuk_date_input,
    nhsuk_input,
    nhsuk_select,
    nhsuk_textarea,
    radios_params,
    select_params,
)

_DATE_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))


def _macro(component: str, name: str):
    """The NHS.UK component's macro, for a field its Python version does not render."""
    return getattr(engines["jinja2"].env.get_template(f"nhsuk/components/{component}/macro.jinja").module, name)


def _input(params: dict) -> Markup:
    fast = nhsuk_input(params)
    return fast if fast is not None else _macro("input", "input")(params)


def _textarea(params: dict) -> Markup:
    fast = nhsuk_textarea(params)
    return fast if fast is not None else _macro("textarea", "textarea")(params)


def _select(params: dict) -> Markup:
    fast = nhsuk_select(params)
    return fast if fast is not None else _macro("select", "select")(params)


def _choices(kind: str, params: dict) -> Markup:
    fast = nhsuk_choices(kind, params)
    return fast if fast is not None else _macro(kind, kind)(params)


def _date_input(params: dict) -> Markup:
    fast = nhsuk_date_input(params)
    return fast if fast is not None else _macro("date-input", "dateInput")(params)


class WorkspaceFields:
    """The fields of one rendering of the form (`form`: its values, problems and focus)."""

    def __init__(self, form):
        self.form = form

    def _error(self, path: str, params: dict) -> dict:
        problem = self.form.error(path)
        if problem:
            params["errorMessage"] = {"text": problem}
        return params

    def text_field(self, path: str, label: str, hint: str = "", width=None, attributes: Mapping | None = None,
                   list: str = "", inputmode: str = "", described_by: str = "") -> Markup:  # noqa: A002 - the attribute's name
        """A one-line text input."""
        fid = path.replace(".", "-")
        attrs = dict(attributes or {})
        if self.form.focus == fid:
            attrs["autofocus"] = True
        if list:
            attrs["list"] = list
        params = {"id": fid, "name": path, "value": self.form.v(path), "label": {"text": label}}
        if hint:
            params["hint"] = {"text": hint}
        params |= {"width": width, "attributes": attrs}
        if inputmode:
            params["inputmode"] = inputmode
        params["autocomplete"] = "off"
        if described_by:
            params["describedBy"] = described_by
        return _input(self._error(path, params))

    def text_area(self, path: str, label: str, hint: str = "", rows: int = 2) -> Markup:
        """A textarea of `rows` lines."""
        fid = path.replace(".", "-")
        params = {"id": fid, "name": path, "value": self.form.v(path), "rows": rows, "label": {"text": label}}
        if hint:
            params["hint"] = {"text": hint}
        params["attributes"] = {"autofocus": True} if self.form.focus == fid else {}
        return _textarea(self._error(path, params))

    def choose(self, path: str, label: str, choices: Iterable, blank: str = "", value=None, hint: str = "") -> Markup:
        """A select of `choices`, with a blank first option if `blank` is given; `value` is chosen, or
        else the form's value."""
        return _select(select_params(self.form, path, label, choices, blank, value, hint))

    def hidden(self, path: str) -> Markup:
        return Markup('<input type="hidden" name="%s" value="%s">') % (path, self.form.v(path))

    def date_field(self, name: str, legend: str, hint: str = "") -> Markup:
        """A date in three boxes (day, month, year), posted as `name.day`, `name.month` and `name.year`."""
        problem = self.form.error(name)
        items = [{"id": f"{name}-{part}", "name": f"{name}.{part}", "label": label, "width": width,
                  "value": self.form.v(f"{name}.{part}"), "classes": "nhsuk-input--error" if problem else ""}
                 for part, label, width in _DATE_PARTS]
        params = {"id": name, "fieldset": {"legend": {"text": legend, "classes": "nhsuk-fieldset__legend--s"}}}
        if hint:
            params["hint"] = {"text": hint}
        if problem:
            params["errorMessage"] = {"text": problem}
        params["items"] = items
        return _date_input(params)

    def decision_radios(self, row: str, what: str, choices: Iterable) -> Markup:
        """Keep, change or close an item of the earlier plan (no default)."""
        return _choices("radios", radios_params(
            self.form, f"{row}.decision", f"This {what} is from the last plan: keep, change or close it?", choices,
            "nhsuk-radios--inline nhsuk-radios--small", "careplans-legend-small"))

    def conditions(self, row: str, legend: str, choices: Iterable) -> Markup:
        """The person's conditions a row is linked to, as small inline checkboxes."""
        chosen = self.form.many(f"{row}.conditions")
        return _choices("checkboxes", {
            "idPrefix": row.replace(".", "-") + "-conditions", "name": f"{row}.conditions", "small": True,
            "classes": "careplans-checkboxes-inline",
            "fieldset": {"legend": {"text": legend, "classes": "careplans-legend-small"}},
            "items": [{"value": c.value, "text": c.text, "checked": c.value in chosen} for c in choices]})
