"""What the practice changed and when: recorded by the manager, read by everyone there, shown on charts."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core import actions as core_actions
from tandem.core.rules import Role
from tandem.learn.models import PracticeChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(universe):
    return core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None,
                                  password="correct-horse-battery", first_name="Helen", last_name="Brooks")


def _post(client, **values):
    data = {"what": "", "detail": "", "on[day]": "1", "on[month]": "4", "on[year]": "2026"} | values
    return client.post("/learn/changes/", data)


def test_the_manager_records_a_change_and_the_team_reads_it(client, universe, manager):
    client.force_login(manager)
    response = _post(client, what="New invitation letter", detail="Shorter, with the reply link at the top")
    assert response.status_code == 302
    change = PracticeChange.objects.get()
    assert (change.on, change.what, change.created_by_id) == (dt.date(2026, 4, 1), "New invitation letter", manager.pk)
    client.force_login(universe.nurse)
    page = client.get("/learn/changes/").content.decode()
    assert "New invitation letter" in page and "Record a change" not in page
    assert _post(client, what="Sneaky").status_code == 403


def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, manager):
    client.force_login(manager)
    for values, message in (({"what": ""}, "Say in a few words what changed"),
                            ({"what": "x" * 81}, "Keep the label to 80 characters"),
                            ({"what": "Birth-month recall", "on[day]": "31", "on[month]": "2"}, "Enter the date"),
                            ({"what": "Birth-month recall", "on[year]": "2099"}, "within the next year"),
                            ({"what": "Birth-month recall", "detail": "y" * 1001}, "under 1,000 characters")):
        response = _post(client, **values)
        assert response.status_code == 400 and message in response.content.decode(), values
    assert not PracticeChange.objects.exists()


def test_a_stale_edit_is_refused_and_another_practices_note_is_not_found(client, universe, manager):
    client.force_login(manager)
    _post(client, what="New cohort: housebound")
    change = PracticeChange.objects.get()
    form = {"what": "New cohort: housebound people", "detail": "", "on[day]": "1", "on[month]": "4",
            "on[year]": "2026", "revision": "1"}
    assert client.post(f"/learn/changes/{change.pk}/", form).status_code == 302
    assert client.post(f"/learn/changes/{change.pk}/", form | {"what": "Mine"}).status_code == 302  # stale
    change.refresh_from_db()
    assert (change.what, change.revision) == ("New cohort: housebound people", 2)
    other = core_actions.add_staff(practice=universe.other_practice, username="othermanager", role=Role.MANAGER,
                                   by=None)
    client.force_login(other)
    assert client.get(f"/learn/changes/{change.pk}/").status_code == 404
    assert "New cohort" not in client.get("/learn/changes/").content.decode()


def test_an_administrator_is_offered_only_the_learn_pages_they_may_open(client, universe):
    client.force_login(universe.admin)
    home = client.get("/").content.decode()
    assert 'href="/learn/over-time/"' in home and 'href="/learn/"' not in home
    page = client.get("/learn/over-time/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "/learn/outcomes/" not in body and "/surveys/people/" not in body
    assert client.get("/learn/").status_code == 403
    client.force_login(universe.nurse)
    assert 'href="/learn/"' in client.get("/").content.decode()
