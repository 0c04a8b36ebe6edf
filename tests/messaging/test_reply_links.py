"""Reply links on paper and online: the short code and QR code in letters, the link in emails, the
invitation's answer page behind the date of birth, and a fresh link from staff when one is locked or
expired (the old one stops working at once)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.messaging import link_actions, links, qr
from tandem.messaging.models import OutboxMessage, ReplyLink
from tandem.recall import actions as recall_actions
from tandem.recall.models import RecallException
from tests.recall.conftest import planned, recall, review_of  # noqa: F401

COLIN_BORN = {"dob[day]": "20", "dob[month]": "7", "dob[year]": "1970"}
WRONG = {"dob[day]": "21", "dob[month]": "7", "dob[year]": "1970"}
LONG_TOKEN = re.compile(r"/r/[A-Za-z0-9_-]{43}/")
PRINTED_CODE = re.compile(r"Your code: <strong class=\"nowrap\">([A-Z2-9]{4} [A-Z2-9]{4})</strong>")


@pytest.fixture
def invited(planned):  # noqa: F811 - the recall fixture, imported above
    """June's invitations are out: Colin by large-print letter, Fatima by email, Beatrice by text."""
    recall_actions.send_due_invitations(practice=planned.practice, month=dt.date(2026, 6, 1), by=planned.admin)
    u = planned
    u.colin_letter = OutboxMessage.objects.get(patient=u.colin)
    u.code = PRINTED_CODE.search(_as_printed(u.colin_letter)).group(1)
    u.colin_link = ReplyLink.objects.get(patient=u.colin)
    return u


def _as_printed(letter: OutboxMessage) -> str:
    """The letter's HTML as it is made into the PDF for posting (the stored copy holds no code)."""
    return link_actions.as_sent(letter.letter_html, html=True)


