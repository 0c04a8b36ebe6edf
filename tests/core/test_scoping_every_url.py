"""Every URL that takes a patient must 404 for another practice's patient.

The URL list is discovered from the URLconf, so a new patient URL is covered the
moment it is added: if its parameter is not named `pk` or `patient_id`, this test
fails and asks for it to be listed.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PATIENT_KWARGS = {"pk", "patient_id", "patient_pk"}
# Namespaced URL names whose integer parameter is not a patient (say what it is instead).
NOT_PATIENT_URLS: dict[str, str] = {
    "jobs:detail": "a background job id",
    "jobs:progress": "a background job id",
    "jobs:status": "a background job id",
    "jobs:retry": "a background job id",
    "messaging:message": "an outbox message id",
    "messaging:letter": "an outbox message id",
    "messaging:resolve": "an outbox message id",
    "messaging:demo_email": "an email in the demo mailbox",
    "registers:cohort_edit": "a cohort id",
    "registers:cohort_delete": "a cohort id",
}


def _walk(patterns, prefix_ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix_ns}{p.namespace}:" if p.namespace else prefix_ns
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix_ns}{p.name}", p


def patient_urls() -> list[tuple[str, str]]:
    found = []
    for name, pattern in _walk(get_resolver().url_patterns):
        converters = getattr(pattern.pattern, "converters", {})
        params = set(converters)
        if not params or name in NOT_PATIENT_URLS:
            continue
        patient_params = params & PATIENT_KWARGS
        assert patient_params, (
            f"URL {name} takes {sorted(params)}; name the patient parameter pk/patient_id, "
            "or list it in NOT_PATIENT_URLS with what it is"
        )
        found.append((name, patient_params.pop()))
    return found


URLS = patient_urls()


def test_there_are_patient_urls_to_check():
    assert URLS, "no patient URLs discovered - the discovery is broken"


@pytest.mark.parametrize(("name", "param"), URLS)
def test_other_practices_patient_is_not_found(client, universe, name, param):
    client.force_login(universe.nurse)
    own = client.get(reverse(name, kwargs={param: universe.patient.pk}))
    assert own.status_code in (200, 302, 405), f"{name} should work for our own patient"
    response = client.get(reverse(name, kwargs={param: universe.foreign_patient.pk}))
    assert response.status_code == 404, f"{name} leaked another practice's patient"
    if own.status_code == 405:  # POST-only endpoints
        response = client.post(reverse(name, kwargs={param: universe.foreign_patient.pk}))
        assert response.status_code == 404


@pytest.mark.parametrize(("name", "param"), URLS)
def test_manager_of_other_practice_cannot_see_patient(client, universe, name, param):
    from tandem.core import actions
    from tandem.core.rules import Role

    manager = actions.add_staff(practice=universe.other_practice, username="othermanager", role=Role.MANAGER, by=None)
    client.force_login(manager)
    response = client.get(reverse(name, kwargs={param: universe.patient.pk}))
    assert response.status_code == 404
