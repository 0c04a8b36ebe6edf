"""Error pages are NHS.UK pages in plain words: never Django's debug page, a URL list, a setting or a traceback."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils.functional import SimpleLazyObject

TECHNICAL = ("URLconf", "urlpatterns", "Traceback", "SECRET_KEY", "secret internal detail", "RuntimeError",
             "CSRF", "DisallowedHost", "ALLOWED_HOSTS", "Bad Request (400)")


def assert_nhs_page(response, *, status: int, heading: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert "nhsuk-header" in html and "nhsuk-footer" in html  # the NHS.UK layout, not a bare Django page
    assert f"<h1>{heading}</h1>" in html
    assert f"<title>{heading} – Tandem</title>" in html
    for detail in TECHNICAL:
        assert detail not in html, detail
    return html


def test_a_mistyped_address_is_the_nhs_page_not_found_with_the_staff_navigation(nurse_client):
    html = assert_nhs_page(nurse_client.get("/patients/no-such-page/"), status=404, heading="Page not found")
    assert "check it is correct" in html
    assert "Find a patient" in html  # the nurse can carry on from here


@pytest.mark.urls("tests.core.crash_urls")
def test_an_unexpected_failure_is_the_nhs_service_problem_page_saying_nothing_was_saved(universe):
    client = Client(raise_request_exception=False)
    client.force_login(universe.nurse)
    response = client.get("/test-only/fails/")
    html = assert_nhs_page(response, status=500, heading="Sorry, there is a problem with the service")
    assert "Nothing you entered has been saved" in html


def test_the_service_problem_page_shows_even_when_the_database_is_what_failed(rf):
    from tandem.core.views import server_error

    def database_down():
        raise OperationalError("could not connect to server")

    request = rf.get("/patients/")
    request.user = SimpleLazyObject(database_down)
    request.session = SimpleLazyObject(database_down)
    response = server_error(request)
    html = assert_nhs_page(response, status=500, heading="Sorry, there is a problem with the service")
    assert "could not connect" not in html


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_is_the_nhs_bad_request_page(client):
    response = client.get("/sign-in/", HTTP_HOST="tandem.attacker.example")
    assert_nhs_page(response, status=400, heading="Sorry, Tandem could not understand that request")


@pytest.mark.django_db
def test_a_form_sent_without_its_security_token_is_refused_with_an_nhs_page_saying_what_to_do(universe):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/sign-in/", {"username": "nurse", "password": "correct-horse-battery"})
    html = assert_nhs_page(response, status=403, heading="Sorry, the form could not be sent")
    assert "Nothing you entered has been saved" in html
    assert "_auth_user_id" not in client.session  # and the nurse was not signed in


def test_an_action_the_role_does_not_allow_is_the_nhs_forbidden_page(client, universe):
    client.force_login(universe.admin)  # administrators cannot open the clinical summary
    response = client.get(f"/patients/{universe.patient.pk}/")
    assert_nhs_page(response, status=403, heading="You cannot do this")
