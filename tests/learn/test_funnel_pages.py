"""The Learn dashboard and the people at a step, as a nurse sees them: figures with small numbers hidden,
the lists scoped to the practice and audited, CSV downloads, and a pinned number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.learn.test_funnel_counts import cycle  # noqa: F401
from tests.prepare.conftest import booked, planned, recall  # noqa: F401
from tests.query_counts import queries_per_page


@pytest.fixture
def nurse(client, cycle):  # noqa: F811
    client.force_login(cycle.nurse)
    return client


def test_the_dashboard_hides_counts_under_5_and_says_so(nurse):
    page = nurse.get(reverse("learn:dashboard")).content.decode()
    assert "Is care planning happening?" in page
    assert "<td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">6</td>" in page  # on a register
    assert "fewer than 5" in page
    assert "is shown as \u201cfewer than 5\u201d" in page
    assert 'role="img"' in page and "<title id=\"cycle-title\">" in page
    assert reverse("learn:outcomes") in page


def test_the_dashboard_csv_carries_the_same_hidden_figures(nurse):
    response = nurse.get(reverse("learn:dashboard"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "On a register,6,100%" in text
    assert "Written plan agreed,fewer than 5,hidden" in text
    gap = nurse.get(reverse("learn:dashboard"), {"format": "csv", "table": "gap"}).content.decode("utf-8-sig")
    assert "June 2026,fewer than 5,fewer than 5,fewer than 5" in gap


def test_a_filter_not_in_the_list_gets_an_error_summary(nurse):
    response = nurse.get(reverse("learn:dashboard"), {"age": "nonsense"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_the_people_at_a_step_are_listed_and_audited(nurse, cycle):  # noqa: F811
    from tandem.core.models import AuditEvent

    page = nurse.get(reverse("learn:step", args=["agreed"]), {"year": "2026"}).content.decode()
    assert "Beatrice Cole" in page and "Brian" not in page
    assert AuditEvent.objects.filter(what="learn.step", patient_id=cycle.beatrice.pk).exists()
    assert nurse.get(reverse("learn:step", args=["nonsense"])).status_code == 404


def test_another_practices_people_never_appear_at_any_step(client, cycle):  # noqa: F811
    client.force_login(cycle.other_nurse)
    from tandem.learn.funnel_queries import STEPS

    for key, _label in STEPS:
        page = client.get(reverse("learn:step", args=[key])).content.decode()
        for name in ("Arthur", "Beatrice", "Colin", "Dilys", "Edwin", "Fatima"):
            assert name not in page, (key, name)


def test_an_administrator_cannot_see_the_people_at_a_step(client, cycle):  # noqa: F811
    client.force_login(cycle.admin)
    assert client.get(reverse("learn:step", args=["due"])).status_code == 403
    assert client.get(reverse("learn:dashboard")).status_code == 403


def test_the_pages_make_a_fixed_number_of_queries(nurse):
    counts = queries_per_page(nurse, {
        "dashboard": reverse("learn:dashboard"),
        "filtered": reverse("learn:dashboard") + "?condition=copd&conditions=2&age=60_69&tier=self_care",
        "step": reverse("learn:step", args=["held"]),
        "outcomes": reverse("learn:outcomes"),
    })
    # signing in (3), the funnel (1), the gap (2), the audit row (1); the step: its size, a page, the audit rows
    assert counts == {"dashboard": 6, "filtered": 6, "step": 5, "outcomes": 6}


def test_the_filters_chosen_are_said_in_words_on_the_page_and_its_list(nurse):
    page = nurse.get(reverse("learn:dashboard"), {"condition": "copd", "age": "60_69"}).content.decode()
    assert "Condition: Chronic obstructive pulmonary disease; Age band: 60 to 69" in page
    step = nurse.get(reverse("learn:step", args=["held"]), {"condition": "copd"}).content.decode()
    assert "Beatrice Cole" in step and "Arthur Bennett" not in step


def test_a_name_in_the_list_download_is_never_run_as_a_formula(nurse, cycle):  # noqa: F811
    from tandem.patients.models import Patient
    from tandem.recall import stored

    Patient.objects.filter(pk=cycle.beatrice.pk).update(given_name="=HYPERLINK(1)")
    stored.refresh(cycle.practice.pk, [cycle.beatrice.pk])  # the recall board's copy of the name
    text = nurse.get(reverse("learn:step", args=["agreed"]), {"format": "csv"}).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1) Cole" in text