def test_a_code_has_eight_characters_nobody_can_misread():
    codes = {links.new_code() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert len(code) == 8 and not set(code) & set("0O1IL")
        assert links.normalise_code(f" {code[:4].lower()}-{code[4:]} ") == code
    assert links.normalise_code("KX7M 4TQO") is None  # no code has an O
    assert links.normalise_code("KX7M4TQ") is None
    assert links.code_digest("KX7M4TQ9", key="a") != links.code_digest("KX7M4TQ9", key="b")


def test_an_invitation_letter_carries_a_scan_sized_qr_code_and_a_short_code_not_a_long_address(invited):
    u = invited
    html = _as_printed(u.colin_letter)
    assert not LONG_TOKEN.search(html) and not LONG_TOKEN.search(link_actions.as_sent(u.colin_letter.body))
    assert "127.0.0.1:8000/r" in u.colin_letter.body
    assert "width: 25mm; height: 25mm" in html  # about 2.5 cm square
    code = u.code.replace(" ", "")
    # the QR code holds the short address with the same code as printed beside it
    short = link_actions.short_url(code)
    assert short == f"http://127.0.0.1:8000/r/{code}/"
    assert qr.svg(short) in html
    made = qr.make(short)
    assert made.error in ("M", "Q", "H") and made.mode == "byte" and not made.is_micro
    # only digests are kept
    link = u.colin_link
    assert link.purpose == "invitation" and link.object_id == review_of(u.colin).pk
    assert link.code_hash == links.code_digest(code, key=link_actions.code_key())
    assert code not in str(ReplyLink.objects.filter(pk=link.pk).values().get())


def test_the_email_invitation_carries_the_reply_link(invited):
    u = invited
    email = OutboxMessage.objects.get(patient=u.fatima)
    token = re.search(r"http://127\.0\.0\.1:8000/r/([A-Za-z0-9_-]{43})/", link_actions.as_sent(email.body)).group(1)
    link = ReplyLink.objects.get(patient=u.fatima)
    assert link.token_hash == links.digest(token)
    assert "You can tell us you will book, ask us to call you back" in email.body


def test_a_text_message_invitation_carries_the_reply_link_too(client, invited):
    """A text invitation carries the long link (where the person can answer or choose their times),
    as the email does; its stored copy holds only the mark."""
    u = invited
    text = OutboxMessage.objects.get(patient=u.beatrice)
    assert "reply-token-" in text.body and "choose your times online" in text.body
    token = re.search(r"/r/([A-Za-z0-9_-]{43})/", link_actions.as_sent(text.body)).group(1)
    assert ReplyLink.objects.get(patient=u.beatrice).token_hash == links.digest(token)
    assert client.get(reverse("reply:start", args=[token])).status_code == 200


def _open_with_code(client, code, born=COLIN_BORN):
    typed = client.post(reverse("reply:code"), {"code": code.lower().replace(" ", "-")})
    assert typed.status_code == 302
    start = typed["Location"]
    assert client.get(start).status_code == 200
    return client.post(start, born)


def test_typing_the_code_and_date_of_birth_lets_the_person_ask_to_be_called_back(client, invited):
    u = invited
    opened = _open_with_code(client, u.code)
    assert opened.status_code == 302 and opened["Location"].endswith("/answer/")
    page = client.get(opened["Location"])
    assert "Please call me to book" in page.content.decode()
    sent = client.post(opened["Location"], {"answer": "call_back"})
    assert sent.status_code == 302
    done = client.get(sent["Location"]).content.decode()
    assert "We will call you in the next few working days" in done
    u.colin_link.refresh_from_db()
    assert u.colin_link.answer == "call_back"
    assert AuditEvent.objects.filter(what="messaging.link.answer", patient_id=u.colin.pk).exists()


def test_not_this_year_is_recorded_for_staff_to_confirm_not_as_an_exception(client, invited, django_user_model):
    u = invited
    answer = _open_with_code(client, u.code)["Location"]
    client.post(answer, {"answer": "not_this_year"})
    assert review_of(u.colin).status == "invited"
    assert not RecallException.objects.filter(review=review_of(u.colin)).exists()
    staff = Client()
    staff.force_login(u.admin)
    page = staff.get(reverse("recall:review", args=[u.colin.pk])).content.decode()
    assert "Online answer: Does not want a review this year" in page
    assert "Check it with the person before recording a response" in page


def test_i_will_book_shows_how_the_phone_number_and_opening_times(client, invited):
    answer = _open_with_code(client, invited.code)["Location"]
    done = client.get(client.post(answer, {"answer": "will_book"})["Location"]).content.decode()
    assert "Please call us on 0113 496 0000 to book your tests appointment." in done
    assert "We are open from 8am to 6:30pm, Monday to Friday." in done


@pytest.mark.parametrize("chosen", ["", "booked", "x" * 300])
def test_an_answer_must_be_one_of_the_three(client, invited, chosen):
    answer = _open_with_code(client, invited.code)["Location"]
    response = client.post(answer, {"answer": chosen})
    assert response.status_code == 400
    assert "Choose what you would like to do" in response.content.decode()
    invited.colin_link.refresh_from_db()
    assert invited.colin_link.answer == ""


@pytest.mark.parametrize("typed", ["", "KX7M", "0000 0000", "<b>KX7M4TQ9</b>"])
def test_a_code_that_cannot_be_one_is_refused_with_a_message(client, invited, typed):
    response = client.post(reverse("reply:code"), {"code": typed})
    assert response.status_code == 400
    assert "Enter the" in response.content.decode() and "<b>KX7M" not in response.content.decode()


def test_an_unknown_code_says_only_that_the_link_does_not_work(client, invited):
    response = client.get(reverse("reply:start", args=["KX7M4TQ9"]))
    assert response.status_code == 404 and "Riverside" not in response.content.decode()


def test_a_pack_link_never_opens_the_invitation_answer(client, invited):
    page = reverse("reply:answer", args=[invited.code.replace(" ", "")])
    assert client.get(page).status_code == 302  # to the date of birth first


def _lock(code):
    stranger = Client()
    start = reverse("reply:start", args=[code.replace(" ", "")])
    for _ in range(5):
        last = stranger.post(start, WRONG)
    assert last.status_code == 410


def test_a_locked_invitation_link_is_shown_to_staff_who_send_a_fresh_one(client, invited):
    u = invited
    _lock(u.code)
    staff = Client()
    staff.force_login(u.admin)
    review_page = reverse("recall:review", args=[u.colin.pk])
    page = staff.get(review_page).content.decode()
    assert "Locked after 5 wrong dates of birth" in page and "Send a new link" in page
    response = staff.post(reverse("messaging:fresh_link", args=[u.colin_link.pk]), {"next": review_page})
    assert response.status_code == 302 and response["Location"] == review_page
    # the old code stops working at once; the new one goes by Colin's channel and format
    assert client.get(reverse("reply:start", args=[u.code.replace(" ", "")])).status_code == 410
    fresh = OutboxMessage.objects.get(template="reply_link")
    assert (fresh.patient_id, fresh.channel, fresh.variant) == (u.colin.pk, "letter", "large_print")
    new_code = PRINTED_CODE.search(_as_printed(fresh)).group(1)
    assert new_code != u.code
    assert _open_with_code(Client(), new_code).status_code == 302
    old, new = ReplyLink.objects.filter(patient=u.colin).order_by("pk")
    assert old.revoked_at is not None and old.revoked_by == u.admin and new.revoked_at is None
    event = AuditEvent.objects.get(what="messaging.link.fresh")
    assert event.detail == {"replaces": old.pk, "purpose": "invitation", "channel": "letter"}
    assert "Works" in staff.get(review_page).content.decode()


def test_an_expired_link_is_shown_to_staff_and_a_fresh_one_works_for_two_more_weeks(invited):
    u = invited
    later = u.colin_link.expires_at + dt.timedelta(days=1)
    staff = Client()
    staff.force_login(u.admin)
    with clock.frozen(later):
        assert "Expired" in staff.get(reverse("recall:review", args=[u.colin.pk])).content.decode()
        staff.post(reverse("messaging:fresh_link", args=[u.colin_link.pk]))
        new = ReplyLink.objects.get(patient=u.colin, revoked_at__isnull=True)
        assert new.expires_at >= later + dt.timedelta(days=14)


def test_a_fresh_link_cannot_be_sent_twice_for_the_same_old_one_or_for_another_practice(invited):
    u = invited
    link_actions.send_fresh_link(practice=u.practice, link=u.colin_link, by=u.admin, channel="letter",
                                 variant="standard", about={"what": "invitation"})
    with pytest.raises(link_actions.LinkError):
        link_actions.send_fresh_link(practice=u.practice, link=u.colin_link, by=u.admin, channel="letter",
                                     variant="standard", about={"what": "invitation"})
    other = Client()
    other.force_login(u.other_nurse)
    assert other.post(reverse("messaging:fresh_link", args=[u.colin_link.pk])).status_code == 404


def test_a_reminder_letter_carries_its_own_working_code_too(invited):
    u = invited
    with clock.frozen(dt.date(2026, 6, 30)):
        recall_actions.send_due_invitations(practice=u.practice, month=dt.date(2026, 6, 1), by=u.admin)
        reminder = OutboxMessage.objects.get(patient=u.colin, template="recall_reminder")
        code = PRINTED_CODE.search(_as_printed(reminder)).group(1)
        assert code != u.code and "127.0.0.1:8000/r" in reminder.body
        assert ReplyLink.objects.filter(patient=u.colin, revoked_at__isnull=True).count() == 2
        assert _open_with_code(Client(), code)["Location"].endswith("/answer/")


# --- What is stored is never a working link ------------------------------------------------------
# The outbox (every staff role reads it) keeps marks where the link goes; the working link is put in
# only in the copy that leaves: the email, the text, the PDF for posting.

def _everything_stored_as_text() -> str:
    """Every row of every table that keeps what was queued or shown (not the copies that left: the demo
    gateway's texts, the demo mailbox and the letters' PDFs for posting)."""
    from django.apps import apps

    left = {"messaging.demosms", "messaging.sinkemail", "messaging.letterpdf"}
    return "\n".join(str(list(m._default_manager.values())) for m in apps.get_models()
                     if m._meta.label_lower not in left and not m._meta.proxy)


def test_no_working_token_or_code_is_stored_for_any_invitation(invited):
    u = invited
    stored = _everything_stored_as_text()
    email = OutboxMessage.objects.get(patient=u.fatima)
    token = LONG_TOKEN.search(link_actions.as_sent(email.body)).group(0)
    assert token not in stored
    assert u.code not in stored and u.code.replace(" ", "") not in stored
    assert not LONG_TOKEN.search(stored)
    assert "reply-token-" in email.body and "reply-code-" in u.colin_letter.letter_html


def test_the_person_receives_a_working_link_by_email_and_text_and_on_the_posted_letter(client, invited, mailoutbox):
    from tandem.messaging import actions
    from tandem.messaging.models import DemoSms, LetterPdf
    from tests.pdf import pdf_pages

    u = invited
    summary = actions.dispatch_pending(practice=u.practice)
    assert summary.sent + summary.delivered >= 2
    # the email that left carries the long link, which opens Fatima's page
    [email] = [m for m in mailoutbox if m.to == [u.fatima.email]]
    token = re.search(r"/r/([A-Za-z0-9_-]{43})/", email.body).group(1)
    assert client.get(reverse("reply:start", args=[token])).status_code == 200
    assert ReplyLink.objects.get(patient=u.fatima).token_hash == links.digest(token)
    # the letter for posting carries the code printed in it
    pages = pdf_pages(LetterPdf.objects.get(message=u.colin_letter).pdf)
    assert any(u.code in page for page in pages)
    assert _open_with_code(Client(), u.code).status_code == 302
    # the stored copies still hold only marks
    u.colin_letter.refresh_from_db()
    assert u.code not in u.colin_letter.letter_html + u.colin_letter.body
    assert not DemoSms.objects.filter(text__contains="reply-").exists()


def test_a_fresh_link_by_text_works_and_staff_read_that_it_was_sent_not_the_link(client, invited):
    from tandem.messaging import actions
    from tandem.messaging.models import DemoSms

    u = invited
    fresh = link_actions.send_fresh_link(practice=u.practice, link=u.colin_link, by=u.admin, channel="letter",
                                         variant="standard", about={"what": "invitation"}).message
    u.colin.mobile = "07700 900123"
    u.colin.save(update_fields=["mobile"])
    newest = ReplyLink.objects.get(patient=u.colin, revoked_at__isnull=True)
    by_text = link_actions.send_fresh_link(practice=u.practice, link=newest, by=u.admin, channel="sms",
                                           variant="standard", about={"what": "invitation"}).message
    assert "reply-token-" in by_text.body and not LONG_TOKEN.search(by_text.body)
    actions.dispatch_pending(practice=u.practice)
    text = DemoSms.objects.get(text__contains="new link").text
    token = re.search(r"/r/([A-Za-z0-9_-]{43})/", text).group(1)
    assert client.get(reverse("reply:start", args=[token])).status_code == 200
    # staff reading the outbox see that a link went and until when, never the link itself
    staff = Client()
    staff.force_login(u.admin)
    page = staff.get(reverse("messaging:message", args=[by_text.pk])).content.decode()
    assert token not in page and "reply-token-" not in page
    assert "(their reply link: sent, works until" in page
    assert fresh.pk != by_text.pk


def test_sending_a_message_again_sends_the_same_working_link(invited):
    """A resend (a text whose answer was lost, checked by a person and sent again) or a reprint makes the
    working link from the stored marks again: the same link, still working."""
    u = invited
    email = OutboxMessage.objects.get(patient=u.fatima)
    assert link_actions.as_sent(email.body) == link_actions.as_sent(email.body)
    letter = link_actions.as_sent(u.colin_letter.letter_html, html=True)
    assert letter == _as_printed(OutboxMessage.objects.get(pk=u.colin_letter.pk))
    assert _open_with_code(Client(), PRINTED_CODE.search(letter).group(1)).status_code == 302
