"""A person opens the reply link from their pack, gives their date of birth, reads the pack, says
what they want to talk about and sees what they sent; then the practice sees it. Every page on the
way is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401

from .test_agenda import make_pack

pytestmark = [pytest.mark.browser]

PACK_HTML = """
<h2>Your results</h2>
<p>Your HbA1c shows your average blood sugar over the last 2 to 3 months. It is 62.
The target we agreed with you is 58 or lower. Last year it was 70, so it has come down.</p>
"""


@pytest.fixture
def replying(transactional_db, booked):
    booked.pack, booked.token = make_pack(booked, booked.arthur, booked.arthur_talk, html=PACK_HTML)
    return booked


def test_a_person_replies_through_their_link_and_the_practice_sees_it(page, replying):  # noqa: F811
    u = replying
    visit(page, "/r/" + "x" * 43 + "/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")

    visit(page, f"/r/{u.token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your date of birth")
    expect(page.locator("main")).not_to_contain_text("HbA1c")
    screenshot(page, "reply-date-of-birth")

    # a wrong date first: a clear error, and how many tries are left
    page.get_by_label("Day").fill("10")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("1950")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("does not match our records")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("4 more tries")

    page.get_by_label("Day").fill("9")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/r/{u.token}/pack/")
    check_accessibility(page)
    expect(page.locator("#pack")).to_contain_text("It is 62.")
    expect(page.locator("main")).to_contain_text("Tuesday 23 June at 10:30am")
    screenshot(page, "reply-pack")

    page.get_by_role("link", name="Tell us what you would like to talk about").first.click()
    page.wait_for_url(f"**/r/{u.token}/reply/")
    check_accessibility(page)
    screenshot(page, "reply-form")

    # nothing filled in: an error, nothing saved
    page.get_by_role("button", name="Send your answers").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Tell us at least one thing")

    page.get_by_label("What matters most to you at the moment?").fill(
        "Getting back to the allotment.\nSleeping through the night.")
    page.get_by_label("Sleep").check()
    page.get_by_label("Medicines and side effects").check()
    page.get_by_label("Your questions").fill("Can I stop one of my tablets? <script>alert(1)</script>")
    page.get_by_label("Who is coming with you? (optional)").fill("My daughter")
    page.get_by_label("I am helping them, for example as their carer or family").check()
    page.get_by_label("If you are helping them, your name (optional)").fill("Jo Bennett")
    page.get_by_role("button", name="Send your answers").click()
    page.wait_for_url(f"**/r/{u.token}/sent/")
    check_accessibility(page)
    expect(page.locator(".nhsuk-panel")).to_contain_text("We have your answers")
    main = page.locator("main")
    expect(main).to_contain_text("Getting back to the allotment.")
    expect(main).to_contain_text("Can I stop one of my tablets? <script>alert(1)</script>")
    expect(main).to_contain_text("Jo Bennett")
    expect(main).to_contain_text("You can change your answers until your appointment starts")
    screenshot(page, "reply-sent")

    # coming back: the form shows what they sent
    page.get_by_role("link", name="Change your answers").click()
    page.wait_for_url(f"**/r/{u.token}/reply/")
    check_accessibility(page)
    expect(page.get_by_label("What matters most to you at the moment?")).to_have_value(
        "Getting back to the allotment.\nSleeping through the night.")
    expect(page.get_by_label("Sleep")).to_be_checked()

    # the practice: an administrator sees it and can type in a paper reply
    sign_in(page, "admin")
    visit(page, f"/prepare/conversations/{u.arthur_talk.pk}/agenda/paper/")
    main = page.locator("main")
    expect(main).to_contain_text("Getting back to the allotment.")
    expect(main).to_contain_text("Medicines and side effects")
    expect(main).to_contain_text("Jo Bennett")
    expect(main).to_contain_text("online reply")
    screenshot(page, "agenda-paper-entry")
    page.get_by_label("By phone").check()
    page.get_by_label("What matters most to you at the moment?").fill("Told us by phone: the allotment")
    page.get_by_label("The person", exact=True).check()
    page.get_by_role("button", name="Save this reply").click()
    # back on the conversation page, where the agenda comes first
    page.wait_for_url(f"**/prepare/conversations/{u.arthur_talk.pk}/#agenda")
    check_accessibility(page)
    expect(page.locator("#agenda")).to_contain_text("Told us by phone: the allotment")
    expect(page.locator("#agenda")).to_contain_text("Earlier versions (1)")
    visit(page, f"/prepare/conversations/{u.arthur_talk.pk}/agenda/")
    expect(page.locator("main")).to_contain_text("Version 2 (latest)")
    expect(page.locator("main")).to_contain_text("Told us by phone: the allotment")
