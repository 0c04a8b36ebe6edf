"""Queueing: one message per key, rendered when queued, addressed from the record, everything escaped."""

from __future__ import annotations

import pytest

from tandem.core.models import AuditEvent
from tandem.messaging import actions
from tandem.messaging.models import OutboxMessage

from .conftest import CONTEXT


def test_the_same_key_queues_nothing_new(queue):
    first = queue("letter", key="invite 2026 margaret")
    again = queue("letter", key="invite 2026 margaret")
    assert again.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(what="message.queued").count() == 1


def test_many_at_once_in_bulk_returns_one_per_request_in_order(universe, patient, queue):
    from tandem.patients import actions as patient_actions

    other = patient_actions.register_patient(
        practice=universe.practice, by=None, nhs_number="9990000042", given_name="Derek", family_name="Whitfield",
        date_of_birth=patient.date_of_birth, address_line1="3 Oak Street", postcode="LS6 2QT", mobile="07700900456")
    already = queue("sms", key="sms:margaret")
    requests = [
        actions.MessageRequest(patient=patient, channel="sms", template="recall_invitation", idempotency_key="sms:margaret"),
        actions.MessageRequest(patient=other, channel="sms", template="recall_invitation", idempotency_key="sms:derek"),
        actions.MessageRequest(patient=other, channel="letter", template="recall_invitation", idempotency_key="letter:derek",
                               variant="large_print", context=CONTEXT),
        actions.MessageRequest(patient=other, channel="sms", template="recall_invitation", idempotency_key="sms:derek"),
    ]
    messages = actions.queue_messages(practice=universe.practice, by=universe.admin, requests=requests)
    assert [m.idempotency_key for m in messages] == ["sms:margaret", "sms:derek", "letter:derek", "sms:derek"]
    assert messages[0].pk == already.pk and messages[1].pk == messages[3].pk
    assert OutboxMessage.objects.count() == 3
    assert set(AuditEvent.objects.filter(what="message.queued").values_list("patient_id", flat=True)) == {
        patient.pk, other.pk}


def test_content_and_address_are_fixed_when_queued(queue, patient):
    sms = queue("sms")
    assert sms.recipient == "+447700900123"
    assert sms.body == ("Riverside Surgery: Hello Margaret, it's time for your yearly health review (July 2026). "
                        "Please book your tests appointment on 0113 496 0000.")
    email = queue("email")
    assert email.recipient == "m.okafor@example.com"
    assert email.subject == "Your yearly health review is due in July 2026 – Riverside Surgery"
    assert "It is time for your yearly review of your type 2 diabetes and high blood pressure." in email.body
    assert "We will do a blood test, a urine test, blood pressure and weight." in email.body
    letter = queue("letter")
    assert letter.recipient == "12 Mill Lane\nLeeds\nLS1 4AB" and letter.recipient_name == "Margaret Okafor"
    assert letter.subject == "Your yearly health review is due in July 2026"
    assert "NHS number 999 000 0018" in letter.body
    # changing the record later does not change what was queued
    patient.mobile = "07700 900999"
    patient.save()
    sms.refresh_from_db()
    assert sms.recipient == "+447700900123"


def test_variants_choose_their_own_wording_or_type_size(queue):
    easy = queue("letter", variant="easy_read")
    large = queue("letter", variant="large_print")
    standard = queue("letter")
    assert easy.subject == "Time for your health check"
    assert "Every year we check your health." in easy.body
    assert large.subject == standard.subject  # the same words...
    assert '<body class="large_print">' in large.letter_html  # ...in large type


def test_a_missing_address_is_refused_with_a_reason(queue, patient):
    patient.mobile, patient.email, patient.address_line1 = "0113 496 0000", "", ""
    patient.save()
    for channel, reason in (("sms", "no UK mobile number"), ("email", "no valid email address"),
                            ("letter", "no postal address")):
        with pytest.raises(actions.NoAddress, match=reason):
            queue(channel)
    assert not OutboxMessage.objects.exists()
    assert actions.reachable_channels(patient) == set()


def test_only_patients_of_the_sending_practice(universe, queue):
    with pytest.raises(actions.MessagingError, match="patient of the practice"):
        queue("letter", who=universe.foreign_patient)


def test_unknown_templates_channels_and_reserved_context_are_refused(queue):
    with pytest.raises(actions.MessagingError, match="no message template called"):
        queue("letter", template="../../etc")
    with pytest.raises(actions.MessagingError, match="not 'fax'"):
        queue("fax")
    with pytest.raises(actions.MessagingError, match="may not set patient"):
        queue("letter", context={"patient": {"name": "someone else"}})


def test_a_bad_request_in_a_batch_queues_nothing(universe, patient):
    requests = [
        actions.MessageRequest(patient=patient, channel="sms", template="recall_invitation", idempotency_key="a"),
        actions.MessageRequest(patient=universe.foreign_patient, channel="sms", template="recall_invitation",
                               idempotency_key="b"),
    ]
    with pytest.raises(actions.MessagingError):
        actions.queue_messages(practice=universe.practice, by=None, requests=requests)
    assert not OutboxMessage.objects.exists()


NASTY = "<script>alert(1)</script> O'Brien & \"Sons\""


def test_what_people_typed_is_escaped_in_letters_and_plain_in_texts(queue, patient, universe):
    patient.given_name, patient.address_line1 = NASTY, "<b>12</b> Mill Lane"
    patient.save()
    universe.practice.name = "Riverside <i>Surgery</i>"
    universe.practice.save()
    letter = queue("letter", context={**CONTEXT, "conditions": ["<img src=x onerror=alert(1)>"]})
    assert "<script>" not in letter.letter_html and "<b>12</b>" not in letter.letter_html
    assert "<img" not in letter.letter_html and "<i>Surgery" not in letter.letter_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien &amp; &#34;Sons&#34;" in letter.letter_html
    # the letter's text (shown on the outbox page, which escapes it again) reads as typed
    assert f"Dear {NASTY} Okafor," in letter.body
    # text messages and emails are plain text: no HTML entities reach the phone or inbox
    sms = queue("sms")
    assert f"Hello {NASTY}," in sms.body and "&amp;" not in sms.body


def test_invitations_say_what_to_bring_or_do_before_the_tests(queue):
    prepare = ["Please bring all your inhalers and spacers.", "Please wear socks and shoes you can take off easily."]
    for channel, variant in (("letter", "standard"), ("letter", "easy_read"), ("email", "standard")):
        message = queue(channel, variant=variant, context={**CONTEXT, "prepare": prepare})
        text = message.letter_html if channel == "letter" else message.body
        assert "Please bring all your inhalers and spacers." in text, (channel, variant)
        assert "Please wear socks and shoes you can take off easily." in text, (channel, variant)
    without = queue("email", key="no-prepare", context=CONTEXT)
    assert "Before your tests appointment" not in without.body
