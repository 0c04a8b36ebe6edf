"""The workspace form's fields are rendered in Python (tandem.careplans.fields) rather than by a Jinja
macro per field calling the component's macro: the markup must be what those macros gave with the
NHS.UK frontend's own templates, for every kind of field, with what was typed escaped, problems shown
and the cursor put where the last "Add another ..." asked."""

from __future__ import annotations

import re

import pytest
from jinja2 import ChainableUndefined, Environment, PackageLoader

from tandem.careplans import fields
from tandem.careplans.fields import KEPT, WorkspaceFields
from tandem.careplans.presenters.workspace import Choice, form_state
from tandem.careplans.rules.document import Problem

SCRIPT = '<script>alert("x")</script> & "quotes"'

# The field macros as they were (careplans/workspace/_fields.jinja and _rows.jinja), rendered below with
# the NHS.UK frontend's own component templates.
_OLD = """
{%- from "nhsuk/components/input/macro.jinja" import input -%}
{%- from "nhsuk/components/textarea/macro.jinja" import textarea -%}
{%- from "nhsuk/components/date-input/macro.jinja" import dateInput -%}
{%- from "nhsuk/components/checkboxes/macro.jinja" import checkboxes -%}
{% macro text_field(path, label, hint="", width=none, attributes={}, list="", inputmode="", described_by="") -%}
{%- set fid = path | replace(".", "-") -%}
{%- set attrs = dict(attributes) -%}
{%- if form.focus == fid %}{% set _ = attrs.update({"autofocus": true}) %}{% endif -%}
{%- if list %}{% set _ = attrs.update({"list": list}) %}{% endif -%}
{{ input({"id": fid, "name": path, "value": form.v(path), "label": {"text": label},
          "hint": {"text": hint} if hint else undefined, "width": width, "attributes": attrs,
          "inputmode": inputmode or undefined, "autocomplete": "off", "describedBy": described_by or undefined,
          "errorMessage": {"text": form.error(path)} if form.error(path) else undefined}) }}
{%- endmacro %}
{% macro text_area(path, label, hint="", rows=2) -%}
{%- set fid = path | replace(".", "-") -%}
{{ textarea({"id": fid, "name": path, "value": form.v(path), "rows": rows, "label": {"text": label},
             "hint": {"text": hint} if hint else undefined,
             "attributes": {"autofocus": true} if form.focus == fid else {},
             "errorMessage": {"text": form.error(path)} if form.error(path) else undefined}) }}
{%- endmacro %}
{% macro hidden(path) -%}
<input type="hidden" name="{{ path }}" value="{{ form.v(path) }}">
{%- endmacro %}
{% macro date_field(name, legend, hint="") -%}
{%- set problem = form.error(name) -%}
{%- set items = [] -%}
{%- for part, label, width in (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4)) -%}
{%- set _ = items.append({"id": name ~ "-" ~ part, "name": name ~ "." ~ part, "label": label, "width": width,
                          "value": form.v(name ~ "." ~ part), "classes": "nhsuk-input--error" if problem else ""}) -%}
{%- endfor -%}
{{ dateInput({"id": name, "fieldset": {"legend": {"text": legend, "classes": "nhsuk-fieldset__legend--s"}},
              "hint": {"text": hint} if hint else undefined,
              "errorMessage": {"text": problem} if problem else undefined, "items": items}) }}
{%- endmacro %}
{% macro conditions(p, legend, choices) -%}
{% set items = [] %}
{% for c in choices %}{% set _ = items.append({"value": c.value, "text": c.text, "checked": c.value in form.many(p ~ ".conditions")}) %}{% endfor %}
{{ checkboxes({"idPrefix": p | replace(".", "-") ~ "-conditions", "name": p ~ ".conditions", "small": true,
               "classes": "careplans-checkboxes-inline",
               "fieldset": {"legend": {"text": legend, "classes": "careplans-legend-small"}},
               "items": items}) }}
{%- endmacro %}
"""


@pytest.fixture(autouse=True)
def _nothing_kept_between_tests():
    KEPT.clear()
    yield
    KEPT.clear()


def _squash(html: str) -> str:
    html = re.sub(r"\s+", " ", str(html))
    html = re.sub(r"\s*>\s*", ">", html)
    return re.sub(r"\s*<", "<", html).strip()


def _old(form, call: str, **values) -> str:
    env = Environment(loader=PackageLoader("nhsuk_frontend_jinja"), undefined=ChainableUndefined,  # noqa: S701
                      autoescape=True)
    return env.from_string(_OLD + "{{ " + call + " }}").render(form=form, **values)


def _form(values=None, *, problems=(), add=""):
    return form_state(values or {}, base_version=1, conversation_id=None, problems=problems, add=add)


