"""A community matron's referrals in a browser: her queue (an overdue one marked and first), a referral's page,
accepting it and completing it with the outcome; the GP who referred then sees the outcome on the home page.
Every page checked with axe; TANDEM_SCREENSHOTS=1 writes docs/screenshots/careteam-referrals*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.careplans.models import Task
from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401
from tests.careteam import referral_helpers
from tests.careteam.referral_helpers import refer

world = referral_helpers.world  # the shared people and organisations (a fixture)


@pytest.mark.browser
def test_a_community_matron_works_through_a_referral_and_the_gp_sees_the_outcome(transactional_db, world, page):  # noqa: F811
    import datetime as dt

    from playwright.sync_api import expect

    from tandem.careplans.rules.document import Referral

    u = world
    refer(u, to=u.nursing, more=(
        Referral(id="", what="Catheter review", to_provider_id=u.nursing.pk, by_when="2026-07-10"),))
    overdue = Task.objects.get(what="Catheter review")
    Task.objects.filter(pk=overdue.pk).update(due_on=dt.date(2026, 6, 12))  # agreed for a day now past

    sign_in(page, "jmarsh")
    visit(page, reverse("careteam:referrals"))
    expect(page.get_by_role("heading", name="Referrals to you", level=1)).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("Catheter review")
    expect(rows.first).to_contain_text("Overdue")
    screenshot(page, "careteam-referrals")

    page.get_by_role("link", name="Wound check and dressing, left leg").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("Leg ulcer healing slowly since May")).to_be_visible()
    expect(page.get_by_text("07700 900123")).to_be_visible()
    screenshot(page, "careteam-referrals-referral")
    page.get_by_role("button", name="Accept the referral").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("Referral accepted.")).to_be_visible()
    page.get_by_label("Outcome: what was done").fill("Dressed twice weekly for three weeks; healed. Discharged.")
    page.get_by_role("button", name="Complete the referral").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("Referral completed: the outcome has gone back to the practice.")).to_be_visible()
    screenshot(page, "careteam-referrals-completed")
    assert Task.objects.get(what="Wound check and dressing, left leg").status == "completed"

    page.context.clear_cookies()
    sign_in(page, "gp")
    expect(page.get_by_role("heading", name="Answers to your referrals")).to_be_visible()
    expect(page.get_by_text("Dressed twice weekly for three weeks; healed. Discharged.")).to_be_visible()
    screenshot(page, "careteam-referrals-answer-at-home")
