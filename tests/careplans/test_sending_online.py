"""The plan sent home, as it arrives: the text's link opens the plan only after the right date of
birth, and only the version it was sent for; the email goes out over SMTP with the PDF attached; each
letter format lays out as a PDF; the written plan page reads a fixed number of queries."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from django.urls import reverse

from tandem.careplans import actions
from tandem.careplans.actions import sending
from tandem.core.models import AuditEvent
from tandem.messaging import actions as messaging
from tandem.messaging import letters
from tandem.messaging.link_actions import Secret
from tandem.messaging.models import OutboxMessage, ReplyLink, SinkEmail
from tests.careplans.test_sending import plan_fixture  # noqa: F401 - the fixture `plan`
from tests.careplans.test_written import first_plan
from tests.messaging.test_smtp_sink import sink  # noqa: F401 - the fixture
from tests.query_counts import queries_per_page

ARTHUR_BORN = {"dob[day]": "9", "dob[month]": "3", "dob[year]": "1950"}
WRONG = {"dob[day]": "10", "dob[month]": "3", "dob[year]": "1950"}


def texted(booked) -> str:
    """Send Arthur his plan by text; the working token the text carries."""
    sending.send_plan(version=booked.v1, patient=booked.arthur, practice=booked.practice, by=booked.nurse,
                      channel="sms")
    body = OutboxMessage.objects.get(channel="sms").body
    return Secret(nonce=re.search(r"reply-token-([0-9a-f]{32})", body)[1]).token


# --- Read online ---------------------------------------------------------------------------------

def test_the_texts_link_opens_the_plan_only_after_the_right_date_of_birth(client, plan):
    token = texted(plan)
    read = reverse("plan_online:read", args=[token])
    before = client.get(read)
    assert before.status_code == 302 and before["Location"] == reverse("reply:start", args=[token])
    wrong = client.post(reverse("reply:start", args=[token]), WRONG)
    assert wrong.status_code == 400 and "Walk to my daughter" not in wrong.content.decode()
    right = client.post(reverse("reply:start", args=[token]), ARTHUR_BORN)
    assert right["Location"] == read
    page = client.get(read)
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "My care and support plan" in html and "Walk to my daughter" in html
    assert "0113 496 0000" in html and "<script" not in html.split("</header>")[-1]
    assert "There is a newer version" not in html
    event = AuditEvent.objects.get(what="careplans.plan.online", action="view")
    assert (event.user, event.patient_id, event.object_id) == (None, plan.arthur.pk, str(plan.v1.pk))
    pdf = client.get(reverse("plan_online:pdf", args=[token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")


def test_the_link_shows_only_its_own_version_and_says_when_there_is_a_newer_one(client, plan):
    token = texted(plan)
    actions.save_plan(patient=plan.arthur, by=plan.nurse, plan=first_plan(rescue="Prednisolone 30mg for 5 days"),
                      base_version=1, note="Rescue pack")
    client.post(reverse("reply:start", args=[token]), ARTHUR_BORN)
    html = client.get(reverse("plan_online:read", args=[token])).content.decode()
    assert "There is a newer version of your plan" in html
    assert "Prednisolone" not in html  # version 2's words are not shown on version 1's link


def test_the_plan_link_opens_nothing_else_and_other_links_do_not_open_the_plan(client, plan):
    token = texted(plan)
    client.post(reverse("reply:start", args=[token]), ARTHUR_BORN)
    assert client.get(reverse("reply:answer", args=[token])).status_code == 302  # an invitation's page: back to start
    # a link for another person's plan version, however it was made, shows nothing of Arthur's
    link = ReplyLink.objects.get()
    ReplyLink.objects.filter(pk=link.pk).update(patient=plan.beatrice)
    page = client.get(reverse("plan_online:read", args=[token]))
    assert "Walk to my daughter" not in page.content.decode()


def test_an_unknown_or_expired_link_shows_nothing(client, plan):
    assert client.get(reverse("plan_online:read", args=["x" * 43])).status_code == 404
    token = texted(plan)
    ReplyLink.objects.update(expires_at="2026-06-01T00:00:00Z")
    assert client.get(reverse("plan_online:read", args=[token])).status_code == 410


def test_the_online_plan_works_at_390_pixels_without_javascript(client, plan):
    token = texted(plan)
    client.post(reverse("reply:start", args=[token]), ARTHUR_BORN)
    html = client.get(reverse("plan_online:read", args=[token])).content.decode()
    assert 'name="viewport"' in html
    assert "<form" not in html.split("</header>")[-1]  # nothing to submit, nothing scripted


# --- Email over SMTP ---------------------------------------------------------------------------------

def test_the_email_goes_out_over_smtp_with_the_plan_as_html_and_the_pdf_attached(sink, plan):  # noqa: F811
    sending.send_plan(version=plan.v1, patient=plan.arthur, practice=plan.practice, by=plan.nurse, channel="email")
    summary = messaging.dispatch_pending()
    assert summary.sent == 1
    received = SinkEmail.objects.get()
    assert received.recipients == "arthur@example.org"
    parsed = message_from_bytes(bytes(received.raw), policy=policy.default)
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "Walk to my daughter" in html and "<link" not in html and "<img" not in html
    assert "attached" in parsed.get_body(preferencelist=("plain",)).get_content()
    files = list(parsed.iter_attachments())
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [("care-plan-version-1.pdf", "application/pdf")]
    assert files[0].get_payload(decode=True).startswith(b"%PDF")


def test_the_demo_mailbox_shows_the_plans_pdf_to_clinicians_only(sink, plan, client):  # noqa: F811
    sending.send_plan(version=plan.v1, patient=plan.arthur, practice=plan.practice, by=plan.nurse, channel="email")
    messaging.dispatch_pending()
    received = SinkEmail.objects.get()
    shown = reverse("messaging:demo_email", kwargs={"email_id": received.pk})
    opened = reverse("messaging:demo_attachment", kwargs={"email_id": received.pk, "number": 1})
    client.force_login(plan.nurse)
    assert "care-plan-version-1.pdf" in client.get(shown).content.decode()
    assert client.get(opened).content.startswith(b"%PDF")
    client.force_login(plan.admin)  # an administrator does not read clinical detail
    assert "care-plan-version-1.pdf" not in client.get(shown).content.decode()
    assert client.get(opened).status_code == 403


# --- Letters, in each format -------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["standard", "large_print", "easy_read"])
def test_each_letter_format_lays_out_as_a_pdf_with_the_plan(plan, variant, tmp_path):
    sending.send_plan(version=plan.v1, patient=plan.arthur, practice=plan.practice, by=plan.nurse,
                      channel="letter", variant=variant, carer=plan.joan if variant == "easy_read" else None,
                      carer_channel="letter", carer_agreed=True)
    message = OutboxMessage.objects.filter(channel="letter", recipient_name="Arthur Bennett").get()
    pdf, pages = letters.to_pdf(message.letter_html)
    assert pages >= 2
    (tmp_path / f"plan-{variant}.pdf").write_bytes(pdf)
    from tests.messaging.conftest import pdf_text

    text = pdf_text(pdf)
    assert "Walk to my daughter" in text and "Riverside Surgery" in text
    assert "Arthur Bennett" in text and "3 Park Row" in text


# --- The staff page's queries ---------------------------------------------------------------------------

def test_the_written_plan_page_reads_a_fixed_number_of_queries_however_many_copies(client, plan):
    client.force_login(plan.nurse)
    url = reverse("careplans:plan", args=[plan.arthur.pk])
    sending.send_plan(version=plan.v1, patient=plan.arthur, practice=plan.practice, by=plan.nurse, channel="sms")
    one = queries_per_page(client, {"plan": url})["plan"]
    sending.send_plan(version=plan.v1, patient=plan.arthur, practice=plan.practice, by=plan.nurse, channel="letter",
                      carer=plan.joan, carer_channel="email", carer_agreed=True)
    actions.record_copy_given(version=plan.v1, by=plan.nurse, how="printed")
    assert queries_per_page(client, {"plan": url})["plan"] == one
    assert one == 16, one  # with one read of the goals' ratings (how each goal has gone between visits)


# --- Two clicks at the same moment -----------------------------------------------------------------------

def test_two_sendings_at_the_same_moment_send_once_and_record_once(transactional_db, plan):
    """Two requests at once (a double click on a slow connection): one message, one copy, one link. On
    PostgreSQL they really overlap; on SQLite the write lock takes them one after the other."""
    import threading

    from django.db import connections

    from tandem.careplans.models import CopyGiven

    start, problems = threading.Barrier(2), []

    def send():
        try:
            start.wait(10)
            sending.send_plan(version=plan.v1, patient=plan.arthur, practice=plan.practice, by=plan.nurse,
                              channel="sms")
        except Exception as exc:  # noqa: BLE001 - reported below
            problems.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not [p for p in problems if "locked" not in p], problems  # SQLite may refuse the second outright
    assert OutboxMessage.objects.count() == 1 and CopyGiven.objects.count() == 1
    assert ReplyLink.objects.count() == 1
