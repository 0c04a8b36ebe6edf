"""Sending the written plan home: one action from the saved plan, by email (the plan in the email and
the PDF attached), by letter in the person's format, or by text with a link to read it online; a copy
to a carer the person has agreed may have one. "Copies given" is recorded by the sending itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.careplans import actions, queries
from tandem.careplans.actions import sending
from tandem.careplans.models import CopyGiven, PlanVersion
from tandem.core.models import AuditEvent
from tandem.messaging.models import MessageAttachment, OutboxMessage, ReplyLink
from tandem.patients import actions as patient_actions
from tests.careplans.test_written import first_plan


@pytest.fixture(name="plan")
def plan_fixture(booked):
    """Arthur's plan (version 1), Arthur reachable by email, text and letter; his wife Joan his carer."""
    arthur = booked.arthur
    arthur.email, arthur.mobile = "arthur@example.org", "07700 900123"
    arthur.save()
    booked.v1 = actions.save_plan(patient=arthur, by=booked.nurse, plan=first_plan(), base_version=0,
                                  conversation=booked.arthur_talk, note="First plan").version
    booked.joan = patient_actions.add_related_person(patient=arthur, by=booked.nurse, name="Joan Bennett",
                                                     relationship="spouse", is_carer=True, email="joan@example.org")
    booked.neighbour = patient_actions.add_related_person(patient=arthur, by=booked.nurse, name="Ken Hall",
                                                          relationship="neighbour")
    return booked


def send_url(booked) -> str:
    return reverse("careplans:plan_send", kwargs={"patient_id": booked.arthur.pk})


def post(client, booked, **values):
    data = {"version": "1", **values}
    return client.post(send_url(booked), data)


# --- Each way ------------------------------------------------------------------------------------

def test_emailing_the_plan_queues_an_email_with_the_plan_and_the_pdf_and_records_the_copy(client, plan):
    client.force_login(plan.nurse)
    response = post(client, plan, channel="email")
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert (message.channel, message.template, message.recipient) == ("email", "care_plan", "arthur@example.org")
    assert message.subject == "Your care and support plan – Riverside Surgery"
    assert "Walk to my daughter" in message.letter_html and "Dear Arthur Bennett" in message.letter_html
    file = MessageAttachment.objects.get(message=message)
    assert file.name == "care-plan-version-1.pdf" and bytes(file.data).startswith(b"%PDF")
    copy = CopyGiven.objects.get()
    assert (copy.version, copy.how, copy.message, copy.to_name, copy.recorded_by) == (
        plan.v1, "email", message, "Arthur Bennett", plan.nurse)
    assert str(copy.on) == "2026-06-15"
    event = AuditEvent.objects.get(what="careplans.plan.sent")
    assert event.detail == {"version": 1, "channel": "email", "format": "standard", "message": message.pk, "to": "person"}
    page = client.get(response["Location"]).content.decode()
    assert "In the outbox to send: an email to Arthur Bennett." in page
    assert "Sent an email to Arthur Bennett on 15 June 2026 by Nia Evans" in page and "waiting to send" in page


@pytest.mark.parametrize(("variant", "how"), [("standard", "posted"), ("large_print", "large_print"),
                                              ("easy_read", "posted")])
def test_a_letter_goes_in_the_format_chosen(client, plan, variant, how):
    client.force_login(plan.nurse)
    assert post(client, plan, channel="letter", variant=variant).status_code == 302
    message = OutboxMessage.objects.get()
    assert (message.channel, message.variant) == ("letter", variant)
    assert message.recipient == "3 Park Row\nLeeds\nLS1 5AB"
    greeting = "Hello Arthur Bennett." if variant == "easy_read" else "Dear Arthur Bennett,"
    assert greeting in message.letter_html and "Walk to my daughter" in message.letter_html
    assert CopyGiven.objects.get().how == how


def test_the_letter_format_follows_their_reasonable_adjustments_by_default(client, plan):
    patient_actions.set_reasonable_adjustment(patient=plan.arthur, by=plan.nurse, kind="large_print")
    client.force_login(plan.nurse)
    page = client.get(reverse("careplans:plan", args=[plan.arthur.pk])).content.decode()
    assert "Their reasonable adjustments say: Large print." in page
    assert 'value="large_print" checked' in page
    post(client, plan, channel="letter")  # no format given: theirs
    assert OutboxMessage.objects.get().variant == "large_print"


