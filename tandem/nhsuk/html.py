"""What every NHS.UK component in Python is made of: escaping, attributes, reading a parameter as the
NHS.UK templates read it, hints and error messages.

Each component is built as plain `str` pieces, every value escaped exactly once by `h` (markup, such
as an `html` parameter or what another component gave, as it is), joined once and made `Markup` once
at the end: a `Markup % value` or `Markup + Markup` builds and escapes a new object for every piece,
and a long plan has hundreds of fields. Names of elements and attributes written here are constants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from jinja2 import Undefined
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

try:  # markupsafe's own escaping (the characters & < > ' "), without a Markup object for each value
    from markupsafe._speedups import _escape_inner as escape_text
except ImportError:  # pragma: no cover - markupsafe without its C speedups, or a later layout
    def escape_text(text: str) -> str:
        return str(escape(text))


def h(value) -> str:
    """`value` as HTML, as `escape(value)` gives it (its text escaped, or markup, anything with
    `__html__`, as it is) but without building a Markup object: for joining into a string only."""
    if type(value) is str:
        return escape_text(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape_text(str(value))


def raw(html) -> str:
    """A component's `html` parameter, the caller's markup, as `Markup(html)` takes it (unescaped)."""
    return str(html.__html__()) if hasattr(html, "__html__") else str(html)


_UNSET = object()


def attrs(attributes) -> str:
    """`nhsuk_attributes` as a plain string, for the components."""
    if isinstance(attributes, str):
        return attributes  # as the macro: a string of attributes is the caller's HTML
    if not isinstance(attributes, Mapping):
        return ""
    out = []
    for name, item in attributes.items():
        if isinstance(item, Mapping):
            value, kind, is_optional = item.get("value"), item.get("type"), item.get("optional")
        else:
            value, kind, is_optional = item, "string", False
        if value is None or isinstance(value, Undefined):
            value, escaped = None, ""
        elif isinstance(value, Markup):
            value, escaped = _UNSET, str(value)
        elif kind == "array" and isinstance(value, Iterable):
            value, escaped = _UNSET, str(htmlsafe_json_dumps(value, sort_keys=True))  # as `| tojson`
        else:
            escaped = h(value)
        if is_optional is True and value is True:
            out.append(f" {h(name)}")
        elif is_optional is not True or (value is not None and value is not False):
            shown = ("true" if value else "false") if isinstance(value, bool) else escaped
            quote = "'" if '"' in escaped else '"'
            out.append(f" {h(name)}={quote}{shown}{quote}")
    return "".join(out)


def nhsuk_attributes(attributes) -> Markup:
    """The NHS.UK frontend's `nhsukAttributes` macro (nhsuk/macros/attributes.jinja), in Python.

    Every NHS.UK component calls it several times per field, and as a Jinja macro it was most of the
    cost of a page with a long form. tandem/templates/nhsuk/macros/attributes.jinja puts this in its
    place; the output is the same, character for character (tests/perf/test_templates.py compares
    the two). Each attribute renders as ` name="value"` (value escaped); with `optional`, an empty
    value (None, undefined, False) is left out and True renders the bare name."""
    return Markup(attrs(attributes))  # noqa: S704 - every name and value is escaped by attrs


def given(params: Mapping, key: str):
    """params.key as the NHS.UK templates read it: missing, None and undefined are all nothing."""
    value = params.get(key)
    return None if isinstance(value, Undefined) else value


def required(name: str, value) -> str:
    """One attribute as `nhsuk_attributes` gives it, without building its mapping."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return f' {name}="{h(value)}"'
    return attrs({name: value})


def optional(name: str, value) -> str:
    """One optional attribute as `nhsuk_attributes` gives it (left out when None or False, bare when
    True), without building its mapping: labels and ids are on every field."""
    if value is None or value is False:
        return ""
    if value is True:
        return f" {name}"
    if isinstance(value, Markup):
        return attrs({name: {"value": value, "optional": True}})
    return f' {name}="{h(value)}"'


def optional_attribute(name: str, value) -> str:
    """`nhsuk_attributes({name: {"value": value, "optional": True}})`, quicker for a plain string."""
    if value is None or value is False:
        return ""
    if type(value) is str:
        return f' {name}="{escape_text(value)}"'
    return attrs({name: {"value": value, "optional": True}})


MESSAGE_KEYS = frozenset({"text", "html"})


def only(params: Mapping, allowed: frozenset) -> bool:
    """Whether params gives nothing outside `allowed` (a key set to None or undefined gives nothing)."""
    for key in params:
        if key not in allowed and given(params, key) is not None:
            return False
    return True


def part(params: Mapping, key: str, allowed: frozenset) -> dict | None:
    """A label, hint or error message parameter (a mapping, or a string for its text) as a dict; None
    when it uses anything the fast input does not render (the component's template then does). An
    error message of True (as the date input gives its boxes) marks the field in error with no
    message; False is no error."""
    value = given(params, key)
    if value is None or value is False:
        return {}
    if value is True and key == "errorMessage":
        return {"flag": True}
    if isinstance(value, str):
        return {"text": value, "html": value if isinstance(value, Markup) else None}
    if isinstance(value, Mapping) and only(value, allowed):
        return {k: given(value, k) for k in allowed}
    return None


def has(content: dict) -> bool:
    """Whether a label, hint or error message (as `part` gives it) has anything to show."""
    return bool(content.get("text") or content.get("html"))


def message(kind: str, content: dict, element_id: str, classes: str = "") -> str:
    """A hint (nhsuk/components/hint) or error message (.../error-message) as the components give it."""
    inner = raw(content["html"]).strip() if content.get("html") else escape_text(str(content["text"]).strip())
    if kind == "hint":
        return f'<div class="nhsuk-hint{h(classes)}" id="{h(element_id)}">{inner}</div>'
    return (f'<span class="nhsuk-error-message" id="{h(element_id)}"><span class="nhsuk-u-visually-hidden">'
            f"Error: </span>{inner}</span>")
