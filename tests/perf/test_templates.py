"""The NHS.UK components Tandem renders faster give the same markup as the NHS.UK frontend's own
templates: `nhsukAttributes`, the label and the plain text input are replaced by Python versions
(tandem.nhsuk), so each component that uses them is rendered both ways here and compared. Only
whitespace between tags may differ (the originals leave a lot of it)."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.test import override_settings
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, PackageLoader
from markupsafe import Markup

from tandem import jinja2env, nhsuk
from tandem.careplans.fields import WorkspaceFields

SCRIPT = '<script>alert("x")</script>'


def _original() -> Environment:
    return Environment(loader=PackageLoader("nhsuk_frontend_jinja"), undefined=ChainableUndefined,  # noqa: S701
                       autoescape=True)


def _tandem() -> Environment:
    return engines["jinja2"].env


def _squash(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*>\s*", ">", html)
    return re.sub(r"\s*<", "<", html).strip()


def _render(env: Environment, component: str, macro: str, params) -> str:
    source = f'{{% from "nhsuk/components/{component}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}'
    return env.from_string(source).render(params=params)


CASES = [
    ("input", "input", {"id": "goals-0-what", "name": "goals.0.what", "value": 'Walk "daily"',
                        "label": {"text": "What will be done"}}),
    ("input", "input", {"id": "c", "name": "c", "value": "8", "label": {"text": "How sure? (0 to 10)"}, "width": 2,
                        "inputmode": "numeric", "autocomplete": "off", "describedBy": "c-prompt",
                        "hint": {"text": "0 is not at all"}, "errorMessage": {"text": "Enter a number from 0 to 10"},
                        "attributes": {"hx-get": "/x/?a=1&b=2", "autofocus": True, "list": "meds"}}),
    ("input", "input", {"id": "s", "name": "s", "value": SCRIPT, "label": {"text": SCRIPT, "classes": "x--y"},
                        "hint": {"html": Markup("<strong>Bold</strong> hint")}, "prefix": "£", "suffix": "per item"}),
    ("input", "input", {"id": "p", "name": "p", "label": {"text": "Page heading", "isPageHeading": True,
                                                          "size": "l"}}),
    ("input", "input", {"id": "v", "name": "v", "label": {"html": Markup("Name <em>(optional)</em>"), "size": "s",
                                                          "visuallyHiddenText": "of the carer"},
                        "spellcheck": False, "disabled": True}),
    ("input", "input", {"id": "u", "name": "u", "label": "As a string", "hint": "Hint as a string",
                        "errorMessage": ChainableUndefined(), "classes": "nhsuk-input--width-10", "width": 4,
                        "value": 0, "type": "number", "placeholder": SCRIPT}),
    ("textarea", "textarea", {"id": "t", "name": "t", "rows": 3, "value": "Line one\n  line two " + SCRIPT,
                              "label": {"text": "What matters most"}, "hint": {"text": "In their own words."}}),
    ("textarea", "textarea", {"id": "t2", "name": "t2", "value": "\n  kept as typed  ", "label": "What matters",
                              "errorMessage": {"text": "Enter what matters " + SCRIPT}, "describedBy": "x-prompt",
                              "classes": "wide", "autocomplete": "off", "disabled": True,
                              "attributes": {"autofocus": True, "data-q": 'a "b"'}}),
    ("textarea", "textarea", {"name": "t3", "label": {"html": Markup("<em>Notes</em>"), "size": "s"},
                              "hint": "Hint as a string", "errorMessage": ChainableUndefined(), "rows": 0}),
    ("textarea", "textarea", {"id": "t4", "name": "t4", "label": {"text": "Heading", "isPageHeading": True},
                              "spellcheck": False}),
    ("select", "select", {"id": "s2", "name": "s2", "value": "b", "label": {"text": "Chosen by value"},
                          "hint": {"text": "Pick one"}, "errorMessage": {"text": "Choose " + SCRIPT},
                          "describedBy": "d", "classes": "x", "disabled": True, "attributes": {"hx-get": "/a?b=1&c=2"},
                          "items": [{"text": "a"}, {"text": "b"}, {"value": "b", "text": "b too", "selected": False},
                                    {"value": 0, "text": SCRIPT, "attributes": {"data-x": "1"}}, {}]}),
    ("select", "select", {"id": "s3", "name": "s3", "label": "Divided", "items": [{"value": "a", "text": "A"},
                                                                                  {"divider": True}]}),
    ("select", "select", {"id": "who", "name": "who", "label": {"text": "Who will do it"},
                          "items": [{"value": "", "text": "Choose", "selected": False},
                                    {"value": "person", "text": "The person", "selected": True},
                                    {"value": "carer", "text": "A carer <or> family", "disabled": True}]}),
    ("checkboxes", "checkboxes", {"idPrefix": "needs-0-conditions", "name": "needs.0.conditions", "small": True,
                                  "classes": "careplans-checkboxes-inline",
                                  "fieldset": {"legend": {"text": "Linked to (optional)",
                                                          "classes": "careplans-legend-small"}},
                                  "items": [{"value": "hypertension", "text": "Hypertension", "checked": True},
                                            {"value": "copd", "text": "COPD", "hint": {"text": SCRIPT}},
                                            {"value": "x", "text": "With more", "checked": True,
                                             "conditional": {"html": Markup('<input type="hidden" name="y">')}}]}),
    ("radios", "radios", {"idPrefix": "goals-0-decision", "name": "goals.0.decision",
                          "classes": "nhsuk-radios--inline nhsuk-radios--small",
                          "fieldset": {"legend": {"text": "Keep, change or close it?", "isPageHeading": True}},
                          "errorMessage": {"text": "Choose one"},
                          "items": [{"value": "keep", "text": "Keep it", "checked": True},
                                    {"value": "close", "text": "Close it", "hint": {"text": "It is done"}}]}),
    ("radios", "radios", {"idPrefix": "r", "name": "r", "value": "b", "inline": True, "small": True, "disabled": True,
                          "fieldset": {"legend": {"text": "Pick " + SCRIPT, "size": "m", "classes": "x"},
                                       "describedBy": "before"},
                          "hint": "A hint", "attributes": {"data-x": "1"}, "id": "rid",
                          "items": [{"value": "a", "text": "A", "disabled": False}, {}, {"value": "b", "html":
                                    Markup("<b>B</b>"), "hint": "About B", "id": "own-id", "classes": "c",
                                    "attributes": {"data-y": SCRIPT}}, {"value": "c", "text": "C", "checked": False}]}),
    ("radios", "radios", {"name": "plain", "errorMessage": True, "items": [
        {"value": "yes", "text": "Yes", "conditional": {"html": Markup(' <input type="text" name="why"> ')}},
        {"value": "no", "text": "No", "conditional": {"html": ""}}]}),
    ("checkboxes", "checkboxes", {"idPrefix": "k", "name": "k", "values": ["a", "c"], "describedBy": "lead",
                                  "hint": {"text": "All that apply"}, "errorMessage": "Choose one " + SCRIPT,
                                  "items": [{"value": "a", "text": "A", "hint": {"text": "About A"}},
                                            {"value": "b", "text": "B", "name": "other"},
                                            {"value": "c", "text": "C", "checked": False}]}),
    ("checkboxes", "checkboxes", {"idPrefix": "k2", "name": "k2", "describedBy": "lead", "fieldset": {"legend": "As a string"},
                                  "items": [{"value": "a", "text": "A", "hint": "About A"},
                                            {"divider": "or"}, {"value": "none", "text": "None", "exclusive": True}]}),
    ("date-input", "dateInput", {"id": "review_date", "fieldset": {"legend": {"text": "Review date",
                                                                              "classes": "nhsuk-fieldset__legend--s"}},
                                 "hint": {"text": "For example, 15 6 2027"}, "errorMessage": {"text": "Enter a date"},
                                 "items": [{"id": "review_date-day", "name": "review_date.day", "label": "Day",
                                            "width": 2, "value": "15", "classes": "nhsuk-input--error"},
                                           {"id": "review_date-year", "name": "review_date.year", "label": "Year",
                                            "width": 4, "value": SCRIPT}]}),
    ("date-input", "dateInput", {"id": "due", "errorMessage": {"text": "Enter a due date"},
                                 "items": [{"id": "due-day", "name": "due.day", "label": "Day", "width": 2, "value": "1"},
                                           {"id": "due-month", "name": "due.month", "label": "Month", "width": 2}]}),
    ("date-input", "dateInput", {"id": "d3", "classes": "x", "attributes": {"data-x": "1"},
                                 "fieldset": {"legend": "When " + SCRIPT},
                                 "items": [{"name": "d3.day", "label": "Day", "width": 2, "value": SCRIPT},
                                           {"id": "d3-m", "name": "d3.month", "label": "Month", "width": 2,
                                            "value": None}]}),
    ("date-input", "dateInput", {"id": "d4", "errorMessage": "Enter a real date", "hint": "Day, month, year",
                                 "fieldset": {"legend": {"text": "Due", "size": "m"}, "classes": "f"},
                                 "items": [{"name": "d4.day", "label": "Day", "width": 2, "value": "31"},
                                           {"name": "d4.month", "label": "Month", "width": 2, "value": "2",
                                            "classes": "nhsuk-input--error"},
                                           {"name": "d4.year", "label": "Year", "width": 4}]}),
    ("input", "input", {"id": "m", "name": "m", "value": Markup('say "hi" & <b>'), "label": "Markup values",
                        "describedBy": "a b", "autocomplete": "off", "pattern": "[0-9]*", "autocapitalize": "none"}),
    ("textarea", "textarea", {"id": "t5", "name": "t5", "value": None, "label": {"text": "T", "visuallyHiddenText": SCRIPT},
                              "errorMessage": True}),
    ("radios", "radios", {"idPrefix": "r2", "name": "r2", "fieldset": {"describedBy": "lead"}, "classes": "nhsuk-radios--inline",
                          "items": [{"value": 0, "text": 0}, {"value": "a & b", "html": Markup("A &amp; B"),
                                                              "conditional": {"html": Markup("<p>More</p>")}}]}),
    ("label", "label", {"text": "Plain", "for": "f", "size": "m", "classes": "nhsuk-label--s"}),
    ("label", "label", {"text": "Plain", "for": "f", "size": "xxl", "attributes": {"data-x": "1"}, "id": "l"}),
    ("label", "label", {"text": "", "for": "f"}),
    ("tag", "tag", {"text": "Invited " + SCRIPT, "classes": "nhsuk-tag--blue"}),
    ("tag", "tag", {"html": Markup("<span>Due</span>"), "colour": "green", "id": "t", "attributes": {"data-x": "1"}}),
    ("tag", "tag", {"text": "Both", "colour": "red", "classes": "nhsuk-tag--grey extra"}),
    ("tag", "tag", {"text": "Plain", "colour": False, "border": False}),
    ("tag", "tag", {"text": "  spaced " + SCRIPT + " ", "colour": "white", "id": 'q"id'}),
    ("file-upload", "fileUpload", {"id": "f", "name": "f", "label": {"text": "A file"},
                                   "chooseFilesButtonClassList": ["a", "b<"]}),
]


@pytest.mark.parametrize(("component", "macro", "params"), CASES,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_the_fast_components_give_the_nhsuk_markup(component, macro, params):
    ours = _render(_tandem(), component, macro, params)
    theirs = _render(_original(), component, macro, params)
    assert _squash(ours) == _squash(theirs)
    assert SCRIPT not in ours  # whatever was typed is escaped


def test_plain_textareas_and_selects_take_the_fast_path():
    fast = {component: [bool(getattr(nhsuk, f"nhsuk_{component}")(params))
                         for c, _, params in CASES if c == component] for component in ("textarea", "select")}
    assert fast == {"textarea": [True, True, True, False, True], "select": [True, False, True]}


def test_plain_choices_take_the_fast_path():
    fast = [bool(nhsuk.nhsuk_choices(component, params)) for component, _, params in CASES
            if component in ("radios", "checkboxes")]
    # a page heading and a divider are left to the components' templates
    assert fast == [True, False, True, True, True, False, True]


def test_dates_with_all_their_boxes_take_the_fast_path():
    fast = [bool(nhsuk.nhsuk_date_input(params)) for component, _, params in CASES if component == "date-input"]
    assert fast == [True, True, True, True]
    assert nhsuk.nhsuk_date_input({"id": "d", "items": [{"name": "day", "label": "Day"}]}) is None  # no width
    assert nhsuk.nhsuk_date_input({"id": "d", "namePrefix": "d"}) is None  # the template's own boxes


def test_tags_take_the_fast_path_unless_without_colour():
    fast = [bool(nhsuk.nhsuk_tag(params)) for component, _, params in CASES if component == "tag"]
    assert fast == [True, True, True, False, True]


def test_the_boxes_of_a_date_take_the_fast_path():
    box = {"label": {"text": "Day", "html": ChainableUndefined(), "id": ChainableUndefined(),
                     "classes": "nhsuk-date-input__label"},
           "errorMessage": True, "id": "d-day", "name": "d.day", "value": "1", "prefix": ChainableUndefined(),
           "width": 2, "inputmode": "numeric", "classes": "nhsuk-date-input__input nhsuk-input--error"}
    html = nhsuk.nhsuk_input(box)
    assert 'class="nhsuk-form-group nhsuk-form-group--error"' in html
    assert "nhsuk-input--error" in html
    assert "nhsuk-error-message" not in html  # the date's own message says what is wrong
    assert nhsuk.nhsuk_input({**box, "errorMessage": False}).count("error") == 1  # only the class asked for


def test_plain_fields_take_the_fast_path():
    fast = [params for component, _, params in CASES if component == "input" and nhsuk.nhsuk_input(params)]
    assert len(fast) == 5  # the others (a prefix, a page heading) are left to the component's template
    assert nhsuk.nhsuk_plain_label({"text": "A label"})
    assert not nhsuk.nhsuk_plain_label({"text": "A heading", "isPageHeading": True})


ATTRIBUTES = [
    {"class": "a b", "id": {"value": "x", "optional": True}},
    {"hidden": {"value": True, "optional": True}, "gone": {"value": False, "optional": True},
     "empty": {"value": None, "optional": True}, "aria-hidden": False, "plain": True},
    {"data-q": 'say "hi" & <bye>', "data-markup": Markup('a "quoted" value'), "data-none": None},
    {"data-list": {"value": ["a", "b'<"], "type": "array", "optional": True}},
    ' data-raw="1"',
    None,
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
def test_nhsuk_attributes_gives_what_the_macro_gives(attributes):
    source = '{% from "nhsuk/macros/attributes.jinja" import nhsukAttributes %}<p{{ nhsukAttributes(a) }}>'
    ours = _tandem().from_string(source).render(a=attributes)
    theirs = _original().from_string(source).render(a=attributes)
    assert _squash(ours) == _squash(theirs)


def test_served_templates_are_compiled_once_and_never_rechecked(tmp_path):
    with override_settings(SERVED=True, VAR_DIR=tmp_path):
        env = jinja2env.environment(loader=FileSystemLoader([]), auto_reload=True)
    assert env.auto_reload is False
    assert env.bytecode_cache is not None
    env.from_string("x")  # from_string is not cached on disk; get_template is
    assert (tmp_path / "jinja2-cache").is_dir()


# --- The workspace's choose and decision fields: their options built in Python ----------------------
# The macros as they were, with their loops in the template, rendered by the NHS.UK frontend's own
# components; the workspace's macros (careplans/workspace/_fields.jinja and _rows.jinja) must give the
# same markup.

_OLD_CHOOSE = """{% from "nhsuk/components/select/macro.jinja" import select %}
{%- set fid = path | replace(".", "-") -%}
{%- set current = form.v(path) if value is none else value -%}
{%- set items = [{"value": "", "text": blank, "selected": not current}] if blank else [] -%}
{%- for c in choices %}{% set _ = items.append({"value": c.value, "text": c.text, "selected": c.value == current}) %}{% endfor -%}
{{ select({"id": fid, "name": path, "label": {"text": label}, "items": items,
           "hint": {"text": hint} if hint else undefined,
           "attributes": {"autofocus": true} if form.focus == fid else {},
           "errorMessage": {"text": form.error(path)} if form.error(path) else undefined}) }}"""

_OLD_DECISION = """{% from "nhsuk/components/radios/macro.jinja" import radios %}
{%- if form.from_before(row) -%}
{%- set fid = row | replace(".", "-") -%}
{%- set chosen = form.v(row ~ ".decision") -%}
<div class="careplans-carried">
  {% if form.flag(row) %}<p class="careplans-carried__flag"><strong>Check:</strong> {{ form.flag(row) }}</p>{% endif %}
  {% set items = [] %}
  {% for c in options.decisions %}{% set _ = items.append({"value": c.value, "text": c.text, "checked": c.value == chosen}) %}{% endfor %}
  {{ radios({"idPrefix": fid ~ "-decision", "name": row ~ ".decision", "classes": "nhsuk-radios--inline nhsuk-radios--small",
             "fieldset": {"legend": {"text": "This " ~ what ~ " is from the last plan: keep, change or close it?", "classes": "careplans-legend-small"}},
             "errorMessage": {"text": form.error(row ~ ".decision")} if form.error(row ~ ".decision") else undefined,
             "items": items}) }}
