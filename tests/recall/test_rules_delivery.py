"""How each invitation goes: the preferred channel, with reasonable adjustments first."""

from __future__ import annotations

import pytest

from tandem.recall.rules.delivery import choose

ALL = {"letter", "sms", "email"}
DELIVERY = [
    # preferred, reachable, adjustments -> channel, variant
    ("letter", ALL, [], "letter", "standard"),
    ("sms", ALL, [], "sms", "standard"),
    ("email", ALL, [], "email", "standard"),
    ("sms", {"letter", "email"}, [], "letter", "standard"),  # no mobile: letter
    ("email", {"letter", "sms"}, [], "letter", "standard"),  # no email: letter
    ("phone", ALL, [], "letter", "standard"),  # Tandem cannot ring: a letter, and a note for staff
    ("letter", ALL, ["large_print"], "letter", "large_print"),
    ("sms", ALL, ["large_print"], "letter", "large_print"),
    ("email", ALL, ["easy_read"], "letter", "easy_read"),
    ("letter", ALL, ["easy_read", "large_print"], "letter", "easy_read"),
    ("sms", ALL, ["interpreter"], "sms", "standard"),
    # no postal address: whatever else reaches them
    ("letter", {"sms"}, [], "sms", "standard"),
    ("letter", {"email"}, ["large_print"], "email", "standard"),
    ("letter", set(), [], "", "standard"),
]


@pytest.mark.parametrize(("preferred", "reachable", "adjustments", "channel", "variant"), DELIVERY)
def test_channel_and_variant(preferred, reachable, adjustments, channel, variant):
    d = choose(preferred=preferred, reachable=reachable, adjustments=adjustments)
    assert (d.channel, d.variant) == (channel, variant)


def test_staff_are_told_what_tandem_cannot_do_itself():
    assert "phone call" in choose(preferred="phone", reachable=ALL).notes[0]
    assert "no mobile number" in choose(preferred="sms", reachable={"letter"}).notes[0]
    notes = choose(preferred="letter", reachable=ALL, adjustments=["braille", "interpreter"]).notes
    assert any("braille" in n for n in notes) and any("interpreter" in n for n in notes)
    nowhere = choose(preferred="letter", reachable=set())
    assert not nowhere.reachable and "another way" in nowhere.notes[0]


def test_labels():
    assert choose(preferred="letter", reachable=ALL, adjustments=["large_print"]).label == "Letter (large print)"
    assert choose(preferred="sms", reachable=ALL).label == "Text message"
    assert choose(preferred="sms", reachable=set()).label == "No address"