def test_a_text_carries_a_link_to_read_the_plan_online(client, plan):
    client.force_login(plan.nurse)
    assert post(client, plan, channel="sms").status_code == 302
    message = OutboxMessage.objects.get()
    assert message.channel == "sms" and message.recipient == "+447700900123"
    assert message.body.startswith("Your care plan from Riverside Surgery is ready to read: http")
    assert "reply-token-" in message.body  # a mark: the working link is put in when it is sent
    link = ReplyLink.objects.get()
    assert (link.purpose, link.object_id, link.patient) == ("plan", plan.v1.pk, plan.arthur)
    assert link.expires_at.date().isoformat() == "2026-09-13"  # 90 days
    assert CopyGiven.objects.get().how == "portal"


# --- Refusals --------------------------------------------------------------------------------------

def test_no_email_address_is_a_clear_error_and_nothing_is_queued_or_recorded(client, plan):
    plan.arthur.email = ""
    plan.arthur.save()
    client.force_login(plan.nurse)
    page = client.get(reverse("careplans:plan", args=[plan.arthur.pk])).content.decode()
    assert "Arthur Bennett has no email address recorded, so the plan cannot be emailed." in page
    assert 'value="email" disabled' in page
    response = post(client, plan, channel="email")
    assert response.status_code == 400
    assert "has no email address recorded" in response.content.decode()
    assert not OutboxMessage.objects.exists() and not CopyGiven.objects.exists()


def test_no_mobile_number_is_a_clear_error_and_nothing_is_queued_or_recorded(client, plan):
    plan.arthur.mobile = ""
    plan.arthur.save()
    client.force_login(plan.nurse)
    response = post(client, plan, channel="sms")
    assert response.status_code == 400
    assert "has no UK mobile number recorded, so a text cannot be sent" in response.content.decode()
    assert not OutboxMessage.objects.exists() and not CopyGiven.objects.exists()
    assert not ReplyLink.objects.exists()


@pytest.mark.parametrize("channel", ["", "pigeon"])
def test_no_way_chosen_is_an_error(client, plan, channel):
    client.force_login(plan.nurse)
    response = post(client, plan, channel=channel)
    assert response.status_code == 400 and "Choose how to send the plan" in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_a_double_click_sends_once_and_records_once(client, plan):
    client.force_login(plan.nurse)
    post(client, plan, channel="email")
    second = post(client, plan, channel="email")
    assert second.status_code == 302
    assert OutboxMessage.objects.count() == 1 and CopyGiven.objects.count() == 1
    assert MessageAttachment.objects.count() == 1
    assert "Already in the outbox, so not sent again: an email to Arthur Bennett." in client.get(
        second["Location"]).content.decode()
    post(client, plan, channel="sms")
    post(client, plan, channel="sms")
    assert ReplyLink.objects.count() == 1 and OutboxMessage.objects.filter(channel="sms").count() == 1


def test_an_earlier_version_cannot_be_sent(client, plan):
    actions.save_plan(patient=plan.arthur, by=plan.nurse, plan=first_plan(), base_version=1, note="Again")
    client.force_login(plan.nurse)
    page = client.get(reverse("careplans:plan", args=[plan.arthur.pk]) + "?version=1").content.decode()
    assert "Only the latest version can be sent." in page and 'name="channel"' not in page
    response = post(client, plan, channel="email", version="1")
    assert response.status_code == 400
    assert "Only the latest version of the plan can be sent" in response.content.decode()
    assert not OutboxMessage.objects.exists()
    with pytest.raises(sending.SendError):
        sending.send_plan(version=plan.v1, patient=plan.arthur, practice=plan.practice, by=plan.nurse, channel="email")


def test_another_practices_patient_is_not_found(client, plan):
    client.force_login(plan.other_nurse)
    assert post(client, plan, channel="email").status_code == 404
    assert not OutboxMessage.objects.exists()


