"""The outbox as staff see it: filters, states, letters, checking held messages, demo pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.jobs.models import Job
from tandem.messaging import actions
from tandem.messaging.models import OutboxMessage


@pytest.fixture
def admin_client(client, universe):
    client.force_login(universe.admin)
    return client


@pytest.fixture
def sent(queue, settings, mailoutbox):
    settings.TANDEM_SMS_GATEWAY = None
    messages = {c: queue(c) for c in ("letter", "sms", "email")}
    actions.dispatch_pending()
    messages["waiting"] = queue("letter", key="waiting", variant="large_print")
    return messages


def test_outbox_lists_messages_with_their_state(admin_client, sent):
    html = admin_client.get(reverse("messaging:outbox")).content.decode()
    assert "4 messages" in html
    assert "Ready to post" in html and "Delivered" in html and "Sent" in html and "Waiting to send" in html
    assert "Letter, large print" in html
    assert html.count("Open letter") == 1
    assert "1 message is waiting to send." in html
    assert "Demo mailbox" in html and "Demo text messages" in html
    assert AuditEvent.objects.filter(what="message.outbox", detail__shown=4).exists()


def test_outbox_filters_by_state_and_channel(admin_client, sent):
    html = admin_client.get(reverse("messaging:outbox"), {"state": "queued"}).content.decode()
    rows = html.split("<tbody")[1].split("</tbody>")[0]
    assert "Waiting to send" in rows and "Ready to post" not in rows
    html = admin_client.get(reverse("messaging:outbox"), {"channel": "sms"}).content.decode()
    rows = html.split("<tbody")[1].split("</tbody>")[0]
    assert "Text message" in rows and "Letter" not in rows
    assert admin_client.get(reverse("messaging:outbox"), {"state": "nonsense"}).status_code == 200


def test_names_and_addresses_are_escaped_on_the_outbox(admin_client, queue, patient):
    patient.given_name, patient.address_line1 = "<script>x()</script>", "<b>1</b> Lane"
    patient.save()
    message = queue("letter")
    html = admin_client.get(reverse("messaging:outbox")).content.decode()
    assert "<script>x()" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html
    detail = admin_client.get(reverse("messaging:message", kwargs={"message_id": message.pk})).content.decode()
    assert "<b>1</b>" not in detail and "&lt;b&gt;1&lt;/b&gt; Lane" in detail


def test_a_letter_opens_as_a_pdf_and_the_viewing_is_audited(admin_client, sent, patient):
    letter = sent["letter"]
    response = admin_client.get(reverse("messaging:letter", kwargs={"message_id": letter.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="letter-{letter.pk}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(what="message.letter", patient_id=patient.pk, action="view").exists()
    download = admin_client.get(reverse("messaging:letter", kwargs={"message_id": letter.pk}), {"download": 1})
    assert download["Content-Disposition"].startswith("attachment;")
    # not made yet: nothing to open
    waiting = sent["waiting"]
    assert admin_client.get(reverse("messaging:letter", kwargs={"message_id": waiting.pk})).status_code == 404


def test_message_page_shows_what_was_sent(admin_client, sent, patient):
    sms = sent["sms"]
    html = admin_client.get(reverse("messaging:message", kwargs={"message_id": sms.pk})).content.decode()
    assert "Recall invitation to Margaret Okafor" in html
    assert "+447700900123" in html and "1 text message" in html and "Delivered" in html
    assert "Hello Margaret, it&#39;s time for your yearly health review" in html
    assert AuditEvent.objects.filter(what="message", patient_id=patient.pk).exists()


def test_a_held_message_asks_a_person_to_check_it(admin_client, queue, universe):
    sms = queue("sms")
    actions._claim(sms.pk)
    OutboxMessage.objects.filter(pk=sms.pk).update(last_error="No answer from the text message service (TimeoutError).")
    url = reverse("messaging:message", kwargs={"message_id": sms.pk})
    html = admin_client.get(url).content.decode()
    assert "Check whether this was sent" in html and "Needs checking" in html
    assert "Needs checking" in admin_client.get(reverse("messaging:outbox")).content.decode()
    admin_client.post(reverse("messaging:resolve", kwargs={"message_id": sms.pk}), {"outcome": "again"})
    sms.refresh_from_db()
    assert sms.state == "queued"


def test_the_send_button_asks_once_per_page(admin_client, sent):
    page = admin_client.get(reverse("messaging:outbox")).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    first = admin_client.post(reverse("messaging:send"), {"token": token})
    second = admin_client.post(reverse("messaging:send"), {"token": token})
    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind="messaging.dispatch").count() == 1
    assert first["Location"].startswith("/jobs/")


def test_another_practices_messages_are_not_found(client, universe, sent):
    client.force_login(universe.other_nurse)
    for name in ("messaging:message", "messaging:letter"):
        assert client.get(reverse(name, kwargs={"message_id": sent["letter"].pk})).status_code == 404
    assert client.post(reverse("messaging:resolve", kwargs={"message_id": sent["sms"].pk}),
                       {"outcome": "again"}).status_code == 404
    assert "Nothing has been sent yet" in client.get(reverse("messaging:outbox")).content.decode()
    assert "Hello Margaret" not in client.get(reverse("messaging:demo_texts")).content.decode()


def test_demo_text_log_shows_this_practices_texts(admin_client, sent):
    html = admin_client.get(reverse("messaging:demo_texts")).content.decode()
    assert "+447700900123" in html and "Hello Margaret" in html and "1 text message" in html


def test_demo_pages_do_not_exist_in_production(admin_client, settings, sent):
    settings.PRODUCTION = True
    settings.TANDEM_SMS_GATEWAY = "tandem.messaging.gateways.DemoSmsGateway"
    for name in ("messaging:demo_texts", "messaging:demo_mailbox"):
        assert admin_client.get(reverse(name)).status_code == 404
    assert "Demo mailbox" not in admin_client.get(reverse("messaging:outbox")).content.decode()


def test_signed_out_people_are_sent_to_sign_in(client, universe):
    assert client.get(reverse("messaging:outbox")).status_code == 302
    assert client.get(reverse("messaging:demo_mailbox")).status_code == 302
