"""The clinic session pages as the practice manager and the rest of the team use them."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.clinics.models import ClinicSession, SessionPattern, StaffLeave

from .conftest import weekly

D, T = dt.date, dt.time


@pytest.fixture
def manager(client, team):
    client.force_login(team.manager)
    return client


def pattern_post(team, **over):
    data = {"staff": str(team.hca.pk), "role": "hca", "purpose": "tests", "place": "Room 2", "start_time": "9:00",
            "end_time": "12:30", "slot_minutes": "15", "weekday": "1", "every_weeks": "1",
            "first_day[day]": "15", "first_day[month]": "6", "first_day[year]": "2026"}
    return {**data, **over}


def test_the_manager_adds_a_weekly_session_and_sees_it_in_the_week(manager, team):
    response = manager.post("/clinics/weekly/new/", pattern_post(team))
    assert response.status_code == 302 and response["Location"] == "/clinics/?week=2026-06-15"
    page = manager.get(response["Location"]).content.decode()
    assert "Weekly session added: 53 sessions made up to a year ahead." in page
    assert "Tuesday 16 June 2026" in page and "09:00 to 12:30" in page and "Hannah Cole" in page
    assert "14 of 15 min" in page  # 3 h 30 min in 15-minute slots
    assert "Health care assistant</dt>" in page and "3 h 30 min" in page  # the week's staff time
    weekly_page = manager.get("/clinics/weekly/").content.decode()
    assert "Every Tuesday" in weekly_page and "From Monday 15 June 2026" in weekly_page


def test_bank_holidays_show_in_the_week_and_the_session_is_not_held(manager, team):
    weekly(team)  # Mondays
    page = manager.get("/clinics/?week=2026-08-31").content.decode()
    assert "Bank holiday</strong> Summer bank holiday" in page
    assert "Not held</strong> <span class=\"tandem-block\">Bank holiday: Summer bank holiday" in page


@pytest.mark.parametrize(("change", "message"), [
    ({"staff": ""}, "Choose a member of staff from the list"),
    ({"staff": "99999999999999"}, "Choose a member of staff from the list"),
    ({"start_time": "25:00"}, "Start time must be a real time"),
    ({"start_time": "9"}, "Start time must include the minutes"),
    ({"end_time": "8:00"}, "End time must be after the start time"),
    ({"slot_minutes": "²"}, "Slot length must be a whole number from 5 to 120"),
    ({"slot_minutes": "9" * 500}, "Slot length must be a whole number from 5 to 120"),
    ({"place": "x" * 101}, "Place must be 100 characters or fewer"),
    ({"weekday": "7"}, "Choose a day of the week"),
    ({"every_weeks": "3"}, "Choose every week or every other week"),
    ({"first_day[year]": "26"}, "enter the year in full"),
    ({"first_day[month]": "13"}, "must be a real date"),
    ({"last_day[day]": "1", "last_day[month]": "6", "last_day[year]": "2026"}, "on or after the first day"),
])
def test_bad_input_is_refused_with_the_reason_and_nothing_is_made(manager, team, change, message):
    response = manager.post("/clinics/weekly/new/", pattern_post(team, **change))
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page and message in page
    assert not SessionPattern.objects.exists() and not ClinicSession.objects.exists()


def test_digits_of_other_scripts_are_read_as_the_times_they_are(manager, team):
    assert manager.post("/clinics/weekly/new/", pattern_post(team, start_time="९:००", slot_minutes="１５")).status_code == 302
    assert SessionPattern.objects.get().start_time == T(9, 0)


def test_the_manager_changes_and_cancels_one_session_and_holds_it_again(manager, team):
    pattern, _ = weekly(team)
    one = ClinicSession.objects.get(pattern=pattern, day=D(2026, 6, 22))
    url = f"/clinics/sessions/{one.pk}/"
    assert "one of a weekly session" in manager.get(url).content.decode()
    post = {"version": "1", "staff": str(team.hca.pk), "role": "hca", "purpose": "tests", "place": "Room 4",
            "start_time": "10:00", "end_time": "11:00", "slot_minutes": "20"}
    assert manager.post(url, post).status_code == 302
    one.refresh_from_db()
    assert (one.start_time, one.place, one.minutes, one.changed) == (T(10, 0), "Room 4", 60, True)
    # the same form sent again from a page opened before the change: a conflict, nothing lost
    stale = manager.post(url, {**post, "place": "Room 9"})
    assert stale.status_code == 409 and "Someone else changed this" in stale.content.decode()
    assert ClinicSession.objects.get(pk=one.pk).place == "Room 4"
    manager.post(f"{url}cancel/", {"version": "2", "note": "Training afternoon"})
    page = manager.get("/clinics/?week=2026-06-22").content.decode()
    assert "Cancelled: Training afternoon" in page
    manager.post(f"{url}hold/", {"version": "3"})
    assert ClinicSession.objects.get(pk=one.pk).held


def test_leave_added_and_taken_back_on_the_page(manager, team):
    weekly(team)
    response = manager.post("/clinics/leave/", {
        "staff": str(team.hca.pk), "first_day[day]": "20", "first_day[month]": "7", "first_day[year]": "2026",
        "last_day[day]": "31", "last_day[month]": "7", "last_day[year]": "2026", "note": "Summer holiday"})
    assert response.status_code == 302
    page = manager.get("/clinics/leave/").content.decode()
    assert "Leave added: 2 of their sessions will not be held." in page and "Summer holiday" in page
    assert ClinicSession.objects.filter(cancelled="leave").count() == 2
    leave = StaffLeave.objects.get()
    manager.post(f"/clinics/leave/{leave.pk}/remove/")
    assert not ClinicSession.objects.filter(cancelled="leave").exists()


def test_the_team_sees_the_sessions_but_only_the_manager_changes_them(client, team):
    pattern, _ = weekly(team)
    one = ClinicSession.objects.get(pattern=pattern, day=D(2026, 6, 22))
    for user in (team.nurse, team.admin, team.hca):
        client.force_login(user)
        page = client.get("/clinics/?week=2026-06-22")
        assert page.status_code == 200 and "Hannah Cole" in page.content.decode()
        assert "Change<span" not in page.content.decode()  # no links to what they cannot do
        assert client.get(f"/clinics/sessions/{one.pk}/").status_code == 403
        assert client.post(f"/clinics/sessions/{one.pk}/cancel/", {"version": "1"}).status_code == 403
        assert client.post("/clinics/weekly/new/", pattern_post(team)).status_code == 403
        assert client.post("/clinics/leave/", {"staff": str(team.hca.pk)}).status_code == 403
    assert ClinicSession.objects.get(pk=one.pk).held and StaffLeave.objects.count() == 0


def test_another_practices_sessions_are_not_found(client, team):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    pattern, _ = weekly(team)
    one = ClinicSession.objects.get(pattern=pattern, day=D(2026, 6, 22))
    elsewhere = core_actions.add_staff(practice=team.other_practice, username="hillview-manager", role=Role.MANAGER,
                                       by=None)
    client.force_login(elsewhere)
    assert client.get(f"/clinics/sessions/{one.pk}/").status_code == 404
    assert client.get(f"/clinics/weekly/{pattern.pk}/").status_code == 404
    assert "Hannah Cole" not in client.get("/clinics/?week=2026-06-22").content.decode()


def test_odd_weeks_in_the_address_show_this_week(manager, team):
    for week in ("", "2026-13-01", "9999-12-31", "abc", "2026-06-17"):
        page = manager.get(f"/clinics/?week={week}").content.decode()
        assert "Week of 15 to 21 June 2026" in page  # a Monday: this week


def test_the_week_page_reads_a_fixed_number_of_queries(manager, team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    weekly(team)
    manager.get("/clinics/")
    with CaptureQueriesContext(connection) as few:
        manager.get("/clinics/")
    weekly(team, user=team.nurse, role="nurse", start=T(14, 0), end=T(16, 0))
    weekly(team, user=team.gp, role="gp", start=T(9, 0), end=T(11, 0), purpose="conversation")
    with CaptureQueriesContext(connection) as more:
        manager.get("/clinics/")
    assert len(few) == len(more) == 5  # session, user and roles, the week's sessions, its staff time, bookings


def test_the_manager_changes_a_weekly_session_from_today_and_ends_it(manager, team):
    pattern, _ = weekly(team)
    url = f"/clinics/weekly/{pattern.pk}/"
    page = manager.get(url).content.decode()
    assert "Change a weekly session" in page and 'value="09:00"' in page and "End this weekly session" in page
    post = {"version": "1", "staff": str(team.nurse.pk), "role": "nurse", "purpose": "both", "place": "Room 1",
            "start_time": "13:00", "end_time": "15:00", "slot_minutes": "20", "weekday": "0", "every_weeks": "1",
            "first_day[day]": "15", "first_day[month]": "6", "first_day[year]": "2026"}
    assert manager.post(url, post).status_code == 302
    assert set(ClinicSession.objects.filter(pattern=pattern).values_list("start_time", "purpose", "role")) == {
        (T(13, 0), "both", "nurse")}  # Hannah's session is now the nurse's, for both
    assert manager.post(url, {**post, "place": "Room 7"}).status_code == 409  # opened before the change
    end = manager.post(f"{url}end/", {"version": "2", "end_day[day]": "31", "end_day[month]": "7",
                                      "end_day[year]": "2026"})
    assert end.status_code == 302
    assert "Weekly session ends on Friday 31 July 2026" in manager.get(end["Location"]).content.decode()
    assert ClinicSession.objects.filter(pattern=pattern).latest("day").day == D(2026, 7, 27)


def test_at_the_weekend_the_page_opens_at_the_week_ahead(manager, team):
    from tandem.core import clock

    with clock.frozen(D(2026, 6, 20)):  # a Saturday
        page = manager.get("/clinics/").content.decode()
    assert "Week of 22 to 28 June 2026" in page and "Week of 15 June" in page  # the link back a week


def test_a_session_is_booked_as_its_staff_members_own_role_unless_another_is_chosen(manager, team):
    assert manager.post("/clinics/weekly/new/", pattern_post(team, role="", staff=str(team.nurse.pk))).status_code == 302
    assert SessionPattern.objects.get().role == "nurse"
    assert manager.post("/clinics/weekly/new/", pattern_post(team, role="hca", staff=str(team.nurse.pk))).status_code == 302
    assert sorted(SessionPattern.objects.values_list("role", flat=True)) == ["hca", "nurse"]