TYPED = {"goals.0.actions.0.what": SCRIPT, "goals.0.actions.0.confidence": "3", "about.people": SCRIPT + "\nline two",
         "review_date.day": "31", "review_date.month": "2", "review_date.year": SCRIPT, "needs.0.id": SCRIPT,
         "needs.0.conditions": ["copd", "diabetes"]}
WITH_PROBLEMS = (Problem("goals.0.actions.0.what", "Say what will be done " + SCRIPT),
                 Problem("about.people", "Too long " + SCRIPT), Problem("review_date", "Enter a real date " + SCRIPT))


@pytest.mark.parametrize("form", [_form(), _form(TYPED), _form(TYPED, problems=WITH_PROBLEMS),
                                  _form(TYPED, add="goals.0.actions")], ids=["blank", "typed", "problems", "focus"])
@pytest.mark.parametrize(("call", "values"), [
    ('text_field("goals.0.actions.0.what", "What will be done")', {}),
    ('text_field("goals.1.actions.0.what", label, hint=hint, width=4, list="current-medicines", inputmode="decimal")',
     {"label": "Label " + SCRIPT, "hint": "Hint " + SCRIPT}),
    ('text_field("goals.0.actions.0.confidence", "How sure? (0 to 10)", width=2, inputmode="numeric",'
     ' attributes={"hx-get": "/care-plans/1/confidence/", "hx-trigger": "input changed delay:300ms, change",'
     ' "hx-target": "#goals-0-actions-0-confidence-prompt", "hx-swap": "innerHTML"},'
     ' described_by="goals-0-actions-0-confidence-prompt")', {}),
    ('text_area("about.people", "People who are important to them")', {}),
    ('text_area("about.people", label, hint=hint, rows=3)', {"label": "Label " + SCRIPT, "hint": "Hint " + SCRIPT}),
    ('hidden("needs.0.id")', {}),
    ('date_field("review_date", "Review date")', {}),
    ('date_field("review_date", "Review date", hint)', {"hint": "Usually a year after " + SCRIPT}),
    ('conditions("needs.0", "Linked to (optional)", choices)',
     {"choices": (Choice("copd", "COPD"), Choice("diabetes", "Diabetes " + SCRIPT), Choice("ckd", "CKD"))}),
])
def test_each_field_gives_the_markup_its_macro_gave(form, call, values):
    old = _old(form, call, **values)
    new = eval(call, {}, {**values, **{name: getattr(WorkspaceFields(form), name) for name in  # noqa: S307
                                      ("text_field", "text_area", "hidden", "date_field", "conditions")}})
    assert _squash(new) == _squash(old)
    assert "<script>" not in new


def test_what_was_typed_and_the_problems_show_escaped_where_they_belong():
    form = _form(TYPED, problems=WITH_PROBLEMS, add="goals.0.actions")
    f = WorkspaceFields(form)
    what = f.text_field("goals.0.actions.0.what", "What will be done")
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;"' in what
    assert "Say what will be done &lt;script&gt;" in what and "nhsuk-form-group--error" in what
    assert "autofocus" in f.text_field("goals.0.actions.1.what", "What will be done")  # the row just added
    assert "autofocus" not in what
    assert ">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;\nline two</textarea>" in f.text_area(
        "about.people", "People")
    assert f.hidden("needs.0.id") == ('<input type="hidden" name="needs.0.id" '
                                      'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;">')
    review = f.date_field("review_date", "Review date")
    assert review.count("nhsuk-input--error") == 3 and "Enter a real date &lt;script&gt;" in review


def test_a_field_the_fast_component_does_not_render_comes_from_the_nhsuk_template(monkeypatch):
    form = _form(TYPED, problems=WITH_PROBLEMS)
    expected = {name: str(getattr(WorkspaceFields(form), name)(*args)) for name, args in (
        ("text_field", ("goals.0.actions.0.what", "What will be done")), ("text_area", ("about.people", "People")),
        ("date_field", ("review_date", "Review date")),
        ("conditions", ("needs.0", "Linked to", (Choice("copd", "COPD"),))),
        ("choose", ("goals.0.stage", "Stage", (Choice("new", "New"),), "Choose")))}
    for name in ("nhsuk_input", "nhsuk_textarea", "nhsuk_select", "nhsuk_date_input"):
        monkeypatch.setattr(fields, name, lambda params: None)
    monkeypatch.setattr(fields, "nhsuk_choices", lambda kind, params: None)
    for name, args in (("text_field", ("goals.0.actions.0.what", "What will be done")),
                       ("text_area", ("about.people", "People")), ("date_field", ("review_date", "Review date")),
                       ("conditions", ("needs.0", "Linked to", (Choice("copd", "COPD"),))),
                       ("choose", ("goals.0.stage", "Stage", (Choice("new", "New"),), "Choose"))):
        assert _squash(getattr(WorkspaceFields(form), name)(*args)) == _squash(expected[name]), name


