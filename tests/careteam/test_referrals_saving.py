"""A referral in the care plan to an organisation outside the practice: the plan saved makes one task owned by
that organisation (requested); another practice's organisation or one taken off the list is refused with a
clear message and nothing saved; one that does not use Tandem is sent through the outbox, as a secure email
with the referral letter attached as a PDF or, without an email address, as a letter to its address."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.careplans import actions
from tandem.careplans.models import CarePlan, Task, TaskEvent
from tandem.careplans.rules.document import Plan, Referral
from tandem.core.models import AuditEvent
from tandem.messaging.models import MessageAttachment, OutboxMessage
from tests.careteam import referral_helpers
from tests.careteam.referral_helpers import refer
from tests.pdf import pdf_pages

world = referral_helpers.world  # the shared people and organisations (a fixture)


def test_a_referral_to_an_organisation_makes_one_task_owned_by_it(world):
    u = world
    task = refer(u, to=u.nursing)
    assert (task.to_provider_id, task.to_role, task.to_user_id, task.status) == (u.nursing.pk, "", None, "requested")
    assert (task.what, task.due_on, task.sent_by, task.message_id) == (
        "Wound check and dressing, left leg", dt.date(2026, 6, 30), "tandem", None)
    [created] = TaskEvent.objects.filter(task=task)
    assert (created.kind, created.to_provider_id, created.by) == ("created", u.nursing.pk, u.gp)
    assert not OutboxMessage.objects.filter(patient=u.dorothy).exists()  # they read it in Tandem
    # saving the plan again keeps the one task
    from tandem.careplans import queries
    plan = queries.plan_of(queries.latest(u.practice, u.dorothy))
    assert plan.referrals[0].to_provider_name == "Riverside Community Nursing"
    actions.save_plan(patient=u.dorothy, by=u.gp, plan=plan, base_version=1)
    assert Task.objects.filter(patient=u.dorothy).count() == 1


def _save(u, referral, patient=None):
    patient = patient or u.dorothy
    base = CarePlan.objects.filter(patient=patient).values_list("version", flat=True).first() or 0
    return actions.save_plan(patient=patient, by=u.gp, plan=Plan(referrals=(referral,)), base_version=base)


def test_another_practices_organisation_is_refused_and_nothing_is_saved(world):
    u = world
    with pytest.raises(actions.PlanError) as refused:
        _save(u, Referral(id="", what="Wound check", to_provider_id=u.hillview_nurses.pk))
    [problem] = refused.value.problems
    assert problem.field == "referrals.0.to"
    assert "not one this practice refers to" in problem.message
    assert not CarePlan.objects.filter(patient=u.dorothy, version__gt=0).exists()
    assert not Task.objects.filter(patient=u.dorothy).exists()


def test_an_organisation_taken_off_the_list_is_refused_for_a_new_referral(world):
    from tandem.careteam import actions as careteam_actions

    u = world
    careteam_actions.set_provider_active(provider=u.nursing, by=None, active=False, expected_version=u.nursing.version)
    with pytest.raises(actions.PlanError, match="no longer on the practice's list"):
        _save(u, Referral(id="", what="Wound check", to_provider_id=u.nursing.pk))
    assert not Task.objects.filter(patient=u.dorothy).exists()


def test_a_referral_cannot_be_to_someone_at_the_practice_and_an_organisation_at_once(world):
    u = world
    with pytest.raises(actions.PlanError, match="Choose one"):
        _save(u, Referral(id="", what="Wound check", to_role="nurse", to_provider_id=u.nursing.pk))
    assert not Task.objects.filter(patient=u.dorothy).exists()


def test_an_organisation_without_tandem_gets_a_secure_email_with_the_referral_letter_as_a_pdf(world):
    u = world
    task = refer(u, to=u.agewell, what="Befriending and help getting out to the lunch club",
                 why="Lonely since her husband died; she would like company")
    assert (task.sent_by, task.status, task.to_provider_id) == ("email", "requested", u.agewell.pk)
    message = OutboxMessage.objects.get(pk=task.message_id)
    assert (message.channel, message.recipient, message.recipient_name, message.patient_id) == (
        "email", "referrals@agewell.example.org", "Age Well Leeds", u.dorothy.pk)
    assert "Dorothy" not in message.subject and "Referral from Riverside Surgery" in message.subject
    assert f"R{task.pk}" in message.body
    [attached] = MessageAttachment.objects.filter(message=message)
    assert (attached.name, attached.content_type) == ("referral-letter.pdf", "application/pdf")
    text = " ".join(pdf_pages(bytes(attached.data)))
    for expected in ("Referral: Dorothy Ashworth", "9 April 1941", "999 000 0034", "07700 900123", "12 Mill Lane",
                     "Befriending and help getting out to the lunch club", "Lonely since her husband died",
                     "By 30 June 2026", "Rowan Patel, GP", "Riverside Surgery", f"R{task.pk}"):
        assert expected in text, expected
    sent = AuditEvent.objects.get(what="careplans.referral.sent")
    assert (sent.patient_id, sent.object_id, sent.detail["channel"]) == (u.dorothy.pk, str(task.pk), "email")
    assert "Lonely" not in str(sent.detail)


def test_an_organisation_without_tandem_or_email_gets_a_letter_to_its_address(world):
    from tandem.messaging import actions as messaging

    u = world
    task = refer(u, to=u.carers_hub, what="Carer's assessment for her son")
    message = OutboxMessage.objects.get(pk=task.message_id)
    assert (task.sent_by, message.channel, message.recipient_name) == ("letter", "letter", "Leeds Carers Hub")
    assert message.recipient.splitlines() == ["Carers Hub", "22 Vicar Lane", "Leeds", "LS1 6AB"]
    assert "12 Mill Lane" in message.letter_html  # her address in the letter, not in the address window
    messaging.dispatch_pending(practice=u.practice)
    message.refresh_from_db()
    pages = pdf_pages(bytes(message.pdf.pdf))
    assert "Leeds Carers Hub Carers Hub 22 Vicar Lane" in pages[0]
    assert "Carer's assessment for her son" in " ".join(pages)


def test_an_organisation_neither_in_tandem_nor_reachable_is_refused(world):
    u = world
    from tests.careteam.referral_helpers import provider

    nowhere = provider(u.practice, "Silent Service")
    with pytest.raises(actions.PlanError, match="cannot reach them"):
        _save(u, Referral(id="", what="Anything", to_provider_id=nowhere.pk))
