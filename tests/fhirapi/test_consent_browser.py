"""A nurse allows another provider's application to read one person's records: the consent page in a
real browser (axe on every state of it), then the application exchanges the code for a token bound to
that person. The application's redirect address is on the test server itself, so the browser never
leaves it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from playwright.sync_api import expect

from tandem.fhirapi.auth import id_codec
from tests.browser.conftest import (  # noqa: F401 - fixtures
    browser,
    check_accessibility,
    clinic,
    page,
    screenshot,
    sign_in,
    visit,
)

from .conftest import authorize_url, pkce, register

pytestmark = pytest.mark.browser


def test_a_nurse_allows_an_application_to_read_one_persons_records(page, clinic, live_server):  # noqa: F811
    redirect = f"{live_server.url}/healthz/live"
    app = register("Leeds Community Nursing", public=True, redirect=redirect)
    verifier, challenge = pkce()
    sign_in(page, "nurse")

    visit(page, authorize_url(app, "launch/patient patient/*.rs", challenge, redirect=redirect))
    expect(page.get_by_role("heading", level=1)).to_have_text("Allow Leeds Community Nursing to read records?")
    expect(page.get_by_text("Read and search all their records Tandem shares for the one person you choose"))\
        .to_be_visible()
    expect(page.get_by_role("button", name="Allow access")).to_have_count(0)  # not before a person is chosen

    page.get_by_label("NHS number").fill("123")
    page.get_by_role("button", name="Find the person").click()
    page.wait_for_load_state()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error:")
    check_accessibility(page)

    page.get_by_label("NHS number").fill(clinic.patient.nhs_number)
    page.get_by_role("button", name="Find the person").click()
    page.wait_for_load_state()
    expect(page.get_by_text(clinic.patient.full_name)).to_be_visible()
    check_accessibility(page)
    screenshot(page, "fhir-consent")

    page.get_by_role("button", name="Allow access").click()
    page.wait_for_url(f"{redirect}?*")
    query = parse_qs(urlparse(page.url).query)
    assert query["state"] == ["xyz"]
    token = requests.post(f"{live_server.url}/fhir/auth/token", timeout=30, data={
        "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": redirect,
        "client_id": app.client_id, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    assert token.json()["patient"] == id_codec().encode("Patient", clinic.patient.pk)
    patients = requests.get(f"{live_server.url}/fhir/Patient", timeout=30,
                            headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert [e["resource"]["id"] for e in patients["entry"]] == [id_codec().encode("Patient", clinic.patient.pk)]