DECISIONS = (Choice("keep", "Keep"), Choice("change", "Change"), Choice("close", "Close"))
LABEL = '<b>Label</b> & "label"'  # a field's own words, escaped as they are shown
WHO = (Choice("person", "The person"), Choice("carer", "Their carer " + LABEL))
EACH_KIND = (
    ("text_field", ("goals.0.actions.0.what", "What will be done")),
    ("text_field", ("goals.0.actions.1.what", "What will be done")),  # the cursor's, after "Add another action"
    ("text_field", ("goals.1.actions.0.what", LABEL, "Hint " + LABEL, 4, None, "current-medicines", "decimal")),
    ("text_field", ("goals.0.actions.0.confidence", "How sure are they? (0 to 10)", "", 2,
                    {"hx-get": "/care-plans/1/confidence/", "hx-target": "#goals-0-actions-0-confidence-prompt"},
                    "", "numeric", "goals-0-actions-0-confidence-prompt")),
    ("text_field", ("goals.0.actions.0.confidence", "How sure are they? (0 to 10)", "", 2,
                    {"hx-get": "/care-plans/2/confidence/", "hx-target": "#goals-0-actions-0-confidence-prompt"},
                    "", "numeric", "goals-0-actions-0-confidence-prompt")),  # the next person's
    ("text_area", ("about.people", "People who are important to them", "In their words", 3)),
    ("text_area", ("needs.1.text", "The need, concern or problem")),  # the cursor's, after "Add another need"
    ("hidden", ("needs.0.id",)),
    ("date_field", ("review_date", "Review date")),
    ("date_field", ("held_on", "When it was held")),
    ("conditions", ("needs.0", "Linked to (optional)", (Choice("copd", "COPD"), Choice("diabetes", "Diabetes")))),
    ("choose", ("goals.0.actions.0.who", "Who will do it", WHO)),
    ("choose", ("goals.0.stage", "Where it has got to", WHO, "Choose", "carer")),
    ("decision_radios", ("needs.0", "need", DECISIONS)),
)
SECOND = {"goals.0.actions.0.what": "Walk to the shop", "goals.0.actions.0.confidence": "9", "goals.1.actions.0.what": "x",
          "about.people": "Jo, daughter", "needs.0.id": "n2", "review_date.day": "1", "review_date.month": "3",
          "review_date.year": "2027", "held_on.day": "2", "held_on.month": "", "held_on.year": "２０２６",
          "needs.0.conditions": ["diabetes"], "goals.0.actions.0.who": "carer", "needs.0.decision": "keep"}


def _each(form) -> list[str]:
    fields_of = WorkspaceFields(form)
    return [str(getattr(fields_of, name)(*args)) for name, args in EACH_KIND]


def _fresh(form) -> list[str]:
    """Each field as it is rendered with nothing kept."""
    fresh = []
    for name, args in EACH_KIND:
        KEPT.clear()
        fresh.append(str(getattr(WorkspaceFields(form), name)(*args)))
    return fresh


def test_what_was_typed_for_one_person_never_shows_in_the_next_persons_form():
    """Fields' markup is kept between pages: what was typed in one person's plan must not be in the
    next one's form, whose fields must be exactly as if nothing had been kept."""
    hostile = {**TYPED, "needs.0.decision": SCRIPT, "goals.0.actions.0.who": SCRIPT, "held_on.day": SCRIPT}
    _each(_form(hostile))
    _each(_form(SECOND))
    blank = _each(_form())
    for html in blank:
        assert "script" not in html and "line two" not in html and "Walk to the shop" not in html
    assert blank == _fresh(_form())


@pytest.mark.parametrize("values", [{}, TYPED, SECOND], ids=["blank", "typed", "second"])
@pytest.mark.parametrize("shown", [{}, {"add": "goals.0.actions"}, {"add": "needs"}, {"problems": WITH_PROBLEMS}],
                         ids=["as-typed", "action-added", "need-added", "problems"])
def test_every_kind_of_field_is_the_same_when_its_markup_was_kept(values, shown):
    fresh = _fresh(_form(values, **shown))
    for other in ({}, TYPED, SECOND):  # other pages, other people: their fields' markup is kept
        _each(_form(other))
        _each(_form(other, add="goals.0.actions"))
    assert _each(_form(values, **shown)) == fresh


def test_nothing_typed_is_kept_only_the_fields_own_words():
    _each(_form(TYPED))
    _each(_form(SECOND))
    kept = repr(KEPT._kept)
    for typed in ("alert", "line two", "Walk to the shop", "Jo, daughter", "２０２６"):
        assert typed not in kept
