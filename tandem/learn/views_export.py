"""Data for evaluators (/learn/export/): evaluation projects and their downloads of de-identified,
person-level data. A practice manager for their practice; a primary care network's or ICB's leads for its
practices (tandem.learn.export_queries says who may use which project; anyone else: not found). Every
download is recorded with its purpose and audited (tandem.learn.actions.record_export)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse

from tandem.core import clock
from tandem.registers.rules.registers import display_names
from tandem.registers.rules.risk import TIER_LABELS

from . import actions, export_files, export_queries, export_rules

FIELD_LIMIT = 2100  # read no more of a field than its longest allowed value and a little more


def _field(post, name: str) -> str:
    return str(post.get(name) or "")[:FIELD_LIMIT]


def _scope(request) -> export_queries.Scope:
    scope = export_queries.scope_of(request.user, getattr(request, "practice", None),
                                    getattr(request, "roles", frozenset()))
    if scope.empty:
        raise PermissionDenied("You do not manage a practice or lead a group.")
    return scope


def _errors(problems: dict[str, str]) -> list[dict[str, str]]:
    return [{"text": message, "href": f"#{name}"} for name, message in problems.items()]


def exports(request):
    scope = _scope(request)
    choices = scope.choices()
    values = {"name": "", "purpose": "", "scope": choices[0][0] if len(choices) == 1 else ""}
    problems: dict[str, str] = {}
    if request.method == "POST":
        values = {name: _field(request.POST, name) for name in ("name", "purpose", "scope")}
        problems = actions.check_project(name=values["name"], purpose=values["purpose"])
        if len(choices) == 1:  # nothing to choose: the one place the person may cover
            values["scope"] = choices[0][0]
        chosen = scope.chosen(values["scope"])
        if chosen is None:
            problems["scope"] = "Choose which practices the evaluation covers"
        if not problems:
            practice, group = chosen
            project = actions.create_project(by=request.user, name=values["name"], purpose=values["purpose"],
                                             practice=practice, group=group)
            messages.success(request, f"Evaluation project made: {project.name}.")
            return redirect(reverse("learn:export", args=[project.pk]))
    rows = list(export_queries.projects(scope))
    return render(request, "learn/exports.jinja", {
        "active_section": "learn", "projects": rows, "choices": choices, "values": values, "errors": problems,
        "scope_items": [{"value": v, "text": t, "checked": values["scope"] == v} for v, t in choices],
        "form_errors": _errors(problems), "has_practice": getattr(request, "practice", None) is not None,
        "limits": {"name": actions.PROJECT_NAME_MAX, "purpose": actions.PROJECT_PURPOSE_MAX},
    }, status=400 if problems else 200)


def export(request, project_id: int):
    project = export_queries.project(_scope(request), project_id)
    if project is None:
        raise Http404("No such evaluation project")
    values = {"purpose": "", "format": "csv"}
    problems: dict[str, str] = {}
    names = display_names()
    columns = export_rules.columns(names, TIER_LABELS)
    if request.method == "POST":
        values = {"purpose": _field(request.POST, "purpose"), "format": _field(request.POST, "format")[:10]}
        problems = actions.check_export(purpose=values["purpose"], fmt=values["format"])
        if not problems:
            return _download(request, project, purpose=values["purpose"], fmt=values["format"], names=names,
                             columns=columns)
    return render(request, "learn/export_project.jinja", {
        "active_section": "learn", "project": project, "scope": export_queries.scope_words(project),
        "exports": export_queries.exports_of(project), "columns": columns, "values": values, "errors": problems,
        "form_errors": _errors(problems), "pseudonym_rule": export_rules.PSEUDONYM_RULE,
        "small_number_rule": export_rules.SMALL_NUMBER_RULE, "has_practice": getattr(request, "practice", None) is not None,
        "limit": actions.EXPORT_PURPOSE_MAX,
    }, status=400 if problems else 200)


def _download(request, project, *, purpose: str, fmt: str, names, columns) -> FileResponse:
    now = clock.now()
    table = export_queries.table(project, today=clock.today(), register_slugs=list(names))
    readme = export_rules.readme(project=project.name, purpose=purpose.strip(),
                                 scope=export_queries.scope_words(project), made_at=now,
                                 file_name=export_files.DATA_FILE[fmt], rows=len(table.rows),
                                 left_out=table.left_out, made_by=request.user.display_name)
    archive = export_files.make_zip(table, fmt=fmt, columns=columns,
                                    dictionary_rows=export_rules.dictionary_rows(names, TIER_LABELS),
                                    dictionary_markdown=export_rules.dictionary_markdown(names, TIER_LABELS),
                                    readme=readme)
    record = actions.record_export(project=project, by=request.user, purpose=purpose, fmt=fmt, rows=len(table.rows),
                                   left_out=table.left_out)
    name = f"evaluation-{project.pk}-{now:%Y-%m-%d}-{record.pk}-{fmt}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


urlpatterns = [
    path("export/", exports, name="exports"),
    path("export/<id:project_id>/", export, name="export"),
]
