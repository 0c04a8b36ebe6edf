"""The practice's wording for packs and invitations: every block with its reading age, and one block's editor (live
readability and preview, saving as a new version, edit conflicts, history, going back).

Only people who manage the practice (Capability.MANAGE_PRACTICE) see these pages. Everything works
without JavaScript: Save checks the wording on the server, and "Preview and check" shows the
preview and the reading age. With JavaScript, htmx asks `check` as the person types.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from tandem.core.parsing import read_version
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability
from tandem.messaging import wording
from tandem.messaging import wording_actions as actions
from tandem.messaging.wording import readability

from ..queries import wording as queries

SECTION = "prepare"
VARIANT_LABELS = {wording.STANDARD: "Standard", wording.EASY_READ: "Easy read"}
VARIANT_HINTS = {
    wording.STANDARD: "Used in the standard pack, large print and online.",
    wording.EASY_READ: "Used in the easy read pack: short sentences, one idea per line, everyday words.",
}
# What each placeholder is filled in with, for the list beside the editor.
PLACEHOLDERS = {
    "given_name": "the person's first name", "practice": "your practice's name",
    "phone": "your practice's phone number", "date": "the day of the appointment, like Tuesday 14 July",
    "time": "the time of the appointment, like 10:30am", "with": "who the person will see",
    "place": "where the appointment is, or that it is by phone or video", "minutes": "how many minutes it takes",
    "value": "the result, with its unit", "target": "the target, like 58 mmol/mol or lower",
    "previous": "the earlier result, with its unit", "when": "the month of the earlier result or answer",
    "grade_words": "how breathless the person said they get, in everyday words",
    "reply_by": "the day to reply by", "link": "the person's own reply link", "tests": "the tests they need",
    "month": "the month the review is due, like July 2026",
    "conditions": "the person's conditions in plain words (letters only; otherwise \"your long-term conditions\")",
    "tests_with": "who does the tests, like a health care assistant", "review_with": "who the person will talk with",
    "code": "the person's short reply code, like KX7M 4TQ9", "address": "your practice's short reply address",
    "invited_on": "the day of the first invitation",
    "unit": "the unit of the result", "grade": "the breathlessness grade",
}


CONFLICT = "Someone else saved this wording while you were changing it. Your wording is not saved yet."


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if (local.hour, local.minute) == (12, 0):
        time = "midday"
    else:
        hour = local.hour % 12 or 12
        time = f"{hour}{f':{local.minute:02d}' if local.minute else ''}{'am' if local.hour < 12 else 'pm'}"
    return f"{local.day} {local:%B} {local.year} at {time}"


def _who(row) -> str:
    return row.created_by.display_name if row is not None and row.created_by is not None else "Tandem"


def _version_number(value: str) -> int | None:
    return read_version(value)


def _check(block: wording.Block, variant: str, text: str) -> dict:
    if len(text) > wording.MAX_TEXT:  # refused before it is scored or filled in
        return {"too_long": True, "empty": False, "problems": wording.check(text, block),
                "limit": readability.limit_for(variant), "kind": VARIANT_LABELS[variant].lower()}
    score = readability.score_block(text, block)
    limit = readability.limit_for(variant)
    return {"score": score, "limit": limit, "within": readability.within_limit(score, variant),
            "problems": wording.check(text, block), "empty": not text.strip(),
            "kind": VARIANT_LABELS[variant].lower()}


def _preview(request, block: wording.Block, variant: str, text: str) -> list:
    if not text.strip() or len(text) > wording.MAX_TEXT:
        return []
    practice = request.practice
    texts = queries.current_texts(practice, variant)
    return queries.preview(key=block.key, variant=variant, text=text, texts=texts, practice_name=practice.name,
                           practice_phone=practice.phone or queries.SAMPLE_PHONE)


def _history(rows: list, current_version: int, variant: str, block: wording.Block) -> list[dict]:
    return [{"version": r.version, "when": _when(r.created_at), "who": _who(r), "note": r.note,
             "reading_age": r.reading_age, "in_use": r.version == current_version,
             "standard": r.text == block.default(variant),
             "url": reverse("prepare:wording_version", kwargs={"key": block.key, "variant": variant,
                                                               "version": r.version})}
            for r in rows]


def _block_context(request, block: wording.Block, variant: str, *, text: str | None = None, note: str = "",
                   expected: int | None = None, problems=(), conflict_seen: bool = False,
                   conflict_message: str = CONFLICT) -> dict:
    practice = request.practice
    rows = queries.history(practice, block.key, variant)
    current = queries.in_use(block, variant, rows[0] if rows else None)
    text = current.text if text is None else text
    if not problems and len(text) > wording.MAX_TEXT:
        problems = [wording.too_long(text)]
    their = None
    if conflict_seen:
        their = {"version": current.version, "text": current.text, "who": _who(current.row),
                 "when": _when(current.row.created_at) if current.row is not None else ""}
    return {
        "active_section": SECTION, "block": block, "variant": variant, "variant_label": VARIANT_LABELS[variant],
        "variant_hint": VARIANT_HINTS[variant],
        "variants": [{"label": VARIANT_LABELS[v], "current": v == variant,
                      "url": reverse("prepare:wording_block", kwargs={"key": block.key, "variant": v})}
                     for v in wording.VARIANTS],
        "current": current, "current_who": _who(current.row),
        "current_when": _when(current.row.created_at) if current.row is not None else "",
        "text": text, "note": note, "expected": current.version if expected is None else expected,
        "check": _check(block, variant, text), "preview": _preview(request, block, variant, text),
        "problems": list(problems),
        "form_errors": [*problems, *([conflict_message] if their else [])],
        "conflict": their, "conflict_message": conflict_message, "history": _history(rows, current.version, variant, block),
        "placeholders": [{"name": "{" + p + "}", "meaning": PLACEHOLDERS.get(p, "")} for p in block.placeholders],
        "list_kind": block.kind == wording.LIST,
        "limit": readability.limit_for(variant),
    }


def _block_page(request, block, variant, *, status: int = 200, **kwargs):
    context = _block_context(request, block, variant, **kwargs)
    if status == 200 and context["problems"]:  # typed text that cannot be checked (too long)
        status = 400
    return render(request, "prepare/wording/block.jinja", context, status=status)


def _block_url(block: wording.Block, variant: str) -> str:
    return reverse("prepare:wording_block", kwargs={"key": block.key, "variant": variant})


@practice_required(Capability.MANAGE_PRACTICE)
def index(request):
    practice = request.practice
    latest = queries.latest_versions(practice)
    groups: dict[str, list[dict]] = {}
    for block in wording.blocks().values():
        cells = []
        for variant in wording.VARIANTS:
            current = queries.in_use(block, variant, latest.get((block.key, variant)))
            cells.append({"variant": variant, "label": VARIANT_LABELS[variant], "current": current,
                          "url": _block_url(block, variant)})
        groups.setdefault(block.group, []).append({"block": block, "cells": cells})
    scores = queries.sample_scores(practice)
    return render(request, "prepare/wording/index.jinja", {
        "active_section": SECTION, "can_manage": True, "groups": groups.items(),
        "sample": [{"label": VARIANT_LABELS[v], "score": s, "limit": readability.limit_for(v),
                    "within": readability.within_limit(s, v)} for v, s in scores.items()],
        "standard_limit": readability.STANDARD_MAX_AGE, "easy_limit": readability.EASY_READ_MAX_AGE,
    })


@practice_required(Capability.MANAGE_PRACTICE)
def block_page(request, key: str, variant: str):
    """GET: the editor. POST: save the wording as a new version."""
    block = queries.get_block(key, variant)
    if request.method != "POST":
        return _block_page(request, block, variant)
    text, note = request.POST.get("text", ""), request.POST.get("note", "")
    expected = _version_number(request.POST.get("version", ""))
    try:
        row = actions.save_wording(practice=request.practice, block=key, variant=variant, text=text,
                                   note=note, expected_version=-1 if expected is None else expected, by=request.user)
    except actions.WordingRefused as exc:
        return _block_page(request, block, variant, text=text, note=note, expected=expected, problems=exc.problems,
                           status=400)
    except actions.WordingConflict:
        return _block_page(request, block, variant, text=text, note=note, conflict_seen=True, status=409)
    used_in = {"pack": "new packs", "reminder": "new reminders",
               "reinvitation": "new invitations after a missed appointment"}.get(block.document, "new invitations")
    messages.success(request, f"Saved. Version {row.version} of this wording is now used in {used_in}.")
    return redirect(_block_url(block, variant))


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def check(request, key: str, variant: str):
    """htmx: the reading age and any problems of the text typed so far (and the preview, out of band).
    Without htmx, the whole editor with the typed text checked."""
    block = queries.get_block(key, variant)
    text = request.POST.get("text", "")
    if not request.htmx:
        return _block_page(request, block, variant, text=text, note=request.POST.get("note", ""),
                           expected=_version_number(request.POST.get("version", "")))
    response = render(request, "prepare/wording/_check.jinja", {
        "check": _check(block, variant, text), "preview": _preview(request, block, variant, text),
        "block": block, "out_of_band": True})
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def preview(request, key: str, variant: str):
    """The typed text filled in and shown where it sits in a pack, with its reading age (nothing saved)."""
    block = queries.get_block(key, variant)
    text = request.POST.get("text", "")
    if request.htmx:
        response = render(request, "prepare/wording/_preview.jinja", {
            "preview": _preview(request, block, variant, text), "block": block,
            "too_long": wording.too_long(text) if len(text) > wording.MAX_TEXT else ""})
        patch_vary_headers(response, ["HX-Request"])
        return response
    return _block_page(request, block, variant, text=text, note=request.POST.get("note", ""),
                       expected=_version_number(request.POST.get("version", "")))


def _version_page(request, block, variant, version: int, *, error: str = "", status: int = 200):
    practice = request.practice
    row = queries.get_version(practice, block.key, variant, version)
    current = queries.in_use(block, variant, queries.latest(practice, block.key, variant))
    return render(request, "prepare/wording/version.jinja", {
        "active_section": SECTION, "block": block, "variant": variant, "variant_label": VARIANT_LABELS[variant],
        "row": row, "who": _who(row), "when": _when(row.created_at), "current": current,
        "score": readability.score_block(row.text, block), "limit": readability.limit_for(variant),
        "is_standard": row.text == block.default(variant), "block_url": _block_url(block, variant),
        "preview": _preview(request, block, variant, row.text),
        "error": error, "form_errors": [error] if error else [],
    }, status=status)


@practice_required(Capability.MANAGE_PRACTICE)
def version_page(request, key: str, variant: str, version: int):
    return _version_page(request, queries.get_block(key, variant), variant, version)


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def use_again(request, key: str, variant: str, version: int):
    block = queries.get_block(key, variant)
    queries.get_version(request.practice, key, variant, version)  # 404 for another practice's versions
    expected = _version_number(request.POST.get("version", ""))
    try:
        row = actions.use_again(practice=request.practice, block=key, variant=variant, version=version,
                                expected_version=-1 if expected is None else expected, by=request.user)
    except actions.WordingRefused as exc:
        return _version_page(request, block, variant, version, error=str(exc), status=400)
    except actions.WordingConflict:
        return _version_page(request, block, variant, version, status=409, error=(
            "Someone else saved this wording while you were looking at it. Check the wording in use now, "
            "then choose again."))
    messages.success(request, f"Version {version} is in use again, saved as version {row.version}.")
    return redirect(_block_url(block, variant))


@require_POST
@practice_required(Capability.MANAGE_PRACTICE)
def use_standard(request, key: str, variant: str):
    block = queries.get_block(key, variant)
    expected = _version_number(request.POST.get("version", ""))
    try:
        row = actions.use_standard(practice=request.practice, block=key, variant=variant,
                                   expected_version=-1 if expected is None else expected, by=request.user)
    except actions.WordingRefused as exc:
        return _block_page(request, block, variant, problems=exc.problems, status=400)
    except actions.WordingConflict:
        return _block_page(request, block, variant, conflict_seen=True, status=409, conflict_message=(
            "Someone else saved this wording while you were looking at it. Check their wording before going back "
            "to Tandem's standard wording."))
    messages.success(request, f"Tandem's standard wording is in use again, saved as version {row.version}.")
    return redirect(_block_url(block, variant))


_BLOCK = "wording/<slug:key>/<slug:variant>/"

urlpatterns = [
    path("wording/", index, name="wording"),
    path(_BLOCK, block_page, name="wording_block"),
    path(_BLOCK + "check/", check, name="wording_check"),
    path(_BLOCK + "preview/", preview, name="wording_preview"),
    path(_BLOCK + "standard/", use_standard, name="wording_use_standard"),
    path(_BLOCK + "versions/<id:version>/", version_page, name="wording_version"),
    path(_BLOCK + "versions/<id:version>/use/", use_again, name="wording_use_again"),
]
