"""Signs staff out after TANDEM_IDLE_MINUTES without opening a page, and after SESSION_COOKIE_AGE
(a working day) from signing in however much it is used, and says which.

The session keeps when it was last used, to the minute (so an ordinary request does not write the
session), on the wall clock: the clinical clock (tandem.core.clock) may be pinned to a day for demos
and tests, and that must neither sign anyone out nor keep them signed in.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SEEN_KEY = "tandem_seen"
SIGNED_IN_KEY = "tandem_signed_in"
GRANULARITY = 60  # seconds: how stale the stored time may be before it is written again


def wall_time() -> float:
    return time.time()


def mark_seen(request) -> None:
    """At sign-in: the session starts now."""
    now = int(wall_time())
    request.session[SEEN_KEY] = now
    request.session[SIGNED_IN_KEY] = now


class IdleSessionMiddleware:
    """Place after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(wall_time())
            seen = request.session.get(SEEN_KEY)
            if isinstance(seen, int) and now - seen > settings.TANDEM_IDLE_MINUTES * 60:
                return self._signed_out(request, "idle")
            signed_in = request.session.get(SIGNED_IN_KEY)
            if isinstance(signed_in, int) and now - signed_in > settings.SESSION_COOKIE_AGE:
                return self._signed_out(request, "expired")
            if not isinstance(signed_in, int):  # a session from before this was kept: from now
                request.session[SIGNED_IN_KEY] = now
            if not isinstance(seen, int) or now - seen >= GRANULARITY:
                request.session[SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _signed_out(request, reason: str):
        htmx = request.headers.get("HX-Request") == "true"  # (HtmxMiddleware runs after this one)
        back = request.get_full_path() if request.method == "GET" and not htmx else ""
        logout(request)
        target = reverse("core:signed_out") + "?" + urlencode({"reason": reason, **({"next": back} if back else {})})
        if htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target  # the whole page goes, not just the part being swapped
            return response
        return redirect(target)
