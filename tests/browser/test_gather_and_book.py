"""Gather and book, end to end, as the practice lives it on Monday 15 June 2026 (the pinned clock):

the practice manager sets up the week's clinic sessions; the administrator books Arthur, who has three
long-term conditions, into a tests appointment this afternoon and his care planning conversation two
weeks later; Derek books his own review on his phone (390 pixels, no JavaScript) through his
invitation's link; the health care assistant opens today's list, sees Arthur arrive and records his
blood pressure, weight and HbA1c; and with the last test in, Arthur's pack is ready to send.

Every page on the way is checked with axe; TANDEM_SCREENSHOTS=1 writes each step's picture to
docs/screenshots/journey-*.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tandem.booking.models import Appointment
from tandem.core import clock
from tandem.messaging import link_actions, links
from tandem.messaging.models import ReplyLink
from tandem.patients.models import Observation
from tandem.terminology import observations
from tests.browser.test_self_booking import _checked, _submit, phones  # noqa: F401

from .conftest import PASSWORD, check_accessibility, screenshot, sign_in, visit
from .people import CKD_STAGE_3A, HYPERTENSION, TYPE_2_DIABETES

pytestmark = pytest.mark.browser

D = dt.date
MONDAY = D(2026, 6, 15)


@pytest.fixture
def practice(clinic):
    """Riverside with a manager, an administrator and a health care assistant besides the nurse; Arthur
    (hypertension, type 2 diabetes, CKD) whose cholesterol and kidney results came back from the lab this morning,
    and Derek (hypertension, type 2 diabetes, CKD too) invited by email; everyone's reviews planned."""
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.patients import actions as patient_actions
    from tandem.recall import actions as recall_actions
    from tandem.recall.models import Review
    from tandem.registers import actions as register_actions

    c = clinic
    c.manager = core_actions.add_staff(practice=c.practice, username="manager", role=Role.MANAGER, by=None,
                                       password=PASSWORD, first_name="Helen", last_name="Brooks")
    c.admin = core_actions.add_staff(practice=c.practice, username="admin", role=Role.ADMIN, by=None,
                                     password=PASSWORD, first_name="Priya", last_name="Shah")
    c.hca = core_actions.add_staff(practice=c.practice, username="hca", role=Role.HCA, by=None,
                                   password=PASSWORD, first_name="Grace", last_name="Okoro")
    c.arthur = patient_actions.register_patient(
        practice=c.practice, by=None, nhs_number="9990000050", given_name="Arthur", family_name="Pryce",
        date_of_birth=D(1951, 4, 2), sex="male", address_line1="3 Canal Street", town="Leeds", postcode="LS6 3BB",
        email="arthur@example.org", preferred_channel="email", registered_on=D(1999, 1, 4))
    c.derek = type(c.arthur).objects.get(practice=c.practice, nhs_number="9990000042")
    type(c.derek).objects.filter(pk=c.derek.pk).update(email="derek@example.org", preferred_channel="email")
    c.derek.refresh_from_db()
    for person in (c.arthur, c.derek):
        for code, onset in ((HYPERTENSION, D(2010, 3, 1)), (TYPE_2_DIABETES, D(2014, 6, 9)), (CKD_STAGE_3A, D(2020, 2, 2))):
            patient_actions.record_condition(patient=person, by=c.nurse, code=code, onset_date=onset)
    # Arthur's blood and urine went to the lab first thing this morning and are back: the HCA's
    # appointment this afternoon records the rest.
    for concept, value in (("total_cholesterol", 4.9), ("ldl", 2.6), ("egfr", 52), ("urine_acr", 3.1)):
        patient_actions.record_observation(patient=c.arthur, by=c.nurse, concept=concept, value=value,
                                           effective_date=MONDAY, source_id=f"lab:{concept}")
    patient_actions.record_observation(patient=c.arthur, by=c.nurse, concept="smoking", value_code="ex",
                                       effective_date=MONDAY - dt.timedelta(days=40))
    register_actions.refresh_practice(practice=c.practice, by=None)
    recall_actions.plan_reviews(practice=c.practice, by=None)
    c.arthur_review = Review.objects.get(patient=c.arthur)
    c.derek_review = Review.objects.get(patient=c.derek)
    c.token = link_actions.issue_links(practice=c.practice, by=c.admin, requests=[link_actions.LinkRequest(
        patient=c.derek, purpose=ReplyLink.Purpose.INVITATION, object_id=c.derek_review.pk,
        expires_at=links.invitation_expires_at(clock.now()))])[0].token
    return c


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def add_weekly_session(page, *, who: str, purpose: str, start: str, end: str, slot: str, place: str) -> None:
    visit(page, "/clinics/weekly/new/")
    page.get_by_label("Who holds the session").select_option(label=who)
    page.get_by_label(purpose, exact=True).check()
    page.get_by_label("Place (optional)").fill(place)
    page.get_by_label("Start time").fill(start)
    page.get_by_label("End time").fill(end)
    page.get_by_label("Slot length").fill(slot)
    page.get_by_label("Day of the week").select_option(label="Monday")
    page.get_by_label("Every week", exact=True).check()
    first = page.locator("#first_day")
    first.get_by_label("Day").fill("15")
    first.get_by_label("Month").fill("6")
    first.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Save weekly session").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)


