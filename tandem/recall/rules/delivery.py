"""How an invitation reaches a person: channel, letter variant, and notes for staff. Pure.

The person's preferred channel is used when the practice can reach them that way (`reachable`: the
channels for which a usable address is held, as tandem.messaging decides it). Reasonable adjustments
(NHS England Reasonable Adjustment Flag) come first: a person who needs easy read or large print
gets a letter in that format whatever their preferred channel, because a text message or e-mail
cannot carry the format they need. Easy read wins over large print (easy-read letters are already in
large type). Without the preferred channel (no mobile number, no email address, or a preference for
a phone call, which the outbox cannot make) the invitation goes by letter. Needs Tandem cannot meet
by itself (braille, audio, an interpreter, a phone call) are passed to staff as notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LETTER, SMS, EMAIL, PHONE = "letter", "sms", "email", "phone"
STANDARD, LARGE_PRINT, EASY_READ = "standard", "large_print", "easy_read"
NONE = ""  # no way to reach the person

CHANNEL_LABELS = {LETTER: "Letter", SMS: "Text message", EMAIL: "Email", NONE: "No address"}
VARIANT_LABELS = {STANDARD: "", LARGE_PRINT: "large print", EASY_READ: "easy read"}

_STAFF_NOTES = {
    "braille": "Needs braille: send a braille version as well.",
    "audio": "Needs audio: send an audio version as well.",
    "interpreter": "Needs an interpreter: book one with the appointments.",
    "bsl": "Needs a British Sign Language interpreter: book one with the appointments.",
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
    adjustments = frozenset(adjustments)
    if EASY_READ in adjustments:
        return EASY_READ
    if LARGE_PRINT in adjustments:
        return LARGE_PRINT
    return STANDARD


def choose(*, preferred: str, reachable: Iterable[str], adjustments: Iterable[str] = ()) -> Delivery:
    reachable = frozenset(reachable)
    adjustments = frozenset(adjustments)
    notes = [_STAFF_NOTES[a] for a in sorted(adjustments) if a in _STAFF_NOTES]
    variant = variant_for(adjustments)
    if variant != STANDARD and LETTER in reachable:
        return Delivery(LETTER, variant, tuple(notes))
    if preferred in (SMS, EMAIL) and preferred in reachable and variant == STANDARD:
        return Delivery(preferred, STANDARD, tuple(notes))
    if LETTER in reachable:
        if preferred == SMS:
            notes.insert(0, "Prefers text messages but has no mobile number: sent by letter.")
        elif preferred == EMAIL:
            notes.insert(0, "Prefers email but has no email address: sent by letter.")
        elif preferred == PHONE:
            notes.insert(0, "Prefers a phone call: sent by letter; ring to book as well.")
        return Delivery(LETTER, variant, tuple(notes))
    for channel in (SMS, EMAIL):
        if channel in reachable:
            notes.insert(0, "No postal address: sent by " + CHANNEL_LABELS[channel].lower() + ".")
            return Delivery(channel, STANDARD, tuple(notes))
    notes.insert(0, "No postal address, mobile number or email address: contact the person another way.")
    return Delivery(NONE, STANDARD, tuple(notes))
