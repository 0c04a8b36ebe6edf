"""The weeks ahead (/recall/forecast/): minutes the open reviews need each week against the minutes
held in the clinic sessions (or typed in recall settings), with short weeks highlighted."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.clinics import actions as clinic_actions
from tandem.recall import actions as recall_actions
from tandem.recall import queries
from tandem.recall.actions import SettingsChange
from tandem.recall.models import Review
from tandem.recall.rules import capacity as capacity_rules
from tandem.recall.rules.status import OPEN
from tests.clinics.conftest import T, team, weekly  # noqa: F401  (team: a fixture)

from .crowd import crowd

D = dt.date
TODAY = D(2026, 6, 15)  # a Monday: the weeks run from 15 June to 6 September 2026
URL = "/recall/forecast/"


def typed(practice, by, hca=600, nurse=900):
    recall_actions.save_settings(practice=practice, by=by, change=SettingsChange(
        scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
        response_wait_days=14, hca_minutes=hca, nurse_minutes=nurse, pharmacist_minutes=0, gp_minutes=0))


@pytest.fixture
def crowded(team):  # noqa: F811
    crowd(team.practice, 22)
    crowd(team.other_practice, 11, start=22)  # another practice's people never count here
    return team


def held(forecast, monday):
    return tuple(line.held for line in next(w for w in forecast.weeks if w.monday == monday).lines)


def page_of(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_demand_is_each_month_s_open_reviews_spread_over_its_days(crowded):
    """The minutes needed are the board's month totals (this month carrying earlier months' open reviews),
    spread over the days: the same as spreading the capacity query's totals."""
    practice = crowded.practice
    forecast = queries.forecast(practice, today=TODAY)
    months = [D(2026, 6, 1), D(2026, 7, 1), D(2026, 8, 1), D(2026, 9, 1)]
    totals = {m.month: (m.hca_minutes, m.clinician_minutes)
              for m in queries.capacity(practice=practice, months=months, today=TODAY)}
    mondays = capacity_rules.forecast_mondays(TODAY)
    hca = capacity_rules.spread_over_weeks({m: v[0] for m, v in totals.items()}, mondays)
    clinician = capacity_rules.spread_over_weeks({m: v[1] for m, v in totals.items()}, mondays)
    assert [tuple(line.needed for line in w.lines) for w in forecast.weeks] == [(hca[m], clinician[m]) for m in mondays]
    assert forecast.weeks[0].lines[0].needed > 0 and forecast.weeks[0].lines[1].needed > 0
    assert Review.objects.filter(practice=practice, status__in=[s.value for s in OPEN], due_month__lt=D(2026, 6, 1))


def test_short_weeks_are_highlighted_with_by_how_much(client, crowded):
    weekly(crowded)  # HCA, Mondays 9:00 to 12:00: 180 minutes; no clinician sessions at all
    forecast = queries.forecast(crowded.practice, today=TODAY)
    assert forecast.from_sessions
    due = [w for w in forecast.weeks if w.lines[1].needed]  # the crowd has nobody due in August
    assert len(due) == 8 and all(w.lines[1].held == 0 and not w.lines[1].enough for w in due)
    assert all(w.lines[0].enough for w in forecast.weeks[1:-1])  # 180 HCA minutes each Monday is enough
    page = page_of(client, crowded.nurse)
    assert "weeks are short of staff time" in page
    assert "nhsuk-card--warning" in page and page.count("nhsuk-tag--red") == 8 + 1
    first = forecast.weeks[0].lines[1]
    assert f"Short by {first.shortfall:,} minutes" in page
    assert 'href="#week-2026-06-15"' in page and 'id="week-2026-06-15"' in page  # the callout links to the row
    assert "clinic sessions</a> held each week" in page


def test_a_week_with_enough_says_so(client, crowded):
    for role, user in (("hca", crowded.hca), ("nurse", crowded.nurse), ("gp", crowded.gp)):
        for weekday in range(5):
            clinic_actions.add_pattern(practice=crowded.practice, by=crowded.manager,
                                       entry=clinic_actions.SessionEntry(
                                           staff_id=user.pk, role=role, place="Room 1",
                                           purpose="tests" if role == "hca" else "conversation",
                                           start_time=T(8, 0), end_time=T(18, 0), slot_minutes=10),
                                       repeat=clinic_actions.Repeat(weekday=weekday, every_weeks=1,
                                                                    first_day=TODAY, last_day=None))
    forecast = queries.forecast(crowded.practice, today=TODAY)
    assert not forecast.short_weeks
    page = page_of(client, crowded.nurse)
    assert "has enough staff time for the reviews due" in page
    assert "nhsuk-tag--red" not in page and page.count("nhsuk-tag--green") == 12 * 2  # HCAs and clinicians


def test_a_bank_holiday_week_has_less_staff_time(client, crowded):
    weekly(crowded)  # Mondays: 31 August 2026 is the summer bank holiday
    forecast = queries.forecast(crowded.practice, today=TODAY)
    assert held(forecast, D(2026, 8, 24)) == (180, 0)
    assert held(forecast, D(2026, 8, 31)) == (0, 0)
    week = next(w for w in forecast.weeks if w.monday == D(2026, 8, 31))
    assert week.lines[0].needed > 0 and week.short  # September's reviews still need HCA time
    page = page_of(client, crowded.manager)
    assert re.search(r'id="week-2026-08-31">\s*<th scope="rowgroup"[^>]*>31 August to 6 September 2026', page)


