"""A person signs in with NHS login against a real OpenID provider started by the tests (ADR 16,
section 3), and each refused flow of the ADR's table ends on its own clear page with nothing shown.

What a person would notice: they get in to their own page (first name only) at the level they proved;
results need photo ID, and asking for them at P5 keeps the plan open; a tampered, replayed, repeated
or stale sign-in, an understated level, or an NHS number no practice here has, lets nobody in and
leaves no account behind.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tandem.core.models import AuditEvent
from tandem.people import oidc
from tandem.people.models import PersonAccount, PersonLink
from tandem.people.rules import SESSION_KEY

pytestmark = pytest.mark.django_db

IDENTIFIERS = ("Okafor", "9990000018", "999 000 0018", "Hollis", "9990000026", "Carver", "9990000034")


def refused_page(response, client, reason: str):
    """Tandem answers the callback with its page for `reason`; the page names nobody."""
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith(f"/my/sign-in/refused/{reason}/"), response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 403
    text = page.content.decode()
    for identifier in IDENTIFIERS:
        assert identifier not in text
    return text


def nobody_signed_in(client):
    response = client.get("/my/")
    assert response.status_code == 302 and response["Location"] == "/my/sign-in/"


def refusals():
    return list(AuditEvent.objects.filter(what="person.sign_in_refused").values_list("detail", "patient_id"))


def test_a_person_at_p5_signs_in_for_their_plan_and_is_greeted_by_first_name_only(person_browser, client, nhs_login_people):
    response = person_browser.sign_in("p5-person", "plan")

    assert response.status_code == 302
    home = client.get("/my/")
    text = home.content.decode()
    assert home.status_code == 200 and "Hello Margaret" in text
    for identifier in ("Okafor", "9990000018", "999 000 0018"):
        assert identifier not in text
    account = PersonAccount.objects.get()
    assert account.highest_level_seen == "P5"
    link = PersonLink.objects.get(account=account, ended_at__isnull=True)
    assert (link.patient, link.level) == (nhs_login_people.patient, "P5")
    # results need P9: following the home page's link to results sends them to sign in again for results
    assert 'href="/my/results/"' in text
    step_up = client.get("/my/results/")
    assert step_up.status_code == 302 and step_up["Location"] == "/my/sign-in/?for=results"
    assert client.session[SESSION_KEY]["level"] == "P5"
    row = AuditEvent.objects.get(what="person.sign_in")
    assert row.patient_id == nhs_login_people.patient.pk and row.user is None
    assert row.detail == {"account": account.pk, "link": link.pk, "level": "P5", "new_account": True}


def test_a_person_at_p9_signs_in_for_their_results(person_browser, client, nhs_login_people):
    person_browser.sign_in("p9-person", "results")

    assert client.session[SESSION_KEY]["level"] == "P9"
    link = PersonLink.objects.get()
    assert (link.patient, link.practice, link.level) == (nhs_login_people.foreign_patient, nhs_login_people.other_practice, "P9")
    text = client.get("/my/").content.decode()
    assert "Hello Brian" in text and "/my/sign-in/?for=results" not in text


def test_the_account_is_the_sub_and_holds_no_nhs_number(person_browser, nhs_login_people):
    person_browser.sign_in("p5-person", "plan")
    fields = {f.name for f in PersonAccount._meta.get_fields()}
    assert not fields & {"nhs_number", "name", "given_name", "family_name", "email", "birthdate"}
    assert PersonAccount.objects.get().sub == "p5-person"


def test_a_wrong_nonce_signs_nobody_in(person_browser, client):
    def alter(params):
        params["nonce"] = "not-the-one-tandem-made"

    response = person_browser.sign_in("p5-person", "plan", change=alter)

    text = refused_page(response, client, "nonce")
    assert "We could not finish signing you in" in text
    nobody_signed_in(client)
    assert not PersonAccount.objects.exists()
    assert refusals() == [({"reason": "nonce"}, None)]


def test_a_replayed_code_is_refused_by_the_provider(person_browser, client):
    first = person_browser.authorize(person_browser.start("plan"), "p9-person")
    assert client.get(first).status_code == 302  # signed in with the first code
    # a second sign-in in the same browser (for results); the first code delivered with the second's state
    second = person_browser.authorize(person_browser.start("results"), "p9-person")
    code = parse_qs(urlsplit(first).query)["code"][0]
    state = parse_qs(urlsplit(second).query)["state"][0]

    response = client.get("/my/sign-in/callback/?" + urlencode({"code": code, "state": state}))

    refused_page(response, client, "token")
    assert client.session[SESSION_KEY]["level"] == "P5"  # the session from the first code is not raised
    assert PersonLink.objects.count() == 1
    assert refusals() == [({"reason": "token"}, None)]


def test_the_same_callback_twice_is_refused_before_any_token_request(person_browser, client, monkeypatch):
    callback = person_browser.authorize(person_browser.start("plan"), "p5-person")
    assert client.get(callback).status_code == 302
    client.post("/my/sign-out/")

    asked = []
    monkeypatch.setattr(type(oidc._app()), "fetch_access_token", lambda *a, **k: asked.append(1))
    response = client.get(callback)

    refused_page(response, client, "state")
    assert asked == []
    nobody_signed_in(client)


def test_an_expired_id_token_signs_nobody_in(person_browser, client, monkeypatch):
    callback = person_browser.authorize(person_browser.start("plan"), "p5-person")
    later = time.time() + 3600 + oidc.LEEWAY + 60  # the ID token lives 3600 s
    monkeypatch.setattr(oidc, "wall_time", lambda: later)

    response = client.get(callback)

    text = refused_page(response, client, "expired")
    assert "took too long" in text
    assert not PersonAccount.objects.exists()


def test_a_p5_person_asking_for_results_is_told_to_prove_who_they_are_and_keeps_the_plan(person_browser, client):
    person_browser.sign_in("p5-person", "plan")

    response = person_browser.client.get(person_browser.authorize(person_browser.start("results"), "p5-person"))

    assert response["Location"] == "/my/sign-in/refused/access_denied/?for=results"
    page = client.get(response["Location"]).content.decode()
    assert "You need to prove who you are with photo ID to see your results" in page
    assert "You can still see your care and support plan" in page
    home = client.get("/my/")
    assert home.status_code == 200 and "Hello Margaret" in home.content.decode()
    assert client.session[SESSION_KEY]["level"] == "P5"  # not raised
    assert PersonLink.objects.get().level == "P5"


def test_a_p9_person_signed_in_for_the_plan_steps_up_to_results_without_being_asked_again(person_browser, client):
    person_browser.sign_in("p9-person", "plan")
    assert client.session[SESSION_KEY]["level"] == "P5"  # asked for P5, proved P5
    asked = person_browser.asked

    response = client.get(person_browser.authorize(person_browser.start("results"), "p9-person"))

    assert person_browser.asked == asked  # NHS login's single sign-on: no question asked
    assert response.status_code == 302 and "/refused/" not in response["Location"]
    assert client.session[SESSION_KEY]["level"] == "P9"
    assert PersonLink.objects.get().level == "P9"


def test_a_provider_that_understates_the_level_signs_nobody_in(person_browser, client):
    response = person_browser.sign_in("understates", "results")

    text = refused_page(response, client, "level")
    assert "We could not confirm who you are" in text
    nobody_signed_in(client)
    assert not PersonAccount.objects.exists()


@pytest.mark.parametrize("user", ["unregistered", "left", "daughter"])
def test_an_nhs_number_not_registered_here_signs_nobody_in_and_makes_no_account(person_browser, client, user):
    response = person_browser.sign_in(user, "plan")

    text = refused_page(response, client, "not_registered")
    assert "We could not find you at a practice that uses this service" in text
    nobody_signed_in(client)
    assert not PersonAccount.objects.exists()
    assert refusals() == [({"reason": "not_registered"}, None)]


def test_signing_out_ends_the_session(person_browser, client):
    person_browser.sign_in("p5-person", "plan")

    response = client.post("/my/sign-out/")

    assert response["Location"] == "/my/signed-out/"
    assert "You have signed out" in client.get("/my/signed-out/").content.decode()
    nobody_signed_in(client)


def test_signing_out_everywhere_ends_the_persons_other_sessions(person_browser, client, nhs_login):
    from django.test import Client

    from .conftest import Browser

    person_browser.sign_in("p5-person", "plan")
    phone = Client()
    Browser(phone).sign_in("p5-person", "plan")
    assert phone.get("/my/").status_code == 200

    client.post("/my/sign-out/", {"everywhere": "yes"})

    nobody_signed_in(client)
    nobody_signed_in(phone)


def test_a_person_who_leaves_the_practice_loses_access_at_their_next_request(person_browser, client, nhs_login_people):
    from tandem.patients.models import Patient, RegistrationStatus

    person_browser.sign_in("p5-person", "plan")
    Patient.objects.filter(pk=nhs_login_people.patient.pk).update(registration_status=RegistrationStatus.LEFT)

    nobody_signed_in(client)
    link = PersonLink.objects.get()
    assert link.ended_at is not None and link.end_reason == "left_practice"


def test_the_session_ends_after_thirty_minutes_without_a_request(person_browser, client, monkeypatch):
    from tandem.people import session

    person_browser.sign_in("p5-person", "plan")
    later = time.time() + 31 * 60
    monkeypatch.setattr(session, "wall_time", lambda: later)

    nobody_signed_in(client)
    page = client.get("/my/sign-in/").content.decode()
    assert "you had not used the page for a while" in page
