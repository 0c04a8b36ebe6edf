"""Property-based fuzzing of the API from its own published OpenAPI description (schemathesis): for every
operation, generated queries, ids and values (valid and not) never give a server error, and every answer
is one the description allows (its status, its content type, a Bundle or an OperationOutcome of the
documented shape). Bounded: a few dozen examples per operation, no shrinking deadline, in process."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tandem.fhirapi import capability

from .conftest import get_token, register

BASE = "http://testserver/fhir"
SPEC = capability.openapi(capability.Endpoints(base=BASE, authorize=f"{BASE}/auth/authorize",
                                               token=f"{BASE}/auth/token", revoke=f"{BASE}/auth/revoke"))
schema = schemathesis.openapi.from_dict(SPEC)


schema.app = WSGIHandler()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def token(universe, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.TANDEM_PUBLIC_RATE_PER_ADDRESS = "100000/m"
    from tandem.patients import actions as patient_actions

    patient_actions.record_condition(patient=universe.patient, by=universe.nurse, code="44054006",
                                     term="Type 2 diabetes mellitus", onset_date=__import__("datetime").date(2015, 1, 1))
    token = get_token(register(), universe.nurse, "user/*.rs user/Task.cu")["access_token"]
    # As Django's test client does: a request's start and end must not close the test's database connection
    # (on PostgreSQL it holds the test's transaction).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield token
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_gives_a_server_error_or_an_undocumented_answer(case, token):
    response = case.call(headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"})
    case.validate_response(response, checks=CHECKS)
