"""Every page carries the standard security headers and a Content-Security-Policy without
'unsafe-inline'; every page's HTML keeps to it (inline scripts only with the request's nonce; no style
attributes, <style> blocks or on...= handlers), so the browser has nothing to block.

The URL list comes from the URL configuration (tests/core/url_patterns.py), so a new page is checked the
moment it is added. Each is asked for by a practice manager (who may see every page) and by someone not
signed in (the sign-in redirect, the person's own pages), and the static files too.
"""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver, reverse
from django.urls.converters import SlugConverter, StringConverter

from tests.core.test_scoping_every_url import PATIENT_KWARGS, _object_id
from tests.core.url_patterns import named_patterns

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
SLUGS = {"key": "intro", "variant": "standard"}
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def all_patterns():
    return list(named_patterns(get_resolver().url_patterns))


def url_for(name, pattern, patient) -> str:
    kwargs = {}
    for param, converter in getattr(pattern.pattern, "converters", {}).items():
        if param in PATIENT_KWARGS:
            kwargs[param] = _object_id(name, param, patient)
        elif isinstance(converter, SlugConverter):
            kwargs[param] = SLUGS.get(param, "standard")
        elif isinstance(converter, StringConverter):
            kwargs[param] = "not-a-real-token-0000"
        else:
            kwargs[param] = 1
    return reverse(name, kwargs=kwargs)


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def assert_headers(response, where: str) -> None:
    for header, value in EXPECTED.items():
        assert response.headers.get(header) == value, f"{where}: {header} is {response.headers.get(header)!r}"
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), f"{where}: no Permissions-Policy"
    assert response.headers.get("X-Request-ID"), f"{where}: no X-Request-ID"
    policy = response.headers.get("Content-Security-Policy", "")
    assert policy, f"{where}: no Content-Security-Policy"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, f"{where}: {policy}"
    rules = directives(policy)
    assert rules.get("frame-ancestors") == ["'none'"], f"{where}: framing allowed ({policy})"
    if response.headers.get("Content-Type", "").startswith("text/html"):
        assert rules.get("default-src") == ["'self'"], f"{where}: {policy}"
        assert rules.get("style-src") == ["'self'"], f"{where}: inline styles allowed ({policy})"
        assert rules.get("object-src") == ["'none'"] and rules.get("base-uri") == ["'none'"], f"{where}: {policy}"
        assert_html_keeps_to_policy(response, rules, where)


def assert_html_keeps_to_policy(response, rules: dict, where: str) -> None:
    html = response.content.decode()
    nonces = [v.removeprefix("'nonce-").removesuffix("'") for v in rules.get("script-src", []) if v.startswith("'nonce-")]
    for attributes in _SCRIPT.findall(html):
        if "src=" in attributes:
            continue
        assert nonces and f'nonce="{nonces[0]}"' in attributes, f"{where}: an inline script without the nonce"
    assert "<style" not in html.lower(), f"{where}: a <style> block (move it to a static stylesheet)"
    assert not _STYLE_ATTR.search(html), f"{where}: a style attribute: {_STYLE_ATTR.search(html).group(0)[:120]}"
    assert not _HANDLER.search(html), f"{where}: an inline event handler: {_HANDLER.search(html).group(0)[:120]}"


@pytest.fixture
def manager(universe):
    from tandem.core import actions
    from tandem.core.rules import Role

    return actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)


def test_there_are_pages_to_check():
    names = {name for name, _ in all_patterns()}
    assert {"home", "patients:summary", "careplans:workspace", "jobs:queue", "reply:code"} <= names


@pytest.mark.parametrize(("name", "pattern"), all_patterns(), ids=[n for n, _ in all_patterns()])
def test_every_page_carries_the_headers_for_a_manager(client, universe, manager, name, pattern):
    client.force_login(manager)
    url = url_for(name, pattern, universe.patient)
    response = client.get(url)
    assert response.status_code < 500 or name == "healthz", f"{name} failed"  # (no worker has run: 503)
    assert_headers(response, f"GET {name} ({response.status_code})")


@pytest.mark.parametrize(("name", "pattern"), all_patterns(), ids=[n for n, _ in all_patterns()])
def test_every_page_carries_the_headers_for_someone_not_signed_in(client, universe, name, pattern):
    response = client.get(url_for(name, pattern, universe.patient))
    assert response.status_code < 500 or name == "healthz", f"{name} failed"  # (no worker has run: 503)
    assert_headers(response, f"GET {name} signed out ({response.status_code})")


def test_the_page_templates_inline_scripts_carry_this_requests_nonce(client, universe):
    client.force_login(universe.nurse)
    first, second = client.get(reverse("patients:search")), client.get(reverse("patients:search"))
    nonce = [v for v in directives(first.headers["Content-Security-Policy"])["script-src"] if v.startswith("'nonce-")]
    assert len(nonce) == 1
    value = nonce[0][len("'nonce-"):-1]
    html = first.content.decode()
    assert html.count(f'nonce="{value}"') == 2  # the NHS.UK js-enabled line and starting its components
    assert value not in second.content.decode(), "a nonce must never be used twice"


def test_htmx_runs_without_eval_or_its_own_styles(client, universe):
    client.force_login(universe.nurse)
    html = client.get(reverse("patients:search")).content.decode()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", html)
    assert config, "htmx must be configured for the Content-Security-Policy"
    import json

    values = json.loads(config.group(1))
    assert values["allowEval"] is False and values["includeIndicatorStyles"] is False


def test_static_files_carry_the_headers(client):
    response = client.get("/static/tandem/tandem.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_a_pdf_may_be_shown_by_the_browser_but_never_framed(client, universe):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from tandem.core.headers import SecurityHeadersMiddleware

    response = SecurityHeadersMiddleware(lambda r: HttpResponse(b"%PDF-1.7", content_type="application/pdf"))(
        RequestFactory().get("/x.pdf"))
    assert response._csp_config == {"frame-ancestors": ["'none'"]}
