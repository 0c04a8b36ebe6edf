"""The reminder and the invitation after a missed appointment are in the practice's own words too:
their wording blocks are in the same editor as the invitation's and the pack's, with the same
reading-age limits, versions, "use again", going back to the standard and edit conflicts, and the
next letter (every format), email and text message uses what the manager saved."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tandem.core import clock
from tandem.messaging import actions, link_actions, rules, wording, wording_actions
from tandem.messaging import queries as messaging_queries
from tandem.messaging.models import OutboxMessage, ReplyLink, WordingVersion
from tandem.messaging.wording import readability
from tandem.recall import actions as recall_actions
from tests.recall.conftest import planned, recall, review_of  # noqa: F401

from .conftest import CONTEXT

MISSED = {**CONTEXT, "missed_on": "2026-07-08"}
REMINDED = {**CONTEXT, "invited_on": "2026-06-02"}
PRINTED_CODE = re.compile(r"Your code: <strong class=\"nowrap\">([A-Z2-9]{4} [A-Z2-9]{4})</strong>")
LONG_LINK = re.compile(r"https?://\S+/r/[A-Za-z0-9_-]{43}/")


@pytest.fixture
def manager(universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    universe.manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER,
                                              by=None, password="correct-horse-battery")
    return universe.manager


def save(universe, manager, block, text, variant="standard", expected=0):
    return wording_actions.save_wording(practice=universe.practice, block=block, variant=variant, text=text,
                                        expected_version=expected, by=manager)


def block_url(name, key, variant="standard", **kwargs):
    return reverse(f"prepare:{name}", kwargs={"key": key, "variant": variant, **kwargs})


# --- The standard wording ----------------------------------------------------------------------

@pytest.mark.parametrize(("document", "count"), [("reminder", 4), ("reinvitation", 3)])
def test_every_reminder_and_reinvitation_block_is_within_its_reading_age_limit(document, count):
    blocks = wording.blocks_of(document)
    assert len(blocks) == count
    for block in blocks.values():
        for variant in wording.VARIANTS:
            score = readability.score_block(block.default(variant), block)
            assert readability.within_limit(score, variant), (block.key, variant, score.reading_age)


def test_the_standard_reinvitation_says_the_missed_day_and_asks_for_a_new_appointment(queue):
    letter = queue("letter", template="recall_reinvitation", context=MISSED).body
    assert "You had an appointment for your yearly review on Wednesday 8 July, but we did not see you." in letter
    assert "about your type 2 diabetes and high blood pressure" in letter
    assert "Please book a new appointment for your tests. Call us on 0113 496 0000." in letter
    easy = queue("letter", template="recall_reinvitation", context=MISSED, variant="easy_read").body
    assert "You had a time to see us on Wednesday 8 July." in easy and "Please phone us to choose a new time." in easy
    text = queue("sms", template="recall_reinvitation", context=MISSED).body
    assert text == ("Riverside Surgery: Hello Margaret, we did not see you at your health review on Wednesday 8 "
                    "July. Please call 0113 496 0000 to book a new appointment.")
    assert rules.sms_parts(text) == 1


def test_a_reinvitation_without_the_missed_day_is_refused_not_sent_with_a_gap(queue):
    with pytest.raises(actions.MessagingError, match="'reinvitation_opening' needs date"):
        queue("letter", template="recall_reinvitation", context=CONTEXT)
    assert not OutboxMessage.objects.exists()


# --- The editor --------------------------------------------------------------------------------

def test_the_editor_lists_the_reminder_and_reinvitation_blocks(client, manager):
    client.force_login(manager)
    page = client.get(reverse("prepare:wording")).content.decode()
    for group in ("Reminder: letter and email", "Reminder: text message",
                  "After a missed appointment: letter and email", "After a missed appointment: text message"):
        assert group in page
    for key in [*wording.blocks_of("reminder"), *wording.blocks_of("reinvitation")]:
        for variant in wording.VARIANTS:
            assert block_url("wording_block", key, variant) in page
            assert client.get(block_url("wording_block", key, variant)).status_code == 200


def test_hard_reminder_wording_is_refused_with_its_limit_and_nothing_is_saved(client, manager):
    client.force_login(manager)
    hard = ("Notwithstanding considerable organisational complexity, participation in comprehensive "
            "multidisciplinary evaluation remains entirely discretionary.")
    response = client.post(block_url("wording_block", "reminder_final", "easy_read"), {"text": hard, "version": "0"})
    assert response.status_code == 400
    assert "The limit for easy read wording is 9" in response.content.decode()
    response = client.post(block_url("wording_block", "reinvitation_booking"), {"text": hard, "version": "0"})
    assert response.status_code == 400
    assert "The limit for standard wording is 11" in response.content.decode()
    assert not WordingVersion.objects.exists()


def test_reinvitation_wording_has_versions_use_again_back_to_standard_and_conflicts(client, manager, universe, queue):
    client.force_login(manager)
    url = block_url("wording_block", "reinvitation_booking")
    first = "Please call us on {phone} to choose a new day for your tests."
    assert client.post(url, {"text": first, "version": "0"}).status_code == 302
    assert "now used in new invitations after a missed appointment" in client.get(url).content.decode()
    second = "Call {phone} and we will find a new time for your tests."
    assert client.post(url, {"text": second, "version": "1"}).status_code == 302
    # someone saving from version 1 now meets version 2, and keeps their words in the box
    conflict = client.post(url, {"text": "Mine: call {phone}.", "version": "1"})
    assert conflict.status_code == 409
    assert "Someone else saved this wording" in conflict.content.decode()
    assert "Mine: call {phone}.</textarea>" in conflict.content.decode()
    assert client.post(block_url("wording_use_again", "reinvitation_booking", version=1),
                       {"version": "2"}).status_code == 302
    assert "Please call us on 0113 496 0000 to choose a new day for your tests." in queue(
        "letter", template="recall_reinvitation", context=MISSED, key="after-use-again").body
    assert client.post(block_url("wording_use_standard", "reinvitation_booking"), {"version": "3"}).status_code == 302
    assert [v.version for v in WordingVersion.objects.order_by("version")] == [1, 2, 3, 4]
    back = queue("letter", template="recall_reinvitation", context=MISSED, key="after-standard").body
    assert "Please book a new appointment for your tests." in back and "new day" not in back


# --- A manager's edit reaches the next message --------------------------------------------------

def test_the_managers_reinvitation_wording_is_in_the_next_letter_email_and_text(manager, universe, queue):
    save(universe, manager, "reinvitation_opening",
         "Dear {name},\n\nWe missed you on {date}. We would like to see you soon about your {conditions}.")
    save(universe, manager, "reinvitation_opening", "Hello {name}.\n\nWe missed you on {date}.", variant="easy_read")
    save(universe, manager, "reinvitation_sms", "{practice}: {given_name}, we missed you on {date}. Call {phone}.")
    mine = "We missed you on Wednesday 8 July. We would like to see you soon about your type 2 diabetes and high blood"
    for variant in ("standard", "large_print"):
        letter = queue("letter", template="recall_reinvitation", context=MISSED, variant=variant).body
        assert mine in letter and "Dear Margaret Okafor," in letter
    assert "Hello Margaret Okafor. We missed you on Wednesday 8 July." in " ".join(
        queue("letter", template="recall_reinvitation", context=MISSED, variant="easy_read").body.split())
    email = queue("email", template="recall_reinvitation", context=MISSED).body
    assert "We missed you on Wednesday 8 July. We would like to see you soon about your type 2 diabetes" in email
    assert queue("sms", template="recall_reinvitation", context=MISSED).body == (
        "Riverside Surgery: Margaret, we missed you on Wednesday 8 July. Call 0113 496 0000.")


def test_the_managers_reminder_wording_is_in_the_next_letter_email_and_text(manager, universe, queue):
    save(universe, manager, "reminder_opening", "Dear {name},\n\nOur letter of {invited_on} has had no answer.")
    save(universe, manager, "reminder_why", "First your tests: {tests}. Then we talk.")
    save(universe, manager, "reminder_final", "We will not write again this year.")
    save(universe, manager, "reminder_final", "No more letters this year.", variant="easy_read")
    save(universe, manager, "reminder_sms", "{practice}: {given_name}, please call {phone} to book your review.")
    final = {**REMINDED, "final": True}
    for variant in ("standard", "large_print"):
        letter = queue("letter", template="recall_reminder", context=final, variant=variant).body
        assert "Our letter of 2 June 2026 has had no answer." in letter
        assert "First your tests: a blood test, a urine test, blood pressure and weight. Then we talk." in letter
        assert "We will not write again this year." in letter
    easy = queue("letter", template="recall_reminder", context=final, variant="easy_read").body
    assert "No more letters this year." in easy and "We will not write again" not in easy
    email = queue("email", template="recall_reminder", context=final).body
    assert "Our letter of 2 June 2026 has had no answer." in email and "We will not write again this year." in email
    assert queue("sms", template="recall_reminder", context=REMINDED).body == (
        "Riverside Surgery: Margaret, please call 0113 496 0000 to book your review.")
    # the last-reminder words are only in the last reminder
    assert "We will not write again" not in queue("letter", template="recall_reminder", context=REMINDED,
                                                  key="not-final").body


# --- Sent by recall: the missed day, and a way to answer -----------------------------------------

def _missed(u, *, recorded_on):
    recall_actions.send_due_invitations(practice=u.practice, month=dt.date(2026, 6, 1), by=u.admin)
    recall_actions.record_response(review=review_of(u.colin), response="booked", by=u.admin,
                                   appointment_on=dt.date(2026, 7, 8), appointment_time=dt.time(10, 30))
    with clock.frozen(recorded_on + dt.timedelta(days=1)):
        recall_actions.record_response(review=review_of(u.colin), response="did_not_attend", by=u.admin,
                                       on=recorded_on)
        recall_actions.send_due_invitations(practice=u.practice, month=dt.date(2026, 7, 1), by=u.admin)
    return OutboxMessage.objects.filter(patient=u.colin, template="recall_reinvitation").get()


def test_the_reinvitation_names_the_day_of_the_missed_appointment_not_the_day_it_was_recorded(planned):  # noqa: F811
    letter = _missed(planned, recorded_on=dt.date(2026, 7, 10))
    assert "on Wednesday 8 July, but we did not see you" in letter.body
    assert "Friday 10 July" not in letter.body


def test_a_reinvitation_letter_carries_a_working_reply_code(planned):  # noqa: F811
    u = planned
    letter = _missed(u, recorded_on=dt.date(2026, 7, 8))
    assert letter.channel == "letter" and letter.variant == "large_print"  # Colin's adjustment
    printed = link_actions.as_sent(letter.letter_html, html=True)  # as made into the PDF for posting
    code = PRINTED_CODE.search(printed).group(1)
    assert "127.0.0.1:8000/r" in letter.body and "<svg" in printed
    assert not LONG_LINK.search(letter.body)
    link = messaging_queries.link_for_key(code, code_key=link_actions.code_key())
    assert link is not None and link.patient_id == u.colin.pk and link.object_id == review_of(u.colin).pk
    assert link.purpose == ReplyLink.Purpose.INVITATION and link.revoked_at is None


def test_a_reinvitation_email_carries_the_persons_reply_link(universe, patient):
    patient.preferred_channel = "email"
    patient.save()
    secret = link_actions.Secret.new()
    message = actions.queue_message(practice=universe.practice, patient=patient, channel="email",
                                    template="recall_reinvitation", context={**MISSED, **secret.context()},
                                    idempotency_key="reinvite-email", by=universe.admin)
    assert LONG_LINK.search(link_actions.as_sent(message.body)) and not LONG_LINK.search(message.body)
    assert "You can also answer online:" in message.body
    assert link_actions.carries(message, secret)
