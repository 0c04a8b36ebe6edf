"""How each invitation goes: the preferred channel, with reasonable adjustments first."""

from __future__ import annotations

import pytest

from tandem.recall.rules.delivery import choose
from tests.messaging.test_rules import ALL, CHANNEL_AND_FORMAT


@pytest.mark.parametrize(("preferred", "reachable", "adjustments", "channel", "variant"), CHANNEL_AND_FORMAT)
def test_channel_and_variant_follow_the_one_messaging_rule(preferred, reachable, adjustments, channel, variant):
    d = choose(preferred=preferred, reachable=reachable, adjustments=adjustments)
    assert (d.channel, d.variant) == (channel or "", variant)
    assert d.reachable == (channel is not None)


def test_a_person_with_adjustments_and_no_postal_address_gets_their_preferred_channel():
    """Easy read cannot be sent without a postal address; their own choice of email still stands."""
    d = choose(preferred="email", reachable={"sms", "email"}, adjustments=["easy_read"])
    assert (d.channel, d.variant) == ("email", "standard")
    assert d.notes[0] == "No postal address: sent by email."


def test_staff_are_told_what_tandem_cannot_do_itself():
    assert "phone call" in choose(preferred="phone", reachable=ALL).notes[0]
    assert "no mobile number" in choose(preferred="sms", reachable={"letter"}).notes[0]
    notes = choose(preferred="letter", reachable=ALL, adjustments=["braille", "interpreter"]).notes
    assert any("braille" in n for n in notes) and any("interpreter" in n for n in notes)
    assert choose(preferred="letter", reachable={"sms"}).notes[0] == "No postal address: sent by text message."
    assert choose(preferred="sms", reachable={"sms"}).notes == ()
    assert choose(preferred="sms", reachable=ALL, adjustments=["large_print"]).notes == ()
    nowhere = choose(preferred="letter", reachable=set())
    assert not nowhere.reachable and "another way" in nowhere.notes[0]


def test_labels():
    assert choose(preferred="letter", reachable=ALL, adjustments=["large_print"]).label == "Letter (large print)"
    assert choose(preferred="sms", reachable=ALL).label == "Text message"
    assert choose(preferred="sms", reachable=set()).label == "No address"