def test_leave_takes_its_sessions_out_of_the_weeks(crowded):
    weekly(crowded)
    before = queries.forecast(crowded.practice, today=TODAY)
    clinic_actions.add_leave(practice=crowded.practice, by=crowded.manager, staff_id=crowded.hca.pk,
                             first_day=D(2026, 7, 6), last_day=D(2026, 7, 17))
    after = queries.forecast(crowded.practice, today=TODAY)
    assert held(before, D(2026, 7, 6))[0] == held(before, D(2026, 7, 13))[0] == 180
    assert held(after, D(2026, 7, 6))[0] == held(after, D(2026, 7, 13))[0] == 0
    assert held(after, D(2026, 7, 20))[0] == 180
    assert len(after.short_weeks) >= len(before.short_weeks)


def test_without_sessions_each_week_has_the_minutes_typed_and_the_page_says_so(client, crowded):
    typed(crowded.practice, crowded.manager, hca=600, nurse=900)
    forecast = queries.forecast(crowded.practice, today=TODAY)
    assert not forecast.from_sessions
    assert {held(forecast, w.monday) for w in forecast.weeks} == {(600, 900)}
    page = page_of(client, crowded.manager)
    assert "minutes held are the minutes a week set in recall settings" in page
    assert 'href="/clinics/weekly/"' in page  # the manager is shown where to set up sessions


def test_with_neither_staff_time_is_not_set_and_managers_are_shown_where_to_set_it(client, crowded):
    forecast = queries.forecast(crowded.practice, today=TODAY)
    assert not forecast.limited and not forecast.short_weeks
    page = page_of(client, crowded.manager)
    assert "Staff time is not set" in page and "nhsuk-tag--red" not in page
    assert 'href="/clinics/weekly/"' in page and 'href="/recall/settings/#capacity-settings"' in page
    nurse_page = page_of(client, crowded.nurse)
    assert "Staff time is not set" in nurse_page and 'href="/recall/settings/' not in nurse_page


def test_the_administrator_can_read_it(client, crowded):
    weekly(crowded)
    page = page_of(client, crowded.admin)
    assert "<h1>Weeks ahead" in page and "short by" in page


def test_another_practice_sees_nothing_of_this_one(client, crowded):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    weekly(crowded)
    typed(crowded.practice, crowded.manager)
    elsewhere = core_actions.add_staff(practice=crowded.other_practice, username="hillview-manager",
                                       role=Role.MANAGER, by=None)
    theirs = queries.forecast(crowded.other_practice, today=TODAY)
    ours = queries.forecast(crowded.practice, today=TODAY)
    assert not theirs.limited and not theirs.from_sessions  # our sessions and settings are not theirs
    # their own crowd of 11 needs less than our 22
    assert sum(w.lines[1].needed for w in theirs.weeks) < sum(w.lines[1].needed for w in ours.weeks)
    page = page_of(client, elsewhere)
    assert "Staff time is not set" in page and "short by" not in page
    shown = [int(n.replace(",", "")) for n in re.findall(r'numeric">([\d,]+)<', page)]
    assert shown == [n for w in theirs.weeks for n in (w.lines[0].needed, w.lines[1].needed)]


def test_the_next_review_year_counts_once_the_weeks_reach_it(crowded):
    """In March the weeks reach April: reviews of the next review year due then need time too."""
    from django.forms.models import model_to_dict

    from tandem.recall import stored

    practice = crowded.practice
    march = D(2027, 3, 8)  # the weeks run from 8 March to 30 May 2027
    april = [D(2027, 4, 5), D(2027, 4, 12), D(2027, 4, 19)]
    before = queries.forecast(practice, today=march)
    assert [w.lines[1].needed for w in before.weeks if w.monday in april] == [0] * 3
    this_year = Review.objects.filter(practice=practice, status="planned", due_month=D(2026, 7, 1)).first()
    fields = model_to_dict(this_year, exclude=["id", "practice", "patient"])
    Review.objects.create(**{**fields, "practice": practice, "patient_id": this_year.patient_id, "review_year": 2027,
                             "due_month": D(2027, 4, 1), "created_at": this_year.created_at,
                             "updated_at": this_year.updated_at})
    stored.touched(practice.pk)
    after = queries.forecast(practice, today=march)
    assert all(w.lines[1].needed > 0 for w in after.weeks if w.monday in april)
    assert all(w.lines[1].needed == 0 for w in after.weeks if w.monday >= D(2027, 5, 3))  # nobody due in May


def test_the_page_is_an_accessible_table(client, crowded):
    weekly(crowded)
    page = page_of(client, crowded.nurse)
    assert page.count("<h1") == 1
    table = re.search(r'<table class="nhsuk-table">.*?</table>', page, re.S).group(0)
    assert '<caption class="nhsuk-table__caption' in table
    headers = re.findall(r"<th ([^>]*)>", table)
    assert len(headers) == 7 + 12 and all('scope="' in h for h in headers)  # with sessions: booked and free too
    assert sum('scope="col"' in h for h in headers) == 7 and sum('scope="rowgroup"' in h for h in headers) == 12
    assert 'aria-current="page"' in page and "Weeks ahead</a>" in page  # the section's nav marks it


def test_the_board_links_to_the_weeks_ahead(client, crowded):
    client.force_login(crowded.nurse)
    assert 'href="/recall/forecast/">Weeks ahead' in client.get("/recall/").content.decode()


def test_with_sessions_the_page_reads_two_more_queries_whatever_the_size_of_the_practice(client, crowded):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_query_counts import PINNED

    weekly(crowded)
    client.force_login(crowded.nurse)

    def count() -> int:
        assert client.get(URL).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    small = count()
    crowd(crowded.practice, 60, start=40)
    assert count() == small == PINNED["forecast"] + 2  # the minutes held, and of them booked
