"""A paper pack's reply: a QR code and a short code to type (never the 43-character address), the
same link mechanism as invitations; a locked or expired pack link is shown on the packs list and the
conversation page, where staff send a fresh one."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.urls import reverse

from tandem.core import clock
from tandem.messaging import link_actions, links, qr
from tandem.messaging.models import OutboxMessage, ReplyLink
from tandem.prepare import actions
from tandem.prepare.models import Pack

ARTHUR_BORN = {"dob[day]": "9", "dob[month]": "3", "dob[year]": "1950"}
WRONG = {"dob[day]": "10", "dob[month]": "3", "dob[year]": "1950"}
PRINTED_CODE = re.compile(r"Your code: <strong class=\"nowrap\">([A-Z2-9]{4} [A-Z2-9]{4})</strong>")


def _send(u):
    actions.send_packs(practice=u.practice, by=u.admin, day=None, month=dt.date(2026, 6, 1))
    return Pack.objects.get(patient=u.arthur)


def test_a_paper_pack_carries_a_qr_code_and_a_short_code_to_type_not_a_long_address(booked):
    pack = _send(booked)
    letter = pack.message
    assert letter.channel == "letter"
    printed = link_actions.as_sent(letter.letter_html, html=True)  # as made into the PDF for posting
    assert not re.search(r"/r/[A-Za-z0-9_-]{43}", printed + link_actions.as_sent(letter.body))
    code = PRINTED_CODE.search(printed).group(1)
    # the reply words name the short address and the code, and the QR code holds both
    assert f"127.0.0.1:8000/r with the code {code}" in link_actions.as_sent(letter.body)
    assert qr.svg(link_actions.short_url(code.replace(" ", ""))) in printed
    assert code not in letter.letter_html + letter.body  # the stored copy holds no working code
    link = ReplyLink.objects.get(purpose="pack", object_id=booked.arthur_talk.pk)
    assert link.code_hash == links.code_digest(code.replace(" ", ""), key=link_actions.code_key())
    # the copy kept online and for staff names the link instead of repeating the code
    assert code not in str(pack.content) and code not in pack.html


def test_the_code_and_date_of_birth_open_the_pack(client, booked):
    pack = _send(booked)
    code = PRINTED_CODE.search(link_actions.as_sent(pack.message.letter_html, html=True)).group(1).replace(" ", "")
    response = client.post(reverse("reply:start", args=[code]), ARTHUR_BORN)
    assert response.status_code == 302 and response["Location"] == reverse("reply:pack", args=[code])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "HbA1c" in pack.html and "HbA1c" in page.content.decode()


def test_a_locked_pack_link_is_shown_on_the_packs_list_and_a_fresh_one_is_sent_from_the_conversation(booked):
    u = booked
    pack = _send(u)
    code = PRINTED_CODE.search(link_actions.as_sent(pack.message.letter_html, html=True)).group(1).replace(" ", "")
    stranger = Client()
    for _ in range(5):
        stranger.post(reverse("reply:start", args=[code]), WRONG)
    staff = Client()
    staff.force_login(u.admin)
    listed = staff.get(reverse("prepare:packs") + "?month=2026-06").content.decode()
    assert "Link locked" in listed
    page_url = reverse("prepare:conversation", args=[u.arthur_talk.pk])
    page = staff.get(page_url).content.decode()
    assert "Locked after 5 wrong dates of birth" in page
    link = ReplyLink.objects.get(purpose="pack", object_id=u.arthur_talk.pk)
    response = staff.post(reverse("messaging:fresh_link", args=[link.pk]), {"next": page_url})
    assert response.status_code == 302 and response["Location"] == page_url
    fresh = OutboxMessage.objects.get(template="reply_link")
    assert fresh.patient_id == u.arthur.pk and fresh.channel == "letter"
    new_code = PRINTED_CODE.search(link_actions.as_sent(fresh.letter_html, html=True)).group(1).replace(" ", "")
    assert stranger.get(reverse("reply:start", args=[code])).status_code == 410
    opened = Client().post(reverse("reply:start", args=[new_code]), ARTHUR_BORN)
    assert opened["Location"] == reverse("reply:pack", args=[new_code])
    assert "Link locked" not in staff.get(reverse("prepare:packs") + "?month=2026-06").content.decode()


def test_an_expired_pack_link_is_shown_as_expired(booked):
    u = booked
    _send(u)
    link = ReplyLink.objects.get(purpose="pack", object_id=u.arthur_talk.pk)
    staff = Client()
    staff.force_login(u.admin)
    with clock.frozen(link.expires_at + dt.timedelta(hours=1)):
        page = staff.get(reverse("prepare:conversation", args=[u.arthur_talk.pk])).content.decode()
    assert "Expired" in page and "Send a new link (the old one stops working)" in page
