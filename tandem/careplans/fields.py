"""The workspace form's fields, for its templates: each renders one NHS.UK component for the field at a
plan path ("goals.0.words": id "goals-0-words"), with the value, problem and focus the form state gives
it (presenters.workspace.FormState).

A long plan has a few hundred fields. As Jinja macros (a field macro calling the component's macro
calling tandem.jinja2env's Python version of the component) the layers of macro calls cost more than
the components themselves; these functions build each component's parameters once and call the Python
component directly, falling back to the component's macro (and so its NHS.UK template) for anything
that one does not render, as the macro would. The markup is the same, character for character
(tests/careplans/test_workspace_fields.py compares them with the macros they replace).

Most of a field's markup is the same on every page it is on: its label, hint and choices are the
page's own words and the practice's lists. So each field's markup is kept once per process, keyed by
everything it is made from (`Kept`), with a marker where the value goes (`_HOLE`); on each page what
was typed is put in its place, escaped as the component escapes it. Nothing typed is kept: a select,
radios or checkboxes is kept whole only with one of its own choices chosen, a date only with digits
in its boxes, and a field with a problem is rendered every time.

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
from tandem.nhsuk.html import escape_text, h

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


def _same(value) -> tuple:
    """A part of a key: the value with its type, so that markup ("Markup('a')") and text ("'a'"),
    equal as strings, are kept apart."""
    return (type(value), value)


# Where the value goes in a field's kept markup: two characters of Unicode's private use area, which
# escaping leaves as they are and nothing in a label or hint holds.
_HOLE = "\ue000\ue001"


class Kept:
    """Fields' markup, by what each is made from: whole, or in two parts either side of the value.
    Bounded: when full it starts again (a practice's forms have a few hundred fields)."""

    LIMIT = 4000

    def __init__(self):
        self._kept: dict[tuple, object] = {}

    def _keep(self, key: tuple, found) -> None:
        if len(self._kept) >= self.LIMIT:
            self._kept = {}
        self._kept[key] = found

    def whole(self, key: tuple, make) -> Markup:
        """The markup `make()` gives, made once for `key`."""
        found = self._kept.get(key)
        if found is None:
            found = make()
            self._keep(key, found)
        return found

    def around(self, key: tuple, make, value: str) -> Markup | None:
        """The markup `make(value)` gives (`make` the fast component, or None when only the NHS.UK
        template renders the field), made once for `key` with the marker for the value and then
        given `value` escaped in its place. None when the field cannot be kept that way."""
        found = self._kept.get(key)
        if found is None:
            made = make(_HOLE)
            html = str(made) if made is not None else ""
            before, hole, after = html.partition(_HOLE)
            found = (before, after) if hole and _HOLE not in after else False
            self._keep(key, found)
        if found is False:
            return None
        return Markup(found[0] + escape_text(value) + found[1])  # noqa: S704 - the component's markup, the value escaped

    def clear(self) -> None:
        self._kept = {}


KEPT = Kept()


def _a_number(value: str) -> bool:
    """Nothing, or a day, month or year as the date's boxes are filled: a few ASCII digits (a date's
    boxes hold little else, so a date agreed is kept too; anything else typed there is not)."""
    return not value or (len(value) <= 4 and value.isascii() and value.isdigit())


def _attributes_key(attributes: Mapping | None) -> tuple | None:
    """A field's extra attributes as part of a key (each value with its type); None for attributes
    that are not all text."""
    if not attributes:
        return ()
    if not isinstance(attributes, Mapping) or not all(isinstance(v, str) for v in attributes.values()):
        return None
    return tuple((name, _same(value)) for name, value in attributes.items())


def _choices_key(choices) -> tuple[tuple, frozenset] | None:
    """The choices as part of a key (each value and text with its type), and their values; None for
    choices that cannot be a key (a choice that is neither a Choice nor made of text, or choices
    that can be read only once)."""
    if not isinstance(choices, tuple | list):
        return None
    try:
        parts = tuple((type(c.value), c.value, type(c.text), c.text) for c in choices)
        hash(parts)
    except (AttributeError, TypeError):
        return None
    return parts, frozenset((kind, value) for kind, value, _, _ in parts)


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
        value = self.form.v(path)

        def params(value) -> dict:
            attrs = dict(attributes or {})
            if self.form.focus == fid:
                attrs["autofocus"] = True
            if list:
                attrs["list"] = list
            params = {"id": fid, "name": path, "value": value, "label": {"text": label}}
            if hint:
                params["hint"] = {"text": hint}
            params |= {"width": width, "attributes": attrs}
            if inputmode:
                params["inputmode"] = inputmode
            params["autocomplete"] = "off"
            if described_by:
                params["describedBy"] = described_by
            return self._error(path, params)

        extra = _attributes_key(attributes)
        if extra is not None and type(value) is str and not self.form.error(path):
            key = ("input", path, _same(label), _same(hint), _same(width), _same(list), _same(inputmode),
                   _same(described_by), extra, self.form.focus == fid)
            kept = KEPT.around(key, lambda value: nhsuk_input(params(value)), value)
            if kept is not None:
                return kept
        return _input(params(value))

    def text_area(self, path: str, label: str, hint: str = "", rows: int = 2) -> Markup:
        """A textarea of `rows` lines."""
        fid = path.replace(".", "-")
        value = self.form.v(path)

        def params(value) -> dict:
            params = {"id": fid, "name": path, "value": value, "rows": rows, "label": {"text": label}}
            if hint:
                params["hint"] = {"text": hint}
            params["attributes"] = {"autofocus": True} if self.form.focus == fid else {}
            return self._error(path, params)

        if type(value) is str and not self.form.error(path):
            key = ("textarea", path, _same(label), _same(hint), _same(rows), self.form.focus == fid)
            kept = KEPT.around(key, lambda value: nhsuk_textarea(params(value)), value)
            if kept is not None:
                return kept
        return _textarea(params(value))

    def choose(self, path: str, label: str, choices: Iterable, blank: str = "", value=None, hint: str = "") -> Markup:
        """A select of `choices`, with a blank first option if `blank` is given; `value` is chosen, or
        else the form's value."""
        current = self.form.v(path) if value is None else value
        offered = _choices_key(choices)
        if offered is None or self.form.error(path) or (current and (type(current), current) not in offered[1]):
            return _select(select_params(self.form, path, label, choices, blank, value, hint))
        key = ("select", path, _same(label), offered[0], _same(blank), _same(current), _same(hint),
               self.form.focus == path.replace(".", "-"))
        return KEPT.whole(key, lambda: _select(select_params(self.form, path, label, choices, blank, value, hint)))

    def hidden(self, path: str) -> Markup:
        return Markup(f'<input type="hidden" name="{h(path)}" value="{h(self.form.v(path))}">')  # noqa: S704 - both escaped

    def date_field(self, name: str, legend: str, hint: str = "") -> Markup:
        """A date in three boxes (day, month, year), posted as `name.day`, `name.month` and `name.year`."""
        form = self.form
        day = tuple(form.v(f"{name}.{part}") for part, _, _ in _DATE_PARTS)
        if form.error(name) or not all(_a_number(value) for value in day):
            return self._date_field(name, legend, hint)
        return KEPT.whole(("date", name, _same(legend), _same(hint), day), lambda: self._date_field(name, legend, hint))

    def _date_field(self, name: str, legend: str, hint: str) -> Markup:
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
        path = f"{row}.decision"
        chosen = self.form.v(path)
        offered = _choices_key(choices)
        if offered is None or self.form.error(path) or (chosen and (str, chosen) not in offered[1]):
            return self._decision_radios(row, what, choices)
        key = ("decision", row, _same(what), offered[0], chosen)
        return KEPT.whole(key, lambda: self._decision_radios(row, what, choices))

    def _decision_radios(self, row: str, what: str, choices: Iterable) -> Markup:
        return _choices("radios", radios_params(
            self.form, f"{row}.decision", f"This {what} is from the last plan: keep, change or close it?", choices,
            "nhsuk-radios--inline nhsuk-radios--small", "careplans-legend-small"))

    def conditions(self, row: str, legend: str, choices: Iterable) -> Markup:
        """The person's conditions a row is linked to, as small inline checkboxes."""
        chosen = self.form.many(f"{row}.conditions")
        offered = _choices_key(choices)
        if offered is None or any(type(c) is not str or (str, c) not in offered[1] for c in chosen):
            return self._conditions(row, legend, choices, chosen)
        key = ("conditions", row, _same(legend), offered[0], frozenset(chosen))
        return KEPT.whole(key, lambda: self._conditions(row, legend, choices, chosen))

    def _conditions(self, row: str, legend: str, choices: Iterable, chosen: list) -> Markup:
        return _choices("checkboxes", {
            "idPrefix": row.replace(".", "-") + "-conditions", "name": f"{row}.conditions", "small": True,
            "classes": "careplans-checkboxes-inline",
            "fieldset": {"legend": {"text": legend, "classes": "careplans-legend-small"}},
            "items": [{"value": c.value, "text": c.text, "checked": c.value in chosen} for c in choices]})
