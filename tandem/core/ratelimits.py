"""Rate limits for the pages anyone can open without signing in (django-ratelimit).

Every request to a public page counts against its address (TANDEM_PUBLIC_RATE_PER_ADDRESS) and,
when the address holds a link's token or code, against that link (TANDEM_PUBLIC_RATE_PER_LINK),
whichever runs out first. The counts live in the shared cache (one table in Tandem's database), so
every server process counts together. Over the limit, the person gets a plain page saying to wait
(429, with Retry-After).

`limit_all(urlpatterns)` limits every view of a URLconf, so a page added to the public URLconf is
limited without anyone remembering to; tests/core/test_rate_limits.py checks every public URL is.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django_ratelimit.core import is_ratelimited

RETRY_AFTER_SECONDS = 60
LIMITED_MARK = "tandem_rate_limited"


def _link_key(value: str) -> str:
    # the token itself is never a cache key: a digest of it is
    return hashlib.sha256(value.encode()).hexdigest()


def too_many(request, *, group: str = "public"):
    """The page over the limit: in the person's own pages' style for their links, else Tandem's."""
    base = "prepare/public/base.jinja" if group == "public" else "layout.jinja"
    response = render(request, "core/rate_limited.jinja", {"base": base, "practice": None, "plain_header": True,
                                                           "seconds": RETRY_AFTER_SECONDS}, status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True, private=True)
    return response


def limited(view, *, group: str = "public"):
    """`view`, counting each request against its address and, if it has one, its link token."""
    if getattr(view, LIMITED_MARK, False):
        return view

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        over = is_ratelimited(request, group=f"{group}:address", key="ip",
                              rate=settings.TANDEM_PUBLIC_RATE_PER_ADDRESS, increment=True)
        token = kwargs.get("token")
        if token and not over:  # an address over its limit makes no more counters (the cache stays small)
            over = is_ratelimited(request, group=f"{group}:link", key=lambda _group, _request: _link_key(token),
                                  rate=settings.TANDEM_PUBLIC_RATE_PER_LINK, increment=True)
        if over:
            return too_many(request, group=group)
        return view(request, *args, **kwargs)

    setattr(wrapped, LIMITED_MARK, True)
    return wrapped


def is_limited(view) -> bool:
    return bool(getattr(view, LIMITED_MARK, False))


def limit_all(urlpatterns: list, *, group: str = "public") -> list:
    """The same URL patterns with every view limited (includes are limited all the way down)."""
    from django.urls import URLPattern, URLResolver

    for pattern in urlpatterns:
        if isinstance(pattern, URLResolver):
            limit_all(pattern.url_patterns, group=group)
        elif isinstance(pattern, URLPattern):
            pattern.callback = limited(pattern.callback, group=group)
    return urlpatterns
