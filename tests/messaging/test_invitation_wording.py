"""The invitation's wording (letter in every format, email, text message, the online answer) is the
practice's to change, with the same editor, readability limits and versions as the pack's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.core import clock
from tandem.messaging import wording, wording_actions
from tandem.messaging.models import WordingVersion
from tandem.messaging.wording import readability

MINE = "Dear {name},\n\nIt is time for your yearly check-up at our surgery. We look at your {conditions} together."


@pytest.fixture
def manager(universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role

    universe.manager = core_actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER,
                                              by=None, password="correct-horse-battery")
    return universe.manager


def test_every_invitation_block_is_within_its_reading_age_limit():
    blocks = wording.blocks_of("invitation")
    assert len(blocks) == 11
    for block in blocks.values():
        for variant in wording.VARIANTS:
            score = readability.score_block(block.default(variant), block)
            assert readability.within_limit(score, variant), (block.key, variant, score.reading_age)


def test_block_keys_are_unique_across_packs_and_invitations():
    documents = ("pack", "invitation", "reminder", "reinvitation")
    assert {b.document for b in wording.blocks().values()} == set(documents)
    assert sum(len(wording.blocks_of(d)) for d in documents) == len(wording.blocks())


def test_the_manager_changes_the_invitation_opening_and_the_next_letter_and_email_use_it(client, manager, queue):
    client.force_login(manager)
    url = reverse("prepare:wording_block", kwargs={"key": "invitation_opening", "variant": "standard"})
    response = client.post(url, {"text": MINE, "version": "0", "note": "Our words"})
    assert response.status_code == 302
    assert "now used in new invitations" in client.get(url).content.decode()
    letter = queue("letter")
    assert "It is time for your yearly check-up at our surgery. We look at your type 2 diabetes and high blood " \
           "pressure together." in letter.body
    assert "Dear Margaret Okafor," in letter.body
    assert "It is time for your yearly check-up at our surgery." in queue("email").body
    # the pack's wording is untouched, and the list shows the invitation's beside it
    page = client.get(reverse("prepare:wording")).content.decode()
    assert "Invitation: letter and email" in page and "Invitation: text message" in page


def test_large_print_uses_the_standard_wording_and_easy_read_its_own(manager, queue, universe):
    wording_actions.save_wording(practice=universe.practice, block="invitation_not_this_year", variant="standard",
                                 text="Tell us if you would rather skip it this year.", expected_version=0, by=manager)
    wording_actions.save_wording(practice=universe.practice, block="invitation_not_this_year", variant="easy_read",
                                 text="Do you not want a check? Tell us.", expected_version=0, by=manager)
    assert "Tell us if you would rather skip it this year." in queue("letter", variant="large_print").body
    easy = queue("letter", variant="easy_read").body
    assert "Do you not want a check? Tell us." in easy and "skip it" not in easy


def test_the_text_message_is_the_practices_wording(manager, queue, universe):
    wording_actions.save_wording(practice=universe.practice, block="invitation_sms", variant="standard",
                                 text="{practice}: Hi {given_name}, your yearly review is due in {month}. "
                                      "Call {phone} to book.", expected_version=0, by=manager)
    assert queue("sms").body == "Riverside Surgery: Hi Margaret, your yearly review is due in July 2026. " \
                                "Call 0113 496 0000 to book."


def test_hard_invitation_wording_is_refused_with_its_reading_age_and_nothing_is_saved(client, manager):
    client.force_login(manager)
    url = reverse("prepare:wording_block", kwargs={"key": "invitation_not_this_year", "variant": "easy_read"})
    hard = ("Notwithstanding considerable organisational complexity, participation in comprehensive "
            "multidisciplinary evaluation remains entirely discretionary.")
    response = client.post(url, {"text": hard, "version": "0"})
    assert response.status_code == 400
    assert "The limit for easy read wording is 9" in response.content.decode()
    assert not WordingVersion.objects.exists()


def test_a_name_the_invitation_cannot_fill_in_is_refused(client, manager):
    client.force_login(manager)
    url = reverse("prepare:wording_block", kwargs={"key": "invitation_booking", "variant": "standard"})
    response = client.post(url, {"text": "Call {phone} about {results}.", "version": "0"})
    assert response.status_code == 400
    assert "{results} is not something Tandem can fill in here" in response.content.decode()
    assert not WordingVersion.objects.exists()


def test_another_practices_invitation_wording_is_not_used(manager, queue, universe):
    WordingVersion.objects.create(practice=universe.other_practice, block="invitation_not_this_year",
                                  variant="standard", version=1, text="Hillview words.", reading_age=5,
                                  created_at=clock.now())
    assert "Hillview words." not in queue("letter").body