def test_staff_who_cannot_read_the_plan_cannot_send_it(client, plan):
    client.force_login(plan.admin)
    assert post(client, plan, channel="email").status_code == 403
    assert not OutboxMessage.objects.exists()


# --- A carer ---------------------------------------------------------------------------------------

def test_a_carer_gets_a_copy_by_email_once_the_person_has_agreed(client, plan):
    client.force_login(plan.nurse)
    response = post(client, plan, channel="letter", variant="standard", carer=str(plan.joan.pk),
                    carer_channel="email", carer_agreed=str(plan.joan.pk))
    assert response.status_code == 302
    to_joan = OutboxMessage.objects.get(channel="email")
    assert (to_joan.recipient, to_joan.recipient_name, to_joan.patient) == ("joan@example.org", "Joan Bennett",
                                                                           plan.arthur)
    assert "Arthur Bennett has agreed that you may have a copy" in to_joan.body
    assert to_joan.subject == "A copy of Arthur Bennett's care and support plan – Riverside Surgery"
    copy = CopyGiven.objects.get(message=to_joan)
    assert (copy.to_name, copy.carer, copy.carer_agreed) == ("Joan Bennett", plan.joan, True)
    assert CopyGiven.objects.get(carer=None).to_name == "Arthur Bennett"
    page = client.get(response["Location"]).content.decode()
    assert "Sent an email to Joan Bennett (their carer; they agreed) on 15 June 2026" in page


def test_a_carers_letter_goes_to_the_persons_address_marked_for_them(client, plan):
    client.force_login(plan.nurse)
    post(client, plan, channel="email", carer=str(plan.joan.pk), carer_channel="letter",
         carer_agreed=str(plan.joan.pk))
    letter = OutboxMessage.objects.get(channel="letter")
    assert "<p>Joan Bennett</p><p>c/o Arthur Bennett</p><p>3 Park Row</p>" in letter.letter_html
    assert "Dear Joan Bennett" in letter.letter_html


def test_a_carer_without_the_persons_agreement_is_refused_and_nothing_is_sent(client, plan):
    client.force_login(plan.nurse)
    response = post(client, plan, channel="email", carer=str(plan.joan.pk), carer_channel="email")
    assert response.status_code == 400
    assert ("Tick to confirm that the person has agreed that Joan Bennett may have a copy"
            in response.content.decode())
    assert not OutboxMessage.objects.exists() and not CopyGiven.objects.exists()


def test_only_carers_and_proxies_can_be_sent_a_copy(client, plan):
    client.force_login(plan.nurse)
    page = client.get(reverse("careplans:plan", args=[plan.arthur.pk])).content.decode()
    assert "Joan Bennett (spouse or partner)" in page and "Ken Hall" not in page
    response = post(client, plan, channel="email", carer=str(plan.neighbour.pk), carer_channel="email",
                    carer_agreed=str(plan.neighbour.pk))
    assert response.status_code == 400
    assert not OutboxMessage.objects.exists()


def test_a_carer_with_no_email_address_cannot_be_emailed(client, plan):
    plan.joan.email = ""
    plan.joan.save()
    client.force_login(plan.nurse)
    response = post(client, plan, channel="letter", carer=str(plan.joan.pk), carer_channel="email",
                    carer_agreed=str(plan.joan.pk))
    assert response.status_code == 400
    assert "Joan Bennett has no email address recorded" in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_the_manual_record_of_a_copy_is_unchanged(client, plan):
    client.force_login(plan.nurse)
    client.post(reverse("careplans:copy_given", args=[plan.arthur.pk]),
                {"version": "1", "how": "printed", "on[day]": "15", "on[month]": "6", "on[year]": "2026"})
    copy = CopyGiven.objects.get()
    assert copy.message is None and copy.to_name == ""
    assert "Printed and handed over on 15 June 2026, recorded by Nia Evans" in client.get(
        reverse("careplans:plan", args=[plan.arthur.pk])).content.decode()


def test_the_versions_stay_as_they_were(plan):
    assert queries.history(plan.practice, plan.arthur) == [PlanVersion.objects.get()]
