"""Setting up clinic sessions: patterns, one-off changes, bank holidays and leave, as a practice
manager does it, through the actions."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.clinics import actions, queries
from tandem.clinics.actions import Repeat, SessionConflict, SessionError
from tandem.clinics.models import ClinicSession, SessionPattern, StaffLeave
from tandem.core.models import AuditEvent

from .conftest import entry, mondays, weekly

D, T = dt.date, dt.time
TODAY = D(2026, 6, 15)  # the tests' clock: a Monday


def days(pattern, **filters):
    return list(ClinicSession.objects.filter(pattern=pattern, **filters).order_by("day").values_list("day", flat=True))


def test_a_weekly_pattern_makes_a_year_of_sessions_with_bank_holidays_not_held(team):
    pattern, made = weekly(team)
    all_days = days(pattern)
    assert all_days[0] == TODAY and all_days[-1] <= TODAY + dt.timedelta(days=366)
    assert made == len(all_days) == 53 and all(d.weekday() == 0 for d in all_days)
    # Summer bank holiday (31 August) and Boxing Day's substitute (28 December) are Mondays
    off = ClinicSession.objects.filter(pattern=pattern).exclude(cancelled="")
    assert {(s.day, s.cancelled, s.note) for s in off} == {
        (D(2026, 8, 31), "bank_holiday", "Summer bank holiday"),
        (D(2026, 12, 28), "bank_holiday", "Boxing Day (substitute day)"),
        (D(2027, 3, 29), "bank_holiday", "Easter Monday"),
        (D(2027, 5, 3), "bank_holiday", "Early May bank holiday"),
        (D(2027, 5, 31), "bank_holiday", "Spring bank holiday"),
    }
    first = ClinicSession.objects.get(pattern=pattern, day=TODAY)
    assert (first.start_time, first.end_time, first.minutes, first.role, first.place) == (
        T(9, 0), T(12, 0), 180, "hca", "Room 2")
    assert AuditEvent.objects.filter(what="clinics.pattern", object_id=str(pattern.pk), user=team.manager).exists()


def test_a_pattern_that_started_in_the_past_makes_sessions_from_today_only(team):
    pattern, _ = actions.add_pattern(practice=team.practice, by=team.manager, entry=entry(team.hca),
                                     repeat=mondays(first=D(2026, 1, 5)))
    assert days(pattern)[0] == TODAY


def test_fortnightly_and_a_last_day(team):
    pattern, made = actions.add_pattern(practice=team.practice, by=team.manager, entry=entry(team.nurse, "nurse"),
                                        repeat=Repeat(weekday=2, every_weeks=2, first_day=D(2026, 6, 17),
                                                      last_day=D(2026, 7, 31)))
    assert days(pattern) == [D(2026, 6, 17), D(2026, 7, 1), D(2026, 7, 15), D(2026, 7, 29)] and made == 4


@pytest.mark.parametrize(("change", "field"), [
    ({"role": "admin"}, "role"),
    ({"purpose": "coffee"}, "purpose"),
    ({"start": T(12, 0), "end": T(9, 0)}, "end_time"),
    ({"slot": 0}, "slot_minutes"),
    ({"place": "x" * 101}, "place"),
])
def test_bad_entries_are_refused_for_the_box_they_are_in_and_nothing_is_made(team, change, field):
    with pytest.raises(SessionError) as refused:
        weekly(team, **change)
    assert refused.value.field == field and str(refused.value)
    assert not SessionPattern.objects.exists() and not ClinicSession.objects.exists()


def test_only_the_practices_clinical_staff_hold_sessions(team):
    with pytest.raises(SessionError, match="Choose a member of staff"):
        weekly(team, user=team.other_nurse)  # Hillview's nurse
    with pytest.raises(SessionError, match="health care assistants, nurses, GPs and pharmacists"):
        weekly(team, user=team.admin)
    with pytest.raises(SessionError, match="every week or every other week"):
        actions.add_pattern(practice=team.practice, by=team.manager, entry=entry(team.hca),
                            repeat=Repeat(weekday=0, every_weeks=3, first_day=TODAY, last_day=None))
    with pytest.raises(SessionError, match="on or after the first day"):
        actions.add_pattern(practice=team.practice, by=team.manager, entry=entry(team.hca),
                            repeat=mondays(last=D(2026, 6, 1)))
    assert not ClinicSession.objects.exists()


def test_changing_a_pattern_rewrites_its_sessions_from_a_day_on_but_not_one_changed_on_its_own(team):
    pattern, _ = weekly(team)
    one = ClinicSession.objects.get(pattern=pattern, day=D(2026, 7, 13))
    actions.change_session(practice=team.practice, by=team.manager, session_id=one.pk, version=one.version,
                           entry=entry(team.hca, start=T(13, 0), end=T(15, 0)))
    changed, made = actions.change_pattern(
        practice=team.practice, by=team.manager, pattern_id=pattern.pk, version=pattern.version,
        entry=entry(team.hca, start=T(8, 30), end=T(10, 30), slot=20), repeat=mondays(),
        from_day=D(2026, 7, 1))
    before = ClinicSession.objects.get(pattern=pattern, day=D(2026, 6, 29))
    after = ClinicSession.objects.get(pattern=pattern, day=D(2026, 7, 6))
    kept = ClinicSession.objects.get(pk=one.pk)
    assert (before.start_time, before.minutes) == (T(9, 0), 180)
    assert (after.start_time, after.end_time, after.slot_minutes, after.minutes) == (T(8, 30), T(10, 30), 20, 120)
    assert (kept.start_time, kept.end_time) == (T(13, 0), T(15, 0))  # changed on its own: kept
    assert changed.version == 2 and len(days(pattern)) == 53


def test_two_managers_changing_one_pattern_never_overwrite_each_other(team):
    pattern, _ = weekly(team)
    actions.change_pattern(practice=team.practice, by=team.manager, pattern_id=pattern.pk, version=1,
                           entry=entry(team.hca, place="Room 5"), repeat=mondays())
    with pytest.raises(SessionConflict):
        actions.change_pattern(practice=team.practice, by=team.nurse, pattern_id=pattern.pk, version=1,
                               entry=entry(team.hca, place="Room 9"), repeat=mondays())
    assert SessionPattern.objects.get(pk=pattern.pk).place == "Room 5"
    assert set(ClinicSession.objects.filter(pattern=pattern).values_list("place", flat=True)) == {"Room 5"}


def test_ending_a_pattern_removes_its_later_sessions(team):
    pattern, _ = weekly(team)
    gone = actions.end_pattern(practice=team.practice, by=team.manager, pattern_id=pattern.pk, version=1,
                               last_day=D(2026, 7, 31))
    assert days(pattern)[-1] == D(2026, 7, 27) and gone == 53 - 7
    assert queries.patterns(team.practice, today=D(2026, 8, 1)) == []


def test_cancel_and_hold_one_session_and_hold_a_bank_holiday_after_all(team):
    pattern, _ = weekly(team)
    s = ClinicSession.objects.get(pattern=pattern, day=D(2026, 6, 22))
    actions.cancel_session(practice=team.practice, by=team.manager, session_id=s.pk, version=1, note="Training")
    s.refresh_from_db()
    assert (s.cancelled, s.note, s.changed) == ("practice", "Training", True)
    with pytest.raises(SessionConflict):  # the page it was cancelled from is out of date
        actions.hold_session(practice=team.practice, by=team.manager, session_id=s.pk, version=1)
    actions.hold_session(practice=team.practice, by=team.manager, session_id=s.pk, version=s.version)
    holiday = ClinicSession.objects.get(pattern=pattern, day=D(2026, 8, 31))
    actions.hold_session(practice=team.practice, by=team.manager, session_id=holiday.pk, version=1)
    holiday.refresh_from_db()
    assert holiday.held and holiday.changed
    # a later change to the pattern leaves it held
    actions.change_pattern(practice=team.practice, by=team.manager, pattern_id=pattern.pk, version=1,
                           entry=entry(team.hca, place="Room 3"), repeat=mondays())
    assert ClinicSession.objects.get(pk=holiday.pk).held


def test_a_past_session_is_history(team):
    pattern, _ = weekly(team)
    s = ClinicSession.objects.get(pattern=pattern, day=D(2026, 6, 22))
    with pytest.raises(SessionError, match="passed"):
        actions.cancel_session(practice=team.practice, by=team.manager, session_id=s.pk, version=1, note="",
                               today=D(2026, 6, 23))


def test_leave_cancels_the_staff_members_sessions_and_taking_it_back_holds_them_again(team):
    hca, _ = weekly(team)
    nurse, _ = weekly(team, user=team.nurse, role="nurse", purpose="conversation")
    leave, cancelled = actions.add_leave(practice=team.practice, by=team.manager, staff_id=team.hca.pk,
                                         first_day=D(2026, 8, 24), last_day=D(2026, 9, 11), note="Holiday")
    assert cancelled == 2  # 24 August and 7 September; 31 August is a bank holiday already
    assert {s.day: s.cancelled for s in ClinicSession.objects.filter(pattern=hca, day__range=(D(2026, 8, 17),
                                                                                              D(2026, 9, 14)))} == {
        D(2026, 8, 17): "", D(2026, 8, 24): "leave", D(2026, 8, 31): "bank_holiday", D(2026, 9, 7): "leave",
        D(2026, 9, 14): ""}
    assert ClinicSession.objects.filter(pattern=nurse, cancelled="leave").count() == 0  # only hers
    with pytest.raises(SessionError, match="on leave"):
        actions.hold_session(practice=team.practice, by=team.manager,
                             session_id=ClinicSession.objects.get(pattern=hca, day=D(2026, 8, 24)).pk, version=2)
    held = actions.remove_leave(practice=team.practice, by=team.manager, leave_id=leave.pk)
    assert held == 2 and not StaffLeave.objects.exists()
    assert ClinicSession.objects.get(pattern=hca, day=D(2026, 8, 31)).cancelled == "bank_holiday"
    assert not ClinicSession.objects.filter(pattern=hca, cancelled="leave").exists()


def test_a_pattern_made_during_leave_starts_with_those_sessions_not_held(team):
    actions.add_leave(practice=team.practice, by=team.manager, staff_id=team.hca.pk,
                      first_day=D(2026, 6, 20), last_day=D(2026, 6, 30))
    pattern, _ = weekly(team)
    assert days(pattern, cancelled="leave") == [D(2026, 6, 22), D(2026, 6, 29)]
    assert ClinicSession.objects.filter(pattern=pattern, cancelled="leave", leave__isnull=False).count() == 2


def test_overlapping_leave_taken_back_leaves_the_other_leave_in_place(team):
    pattern, _ = weekly(team)
    first, _ = actions.add_leave(practice=team.practice, by=team.manager, staff_id=team.hca.pk,
                                 first_day=D(2026, 7, 1), last_day=D(2026, 7, 14))
    actions.add_leave(practice=team.practice, by=team.manager, staff_id=team.hca.pk,
                      first_day=D(2026, 7, 10), last_day=D(2026, 7, 21))
    actions.remove_leave(practice=team.practice, by=team.manager, leave_id=first.pk)
    assert days(pattern, cancelled="leave") == [D(2026, 7, 13), D(2026, 7, 20)]


def test_bad_leave_is_refused(team):
    with pytest.raises(SessionError, match="on or after the first day"):
        actions.add_leave(practice=team.practice, by=team.manager, staff_id=team.hca.pk,
                          first_day=D(2026, 7, 10), last_day=D(2026, 7, 1))
    with pytest.raises(SessionError, match="Choose a member of staff"):
        actions.add_leave(practice=team.practice, by=team.manager, staff_id=team.other_nurse.pk,
                          first_day=D(2026, 7, 1), last_day=D(2026, 7, 10))
    assert not StaffLeave.objects.exists()


def test_the_horizon_moves_on_each_day_and_nothing_is_made_twice(team):
    pattern, made = weekly(team)
    assert actions.extend_sessions(today=TODAY) == 0
    assert actions.extend_sessions(today=D(2026, 7, 1)) == 2  # two more Mondays come within a year
    assert actions.extend_sessions(today=D(2026, 7, 1)) == 0
    assert len(days(pattern)) == made + 2


def test_a_one_off_session(team):
    s = actions.add_session(practice=team.practice, by=team.manager, day=D(2026, 6, 20),
                            entry=entry(team.gp, "gp", purpose="conversation", start=T(9, 0), end=T(11, 0), slot=20))
    assert (s.pattern_id, s.minutes, s.changed) == (None, 120, True)
    with pytest.raises(SessionError, match="today or a later day"):
        actions.add_session(practice=team.practice, by=team.manager, day=D(2026, 6, 1),
                            entry=entry(team.gp, "gp", purpose="conversation"))


def test_staff_time_held_by_week_and_month(team):
    weekly(team)  # HCA 180 minutes on Mondays
    weekly(team, user=team.nurse, role="nurse", start=T(14, 0), end=T(16, 0), slot=20)  # 120 on Mondays
    weeks = queries.held_minutes_by_week(team.practice, D(2026, 8, 24), 2)
    assert weeks == {D(2026, 8, 24): {"hca": 180, "nurse": 120}, D(2026, 8, 31): {}}  # bank holiday week
    months, kept = queries.held_minutes_by_month(team.practice, [D(2026, 8, 1), D(2028, 1, 1)])
    assert months == {D(2026, 8, 1): {"hca": 4 * 180, "nurse": 4 * 120}, D(2028, 1, 1): {}}  # five Mondays,
    assert kept  # one a bank holiday; none made as far ahead as 2028
    assert queries.held_minutes_by_month(team.other_practice, [D(2026, 8, 1)]) == ({D(2026, 8, 1): {}}, False)


def test_a_session_is_for_what_its_role_holds_at_this_practice(team):
    from tandem.team import actions as team_actions
    from tandem.team import rules as team_rules

    with pytest.raises(SessionError, match="Tests appointments at this practice are held by") as refused:
        weekly(team, user=team.gp, role="gp", purpose="tests")  # by default GPs hold conversations, not tests
    assert refused.value.field == "purpose" and not ClinicSession.objects.exists()
    with pytest.raises(SessionError, match="health care assistant and practice nurse"):
        weekly(team, user=team.gp, role="gp", purpose="both")
    weekly(team, user=team.gp, role="gp", purpose="conversation")
    steps = team_rules.from_stored({"tests": ["hca", "nurse", "gp"], "conversation": ["nurse", "gp", "pharmacist"],
                                    "invitations": ["admin", "manager"], "packs": ["admin", "manager"]})
    team_actions.save_step_roles(practice=team.practice, steps=steps, expected_version=0, by=team.manager)
    weekly(team, user=team.gp, role="gp", purpose="tests")  # the practice says GPs hold tests appointments
