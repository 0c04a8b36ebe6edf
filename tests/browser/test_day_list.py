"""The nurse opens today's list, sees what Dorothy's tests appointment needs and marks her arrived.

Every page visited is checked with axe (see conftest.visit / check_accessibility).
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from .conftest import check_accessibility, screenshot, sign_in, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def today_booked(clinic):
    """The nurse's tests session this afternoon (Monday 15 June 2026, the pinned clock's day) with
    Dorothy booked at 13:00; she needs an interpreter and her daughter with her."""
    from tandem.booking import actions
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat, SessionEntry
    from tandem.clinics.models import ClinicSession
    from tandem.patients import actions as patient_actions
    from tandem.recall import actions as recall_actions
    from tandem.recall.models import Review
    from tandem.registers import actions as register_actions

    patient_actions.set_reasonable_adjustment(patient=clinic.patient, by=clinic.nurse, kind="interpreter",
                                              detail="Punjabi")
    patient_actions.set_reasonable_adjustment(patient=clinic.patient, by=clinic.nurse, kind="carer_present",
                                              detail="Her daughter")
    register_actions.refresh_practice(practice=clinic.practice, by=None)
    recall_actions.plan_reviews(practice=clinic.practice, by=None)
    pattern, _ = clinic_actions.add_pattern(
        practice=clinic.practice, by=clinic.nurse,
        entry=SessionEntry(staff_id=clinic.nurse.pk, role="nurse", place="Room 3", purpose="tests",
                           start_time=dt.time(13, 0), end_time=dt.time(16, 0), slot_minutes=15),
        repeat=Repeat(weekday=0, every_weeks=1, first_day=dt.date(2026, 6, 15), last_day=dt.date(2026, 6, 29)))
    session = ClinicSession.objects.get(pattern=pattern, day=dt.date(2026, 6, 15))
    actions.book(practice=clinic.practice, by=clinic.nurse, review=Review.objects.get(patient=clinic.patient),
                 kind="tests", session_id=session.pk, start=dt.time(13, 0), minutes=45)
    return clinic


def test_the_nurse_opens_today_and_marks_dorothy_arrived(page, today_booked):
    sign_in(page, "nurse")
    page.get_by_role("link", name="Today").click()
    page.wait_for_url("**/booking/day/")
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Appointments on Monday 15 June")
    row = page.locator("tbody tr").filter(has_text="Dorothy WHITFIELD")
    expect(row).to_contain_text("13:00")
    expect(row).to_contain_text("Interpreter: Punjabi")
    expect(row).to_contain_text("Carer or supporter to be present: Her daughter")
    expect(row).to_contain_text("Blood pressure")
    expect(row).to_contain_text("Please bring all your inhalers and spacers.")
    screenshot(page, "day-list")

    row.get_by_role("button", name="Arrived").click()
    page.wait_for_load_state()
    check_accessibility(page)
    row = page.locator("tbody tr").filter(has_text="Dorothy WHITFIELD")
    expect(row).to_contain_text("Arrived 12:00 (Nia Evans)")
    expect(row.get_by_role("button", name="Undo arrived")).to_be_visible()
    screenshot(page, "day-list-arrived")

    visit(page, "/booking/day/?day=2026-06-16")
    expect(page.get_by_text("No appointments on Tuesday 16 June.")).to_be_visible()
