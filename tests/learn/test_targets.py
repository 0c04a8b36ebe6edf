"""A practice's targets for its monthly measures: set by the manager, drawn on the chart with Making Data Count's
assurance icon; refused with a reason when wrong or when someone else set it meanwhile; never set by others."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.learn.models import MeasureTarget
from tests.learn.test_learn_walk_browser import _plans

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def practice(universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    u = universe
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None,
                                       first_name="Helen", last_name="Brooks")
    months = [(D(2025, m, 6), 3 + m % 3, 2) for m in range(1, 13)] + [(D(2026, m, 6), 3 + m % 3, 2) for m in (1, 2, 3)]
    _plans(u.practice, u.nurse, first=1, months=months)
    return u


def _post(client, **data):
    return client.post("/learn/over-time/", {"measure": "conversations", "seen": "0", **data})


def test_the_manager_sets_a_target_and_the_chart_says_whether_it_will_be_met(client, practice):
    u = practice
    client.force_login(u.manager)
    page = client.get("/learn/over-time/").content.decode()
    assert "No target set." in page and "Variation: common cause" in page and "Assurance:" not in page
    response = _post(client, target="40")
    assert response.status_code == 302
    page = client.get("/learn/over-time/").content.decode()
    assert "Target: 40 a month: the target will consistently be missed." in page  # about 4 a month
    assert 'aria-label="Assurance: the target will consistently be missed"' in page
    assert "Set by Helen Brooks" in page
    seen = MeasureTarget.objects.get().pk
    assert _post(client, target="4", seen=str(seen)).status_code == 302  # about what it does: hit and miss
    assert ('aria-label="Assurance: the target will sometimes be met and sometimes missed"'
            in client.get("/learn/over-time/").content.decode())
    # taken away: a new row, the history kept
    assert _post(client, target="", seen=str(MeasureTarget.objects.latest("pk").pk)).status_code == 302
    assert "Assurance:" not in client.get("/learn/over-time/").content.decode()
    assert list(MeasureTarget.objects.order_by("pk").values_list("value", flat=True)) == [40, 4, None]


@pytest.mark.parametrize(("typed", "words"), [
    ("forty", "Enter the target as a number"), ("1e9", "Enter the target as a number"),
    ("-3", "Enter a target from 0 to 100,000"), ("100001", "Enter a target from 0 to 100,000"),
    ("٤٠٠٠٠٠", "Enter a target from 0 to 100,000"),
])
def test_a_target_that_makes_no_sense_is_refused_and_nothing_changes(client, practice, typed, words):
    client.force_login(practice.manager)
    response = _post(client, target=typed)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert typed in response.content.decode()  # what was typed is kept to correct
    assert not MeasureTarget.objects.exists()


def test_a_share_target_is_a_percentage(client, practice):
    client.force_login(practice.manager)
    from tandem.learn import actions
    from tandem.learn.views_spc import LIMITS

    with pytest.raises(actions.TargetError, match="from 0 to 100,"):
        actions.set_target(practice=practice.practice, by=practice.manager, measure="hba1c", value=120, seen=0,
                           limits=LIMITS)


def test_a_target_set_by_someone_else_meanwhile_is_not_overwritten(client, practice):
    from tandem.learn import actions
    from tandem.learn.views_spc import LIMITS

    u = practice
    client.force_login(u.manager)
    actions.set_target(practice=u.practice, by=u.manager, measure="conversations", value=8, seen=0, limits=LIMITS)
    response = _post(client, target="12", seen="0")  # the page was opened before the 8 was set
    assert response.status_code == 400
    assert "Someone else set this target while you were looking at it: it is now 8" in response.content.decode()
    assert list(MeasureTarget.objects.values_list("value", flat=True)) == [8]


def test_only_the_practice_manager_sets_targets(client, practice):
    client.force_login(practice.nurse)
    page = client.get("/learn/over-time/").content.decode()
    assert "Set a target for this chart" not in page
    assert _post(client, target="10").status_code == 403
    assert not MeasureTarget.objects.exists()
