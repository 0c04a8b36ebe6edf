"""How an invitation reaches a person: channel, letter variant, and notes for staff. Pure.

The choice itself is messaging's one rule, `tandem.messaging.rules.channel_and_variant`: reasonable
adjustments first (a letter in easy read or large print when there is a postal address), then the
person's preferred channel when the practice can reach them that way, otherwise a letter, a text, an
email. This module names the result for staff and adds notes about what Tandem cannot do by itself
(braille, audio, an interpreter, a phone call) or why the preferred channel was not used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tandem.messaging import rules as messaging_rules
from tandem.messaging.rules import EASY_READ, EMAIL, LARGE_PRINT, LETTER, SMS, STANDARD

PHONE = "phone"
NONE = ""  # no way to reach the person

CHANNEL_LABELS = {LETTER: "Letter", SMS: "Text message", EMAIL: "Email", NONE: "No address"}
VARIANT_LABELS = {STANDARD: "", LARGE_PRINT: "large print", EASY_READ: "easy read"}

_STAFF_NOTES = {
    "braille": "Needs braille: send a braille version as well.",
    "audio": "Needs audio: send an audio version as well.",
    "interpreter": "Needs an interpreter: book one with the appointments.",
    "bsl": "Needs a British Sign Language interpreter: book one with the appointments.",
}
_NOT_PREFERRED = {
    SMS: "Prefers text messages but has no mobile number: sent by letter.",
    EMAIL: "Prefers email but has no email address: sent by letter.",
    PHONE: "Prefers a phone call: sent by letter; ring to book as well.",
}


@dataclass(frozen=True)
class Delivery:
    channel: str
    variant: str = STANDARD
    notes: tuple[str, ...] = ()

    @property
    def reachable(self) -> bool:
        return self.channel != NONE

    @property
    def label(self) -> str:
        variant = VARIANT_LABELS[self.variant] if self.channel == LETTER else ""
        return f"{CHANNEL_LABELS[self.channel]} ({variant})" if variant else CHANNEL_LABELS[self.channel]


def variant_for(adjustments: Iterable[str]) -> str:
    return messaging_rules.variant_for(frozenset(adjustments))


def choose(*, preferred: str, reachable: Iterable[str], adjustments: Iterable[str] = ()) -> Delivery:
    reachable = frozenset(reachable)
    adjustments = frozenset(adjustments)
    channel, variant = messaging_rules.channel_and_variant(preferred, reachable, adjustments)
    notes = [_STAFF_NOTES[a] for a in sorted(adjustments) if a in _STAFF_NOTES]
    if channel is None:
        notes.insert(0, "No postal address, mobile number or email address: contact the person another way.")
        return Delivery(NONE, STANDARD, tuple(notes))
    if channel == LETTER and preferred in _NOT_PREFERRED and preferred not in reachable:
        notes.insert(0, _NOT_PREFERRED[preferred])
    elif channel != LETTER and (channel != preferred or variant_for(adjustments) != STANDARD):
        # a text or email because there is no postal address (and so no letter in the format they need)
        notes.insert(0, "No postal address: sent by " + CHANNEL_LABELS[channel].lower() + ".")
    return Delivery(channel, variant, tuple(notes))
