"""/healthz and /healthz/live: is this Tandem working?

- /healthz/live: the server process answers. No database, no session, no template: also the reference
  page the load benchmark measures every other page against.
- /healthz: JSON, 200 when the server, the database and the background worker are all fine, 503
  otherwise, with one entry per check. Other apps add checks with `register()` (the jobs app adds the
  worker's). No sign-in: it says only whether things work, with timings and ages in seconds; never a
  practice, a person, a host name or an error's text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: dict = field(default_factory=dict)  # numbers and fixed words only


_CHECKS: dict[str, Callable[[], Check]] = {}


def register(name: str, check: Callable[[], Check]) -> None:
    """Add a check to /healthz. A check that raises counts as failing (and is logged by type only)."""
    _CHECKS[name] = check


def database() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("health: database check failed (%s)", type(exc).__name__)
        return Check(ok=False, detail={"problem": "the database did not answer"})
    return Check(ok=True, detail={"ms": round((time.perf_counter() - started) * 1000, 1)})


register("database", database)


def results() -> dict[str, Check]:
    found = {"server": Check(ok=True)}
    for name, check in _CHECKS.items():
        try:
            found[name] = check()
        except Exception as exc:  # a broken check is a failing check, never a 500
            logger.warning("health: %s check failed (%s)", name, type(exc).__name__)
            found[name] = Check(ok=False, detail={"problem": "the check could not be made"})
    return found


@require_safe
def ready(request):
    found = results()
    ok = all(c.ok for c in found.values())
    body = {"status": "ok" if ok else "failing",
            "checks": {name: {"ok": c.ok, **c.detail} for name, c in found.items()}}
    response = JsonResponse(body, status=200 if ok else 503)
    add_never_cache_headers(response)
    return response


@require_safe
def live(request):
    response = HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    add_never_cache_headers(response)
    return response
