"""Sessions: signed out after TANDEM_IDLE_MINUTES without a request (with a page that says so), and
"sign out everywhere" ending every session of the account."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core import idle
from tandem.core.models import AuditEvent

from .auth_helpers import sign_in


class WallClock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def minutes_pass(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def wall(monkeypatch):
    clock = WallClock()
    monkeypatch.setattr(idle, "wall_time", clock)
    return clock


def test_staff_are_signed_out_after_30_idle_minutes_and_told_why(client, universe, wall):
    sign_in(client, "nurse")
    wanted = reverse("patients:summary", args=[universe.patient.pk])
    assert client.get(wanted).status_code == 200
    wall.minutes_pass(31)
    response = client.get(wanted)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:signed_out") + "?reason=idle")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "You were signed out because you had not used Tandem for 30 minutes" in html
    assert "next=%2Fpatients%2F" in html  # signing in again goes back to that page
    assert client.get(reverse("home")).status_code == 302  # signed out


def test_using_tandem_keeps_the_session(client, universe, wall):
    sign_in(client, "nurse")
    for _ in range(4):
        wall.minutes_pass(20)
        assert client.get(reverse("home")).status_code == 200


def test_a_session_in_constant_use_still_ends_a_working_day_after_signing_in(client, universe, wall, settings):
    sign_in(client, "nurse")
    wanted = reverse("patients:summary", args=[universe.patient.pk])
    for _ in range(8 * 3 - 1):  # every 20 minutes for nearly 8 hours
        wall.minutes_pass(20)
        assert client.get(wanted).status_code == 200
    wall.minutes_pass(21)  # 8 hours and a minute after signing in
    response = client.get(wanted)
    assert response["Location"].startswith(reverse("core:signed_out") + "?reason=expired")
    html = client.get(response["Location"]).content.decode()
    assert "You were signed out because you signed in more than 8 hours ago" in html
    assert "next=%2Fpatients%2F" in html
    assert client.get(reverse("home")).status_code == 302  # signed out
    sign_in(client, "nurse")  # signing in again starts a new working day
    wall.minutes_pass(20)
    assert client.get(wanted).status_code == 200


def test_the_idle_time_is_a_setting(client, universe, wall, settings):
    settings.TANDEM_IDLE_MINUTES = 10
    sign_in(client, "nurse")
    wall.minutes_pass(11)
    assert client.get(reverse("home"))["Location"].startswith(reverse("core:signed_out"))


def test_an_htmx_request_after_idle_time_sends_the_whole_page_to_the_signed_out_page(client, universe, wall):
    sign_in(client, "nurse")
    wall.minutes_pass(31)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse("core:signed_out") + "?reason=idle")


def test_sign_out_everywhere_ends_every_session_of_the_account(client, universe):
    other_computer = Client()
    sign_in(other_computer, "nurse", address="10.2.2.2")
    colleague = Client()
    sign_in(colleague, "admin", address="10.2.2.2")
    sign_in(client, "nurse")
    assert other_computer.get(reverse("home")).status_code == 200
    response = client.post(reverse("core:sign_out_everywhere"))
    assert response["Location"] == reverse("core:signed_out") + "?reason=everywhere"
    assert "signed out of Tandem on every computer and device" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert other_computer.get(reverse("home")).status_code == 302
    assert colleague.get(reverse("home")).status_code == 200  # other people carry on
    assert AuditEvent.objects.filter(what="account.sessions", user=universe.nurse).exists()
    # signing in again works
    assert sign_in(client, "nurse").status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_sign_out_everywhere_needs_a_post(client, universe):
    client.force_login(universe.nurse)
    assert client.get(reverse("core:sign_out_everywhere")).status_code == 405


def test_the_account_page_offers_password_two_factor_and_signing_out(client, universe):
    client.force_login(universe.nurse)
    html = client.get(reverse("core:account")).content.decode()
    for link in ("core:password_change", "core:two_factor_set_up", "core:sign_out_everywhere"):
        assert reverse(link) in html
    assert reverse("core:account") in client.get(reverse("home")).content.decode()  # from the header
