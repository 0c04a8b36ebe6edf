"""Support between visits, end to end, as the practice and the person live it:

on Monday 15 June 2026 the nurse agrees monthly text check-ins in Dorothy's plan (her home blood pressure,
with amber and red levels, and her mood), names the GP as her named clinician, and sends her the plan
by email: the demo mailbox holds it, with the PDF. On 15 July her first check-in opens and goes by text;
she answers on her phone (390 pixels, no JavaScript) with a blood pressure above her red level and is
shown straight away what her plan says to do. The GP's home page shows the urgent task it made; he
accepts it and completes it with what he did.

Every page on the way is checked with axe; TANDEM_SCREENSHOTS=1 writes each step's picture to
docs/screenshots/between-visits-*.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from playwright.sync_api import expect

from tandem.core import clock
from tandem.messaging.link_actions import Secret
from tests.browser.test_self_booking import _checked, _submit, phones  # noqa: F401

from .conftest import check_accessibility, screenshot, sign_in, visit

pytestmark = pytest.mark.browser

JULY_15 = dt.date(2026, 7, 15)


@pytest.fixture
def sink(settings, clinic):
    """The demo mail sink on a free port, over real SMTP; Django's mailer pointed at it."""
    from tandem.messaging import actions
    from tandem.messaging.sink import MailSink

    def deliver(envelope):
        try:
            actions.store_sink_email(envelope)
        finally:
            connections.close_all()

    server = MailSink(deliver=deliver, port=0)
    port = server.start_in_thread()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10}}}
    yield server
    server.stop()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def _token(message) -> str:
    import re

    return Secret(nonce=re.search(r"reply-token-([0-9a-f]{32})", message.body)[1]).token


