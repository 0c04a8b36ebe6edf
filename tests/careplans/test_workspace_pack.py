"""The pack Arthur was sent, in the workspace: read only when the clinician opens its box (htmx
fetches it), audited as a view of the pack; without JavaScript the box links to the pack as sent.
Scoped to the practice; nothing is fetched for a person who was sent no pack."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.prepare import actions as prepare_actions

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sent(booked):
    summary = prepare_actions.send_packs(practice=booked.practice, by=booked.admin, day=dt.date(2026, 6, 23))
    assert summary.queued >= 1, summary.text()
    return booked


@pytest.fixture
def nurse(client, sent):
    client.force_login(sent.nurse)
    return client


def pack_url(patient) -> str:
    return reverse("careplans:workspace_pack", args=[patient.pk])


def test_the_workspace_holds_the_box_and_a_link_not_the_pack(nurse, sent):
    page = nurse.get(reverse("careplans:workspace", args=[sent.arthur.pk])).content.decode()
    assert "The pack they were sent on" in page
    assert f'hx-get="{pack_url(sent.arthur)}"' in page and 'hx-trigger="toggle once"' in page
    # Without JavaScript: a link to the pack as sent, and none of the pack itself.
    assert f'href="{reverse("prepare:preview", args=[sent.arthur_talk.pk])}"' in page
    assert "Your appointment" not in page
    assert 'role="status"' in page  # where "Loading the pack" and then "shown" are announced


def test_opening_the_box_shows_the_pack_and_audits_it_as_a_view_of_the_pack(nurse, sent):
    before = AuditEvent.objects.filter(what="prepare.pack.preview").count()
    response = nurse.get(pack_url(sent.arthur), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your appointment" in html and "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in html and "The pack they were sent is shown." in html
    assert "HX-Request" in response["Vary"]
    seen = AuditEvent.objects.filter(what="prepare.pack.preview").order_by("-pk")
    assert seen.count() == before + 1
    row = seen.first()
    assert (row.user_id, row.patient_id, row.object_id, row.action) == (
        sent.nurse.pk, sent.arthur.pk, str(sent.arthur_talk.pk), AuditEvent.Action.VIEW)


def test_without_javascript_the_address_opens_the_pack_as_sent(nurse, sent):
    response = nurse.get(pack_url(sent.arthur))
    assert response.status_code == 302
    assert response["Location"] == reverse("prepare:preview", args=[sent.arthur_talk.pk])
    page = nurse.get(response["Location"]).content.decode()
    assert "Your appointment" in page


def test_another_practice_and_administrators_get_nothing(client, sent):
    client.force_login(sent.other_nurse)
    assert client.get(pack_url(sent.arthur), **HTMX).status_code == 404
    client.force_login(sent.admin)
    assert client.get(pack_url(sent.arthur), **HTMX).status_code == 403
    assert not AuditEvent.objects.filter(what="prepare.pack.preview").exists()


def test_when_no_pack_was_sent_it_says_so_and_audits_nothing(client, booked):
    client.force_login(booked.nurse)
    response = client.get(pack_url(booked.arthur), **HTMX)
    assert response.status_code == 200
    assert "No results-and-prompts pack has been sent for this conversation." in response.content.decode()
    without_js = client.get(pack_url(booked.arthur))
    assert without_js["Location"] == reverse("careplans:workspace", args=[booked.arthur.pk]) + "#results"
    assert not AuditEvent.objects.filter(what="prepare.pack.preview").exists()
