"""The pages a clinician uses in a consultation render their form fields and tags with Tandem's own
NHS.UK components (tandem.nhsuk; tests/perf/test_templates.py shows they give the same markup),
not the NHS.UK templates, which cost several times as much per field. A change to a field that
takes it off that path (a parameter the fast component does not render) fails here, so that the
cost of a long plan cannot creep back unnoticed."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.urls import reverse

from tests.perf.test_query_counts import bigger_plan, save

PER_FIELD = re.compile(r"nhsuk/components/(input|textarea|select|radios|checkboxes|date-input|label|tag|fieldset"
                       r"|legend|hint|error-message)/template\.jinja")


@pytest.fixture
def nurse(client, booked):
    client.force_login(booked.nurse)
    client.get(reverse("home"))
    return client


@pytest.fixture
def templates_used(monkeypatch):
    env = engines["jinja2"].env
    used: list[str] = []
    get_template = env.get_template

    def recording(name, *args, **kwargs):
        used.append(str(name))
        return get_template(name, *args, **kwargs)

    monkeypatch.setattr(env, "get_template", recording)
    return used


def test_the_workspace_renders_every_field_of_a_long_plan_with_the_fast_components(nurse, booked, templates_used):
    u = booked
    save(nurse, u, bigger_plan(u, 6))
    response = nurse.get(reverse("careplans:workspace", args=[u.arthur.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="nhsuk-form-group') > 100  # the long plan's fields are all there
    assert 'name="goals.5.actions.1.confidence"' in page
    assert "careplans/workspace/_rows.jinja" in templates_used  # what the page brings in is seen
    assert [name for name in templates_used if PER_FIELD.search(name)] == []


def test_the_recall_board_renders_its_tags_and_filters_with_the_fast_components(nurse, templates_used):
    response = nurse.get(reverse("recall:board"))
    assert response.status_code == 200
    assert "nhsuk/components/select/macro.jinja" in templates_used
    assert [name for name in templates_used if PER_FIELD.search(name)] == []
