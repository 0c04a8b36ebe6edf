"""The API through a FHIR client library other systems use (fhirpy's synchronous client), against the
live test server, with a token got through the authorization code flow with PKCE over HTTP: the
consent page (as the member of staff's browser would), then the token endpoint (as the application's
server would, with the confidential client's secret)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import MultipleResourcesFound, OperationOutcome, ResourceNotFound

from tandem.fhirapi.auth import id_codec
from tandem.patients import actions as patient_actions

from .conftest import REDIRECT, authorize_url, pkce, register


def _token_over_http(live_server, universe, app, scope: str, *, username: str = "nurse") -> dict:
    session = requests.Session()
    # sign in as the nurse (or `username`), as a browser would
    login = session.get(f"{live_server.url}/sign-in/", timeout=30)
    assert login.status_code == 200
    answer = session.post(f"{live_server.url}/sign-in/", timeout=30, allow_redirects=False, data={
        "username": username, "password": "correct-horse-battery", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{live_server.url}/sign-in/"})
    assert answer.status_code == 302, answer.text[:500]
    verifier, challenge = pkce()
    url = f"{live_server.url}{authorize_url(app, scope, challenge)}"
    page = session.get(url, timeout=30)
    assert page.status_code == 200 and "Allow Community Nursing System to read records?" in page.text
    allowed = session.post(url, timeout=30, allow_redirects=False, headers={"Referer": url},
                           data={"decision": "allow", "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert allowed.status_code == 302 and allowed.headers["Location"].startswith(REDIRECT)
    code = parse_qs(urlparse(allowed.headers["Location"]).query)["code"][0]
    # the application's server exchanges the code, with its secret (HTTP Basic) and the PKCE verifier
    token = requests.post(f"{live_server.url}/fhir/auth/token", timeout=30, auth=(app.client_id, app.plain_secret),
                          data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                "code_verifier": verifier})
    assert token.status_code == 200, token.text
    return token.json()


@pytest.mark.django_db(transaction=True)
def test_a_fhir_client_reads_searches_and_pages_with_a_real_token(live_server, universe):
    app = register("Community Nursing System", public=False)
    patient = universe.patient
    for n in range(7):
        patient_actions.record_observation(patient=patient, by=universe.nurse, concept="hba1c", value=50 + n,
                                           effective_date=dt.date(2026, 1, 1) + dt.timedelta(days=n), code="4548-4",
                                           code_system="loinc")
    patient_actions.record_condition(patient=universe.foreign_patient, by=None, code="44054006",
                                     term="Type 2 diabetes mellitus", onset_date=dt.date(2018, 1, 1))
    token = _token_over_http(live_server, universe, app, "user/*.rs")
    client = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token['access_token']}",
                            extra_headers={"Accept": "application/fhir+json"})
    margaret = id_codec().encode("Patient", patient.pk)

    found = client.resources("Patient").search(identifier="https://fhir.nhs.uk/Id/nhs-number|9990000018").fetch()
    assert [p["id"] for p in found] == [margaret]
    assert client.reference("Patient", margaret).to_resource()["birthDate"] == "1948-03-02"

    # paging: fetch_all follows the next links, three at a time
    readings = client.resources("Observation").search(patient=margaret, code="http://loinc.org|4548-4") \
        .limit(3).fetch_all()
    assert sorted(r["valueQuantity"]["value"] for r in readings) == [50, 51, 52, 53, 54, 55, 56]
    assert client.resources("Observation").search(patient=margaret, date="ge2026-01-05").limit(0) \
        .fetch_raw()["total"] == 3
    assert client.resources("Condition").fetch() == []  # Hillview's diabetes is not Riverside's nurse's to see

    with pytest.raises(ResourceNotFound):
        client.reference("Patient", id_codec().encode("Patient", universe.foreign_patient.pk)).to_resource()
    with pytest.raises(OperationOutcome) as refused:
        client.resources("Observation").search(date="last-tuesday").fetch()
    assert "must be a date" in str(refused.value)


@pytest.mark.django_db(transaction=True)
def test_a_community_teams_system_answers_a_referral_and_adds_to_a_plan_through_the_client(live_server, world):
    """The matron's system, with fhirpy: finds the referral to her team, accepts it with If-Match (a stale one is
    refused with 412), and proposes an addition to Dorothy's plan (POST Task), which waits for review."""
    from tandem.careplans.models import Task
    from tandem.careteam import actions as careteam
    from tandem.careteam.models import Contribution
    from tandem.core import clock
    from tests.careteam.referral_helpers import refer

    u = world
    careteam.add_member(patient=u.dorothy, by=u.nurse, provider=u.nursing, professional=u.matron.provider_roles.get(),
                        role="Leg ulcer care", scopes=("contribute",), agreed_how="in_person", agreed_on=clock.today())
    referral = refer(u, to=u.nursing)
    app = register("Community Nursing System", public=False)
    token = _token_over_http(live_server, u, app, "user/*.rs user/Task.cu", username="jmarsh")["access_token"]
    base = f"{live_server.url}/fhir"

    def client(**headers):
        return SyncFHIRClient(base, authorization=f"Bearer {token}",
                              extra_headers={"Accept": "application/fhir+json", **headers})

    task = client().resources("Task").search(status="requested").first()
    assert task["owner"]["display"] == "Riverside Community Nursing" and task["meta"]["versionId"] == "1"
    read_as = client(**{"If-Match": 'W/"1"'})  # the version she read, as its ETag said
    accepted = read_as.resource("Task", **{**task.serialize(), "status": "accepted"})
    accepted.save()
    assert accepted["status"] == "accepted" and accepted["meta"]["versionId"] == "2"
    stale = read_as.resource("Task", **{**task.serialize(), "status": "in-progress"})
    # the version she read is no longer the task's: 412, which fhirpy raises as MultipleResourcesFound (its
    # name for a 412 from a conditional update); nothing changes
    with pytest.raises(MultipleResourcesFound, match="has changed since you read it"):
        stale.save()
    referral.refresh_from_db()
    assert (referral.status, referral.revision, referral.updated_by) == ("accepted", 2, u.matron)

    kind = "https://tandem.example.nhs.uk/fhir/CodeSystem/care-team-contribution-kind"
    field = "https://tandem.example.nhs.uk/fhir/CodeSystem/care-team-contribution-field"
    dorothy = id_codec().encode("Patient", u.dorothy.pk)
    proposal = client().resource(
        "Task", status="requested", intent="proposal",
        code={"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "change"}]},
        **{"for": {"reference": f"Patient/{dorothy}"}},
        input=[{"type": {"coding": [{"system": field, "code": "kind"}]}, "valueCoding": {"system": kind, "code": "agreed"}},
               {"type": {"coding": [{"system": field, "code": "text"}]}, "valueString": "Dressings on Tuesdays."}])
    proposal.save()
    assert proposal["intent"] == "proposal" and proposal["status"] == "requested" and proposal.id
    waiting = Contribution.objects.get()
    assert (waiting.status, waiting.content, waiting.author) == ("waiting", {"text": "Dressings on Tuesdays."}, u.matron)
    assert Task.objects.filter(referral_id=f"ct{waiting.pk}", to_user=u.gp).exists()  # Dorothy's named clinician
