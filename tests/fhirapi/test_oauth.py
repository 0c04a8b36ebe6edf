"""Getting a token: registering an application, the consent page's refusals, PKCE, who may allow access,
and the rate limits on the token endpoint and on requests without a good token."""

from __future__ import annotations

from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tandem.core.models import AuditEvent

from .conftest import REDIRECT, Api, authorize_url, code_from, get_token, pkce


def test_registering_a_confidential_client_prints_its_secret_once_and_keeps_only_a_hash(db):
    from oauth2_provider.models import Application

    out = StringIO()
    call_command("fhir_client", "Leeds Teaching Hospitals", "--redirect-uri", "https://lth.example.org/cb", stdout=out)
    printed = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
    app = Application.objects.get(client_id=printed["client_id"])
    assert app.client_type == "confidential" and app.authorization_grant_type == "authorization-code"
    assert printed["client_secret"] not in app.client_secret  # hashed
    with pytest.raises(CommandError, match="absolute http"):
        call_command("fhir_client", "Bad", "--redirect-uri", "javascript:alert(1)", stdout=StringIO())
    with pytest.raises(CommandError, match="1 to 120"):
        call_command("fhir_client", "x" * 121, "--redirect-uri", "https://x.example/cb", stdout=StringIO())


def _signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_refusing_sends_the_application_access_denied_and_records_nothing_allowed(universe, app):
    browser = _signed_in(universe.nurse)
    url = authorize_url(app, "user/*.rs", pkce()[1], state="s1")
    response = browser.post(url, {"decision": "deny"})
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    assert response["Location"].startswith(REDIRECT) and query["error"] == ["access_denied"] and query["state"] == ["s1"]
    assert not AuditEvent.objects.filter(what="fhirapi.authorisation").exists()


def test_allowing_is_audited_with_the_scopes_and_the_person(universe, app):
    get_token(app, universe.nurse, "patient/Observation.rs launch/patient", patient=universe.patient)
    row = AuditEvent.objects.get(what="fhirapi.authorisation")
    assert (row.user_id, row.patient_id) == (universe.nurse.pk, universe.patient.pk)
    assert row.detail["scopes"] == ["launch/patient", "patient/Observation.rs"]
    search = AuditEvent.objects.get(what="fhirapi.consent_search")
    assert search.detail == {"count": 1}


def test_a_request_that_was_changed_or_is_not_pkce_is_refused_on_the_page(universe, app):
    browser = _signed_in(universe.nurse)
    challenge = pkce()[1]
    wrong_redirect = authorize_url(app, "user/*.rs", challenge, redirect="https://evil.example.org/cb")
    page = browser.get(wrong_redirect)
    assert page.status_code == 400 and "cannot be used" in page.content.decode()  # never sent to the wrong address
    no_pkce = authorize_url(app, "user/*.rs", challenge).replace("&code_challenge=", "&x=")
    answer = browser.get(no_pkce)
    assert answer.status_code == 302 and "error=invalid_request" in answer["Location"]
    unknown_scope = browser.get(authorize_url(app, "user/Encounter.rs", challenge))
    assert unknown_scope.status_code == 302 and "error=invalid_scope" in unknown_scope["Location"]


def test_a_patient_scope_needs_a_person_the_user_may_see(universe, app):
    browser = _signed_in(universe.nurse)
    url = authorize_url(app, "patient/*.rs", pkce()[1])
    assert "Find the person" in browser.get(url).content.decode()
    # allowing without a person, or with another practice's person, is refused on the page
    assert browser.post(url, {"decision": "allow"}).status_code == 400
    assert browser.post(url, {"decision": "allow", "patient": universe.foreign_patient.pk}).status_code == 400
    found = browser.post(url, {"decision": "find", "nhs_number": universe.foreign_patient.nhs_number})
    assert found.status_code == 400 and "No one with that NHS number" in found.content.decode()
    bad = browser.post(url, {"decision": "find", "nhs_number": "\u00b2" * 30})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()


def test_only_staff_who_may_read_clinical_records_can_allow_access(universe, app):
    url = authorize_url(app, "user/*.rs", pkce()[1])
    assert _signed_in(universe.admin).get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/sign-in/")


def test_the_code_needs_the_verifier_it_was_made_for_and_works_once(universe, app):
    browser = _signed_in(universe.nurse)
    verifier, challenge = pkce()
    url = authorize_url(app, "user/*.rs", challenge)
    allowed = browser.post(url, {"decision": "allow"})
    code = code_from(allowed)
    # RFC 9207: the authorisation server names itself in its answer, as its SMART configuration does
    issuer = Client().get("/fhir/.well-known/smart-configuration").json()["issuer"]
    assert parse_qs(urlparse(allowed["Location"]).query)["iss"] == [issuer] == ["http://testserver"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": app.client_id}
    assert Client().post("/fhir/auth/token", {**data, "code_verifier": pkce()[0]}).status_code == 400
    assert Client().post("/fhir/auth/token", {**data, "code_verifier": verifier}).status_code == 200
    assert Client().post("/fhir/auth/token", {**data, "code_verifier": verifier}).status_code == 400


def test_requests_without_a_good_token_are_rate_limited_but_a_good_token_is_not(universe, app, settings):
    settings.TANDEM_PUBLIC_RATE_PER_ADDRESS = "3/d"
    token = get_token(app, universe.nurse, "user/*.rs")["access_token"]
    statuses = [Api("guess-" + str(n)).get("Patient", REMOTE_ADDR="10.9.9.9").status_code for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert Api(token).get("Patient", REMOTE_ADDR="10.9.9.9").status_code == 200
    assert [Api(token).get("Patient", REMOTE_ADDR="10.9.9.9").status_code for _ in range(5)] == [200] * 5


def test_the_token_endpoint_is_rate_limited(universe, app, settings):
    settings.TANDEM_PUBLIC_RATE_PER_ADDRESS = "3/d"
    statuses = [Client().post("/fhir/auth/token", {"grant_type": "authorization_code", "code": "guess"},
                              REMOTE_ADDR="10.8.8.1").status_code for _ in range(5)]
    assert statuses[-1] == 429 and statuses[0] in (400, 401)
