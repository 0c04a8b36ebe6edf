"""The practice over time: a Making Data Count chart per measure, with the practice's changes on it,
its numbers in a table and a CSV; a month far above the rest is special cause."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.careplans import actions as plan_actions
from tandem.careplans.rules.document import Goal, Plan
from tandem.learn import actions as learn_actions
from tests.prepare.conftest import booked, planned, recall  # noqa: F401

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_month_far_above_the_rest_is_special_cause_and_the_change_is_marked(client, booked):  # noqa: F811
    u = booked
    for n in range(1, 11):  # ten versions, each with a copy given in May 2026; one copy in each month before
        saved = plan_actions.save_plan(patient=u.arthur, by=u.nurse, plan=Plan(goals=(Goal(id="g", words="Walk"),)),
                                       base_version=n - 1).version
        plan_actions.record_copy_given(version=saved, by=u.nurse, how="printed", on=D(2026, 5, 10))
    learn_actions.record_change(practice=u.practice, by=u.manager, on=D(2026, 4, 20),
                                what="Plan printed <in> the room", detail="")
    client.force_login(u.nurse)
    page = client.get("/learn/over-time/").content.decode()
    charts = page.count('<section class="learn-chart"')
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="tandem-chart"') == charts
    for title in ("Care planning conversations held", "Written plans agreed", "Copies of the plan given",
                  "Check-ins answered", "Blood pressure readings in target"):
        assert f">{title}</h2>" in page
    assert "Plan printed &lt;in&gt; the room" in page and "<in>" not in page
    assert "Special cause" in page
    assert "May 2026" in page
    csv = client.get("/learn/over-time.csv").content.decode()
    assert "Copies of the plan given,May 2026,10," in csv
    assert "Copies of the plan given,Apr 2026,0," in csv
