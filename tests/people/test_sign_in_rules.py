"""What each purpose asks NHS login for, what a `vot` proves, and how long a person's session lasts
(tandem.people.rules, pure), and the sign-in page when NHS login is not set up."""

from __future__ import annotations

import pytest

from tandem.people.rules import (
    Expiry,
    Level,
    Purpose,
    expired,
    level_of,
    may,
    vtr_for,
    vtr_param,
)

P5 = ("P5.Cp.Cd", "P5.Cp.Ck", "P5.Cm")
P9 = ("P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm")


@pytest.mark.parametrize(("purpose", "vectors"), [
    (Purpose.PLAN, P5), (Purpose.APPOINTMENTS, P5), (Purpose.AGENDA, P5), (Purpose.CHECKINS, P5),
    (Purpose.READINGS, P5), (Purpose.RESULTS, P9), (Purpose.RECORD, P9),
])
def test_each_purpose_asks_for_the_level_it_needs(purpose, vectors):
    assert vtr_for(purpose) == vectors


def test_a_carer_always_asks_for_p9():
    assert {vtr_for(p, carer=True) for p in Purpose} == {P9}


def test_the_vtr_parameter_is_written_compact_as_nhs_login_expects():
    assert vtr_param(P5) == '["P5.Cp.Cd","P5.Cp.Ck","P5.Cm"]'


@pytest.mark.parametrize(("vot", "asked", "level"), [
    ("P5.Cp.Cd", P5, Level.P5),
    ("P9.Cm", P9, Level.P9),
    ("P5.Cp.Cd", P9, None),  # less than asked: refused, never taken as P5
    ("P9.Cp.Cd", P5, None),  # not one of the vectors asked for
    ("P9.Cp", P9, None),
    (None, P5, None),
    (["P9.Cp.Cd"], P9, None),
    ("P0.Cp", ("P0.Cp",), None),
])
def test_the_level_is_what_the_vot_proves_and_only_a_vector_asked_for(vot, asked, level):
    assert level_of(vot, asked=asked) == level


@pytest.mark.parametrize(("level", "purpose", "allowed"), [
    (Level.P5, Purpose.PLAN, True), (Level.P5, Purpose.CHECKINS, True), (Level.P5, Purpose.RESULTS, False),
    (Level.P5, Purpose.RECORD, False), (Level.P9, Purpose.RESULTS, True), (Level.P9, Purpose.PLAN, True),
    (None, Purpose.PLAN, False),
])
def test_results_need_p9_and_the_plan_p5(level, purpose, allowed):
    assert may(level, purpose) is allowed


@pytest.mark.parametrize(("since", "seen", "now", "expected"), [
    (0, 0, 30 * 60, None),
    (0, 0, 30 * 60 + 1, Expiry.IDLE),
    (0, 12 * 3600 - 60, 12 * 3600, None),
    (0, 12 * 3600, 12 * 3600 + 1, Expiry.MAX),
])
def test_a_session_ends_after_30_idle_minutes_or_12_hours(since, seen, now, expected):
    assert expired(since=since, seen=seen, now=now, idle_minutes=30, max_hours=12) == expected


@pytest.mark.django_db
def test_without_an_issuer_the_sign_in_page_says_it_is_not_available_and_starts_nothing(client, settings):
    settings.TANDEM_NHS_LOGIN_ISSUER = ""
    response = client.get("/my/sign-in/?for=plan")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Signing in with NHS login is not available here yet" in text
    assert "you can still use it" in text
    assert client.get("/my/sign-in/callback/?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_a_persons_page_without_a_person_goes_to_their_sign_in_page_even_for_staff(nurse_client):
    response = nurse_client.get("/my/")
    assert response.status_code == 302 and response["Location"] == "/my/sign-in/"


@pytest.mark.django_db
def test_an_unknown_refusal_reason_is_not_found(client):
    assert client.get("/my/sign-in/refused/anything/").status_code == 404
