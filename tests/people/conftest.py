"""A real OpenID provider for the person's sign-in tests (ADR 16, section 3).

`oidc_provider` starts tandem/demo/nhs_login/provider.mjs (npm oidc-provider, pinned in
package.json) with Node.js once per test process (so once per pytest-xdist worker), on a free port,
with a client key pair made here, and stops it by its own handle at the end. `nhs_login` points
Tandem's settings at it for one test; `sign_in` walks a browser's part of the flow with `requests`
(the provider's pages and cookies) and hands the callback to Django's test client.

Outside CI the tests skip (saying why) when node or the package is missing; in CI (CI set) they fail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "tandem" / "demo" / "nhs_login" / "provider.mjs"
USERS = ROOT / "tests" / "people" / "oidc_provider" / "users.json"
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
CLIENT_ID = "tandem-test"
CALLBACK = "http://testserver/my/sign-in/callback/"
START_SECONDS = 20


def _missing() -> str:
    if shutil.which("node") is None:
        return "the sign-in tests need Node.js (node) to run the local OpenID provider"
    if not PACKAGE.exists():
        return "the sign-in tests need the npm package oidc-provider (run npm ci)"
    return ""


def _provider(tmp_path_factory, redirect_uris: list[str]):
    """Starts the provider for a client with these redirect URIs; yields its Provider; stops it."""
    if reason := _missing():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the sign-in tests, but {reason}", pytrace=False)
        pytest.skip(reason)
    from joserfc.jwk import RSAKey

    folder = tmp_path_factory.mktemp("oidc_provider")
    key = RSAKey.generate_key(2048, parameters={"alg": "RS512", "use": "sig", "kid": "tandem-test-1"})
    key_file = folder / "client_private.pem"
    key_file.write_bytes(key.as_pem(private=True))
    client_file = folder / "client.json"
    client_file.write_text(json.dumps({"client_id": CLIENT_ID, "redirect_uris": redirect_uris,
                                       "jwks": {"keys": [key.as_dict(private=False)]}}))
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(
        [shutil.which("node"), str(PROVIDER)], cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, "PORT": "0", "CLIENT_FILE": str(client_file), "USERS_FILE": str(USERS)})
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_SECONDS)
    try:
        if not first or not first[0].strip():
            log.flush()
            raise RuntimeError(f"the OpenID provider did not start: {(folder / 'provider.log').read_text()[-2000:]}")
        port = json.loads(first[0])["port"]
        yield Provider(issuer=f"http://127.0.0.1:{port}", key_file=str(key_file))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        log.close()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The provider's issuer URL and the client's private key file, for this test process."""
    yield from _provider(tmp_path_factory, [CALLBACK])


@pytest.fixture(scope="session")
def live_oidc_provider(live_server, tmp_path_factory):
    """A provider whose client may also come back to the live test server (browser tests)."""
    yield from _provider(tmp_path_factory, [CALLBACK, f"{live_server.url}/my/sign-in/callback/"])


@dataclass(frozen=True)
class Provider:
    issuer: str
    key_file: str


def _point_at(provider, settings):
    settings.TANDEM_NHS_LOGIN_ISSUER = provider.issuer
    settings.TANDEM_NHS_LOGIN_CLIENT_ID = CLIENT_ID
    settings.TANDEM_NHS_LOGIN_KEY = provider.key_file
    settings.TANDEM_NHS_LOGIN_PKCE = True
    return provider


@pytest.fixture
def live_nhs_login(live_oidc_provider, settings):
    return _point_at(live_oidc_provider, settings)


@pytest.fixture
def nhs_login(oidc_provider, settings):
    return _point_at(oidc_provider, settings)


@pytest.fixture
def nhs_login_people(universe):
    """The provider's users who are patients (tests/people/oidc_provider/users.json): Margaret (P5 in
    NHS login) at Riverside, Brian (P9) at Hillview, a P5 person whose provider understates, and one who
    has left Riverside. The daughter and the 999-range unregistered user are nobody's patient."""
    from tandem.patients import actions as patient_actions
    from tandem.patients.models import RegistrationStatus

    universe.understates = patient_actions.register_patient(
        practice=universe.practice, by=None, nhs_number="9990000034", given_name="Colin", family_name="Carver",
        date_of_birth=dt.date(1950, 1, 1), sex="male")
    universe.left = patient_actions.register_patient(
        practice=universe.practice, by=None, nhs_number="9990000069", given_name="Gwen", family_name="Gone",
        date_of_birth=dt.date(1955, 9, 9), sex="female", registration_status=RegistrationStatus.LEFT)
    return universe


class Browser:
    """The person's browser on the provider's side (its cookies: NHS login's single sign-on)."""

    def __init__(self, client):
        import requests

        self.client = client
        self.web = requests.Session()
        self.asked = 0  # how many times the provider asked who the person is

    def start(self, purpose: str):
        """Tandem's sign-in link: returns the authorization URL Tandem redirects to."""
        response = self.client.get(f"/my/sign-in/?for={purpose}")
        assert response.status_code == 302, response.status_code
        return response["Location"]

    def authorize(self, url: str, user: str) -> str:
        """Follows the provider until it sends the browser back to Tandem; returns that callback URL
        (path and query, for Django's test client)."""
        response = self.web.get(url, allow_redirects=False, timeout=10)
        for _ in range(10):
            if response.status_code == 200 and "<form" in response.text:
                self.asked += 1
                response = self.web.post(response.url, data={"user": user}, allow_redirects=False, timeout=10)
                continue
            assert response.status_code in (302, 303), (response.status_code, response.text[:500])
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith("http://testserver/"):
                parts = urlsplit(location)
                return urlunsplit(("", "", parts.path, parts.query, ""))
            response = self.web.get(location, allow_redirects=False, timeout=10)
        raise AssertionError("the provider never sent the browser back to Tandem")

    def sign_in(self, user: str, purpose: str = "plan", *, change=None):
        """The whole flow; `change` may alter the authorization URL's parameters on the way."""
        url = self.start(purpose)
        if change is not None:
            url = with_params(url, change)
        return self.client.get(self.authorize(url, user))


def with_params(url: str, change) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    change(params)
    return urlunsplit(parts._replace(query=urlencode(params)))


@pytest.fixture
def person_browser(client, nhs_login, nhs_login_people):
    return Browser(client)
