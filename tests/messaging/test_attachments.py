"""An email's files (a care plan's PDF): written with the message, sent over SMTP as attachments, and
shown by name in the demo mailbox, where staff who may read the email can open them (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.messaging import actions
from tandem.messaging.models import MessageAttachment, OutboxMessage, SinkEmail
from tests.messaging.conftest import CONTEXT
from tests.messaging.test_smtp_sink import sink  # noqa: F401 - the fixture

PDF = b"%PDF-1.7\n% a small file\n"


def queue_with_file(universe, patient, *, channel="email", key="with-file", name="care-plan-version-1.pdf"):
    return actions.queue_message(
        practice=universe.practice, patient=patient, channel=channel, template="recall_invitation", context=CONTEXT,
        idempotency_key=key, by=universe.admin,
        attachments=(actions.Attachment(name=name, content_type="application/pdf", data=PDF),))


def test_a_file_is_written_with_its_message_and_once(universe, patient):
    message = queue_with_file(universe, patient)
    again = queue_with_file(universe, patient)
    assert again.pk == message.pk
    file = MessageAttachment.objects.get()
    assert (file.message, file.name, bytes(file.data), file.size) == (message, "care-plan-version-1.pdf", PDF, len(PDF))


def test_only_an_email_carries_files(universe, patient):
    with pytest.raises(actions.MessagingError, match="Only an email"):
        queue_with_file(universe, patient, channel="letter")
    assert not OutboxMessage.objects.exists() and not MessageAttachment.objects.exists()


def test_listing_the_outbox_never_loads_the_files(universe, patient, client):
    queue_with_file(universe, patient)
    client.force_login(universe.admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("messaging:outbox")).status_code == 200
    assert not any("messaging_messageattachment" in q["sql"] for q in captured.captured_queries)


def test_the_file_goes_out_over_smtp_and_the_demo_mailbox_opens_it(sink, universe, patient, client):  # noqa: F811
    message = queue_with_file(universe, patient)
    assert actions.dispatch_pending().sent == 1
    received = SinkEmail.objects.get(outbox_id=message.pk)
    client.force_login(universe.nurse)
    page = client.get(reverse("messaging:demo_email", kwargs={"email_id": received.pk})).content.decode()
    opened = reverse("messaging:demo_attachment", kwargs={"email_id": received.pk, "number": 1})
    assert f'<a href="{opened}">care-plan-version-1.pdf</a>' in page
    response = client.get(opened)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == PDF
    assert 'filename="care-plan-version-1.pdf"' in response["Content-Disposition"]
    event = AuditEvent.objects.get(what="message.demo_attachment")
    assert (event.user, event.patient_id) == (universe.nurse, patient.pk)
    assert client.get(reverse("messaging:demo_attachment", kwargs={"email_id": received.pk, "number": 2})
                      ).status_code == 404


def test_another_practices_staff_cannot_open_the_file(sink, universe, patient, client):  # noqa: F811
    message = queue_with_file(universe, patient)
    actions.dispatch_pending()
    received = SinkEmail.objects.get(outbox_id=message.pk)
    client.force_login(universe.other_nurse)
    assert client.get(reverse("messaging:demo_attachment", kwargs={"email_id": received.pk, "number": 1})
                      ).status_code == 404
    assert not AuditEvent.objects.filter(what="message.demo_attachment").exists()
