"""Request ids and the one access line per request.

Every request gets an id: a sane X-Request-ID from the proxy in front (8 to 64 letters, digits, dots,
dashes, underscores or colons, and nothing that looks like an identifier), or a new random one. The id
is returned in the X-Request-ID header, put on every log line written while serving the request (with
the user's and practice's primary keys once they are known), and closes the request with one line on
the `tandem.access` logger: method, URL name (never the path, which can hold search terms or a reply
link's token), status, duration in milliseconds, user id and practice id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings

from .logging import redact, request_context

logger = logging.getLogger("tandem.access")

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def request_id_from(value: str | None) -> str:
    """The caller's request id if it is sane, otherwise a new one."""
    if value and _SANE.fullmatch(value) and redact(value) == value:
        return value
    return uuid.uuid4().hex


def route_of(request) -> str:
    """The URL's name ("patients:summary"), never its path; 'static' for static files, '-' if none matched."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "-"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "-"


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = request_id_from(request.headers.get(HEADER))
        token = request_context.set({"request_id": request.request_id, "request": request})
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[HEADER] = request.request_id
            return response
        finally:
            duration = round((time.perf_counter() - started) * 1000, 1)
            route = route_of(request)
            logger.info("%s %s %s %sms", request.method, route, status, duration,
                        extra={"method": request.method, "route": route, "status": status, "duration_ms": duration})
            request_context.reset(token)
