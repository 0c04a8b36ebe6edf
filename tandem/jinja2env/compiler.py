"""How Tandem's templates are compiled: each `{{ value }}` written as a plain escaped string, and
compiled templates kept on disk between server processes."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from jinja2 import Environment, FileSystemBytecodeCache, Template
from jinja2.compiler import CodeGenerator
from jinja2.environment import TemplateModule
from jinja2.runtime import Context

from tandem.nhsuk.html import h


class OutputCodeGenerator(CodeGenerator):
    """Jinja's code generator, but each `{{ value }}` of an autoescaped template compiles to
    `environment.output(value)` (h) rather than `escape(value)`: the same text, escaped the
    same way, as a plain string. What a template writes is only ever joined into the page, or into
    a macro's, block's or `{% set %}`'s buffer, which Jinja makes Markup when it joins it; the Markup
    object `escape` builds for each of the thousands of values of a long page is thrown away. In an
    `{% autoescape %}` block whose setting is only known as the template runs, Jinja's own code is
    kept."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.output(")
        if finalize.src is not None:
            self.write(finalize.src)


class TandemTemplate(Template):
    """A Jinja template whose `{% import %}` and `{% from ... import %}` are quicker to run.

    On every import Jinja checks whether the importing template has globals the imported one lacks
    (if so the imported module is made afresh for them); it subtracts the two key sets through the
    ChainMap of the imported template's globals, one Python-level lookup per global. The layout and
    the NHS.UK page template import a dozen component macros on every page. Here the same set of
    missing names is worked out by `set.difference`, which walks the ChainMap's keys in C."""

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None and not self.environment.is_async:
            missing = ctx.globals_keys.difference(self.globals)
            if missing:
                return self.make_module({key: ctx.parent[key] for key in missing})
            ctx = None  # nothing missing: the module made once, as Jinja's own code gives it
        return super()._get_default_module(ctx)


class TandemEnvironment(Environment):
    """The Jinja environment of Tandem's templates, compiled by OutputCodeGenerator."""

    code_generator_class = OutputCodeGenerator
    template_class = TandemTemplate
    output = staticmethod(h)


# Compiled templates in the bytecode cache are named after how they are compiled (OutputCodeGenerator):
# change this when that changes, so that no process loads a template compiled the other way.
COMPILED_AS = "tandem-output-1"


def bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept in var/ so a new server process does not compile them again (a
    template's entry is keyed on its source, so an edited template is compiled afresh)."""
    folder = Path(settings.VAR_DIR) / "jinja2-cache"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # read-only: each process compiles its templates once, in memory
    return FileSystemBytecodeCache(str(folder), pattern=f"__{COMPILED_AS}_%s.cache")
