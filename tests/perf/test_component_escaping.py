"""Whatever a person typed shows as they typed it, in every text argument of every NHS.UK component
Tandem renders in Python (tandem.nhsuk): a value, a label, a hint, an error message, a legend,
an option, an id, a class or an attribute holding script, quotes and ampersands never becomes markup.

Each argument is given, one at a time, a value that would break out of an attribute or open a
script if it were written unescaped; the page is then read back as a browser would (an HTML parser)
and the value must come back exactly as typed, as text or as an attribute's value, with no script
element and no attribute that was not written by the component."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.template import engines
from markupsafe import Markup, escape

from tandem import nhsuk

TYPED = """"><script>alert('x')</script><b onclick="go()">&amp; & it's"""


class _Read(HTMLParser):
    """The elements, attributes and text of a piece of HTML, as a browser reads them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.text.append(data)


COMPONENTS = {  # component: (macro, the Python function, parameters it renders without its template)
    "input": ("input", nhsuk.nhsuk_input, {
        "id": "f", "name": "f", "value": "v", "label": {"text": "L", "classes": "c", "visuallyHiddenText": "h"},
        "hint": {"text": "H"}, "errorMessage": {"text": "E"}, "placeholder": "p", "pattern": "[0-9]*",
        "autocomplete": "off", "inputmode": "numeric", "autocapitalize": "none", "describedBy": "d",
        "classes": "c", "type": "text", "attributes": {"data-x": "x", "data-o": {"value": "o", "optional": True}}}),
    "textarea": ("textarea", nhsuk.nhsuk_textarea, {
        "id": "f", "name": "f", "value": "v", "rows": "3", "label": {"text": "L"}, "hint": {"text": "H"},
        "errorMessage": {"text": "E"}, "autocomplete": "off", "describedBy": "d", "classes": "c",
        "attributes": {"data-x": "x"}}),
    "select": ("select", nhsuk.nhsuk_select, {
        "id": "f", "name": "f", "value": "a", "label": {"text": "L"}, "hint": {"text": "H"},
        "errorMessage": {"text": "E"}, "describedBy": "d", "classes": "c", "attributes": {"data-x": "x"},
        "items": [{"value": "a", "text": "A", "attributes": {"data-x": "x"}}, {"value": "b", "text": "B"}]}),
    "radios": ("radios", lambda params: nhsuk.nhsuk_choices("radios", params), {
        "idPrefix": "f", "name": "f", "value": "a", "id": "i", "classes": "c", "attributes": {"data-x": "x"},
        "fieldset": {"legend": {"text": "L", "classes": "c"}, "classes": "c", "describedBy": "d"},
        "hint": {"text": "H"}, "errorMessage": {"text": "E"},
        "items": [{"value": "a", "text": "A", "hint": {"text": "H"}, "id": "i", "classes": "c",
                   "attributes": {"data-x": "x"}, "conditional": {"html": Markup("<p>More</p>")}},
                  {"value": "b", "text": "B"}]}),
    "checkboxes": ("checkboxes", lambda params: nhsuk.nhsuk_choices("checkboxes", params), {
        "idPrefix": "f", "name": "f", "values": ["a"], "id": "i", "classes": "c", "describedBy": "d",
        "attributes": {"data-x": "x"}, "fieldset": {"legend": {"text": "L"}, "classes": "c"},
        "hint": {"text": "H"}, "errorMessage": {"text": "E"},
        "items": [{"value": "a", "text": "A", "hint": {"text": "H"}, "id": "i", "name": "n", "classes": "c",
                   "attributes": {"data-x": "x"}}, {"value": "b", "text": "B"}]}),
    "date-input": ("dateInput", nhsuk.nhsuk_date_input, {
        "id": "d", "classes": "c", "attributes": {"data-x": "x"}, "fieldset": {"legend": {"text": "L"}, "classes": "c"},
        "hint": {"text": "H"}, "errorMessage": {"text": "E"},
        "items": [{"id": "i", "name": "d.day", "label": "Day", "width": 2, "value": "1", "classes": "c"},
                  {"name": "d.month", "label": "Month", "width": 2, "value": "2"}]}),
    "label": ("label", nhsuk.nhsuk_label, {
        "text": "L", "for": "f", "id": "i", "classes": "c", "visuallyHiddenText": "h",
        "attributes": {"data-x": "x"}}),
    "tag": ("tag", nhsuk.nhsuk_tag, {"text": "T", "classes": "c", "colour": "blue", "id": "i",
                                         "attributes": {"data-x": "x"}}),
}

# The label, hint, error message and legend may also be given as plain strings.
STRING_FORMS = {"input": ("label", "hint", "errorMessage"), "textarea": ("label", "hint", "errorMessage"),
                "select": ("label", "hint", "errorMessage"), "radios": ("hint", "errorMessage", "fieldset.legend"),
                "checkboxes": ("hint", "errorMessage", "fieldset.legend"),
                "date-input": ("hint", "errorMessage", "fieldset.legend")}


# Arguments that choose rather than show: the chosen option's value, the tag's colour.
CHOOSING = {("select", "value"), ("radios", "value"), ("checkboxes", "values"), ("tag", "colour")}


def _texts(value, path=()):
    """The path of every string argument in a component's parameters."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))
    elif isinstance(value, str) and not isinstance(value, Markup):
        yield path


