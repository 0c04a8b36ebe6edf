"""Which channel and format reach a person, mobile numbers, SMS length, and what follows an attempt."""

from __future__ import annotations

import pytest

from tandem.messaging import rules
from tandem.messaging.rules import Outcome


@pytest.mark.parametrize(("preferred", "reachable", "expected"), [
    ("sms", {"letter", "sms", "email"}, "sms"),
    ("email", {"letter", "email"}, "email"),
    ("email", {"letter", "sms"}, "letter"),  # no email address: a letter
    ("phone", {"letter", "sms"}, "letter"),  # a phone call is not something the outbox sends
    ("letter", {"sms", "email"}, "sms"),  # no postal address
    ("letter", set(), None),
])
def test_channel_for(preferred, reachable, expected):
    assert rules.channel_for(preferred, reachable) == expected


@pytest.mark.parametrize(("adjustments", "variant"), [
    (set(), "standard"),
    ({"interpreter"}, "standard"),
    ({"large_print"}, "large_print"),
    ({"easy_read"}, "easy_read"),
    ({"easy_read", "large_print"}, "easy_read"),
])
def test_variant_follows_reasonable_adjustments(adjustments, variant):
    assert rules.variant_for(adjustments) == variant


ALL = {"letter", "sms", "email"}
# The one rule for how a message reaches a person (rules.channel_and_variant): reasonable adjustments
# first, then the preference, then a letter, a text, an email. tandem.recall.rules.delivery.choose
# runs the same table (tests/recall/test_rules_delivery.py).
CHANNEL_AND_FORMAT = [
    # preferred, reachable, adjustments -> channel, variant
    ("letter", ALL, [], "letter", "standard"),
    ("sms", ALL, [], "sms", "standard"),
    ("email", ALL, [], "email", "standard"),
    ("sms", {"letter", "email"}, [], "letter", "standard"),  # no mobile: letter
    ("email", {"letter", "sms"}, [], "letter", "standard"),  # no email: letter
    ("phone", ALL, [], "letter", "standard"),  # the outbox cannot ring
    ("phone", {"letter", "sms"}, [], "letter", "standard"),
    ("letter", ALL, ["large_print"], "letter", "large_print"),
    ("sms", ALL, ["large_print"], "letter", "large_print"),  # a text cannot be in large print
    ("email", ALL, ["easy_read"], "letter", "easy_read"),
    ("letter", ALL, ["easy_read", "large_print"], "letter", "easy_read"),  # easy read is already large type
    ("sms", ALL, ["interpreter"], "sms", "standard"),
    # no postal address: the preference when it reaches them, else a text, then an email
    ("letter", {"sms", "email"}, [], "sms", "standard"),
    ("letter", {"sms"}, [], "sms", "standard"),
    ("letter", {"email"}, ["large_print"], "email", "standard"),
    ("email", {"sms", "email"}, ["easy_read"], "email", "standard"),
    ("sms", {"sms", "email"}, ["large_print"], "sms", "standard"),
    ("letter", set(), [], None, "standard"),
    ("sms", set(), ["easy_read"], None, "standard"),
]


@pytest.mark.parametrize(("preferred", "reachable", "adjustments", "channel", "variant"), CHANNEL_AND_FORMAT)
def test_channel_and_variant(preferred, reachable, adjustments, channel, variant):
    assert rules.channel_and_variant(preferred, reachable, set(adjustments)) == (channel, variant)


@pytest.mark.parametrize(("typed", "e164"), [
    ("07700 900123", "+447700900123"),
    ("+44 7700 900123", "+447700900123"),
    ("0044 (0)7700-900123".replace("(0)", ""), "+447700900123"),
    ("07624 123456", "+447624123456"),
    ("0113 496 0000", None),  # a landline
    ("07000 123456", None),  # personal numbering, not a mobile
    ("0770090012", None),  # a digit short
    ("", None),
])
def test_normalise_mobile(typed, e164):
    assert rules.normalise_mobile(typed) == e164


def test_postal_lines_need_a_street_and_a_postcode():
    assert rules.postal_lines(name="Margaret Okafor", address_line1="12 Mill Lane", address_line2="",
                              town="Leeds", postcode="ls1 4ab") == ["Margaret Okafor", "12 Mill Lane", "Leeds", "LS1 4AB"]
    assert rules.postal_lines(name="M", address_line1="", address_line2="", town="Leeds", postcode="LS1 4AB") == []
    assert rules.postal_lines(name="M", address_line1="12 Mill Lane", address_line2="", town="Leeds", postcode="") == []


@pytest.mark.parametrize(("text", "parts"), [
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("€" * 80, 1),  # extension characters count twice
    ("€" * 81, 2),
    ("Zoë" + "a" * 67, 1),  # ë is not GSM 7-bit: 70 UCS-2 characters fit
    ("Zoë" + "a" * 68, 2),
])
def test_sms_parts(text, parts):
    assert rules.sms_parts(text) == parts


@pytest.mark.parametrize(("outcome", "attempts", "state"), [
    (Outcome.SENT, 1, "sent"),
    (Outcome.DELIVERED, 1, "delivered"),
    (Outcome.RETRY, 1, "queued"),
    (Outcome.RETRY, rules.MAX_ATTEMPTS, "failed"),
    (Outcome.REJECTED, 1, "failed"),
    (Outcome.UNKNOWN, 1, "sending"),  # held for a person: never sent again automatically
    (Outcome.UNKNOWN, rules.MAX_ATTEMPTS, "sending"),
])
def test_state_after_an_attempt(outcome, attempts, state):
    assert rules.state_after(outcome, attempts=attempts) == state
