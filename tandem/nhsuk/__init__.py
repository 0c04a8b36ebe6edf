"""The NHS.UK frontend components a form or list uses per field or row, in Python.

A long form calls these components hundreds of times, and as Jinja macros (the `nhsuk-frontend-jinja`
package) they were most of the cost of its page. Each function here gives the markup of the
component's template, character for character (tests/perf/test_templates.py compares them), or None
for parameters it does not render (a page heading, a prefix, a divider...); the macros in
tandem/templates/nhsuk/ call them and fall back to the package's template on None. Templates reach
them as globals (tandem.jinja2env); Python code, such as careplans/fields.py, imports them from here.

- html: escaping, attributes (`nhsuk_attributes`), parameters read as the templates read them
- fields: label, text input, textarea, select
- fieldsets: radios, checkboxes, date input
- tag: tag
- params: the select and radios parameters of a form's field
"""

from .fields import nhsuk_input, nhsuk_label, nhsuk_plain_label, nhsuk_select, nhsuk_textarea
from .fieldsets import nhsuk_choices, nhsuk_date_input
from .html import nhsuk_attributes
from .params import radios_params, select_params
from .tag import nhsuk_tag

# The template globals, by the names the macros in tandem/templates/nhsuk/ and Tandem's templates use.
TEMPLATE_GLOBALS = {
    "nhsuk_attributes": nhsuk_attributes,
    "nhsuk_label": nhsuk_label,
    "nhsuk_input": nhsuk_input,
    "nhsuk_textarea": nhsuk_textarea,
    "nhsuk_select": nhsuk_select,
    "nhsuk_choices": nhsuk_choices,
    "nhsuk_tag": nhsuk_tag,
    "nhsuk_date_input": nhsuk_date_input,
    "nhsuk_plain_label": nhsuk_plain_label,
    "select_params": select_params,
    "radios_params": radios_params,
}

__all__ = [*TEMPLATE_GLOBALS]
