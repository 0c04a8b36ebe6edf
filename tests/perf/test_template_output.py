"""Tandem's templates are compiled to write each `{{ value }}` without building a Markup object for it
(tandem.jinja2env.compiler). What they write must be what Jinja's own compiler writes, escaped the
same way, wherever the value is written: in the page, a macro, a call block, a `{% set %}` block, a
filter block, an include, or inside `{% autoescape %}`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.template import engines
from django.test import override_settings
from django.utils.safestring import mark_safe
from jinja2 import ChainableUndefined, DictLoader, Environment, FileSystemLoader
from markupsafe import Markup

from tandem import jinja2env
from tandem.jinja2env import compiler

TYPED = """<script>alert("x")</script> & it's"""


class _Html:
    """An object that gives its own HTML, as form widgets do."""

    def __html__(self):
        return "<i>own</i>"


VALUES = {"typed": TYPED, "markup": Markup("<b>bold</b>"), "safe": mark_safe("<u>django</u>"),  # noqa: S308
          "number": 12.5, "zero": 0, "none": None, "flag": False, "html": _Html(), "items": [TYPED, Markup("<b>")],
          "mapping": {"a": TYPED}, "on": True, "off": False}

TEMPLATES = {
    "page": "{{ typed }}|{{ markup }}|{{ safe }}|{{ number }}|{{ zero }}|{{ none }}|{{ flag }}|{{ html }}|"
            "{{ missing }}|{{ missing.deeper }}|{{ items }}|{{ mapping }}|{{ typed | safe }}|{{ typed | e }}",
    "expressions": "{{ typed ~ markup }}|{{ markup ~ typed }}|{{ typed | upper }}|{{ markup | upper }}|"
                   "{{ typed if on else markup }}|{{ '<lit>' }}|{{ items | join(', ') }}|{{ typed | replace('&', '+') }}",
    "macro": "{% macro m(x) %}<b>{{ x }}</b>{{ typed }}{% endmacro %}{{ m(typed) }}{{ m(markup) }}{% set y = m(typed) %}"
             "{{ y }}{{ y ~ typed }}",
    "call": "{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}{% call wrap() %}{{ typed }}{% endcall %}",
    "set": "{% set s %}{{ typed }}<br>{{ markup }}{% endset %}{{ s }}{{ s | length }}",
    "filter": "{% filter upper %}{{ typed }}{{ markup }}{% endfilter %}",
    "loop": "{% for i in items %}<li>{{ loop.index }} {{ i }}</li>{% endfor %}",
    "autoescape": "{% autoescape false %}{{ typed }}{% endautoescape %}{% autoescape on %}{{ typed }}{% endautoescape %}"
                  "{% autoescape off %}{% autoescape true %}{{ typed }}{% endautoescape %}{% endautoescape %}",
    "include": '{% include "inc" %}{% from "inc_macro" import shout %}{{ shout(typed) }}',
    "blocks": '{% extends "base" %}{% block body %}{{ typed }}{{ super() }}{% endblock %}',
}
LOADED = {"inc": "<p>{{ typed }}</p>", "inc_macro": "{% macro shout(x) %}<em>{{ x }}</em>{% endmacro %}",
          "base": "<main>{% block body %}{{ markup }}{% endblock %}</main>", **TEMPLATES}


def _stock() -> Environment:
    return Environment(loader=DictLoader(LOADED), undefined=ChainableUndefined, autoescape=True)  # noqa: S701


def _tandem(tmp_path: Path) -> Environment:
    with override_settings(VAR_DIR=tmp_path):
        return jinja2env.environment(loader=DictLoader(LOADED))


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_write_what_jinja_writes(name, tmp_path):
    ours = _tandem(tmp_path).get_template(name).render(VALUES)
    theirs = _stock().get_template(name).render(VALUES)
    assert ours == theirs
    assert "<script>" not in ours or name in ("page", "autoescape")  # `| safe` and autoescape off


def test_a_value_is_written_without_a_markup_object_per_value(tmp_path):
    code = _tandem(tmp_path).compile("<p>{{ typed }}</p>", raw=True)
    assert "environment.output(" in code
    assert "escape(" not in code


IMPORTS = {
    "lib": "{% macro show() %}[{{ shared }}|{{ extra }}|{{ typed }}]{% endmacro %}{% set top = shared %}",
    "with_extra": '{% from "lib" import show %}{% import "lib" as lib %}{{ show() }}{{ lib.show() }}{{ lib.top }}',
    "plain": '{% from "lib" import show %}{% from "lib" import show as again with context %}{{ show() }}{{ again() }}',
}


def test_imported_macros_see_the_globals_jinja_gives_them(tmp_path):
    """An import is quicker (compiler.TandemTemplate) but gives the imported template the same globals:
    the environment's, and those of the importing template that it lacks, never the caller's values."""
    def renders(env: Environment) -> list[str]:
        env.loader = DictLoader(IMPORTS)
        env.globals["shared"] = "<s>"
        first = env.get_template("with_extra", globals={"extra": TYPED}).render(typed="t")
        return [first, env.get_template("plain").render(typed="t"), env.get_template("with_extra").render()]

    ours, theirs = renders(_tandem(tmp_path)), renders(_stock())
    assert ours == theirs
    assert ours[1].startswith("[&lt;s&gt;||]")  # the extra global of another template is not seen
    assert ours[1].endswith("[&lt;s&gt;||t]")  # imported with context: the caller's values


def test_compiled_templates_are_cached_under_the_name_of_how_they_are_compiled(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.jinja").write_text("{{ typed }}")
    with override_settings(VAR_DIR=tmp_path):
        env = jinja2env.environment(loader=FileSystemLoader(str(tmp_path / "templates")))
    assert env.get_template("t.jinja").render(typed=TYPED) == str(Markup.escape(TYPED))
    cached = [path.name for path in (tmp_path / "jinja2-cache").iterdir()]
    assert cached and all(name.startswith(f"__{compiler.COMPILED_AS}_") for name in cached)


def test_the_project_environment_is_compiled_this_way():
    env = engines["jinja2"].env
    assert isinstance(env, compiler.TandemEnvironment)
    assert env.from_string("{{ x }}").render(x=TYPED) == str(Markup.escape(TYPED))


@pytest.mark.parametrize("month", range(1, 13))
def test_dates_read_as_they_did(month):
    day = dt.date(2026, month, 4)
    date = engines["jinja2"].env.filters["date"]
    assert date(day) == f"4 {day:%B} 2026"
    assert date(day, "short") == f"4 {day:%b} 2026"
    assert date(dt.datetime(2026, month, 4, 23, 30, tzinfo=dt.UTC)) == f"4 {day:%B} 2026"
    assert date(None) == ""