</div>
{%- endif -%}"""


class _Form:
    """What the field macros read of the workspace's form: values, problems, focus, earlier items."""

    def __init__(self, values: dict, errors: dict | None = None, focus: str = "", before=(), flags=None):
        self.values, self.errors, self.focus = values, errors or {}, focus
        self.before, self.flags = set(before), flags or {}

    def v(self, path):
        return self.values.get(path, "")

    def error(self, path):
        return self.errors.get(path, "")

    def from_before(self, row):
        return row in self.before

    def flag(self, row):
        return self.flags.get(row, "")


def _choices():
    from tandem.careplans.presenters.workspace import Options
    return Options()


def _fields():
    """What the workspace's views give its templates to render the form's fields."""
    from tandem.careplans.fields import WorkspaceFields
    return WorkspaceFields


CHOOSE_CASES = [
    ({"path": "goals.0.actions.1.who", "label": "Who will do it", "value": "carer"}, _Form({})),
    ({"path": "goals.0.actions.1.who", "label": "Who will do it", "value": None}, _Form({"goals.0.actions.1.who": ""})),
    ({"path": "goals.2.stage", "label": "Where they are " + SCRIPT, "blank": "Choose", "hint": "A hint " + SCRIPT},
     _Form({"goals.2.stage": "new"}, errors={"goals.2.stage": "Choose where " + SCRIPT}, focus="goals-2-stage")),
    ({"path": "goals.2.stage", "label": "Stage", "blank": "Not chosen"}, _Form({})),
]