def test_check_ins_agreed_plan_emailed_red_reading_answered_and_the_task_done(page, phones, clinic, sink):  # noqa: F811
    from tandem.careplans.models import Task
    from tandem.checkins import actions as checkin_actions
    from tandem.checkins.models import Answer
    from tandem.messaging import actions as messaging_actions
    from tandem.messaging.models import OutboxMessage, SinkEmail
    from tandem.patients.models import Patient

    c = clinic
    Patient.objects.filter(pk=c.patient.pk).update(email="dorothy@example.org")

    # 1. The nurse agrees the plan with Dorothy: a goal she wants watched, what to do if things get
    #    worse, the GP as her named clinician, and monthly text check-ins with her home blood pressure.
    sign_in(page, "nurse")
    visit(page, f"/care-plans/{c.patient.pk}/")
    page.locator("#goals-0-words").fill("Walk to the post office and back without stopping")
    page.locator("#goals-0-importance").fill("9")
    page.get_by_label("Tell the named clinician if a check-in says this goal is going much worse than expected").first.check()
    if page.locator("#warning_signs-0-level").count() == 0:
        page.get_by_role("button", name="Add another warning sign").click()
        page.locator("#warning_signs-0-level").wait_for()
    page.locator("#warning_signs-0-level").select_option("red")
    page.locator("#warning_signs-0-signs").fill("Blood pressure at home 180/110 or higher, or a bad headache")
    page.locator("#warning_signs-0-what_to_do").fill("Sit quietly for 5 minutes and measure again. If it is still "
                                                      "that high, call the surgery and ask for the duty doctor today")
    page.locator("#warning_signs-0-contact").fill("Riverside Surgery, or 111 when we are closed")
    page.get_by_label("Named clinician", exact=True).select_option(label="Tom Adeyemi, GP")
    page.get_by_label("Check-ins between visits", exact=True).select_option(label="Every month")
    page.get_by_label("How", exact=True).select_option(label="A text message with a link")
    page.get_by_label("Home blood pressure (mmHg)").check()
    page.get_by_label("Home blood pressure: amber at or above (mmHg)").fill("150/95")
    page.get_by_label("Home blood pressure: red at or above (mmHg)").fill("180/110")
    page.get_by_label("Ask two short questions about mood (PHQ-2)").check()
    page.get_by_label("The plan was agreed with Dorothy").check()
    screenshot(page, "between-visits-1-agreed-in-the-plan")
    page.get_by_role("button", name="Save the plan").first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)

    # 2. She sends Dorothy the plan by email; the outbox sends it over SMTP to the demo mailbox.
    visit(page, f"/care-plans/{c.patient.pk}/plan/")
    expect(page.get_by_role("heading", name="Between visits")).to_be_visible()
    expect(page.locator(".plan-between")).to_contain_text("We will check in with you every month, by text message")
    page.locator("#send-channel").check()  # by email
    page.get_by_role("button", name="Send the plan").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("In the outbox to send: an email to Dorothy Whitfield").first).to_be_visible()
    messaging_actions.dispatch_pending(practice=c.practice)
    email = SinkEmail.objects.get()
    assert "Your care and support plan" in email.subject and b"application/pdf" in bytes(email.raw)
    visit(page, "/messages/demo/mailbox/")
    expect(page.locator("main")).to_contain_text("Your care and support plan")
    screenshot(page, "between-visits-2-the-plan-in-the-demo-mailbox")
    sign_out(page)

    # 3. A month on, her first check-in opens and goes by text.
    with clock.frozen(dt.datetime.combine(JULY_15, dt.time(9), tzinfo=clock.now().tzinfo)):
        opened = checkin_actions.open_due(practice=c.practice, by=None)
        assert (opened.opened, opened.sent) == (1, 1)
        text = OutboxMessage.objects.get(template="checkin")
        assert text.channel == "sms"

        # 4. Dorothy answers on her phone, JavaScript off: her blood pressure is 184/112.
        phone, checker = phones
        phone.goto(f"/r/{_token(text)}/")
        born = c.patient.date_of_birth
        phone.get_by_label("Day").fill(str(born.day))
        phone.get_by_label("Month").fill(str(born.month))
        phone.get_by_label("Year").fill(str(born.year))
        _submit(phone, "Continue")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Your check-in")
        _checked(phone, checker, "between-visits-3-check-in-on-her-phone")
        phone.get_by_label("Not as well as expected").check()
        phone.get_by_label("How confident do you feel now about managing your health?").fill("6")
        phone.get_by_label("Your blood pressure at home (the average of your readings, if you took several)").fill(
            "184/112")
        phone.locator("#phq2-1").check()  # not at all
        phone.locator("#phq2-2-2").check()  # several days
        phone.get_by_label("Is there anything you want to talk about before your next review?").fill(
            "My ankles swell in the evening <and> I want to ask about my water tablet")
        phone.get_by_label("I am the person this check-in is for").check()
        _submit(phone, "Send my check-in")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Your check-in: what to do now")
        expect(phone.locator("main")).to_contain_text("call the surgery and ask for the duty doctor today")
        _checked(phone, checker, "between-visits-4-what-to-do-now")
        answer = Answer.objects.get()
        assert answer.talk_about.startswith("My ankles swell in the evening <and>")  # kept as written

        # 5. The GP's home page shows the urgent task; he accepts it and completes it with an outcome.
        sign_in(page, "gp")
        page.get_by_label("Riverside Surgery").check()  # he works at two practices
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        check_accessibility(page)
        main = page.locator("main")
        expect(main).to_contain_text("Urgent")
        expect(main).to_contain_text("184/112")
        screenshot(page, "between-visits-5-named-clinicians-home")
        page.get_by_role("link", name="Check-in answers need a look").first.click()
        page.wait_for_load_state()
        check_accessibility(page)
        page.get_by_role("button", name="Accept the task").click()
        page.wait_for_load_state()
        page.get_by_label("Outcome: what was done").fill(
            "Phoned Dorothy: repeat reading 176/104. Amlodipine increased; nurse BP check booked for Friday.")
        page.get_by_role("button", name="Complete the task").click()
        page.wait_for_load_state()
        check_accessibility(page)
        expect(page.locator("main")).to_contain_text("Completed")
        screenshot(page, "between-visits-6-task-completed")
        task = Task.objects.get(referral_id__startswith="ci")
        assert (task.status, task.priority, task.to_user_id) == ("completed", "urgent", c.gp.pk)
        assert task.outcome.startswith("Phoned Dorothy")
