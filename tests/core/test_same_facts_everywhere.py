"""The same person on the same day reads the same facts on every screen and in every document.

Edith is 85, has type 2 diabetes and eight other conditions, and is moderately frail by the
electronic Frailty Index: her HbA1c target is 75 mmol/mol (QOF 2024/25 DM021), not 58. The staff
summary, the conversation workspace, her results pack and her written plan must all say so, and
all must follow her own agreed target once she has one. Every condition she reads about is named in
plain words; and the date each condition began is the register rule's, the same on every screen.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.terminology import codelists
from tandem.terminology.plain_names import plain_name
from tests.recall.conftest import ADDRESS, code_for, person, review_of

D = dt.date
NINE = ("diabetes_type2", "hypertension", "ckd_3_5", "atrial_fibrillation", "heart_failure",
        "coronary_heart_disease", "osteoarthritis", "osteoporosis", "hypothyroidism")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def edith(universe):
    """Edith, frail, with a tests appointment on 1 June and a conversation booked for 23 June 2026."""
    from tandem.patients import actions as patient_actions
    from tandem.prepare import actions as prepare_actions
    from tandem.recall import actions as recall_actions
    from tandem.registers import actions as register_actions
    from tandem.registers.models import PatientRisk

    u = universe
    practice = u.practice
    practice.address_line1, practice.town, practice.postcode, practice.phone = (
        "1 Riverside Road", "Leeds", "LS6 1AA", "0113 496 0000")
    practice.save()
    u.edith = person(practice, nhs_number="9990000034", given="Edith", family="Marsh", born=D(1941, 3, 10),
                     conditions=NINE, preferred_channel="letter", **ADDRESS)
    patient_actions.record_observation(patient=u.edith, by=u.nurse, concept="hba1c", value=70,
                                       effective_date=D(2026, 6, 1))
    patient_actions.record_blood_pressure(patient=u.edith, by=u.nurse, systolic=146, diastolic=84,
                                          effective_date=D(2026, 6, 1))
    register_actions.refresh_practice(practice=practice, by=None)
    assert PatientRisk.objects.get(patient=u.edith).frailty in ("moderate", "severe")
    recall_actions.plan_reviews(practice=practice, by=u.admin)
    starts = dt.datetime(2026, 6, 23, 10, 30, tzinfo=timezone.get_current_timezone())
    u.talk = prepare_actions.book_conversation(review=review_of(u.edith), by=u.admin, starts_at=starts, minutes=30,
                                               clinician=u.nurse, place="Riverside Surgery, room 3")
    return u


def _screens(client, u) -> dict[str, str]:
    """What each screen and document says, as text a person reads."""
    pages = {
        "summary": reverse("patients:summary", args=[u.edith.pk]),
        "workspace": reverse("careplans:workspace", args=[u.edith.pk]),
        "pack": reverse("prepare:preview", args=[u.talk.pk]) + "?variant=standard",
        "written plan": reverse("careplans:plan", args=[u.edith.pk]),
    }
    out = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        out[name] = text_of(response.content.decode())
    return out


def _save_plan(u, **plan):
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Plan

    plan_actions.save_plan(patient=u.edith, by=u.nurse, plan=Plan(information="Walk daily.", **plan), base_version=0)


def test_a_frail_persons_hba1c_target_is_75_on_every_screen_and_document(nurse_client, edith):
    _save_plan(edith)
    for name, text in _screens(nurse_client, edith).items():
        assert "75 mmol/mol or lower" in text, name
        assert "58 mmol/mol or lower" not in text, name
        # Blood pressure at 85: 150/90 (HYP009), never the under-80 target.
        assert "150/90 mmHg or lower" in text, name
        assert "140/90 mmHg or lower" not in text, name


def test_her_own_agreed_target_replaces_the_usual_one_everywhere(nurse_client, edith):
    from tandem.careplans.rules.document import TargetAgreement

    _save_plan(edith, targets=(TargetAgreement("hba1c", upper=64.0, reason="Fewer hypos."),))
    for name, text in _screens(nurse_client, edith).items():
        assert "64 mmol/mol or lower" in text, name
        assert "75 mmol/mol or lower" not in text, name


def _technical_names() -> dict[str, str]:
    """Register names a person must not read: those that are not their plain words."""
    out = {}
    for slug in codelists.LTC_SLUGS:
        name = codelists.display_name(slug)
        if name.lower() not in plain_name(slug).lower():
            out[slug] = name
    return out


def test_what_a_person_reads_names_conditions_in_plain_words(client, nurse_client, edith):
    from tandem.messaging.models import OutboxMessage
    from tandem.recall import actions as recall_actions

    _save_plan(edith, needs=_needs_for(NINE))
    screens = _screens(nurse_client, edith)
    technical = _technical_names()
    for name in ("pack", "written plan"):
        for slug, register_name in technical.items():
            assert register_name.lower() not in screens[name].lower(), (name, slug)
    assert "kidney disease" in screens["written plan"] and "high blood pressure" in screens["written plan"]
    # The invitation letter of someone due now (July), with several conditions.
    harold = person(edith.practice, nhs_number="9990000042", given="Harold", family="Pike", born=D(1950, 7, 3),
                    conditions=("hypertension", "ckd_3_5", "diabetes_type2", "copd", "stroke_tia"),
                    preferred_channel="letter", **ADDRESS)
    from tandem.registers import actions as register_actions

    register_actions.refresh_practice(practice=edith.practice, by=None)
    recall_actions.plan_reviews(practice=edith.practice, by=edith.admin)
    recall_actions.send_due_invitations(practice=edith.practice, month=D(2026, 6, 1), by=edith.admin)
    letter = OutboxMessage.objects.get(patient=harold)
    read = (letter.body + " " + text_of(letter.letter_html)).lower()
    assert "high blood pressure" in read and "kidney disease" in read and "type 2 diabetes" in read
    for slug, register_name in technical.items():
        assert register_name.lower() not in read, slug


def _needs_for(slugs):
    from tandem.careplans.rules.document import Need

    return (Need(id="n1", text="Keeping well", conditions=tuple(slugs)),)


def test_a_condition_coded_again_after_it_resolved_is_dated_from_its_new_episode_everywhere(
        universe, nurse_client):
    from tandem.patients import actions as patient_actions
    from tandem.registers import actions as register_actions

    resolved = sorted(codelists.get("diabetes_resolved").codes)[0]
    ivy = person(universe.practice, nhs_number="9990000050", given="Ivy", family="Lane", born=D(1950, 5, 5))
    patient_actions.record_condition(patient=ivy, by=None, code=code_for("diabetes_type2"), onset_date=D(2010, 4, 1))
    patient_actions.record_condition(patient=ivy, by=None, code=resolved, onset_date=D(2015, 4, 1))
    patient_actions.record_condition(patient=ivy, by=None, code=code_for("diabetes_type2"), onset_date=D(2020, 4, 1))
    register_actions.refresh_practice(practice=universe.practice, by=None)
    summary = text_of(nurse_client.get(reverse("patients:summary", args=[ivy.pk])).content.decode())
    assert "Since 1 April 2020" in summary and "2010" not in summary.split("Other problems")[0].split(
        "Long-term conditions")[1]
    tier = text_of(nurse_client.get(reverse("registers:patient_tier", args=[ivy.pk])).content.decode())
    assert "since 1 April 2020" in tier
    workspace = text_of(nurse_client.get(reverse("careplans:workspace", args=[ivy.pk])).content.decode())
    assert "since 1 April 2020" in workspace and "since 1 April 2010" not in workspace
    from tandem.registers.models import RegisterMembership

    assert RegisterMembership.objects.get(patient=ivy, register="diabetes_type2").since == D(2020, 4, 1)
