"""Rate limits on the pages anyone can open without signing in (django-ratelimit): per address and
per link, counted in the shared cache (a table every server process uses), with a plain 429 page."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tandem.core import ratelimits
from tandem.core.rules import URL_ACCESS, Open
from tandem.core.shared_cache import SharedDatabaseCache

# Staff sign-in pages are protected by the sign-in lock-out (django-axes) instead; the health checks
# are polled by the server's own monitoring, hold nothing and must always answer.
NOT_LIMITED = {"core:login", "core:logout", "core:sign_in_code", "core:sign_in_set_up", "core:signed_out",
               "healthz", "healthz_live"}


@pytest.fixture(autouse=True)
def _rates(settings, db):
    # per day, so a minute or hour boundary never resets a count during a test
    settings.TANDEM_PUBLIC_RATE_PER_ADDRESS = "8/d"
    settings.TANDEM_PUBLIC_RATE_PER_LINK = "4/d"


def _start(client, token, address):
    return client.get(reverse("reply:start", args=[token]), REMOTE_ADDR=address)


def test_one_link_is_limited_whatever_address_it_is_opened_from(client):
    answers = [_start(client, "guessed-token-abc", f"10.0.0.{n}").status_code for n in range(6)]
    assert answers == [404, 404, 404, 404, 429, 429]
    # another link is not affected
    assert _start(client, "another-token", "10.0.0.1").status_code == 404


def test_one_address_is_limited_whatever_links_it_opens(client):
    answers = [_start(client, f"guess-{n}", "10.3.3.3").status_code for n in range(10)]
    assert answers == [404] * 8 + [429, 429]
    assert _start(client, "guess-x", "10.4.4.4").status_code == 404  # another address is not affected
    # the code entry page (no link in its address) counts per address too
    assert client.get(reverse("reply:code"), REMOTE_ADDR="10.3.3.3").status_code == 429


def test_the_limit_page_says_to_wait_and_stores_nothing(client):
    for n in range(9):
        response = _start(client, f"guess-{n}", "10.5.5.5")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Sorry, there have been too many attempts" in html
    assert "Wait a minute, then try again" in html
    assert "call your GP practice" in html


def test_the_password_reset_page_is_limited_per_address(client, universe):
    answers = [client.post(reverse("core:password_reset"), {"email": f"x{n}@example.org"},
                           REMOTE_ADDR="10.8.8.8").status_code for n in range(9)]
    assert answers == [302] * 8 + [429]
    assert "tell your practice manager" in client.get(reverse("core:password_reset"), REMOTE_ADDR="10.8.8.8").content.decode()


def _named_views(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


def test_every_page_open_without_signing_in_is_rate_limited():
    """A new public page (a check-in, self-booking...) fails here until it is limited: put it in the
    public URLconf (limit_all) or wrap it with tandem.core.ratelimits.limited."""
    views = dict(_named_views())
    public = [name for name, access in URL_ACCESS.items()
              if Open.PUBLIC in (access.read, access.change) and name not in NOT_LIMITED]
    assert "reply:start" in public and "reply:code" in public
    unlimited = [name for name in public if name in views and not _limited(views[name])]
    assert unlimited == []


def _limited(view) -> bool:
    # class-based views carry the limit on dispatch
    view_class = getattr(view, "view_class", None)
    return ratelimits.is_limited(view) or (view_class is not None and ratelimits.is_limited(view_class.dispatch))


def test_counts_are_kept_where_every_server_process_sees_them():
    shared = caches["shared"]
    assert isinstance(shared, SharedDatabaseCache)  # a database table, not one process's memory
    assert shared.add("count", 0, 60)
    assert [shared.incr("count") for _ in range(3)] == [1, 2, 3]
    assert shared.get("count") == 3


def test_behind_a_proxy_the_address_it_saw_is_counted(client, settings):
    settings.TANDEM_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # the proxy appends the address it saw; anything before it was sent by the client and is ignored
    answers = [client.get(reverse("reply:start", args=[f"g{n}"]), REMOTE_ADDR="10.0.0.1",
                          HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7").status_code for n in range(9)]
    assert answers[-1] == 429
    other = client.get(reverse("reply:start", args=["g-other"]), REMOTE_ADDR="10.0.0.1",
                       HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 404
    # a header that is not an address falls back to the connection's
    garbled = client.get(reverse("reply:start", args=["g-x"]), REMOTE_ADDR="10.0.0.2",
                         HTTP_X_FORWARDED_FOR="<script>")
    assert garbled.status_code == 404
