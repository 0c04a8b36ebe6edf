"""Staff time on the recall board and in sending invitations comes from the clinic sessions once the
practice keeps them here; the minutes typed in recall settings are used only until then."""

from __future__ import annotations

import datetime as dt

from tandem.clinics import actions as clinic_actions
from tandem.recall import actions as recall_actions
from tandem.recall import queries as recall_queries
from tandem.recall.actions import SettingsChange
from tests.recall.crowd import crowd

from .conftest import entry, weekly

D, T = dt.date, dt.time
TODAY = D(2026, 6, 15)
JUNE, JULY, AUGUST = D(2026, 6, 1), D(2026, 7, 1), D(2026, 8, 1)


def typed(team, hca=600, nurse=900):
    recall_actions.save_settings(practice=team.practice, by=team.manager, change=SettingsChange(
        scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
        response_wait_days=14, hca_minutes=hca, nurse_minutes=nurse, pharmacist_minutes=0, gp_minutes=0))


def available(team, month):
    [line_hca, line_clinician] = recall_queries.capacity(practice=team.practice, months=[month], today=TODAY)[0].lines
    return line_hca.available_per_week, line_clinician.available_per_week


def test_capacity_follows_the_sessions_held(team):
    crowd(team.practice, 22)
    typed(team)
    assert available(team, JULY) == (600, 900)  # no sessions yet: the typed minutes a week
    weekly(team)  # HCA, Mondays 9:00 to 12:00: 180 minutes
    # July 2026 has four Mondays: 720 minutes over 31/7 weeks is 163 a week; no clinician sessions at all
    assert available(team, JULY) == (163, 0)
    weekly(team, user=team.nurse, role="nurse", purpose="conversation", start=T(14, 0), end=T(17, 0), slot=20)
    weekly(team, user=team.gp, role="gp", purpose="conversation", start=T(9, 0), end=T(10, 0), slot=20)
    assert available(team, JULY) == (163, round(4 * (180 + 60) / (31 / 7)))
    # August has five Mondays, one of them the summer bank holiday
    assert available(team, AUGUST) == (round(4 * 180 / (31 / 7)), round(4 * 240 / (31 / 7)))
    # the HCA's leave takes her sessions out; taking it back puts them back
    leave, _ = clinic_actions.add_leave(practice=team.practice, by=team.manager, staff_id=team.hca.pk,
                                        first_day=D(2026, 7, 1), last_day=D(2026, 7, 14))
    assert available(team, JULY)[0] == round(2 * 180 / (31 / 7))
    clinic_actions.remove_leave(practice=team.practice, by=team.manager, leave_id=leave.pk)
    assert available(team, JULY)[0] == 163


def test_a_month_without_sessions_has_no_staff_time_once_sessions_are_kept(team):
    crowd(team.practice, 11)
    typed(team)
    clinic_actions.add_pattern(practice=team.practice, by=team.manager, entry=entry(team.hca),
                               repeat=clinic_actions.Repeat(weekday=0, every_weeks=1, first_day=TODAY,
                                                            last_day=D(2026, 6, 30)))
    assert available(team, JULY) == (0, 0)
    month = recall_queries.capacity(practice=team.practice, months=[JULY], today=TODAY)[0]
    assert month.from_sessions and not month.enough


def test_how_many_first_invitations_can_go_follows_the_sessions(team):
    crowd(team.practice, 44)
    first = recall_actions.preview_sending(practice=team.practice, month=JULY, today=TODAY).first
    assert first > 0
    typed(team, hca=0, nurse=0)
    assert not recall_actions.preview_sending(practice=team.practice, month=JULY, today=TODAY).capacity_set
    weekly(team, start=T(9, 0), end=T(9, 30), slot=15)  # HCA half an hour a week: only a few fit
    weekly(team, user=team.nurse, role="nurse", purpose="both", start=T(14, 0), end=T(15, 0), slot=20)
    few = recall_actions.preview_sending(practice=team.practice, month=JULY, today=TODAY)
    assert few.capacity_set and 0 <= few.within < first
    weekly(team, start=T(9, 30), end=T(17, 0), slot=15)  # the whole day, and the nurse likewise
    weekly(team, user=team.nurse, role="nurse", purpose="both", start=T(8, 0), end=T(14, 0), slot=20)
    weekly(team, user=team.gp, role="gp", purpose="conversation", start=T(8, 0), end=T(18, 0), slot=20)
    more = recall_actions.preview_sending(practice=team.practice, month=JULY, today=TODAY)
    assert few.within < more.within <= first


def test_the_board_says_where_its_staff_time_comes_from(client, team):
    crowd(team.practice, 11)
    client.force_login(team.manager)
    page = client.get("/recall/").content.decode()
    assert "has not said how many minutes a week" in page
    weekly(team)
    page = client.get("/recall/").content.decode()
    assert "has not said how many minutes a week" not in page and "from the clinic sessions held each month" in page


def test_recall_settings_say_the_typed_minutes_wait_while_sessions_are_kept(client, team):
    client.force_login(team.manager)
    assert "keeps its" not in client.get("/recall/settings/").content.decode()
    weekly(team)
    assert "so the staff time on the recall board and for sending invitations comes from the sessions held" in \
        client.get("/recall/settings/").content.decode()
