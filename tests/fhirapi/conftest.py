"""The FHIR API's fixtures: a registered application, tokens got through the real authorization code
flow with PKCE (the consent page, then the token endpoint), and a client that sends the token."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import get_application_model

from tests.careteam.referral_helpers import world  # noqa: F401 - a fixture: the wider care team's people

REDIRECT = "https://client.example.org/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def register(name: str = "Community Nursing System", *, public: bool = True, redirect: str = REDIRECT):
    """An application registered with the management command (its secret, if any, read from its output)."""
    from io import StringIO

    out = StringIO()
    args = [name, "--redirect-uri", redirect] + (["--public"] if public else [])
    call_command("fhir_client", *args, stdout=out)
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
    app = get_application_model().objects.get(client_id=lines["client_id"])
    app.plain_secret = lines.get("client_secret", "")
    return app


def authorize_url(app, scope: str, challenge: str, state: str = "xyz", redirect: str = REDIRECT) -> str:
    return "/fhir/auth/authorize?" + urlencode({
        "response_type": "code", "client_id": app.client_id, "redirect_uri": redirect, "scope": scope,
        "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})


def code_from(response) -> str:
    assert response.status_code == 302, response.content[:500]
    query = parse_qs(urlparse(response["Location"]).query)
    assert "code" in query, response["Location"]
    return query["code"][0]


def get_token(app, user, scope: str, *, patient=None, client: Client | None = None, practice=None) -> dict:
    """A token for `user`, got as an application would: consent page, allow, code for token."""
    browser = Client()
    browser.force_login(user)
    if practice is not None:  # someone working in several practices chooses one first
        assert browser.post("/practice/", {"practice": practice.pk}).status_code == 302
    verifier, challenge = pkce()
    url = authorize_url(app, scope, challenge)
    assert browser.get(url).status_code == 200
    if patient is not None:
        found = browser.post(url, {"decision": "find", "nhs_number": patient.nhs_number})
        assert found.status_code == 200, found.content[:300]
        answer = browser.post(url, {"decision": "allow", "patient": patient.pk})
    else:
        answer = browser.post(url, {"decision": "allow"})
    code = code_from(answer)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": app.client_id, "code_verifier": verifier}
    if app.plain_secret:
        data["client_secret"] = app.plain_secret
    response = (client or Client()).post("/fhir/auth/token", data)
    assert response.status_code == 200, response.content
    return response.json()


class Api:
    """A test client that sends a bearer token and reads FHIR JSON."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.token = token

    def headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, data=None, **extra):
        return self.client.get(path if path.startswith("/") else f"/fhir/{path}", data, **{**self.headers(), **extra})

    def post(self, path: str, data=None, **extra):
        return self.client.post(path if path.startswith("/") else f"/fhir/{path}", data,
                                **{**self.headers(), **extra})


@pytest.fixture
def app(db):
    return register()


@pytest.fixture
def user_api(universe, app):
    return Api(get_token(app, universe.nurse, "user/*.rs")["access_token"])


def ids_of(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


DAY = dt.date(2026, 6, 15)
