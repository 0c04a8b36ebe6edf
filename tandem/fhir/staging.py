"""Uploaded files waiting for the worker, and the report it leaves for the upload page.

An upload is copied, as it arrives, into a folder of its own under TANDEM_IMPORT_DIR (default
var/imports; the web server and the worker must share it, as `scripts/serve-demo` does). The worker
imports the files from there and deletes them (they hold patients' records), keeping only the report:
what the result page shows. Folder names are random; the job that owns a folder names it in its
parameters, and only that job's page, in its own practice, reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from .report import FileReport, Problem, Where

REPORT = "report.json"
KEEP_REPORTS = dt.timedelta(days=7)  # then the folder (by then only the report) is deleted
_FOLDER = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_COPY_CHUNK = 1024 * 1024


class StagingError(Exception):
    pass


def root() -> Path:
    return Path(getattr(settings, "TANDEM_IMPORT_DIR", Path(settings.VAR_DIR) / "imports"))


def folder(name: str) -> Path:
    if not isinstance(name, str) or not _FOLDER.match(name):
        raise StagingError("This import's files are not where Tandem keeps uploads.")
    return root() / name


def stage(files: Iterable[tuple[str, BinaryIO]]) -> tuple[str, list[dict]]:
    """Copy each upload into a new folder, a chunk at a time. Returns the folder's name and, per file,
    its name as uploaded and as stored."""
    tidy()
    name = secrets.token_urlsafe(18)
    target = folder(name)
    target.mkdir(parents=True, mode=0o700)
    stored = []
    try:
        for index, (original, stream) in enumerate(files, start=1):
            kept = f"{index:03d}.upload"
            with (target / kept).open("wb") as out:
                if hasattr(stream, "chunks"):
                    for chunk in stream.chunks(_COPY_CHUNK):
                        out.write(chunk)
                else:
                    shutil.copyfileobj(stream, out, _COPY_CHUNK)
            stored.append({"name": str(original)[:255], "stored": kept})
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return name, stored


def tidy(*, older_than: dt.timedelta = KEEP_REPORTS) -> int:
    """Delete the folders of imports asked for longer ago than `older_than`. Returns how many."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    if not root().is_dir():
        return 0
    for path in root().iterdir():
        try:
            if path.is_dir() and _FOLDER.match(path.name) and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def open_staged(name: str, stored: list[dict]) -> list[tuple[str, BinaryIO]]:
    base = folder(name)
    out = []
    for item in stored:
        path = base / Path(str(item["stored"])).name
        if not path.is_file():
            raise StagingError("The uploaded files are no longer there (they are deleted once imported). "
                               "Upload them again.")
        out.append((str(item["name"]), path.open("rb")))
    return out


def discard_uploads(name: str) -> None:
    """Delete the uploaded files, keeping the report."""
    base = folder(name)
    for path in base.glob("*.upload"):
        path.unlink(missing_ok=True)


def discard(name: str) -> None:
    shutil.rmtree(folder(name), ignore_errors=True)


# --- The report, kept for the result page ---------------------------------------------------------

def _where(where: Where) -> dict:
    return {"number": where.number, "line_based": where.line_based, "full_url": where.full_url,
            "resource": where.resource}


def _problem(data: dict) -> Problem:
    w = data["where"]
    return Problem(Where(number=w["number"], line_based=w["line_based"], full_url=w["full_url"],
                         resource=w["resource"]), data["reason"])


def save_report(name: str, reports: list[FileReport]) -> None:
    data = [{
        "name": r.name, "imported": r.imported, "kind": r.kind, "entries": r.entries,
        "created": dict(r.created), "updated": dict(r.updated), "unchanged": dict(r.unchanged),
        "skipped": dict(r.skipped), "patients": r.patients,
        "problems": [{"where": _where(p.where), "reason": p.reason} for p in r.problems],
        "more_problems": r.more_problems,
        "warnings": [{"where": _where(p.where), "reason": p.reason} for p in r.warnings],
        "more_warnings": r.more_warnings,
    } for r in reports]
    path = folder(name) / REPORT
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(data))
    partial.replace(path)


def load_report(name: str) -> list[FileReport] | None:
    """The reports the worker left, or None when there are none (not finished, or tidied away)."""
    try:
        data = json.loads((folder(name) / REPORT).read_text())
    except (OSError, ValueError, StagingError):
        return None
    return [FileReport(
        name=d["name"], imported=d["imported"], kind=d["kind"], entries=d["entries"],
        created=Counter(d["created"]), updated=Counter(d["updated"]), unchanged=Counter(d["unchanged"]),
        skipped=Counter(d["skipped"]), patients=d["patients"],
        problems=[_problem(p) for p in d["problems"]], more_problems=d["more_problems"],
        warnings=[_problem(p) for p in d["warnings"]], more_warnings=d["more_warnings"],
    ) for d in data]