def test_sessions_bookings_self_booking_and_the_tests_day_make_the_pack_ready(page, phones, practice):  # noqa: F811
    c = practice

    # 1. The practice manager sets up Monday's sessions: the HCA's tests and the nurse's conversations.
    sign_in(page, "manager")
    add_weekly_session(page, who="Grace Okoro (Health care assistant)", purpose="Tests appointments",
                       start="13:00", end="16:00", slot="15", place="Treatment room")
    add_weekly_session(page, who="Nia Evans (Practice nurse)", purpose="Care planning conversations",
                       start="14:00", end="17:00", slot="15", place="Room 3")
    visit(page, "/clinics/?week=2026-06-15")
    expect(page.locator("main")).to_contain_text("Treatment room")
    expect(page.locator("main")).to_contain_text("Room 3")
    screenshot(page, "journey-1-sessions")
    visit(page, "/recall/forecast/")  # staff time now comes from the sessions: 180 minutes each a week
    week = page.locator("#week-2026-06-15")
    expect(week).to_contain_text("180")
    screenshot(page, "journey-2-weeks-ahead")
    sign_out(page)

    # 2. The administrator books Arthur: the tests first, then the conversation at least 14 days later.
    sign_in(page, "admin")
    visit(page, f"/booking/reviews/{c.arthur_review.pk}/")
    page.get_by_label("Monday 15 June 2026 at 13:00").check()
    page.get_by_role("button", name="Book the tests appointment").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-notification-banner, .tandem-flash, main").first).to_contain_text(
        "Tests appointment booked: Monday 15 June 2026 at 13:00 with Grace Okoro")
    page.locator("input[name=place][id^=talk-place]").first.check()
    page.get_by_role("button", name="Book the conversation").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator("main")).to_contain_text("Care planning conversation booked: Monday 29 June 2026")
    screenshot(page, "journey-3-booked-by-the-administrator")
    sign_out(page)

    # 3. Derek books his own review on his phone, with JavaScript off.
    phone, checker = phones
    born = c.derek.date_of_birth
    phone.goto(f"/r/{c.token}/")
    phone.get_by_label("Day").fill(str(born.day))
    phone.get_by_label("Month").fill(str(born.month))
    phone.get_by_label("Year").fill(str(born.year))
    _submit(phone, "Continue")
    phone.get_by_role("button", name="Book my appointments now").click()
    phone.wait_for_load_state()
    _checked(phone, checker, "journey-4-self-booking-tests")
    phone.locator("input[name=place]").first.check()
    _submit(phone, "Continue")
    phone.locator("input[name=place]").first.check()
    _submit(phone, "Continue")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your appointments")
    _submit(phone, "Book these appointments")
    expect(phone.locator(".nhsuk-panel")).to_contain_text("Your appointments are booked")
    _checked(phone, checker, "journey-5-self-booked")
    assert Appointment.objects.filter(review=c.derek_review, state="booked", booked_online=True).count() == 2

    # 4. The HCA opens today's list: Arthur at 13:00, each of his tests once; he arrives.
    sign_in(page, "hca")
    page.get_by_role("link", name="Today").click()
    page.wait_for_url("**/booking/day/")
    check_accessibility(page)
    arthur = page.locator("tbody tr").filter(has_text="Arthur PRYCE")
    expect(arthur).to_contain_text("13:00")
    expect(arthur).to_contain_text("Blood pressure")
    expect(arthur).to_contain_text("HbA1c")
    arthur.get_by_role("button", name="Arrived").click()
    page.wait_for_load_state()
    check_accessibility(page)
    arthur = page.locator("tbody tr").filter(has_text="Arthur PRYCE")
    expect(arthur).to_contain_text("Arrived")
    screenshot(page, "journey-6-day-list")

    # 5. She records his blood pressure (two readings: the lower counts), weight and height, and HbA1c.
    arthur.get_by_role("link", name="Record results").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator("main")).to_contain_text("Still outstanding")
    page.get_by_label("First reading: systolic (top number, mmHg)").fill("148")
    page.get_by_label("First reading: diastolic (bottom number, mmHg)").fill("86")
    page.get_by_label("Second reading: systolic (top number, mmHg)").fill("141")
    page.get_by_label("Second reading: diastolic (bottom number, mmHg)").fill("88")
    page.get_by_label("Weight (kg)").fill("84.2")
    page.get_by_label("Height (cm, or choose metres)").fill("176")
    page.get_by_label("HbA1c", exact=True).fill("61")
    screenshot(page, "journey-7-recording-results")
    page.get_by_role("button", name="Save results").click()
    page.wait_for_load_state()
    check_accessibility(page)
    main = page.locator("main")
    expect(main).to_contain_text("141/86")  # the lowest top and lowest bottom numbers of the day
    expect(main).to_contain_text(
        "All the tests are in: the pack for the conversation on 29 June 2026 is ready to send.")
    screenshot(page, "journey-8-results-saved")
    hba1c = Observation.objects.get(patient=c.arthur, concept="hba1c", effective_date=MONDAY)
    concept = observations.BY_KEY["hba1c"]
    assert hba1c.value == 61 and hba1c.code in (*concept.snomed, *concept.loinc)  # coded, as the import codes it

    # 6. The packs page says Arthur's pack is ready (no longer waiting for results).
    visit(page, "/prepare/?day=2026-06-29")
    row = page.locator("tbody tr").filter(has_text="Arthur Pryce")
    expect(row).not_to_contain_text("Waiting for results")
    expect(row).to_contain_text("Ready")
    screenshot(page, "journey-9-pack-ready")