@pytest.mark.parametrize(("args", "form"), CHOOSE_CASES)
def test_the_workspace_choose_field_gives_the_markup_it_gave(args, form):
    choices = _choices().who if "who" in args["path"] else _choices().stage
    params = {"blank": "", "value": None, "hint": ""} | args | {"choices": choices}
    old = _original().from_string(_OLD_CHOOSE).render(form=form, **params)
    macro = ('{% from "careplans/workspace/_fields.jinja" import choose with context %}'
             "{{ choose(path, label, choices, blank=blank, value=value, hint=hint) }}")
    new = _tandem().from_string(macro).render(form=form, form_fields=WorkspaceFields, **params)
    assert _squash(new) == _squash(old)
    assert "<option" in new


DECISION_CASES = [
    _Form({"goals.0.decision": "keep"}, before={"goals.0"}),
    _Form({}, before={"needs.1"}, flags={"needs.1": "Not taken now " + SCRIPT},
          errors={"needs.1.decision": "Choose keep, change or close " + SCRIPT}),
    _Form({}),  # not from before: nothing to decide
]


@pytest.mark.parametrize("form", DECISION_CASES)
def test_the_workspace_decision_gives_the_markup_it_gave(form):
    row = next(iter(form.before), "goals.3")
    options = _choices()
    old = _original().from_string(_OLD_DECISION).render(form=form, options=options, row=row, what="goal")
    macro = ('{% from "careplans/workspace/_rows.jinja" import decision with context %}'
             '{{ decision(row, "goal") }}')
    new = _tandem().from_string(macro).render(form=form, options=options, row=row, form_fields=WorkspaceFields)
    assert _squash(new) == _squash(old)
    assert ('type="radio"' in new) == bool(form.before)
    assert SCRIPT not in new