def _with(params, path, typed):
    """A copy of params with the argument at path set to what was typed."""
    if not path:
        return typed
    copy = list(params) if isinstance(params, list) else dict(params)
    copy[path[0]] = _with(params[path[0]], path[1:], typed)
    return copy


def _render(component: str, macro: str, params) -> str:
    source = f'{{% from "nhsuk/components/{component}/macro.jinja" import {macro} %}}{{{{ {macro}(params) }}}}'
    return engines["jinja2"].env.from_string(source).render(params=params)


CASES = [(component, path) for component, (_, _, params) in COMPONENTS.items() for path in _texts(params)
         if (component, path[0]) not in CHOOSING] + [
    (component, (*form.split("."), "as a string")) for component, forms in STRING_FORMS.items() for form in forms]


@pytest.mark.parametrize(("component", "path"), CASES, ids=[f"{c}:{'.'.join(map(str, p))}" for c, p in CASES])
def test_what_was_typed_in_any_argument_shows_as_typed(component, path):
    macro, fast, params = COMPONENTS[component]
    if path[-1] == "as a string":
        params, path = _with(params, path[:-1], "S"), path[:-1]
    given = _with(params, path, TYPED)
    assert fast(params) is not None  # the Python component renders it (not the NHS.UK template)
    html = _render(component, macro, given)
    page = _Read(html)
    assert "script" not in page.tags
    assert not [name for name, _ in page.attributes if name.startswith("on") or not name.replace("-", "").isalnum()]
    shown = [value or "" for _, value in page.attributes] + ["".join(page.text)]
    assert any(TYPED in value for value in shown), html
    assert str(fast(given)) in html  # whatever else, the Python component gave this markup


def test_every_argument_is_covered():
    covered = {(component, path[0]) for component, path in CASES}
    for component, (_, _, params) in COMPONENTS.items():
        assert {(component, key) for key in params if (component, key) not in CHOOSING} <= covered


def test_markup_given_as_html_is_kept_and_text_is_not():
    html = _render("input", "input", {"id": "f", "name": "f", "label": {"html": Markup("Name <em>(optional)</em>")},
                                      "hint": {"text": Markup("<b>not bold</b>")}})
    assert "Name <em>(optional)</em>" in html  # the caller's markup, as the NHS.UK template keeps it
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html  # text is text, even when it is Markup


@pytest.mark.parametrize("value", [TYPED, 'a "b"', "a & b", "<x>", "it's", 0, 12.5, None, "", "  spaced  "])
def test_attribute_values_are_escaped_as_markupsafe_escapes(value):
    assert nhsuk.nhsuk_attributes({"data-x": value}) == (f' data-x="{escape(value)}"' if value is not None
                                                             else ' data-x=""')
