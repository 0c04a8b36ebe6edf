"""Pure rules for messages: which channel and format reach a person, mobile numbers, SMS length,
and what to do after a send attempt. No Django."""

from __future__ import annotations

import re
from enum import StrEnum

LETTER, SMS, EMAIL = "letter", "sms", "email"
STANDARD, LARGE_PRINT, EASY_READ = "standard", "large_print", "easy_read"
CHANNELS = (LETTER, SMS, EMAIL)
VARIANTS = (STANDARD, LARGE_PRINT, EASY_READ)

MAX_ATTEMPTS = 5


def reachable(*, email: str, mobile: str, postal_lines: list[str]) -> set[str]:
    """The channels we hold a usable address for."""
    found = set()
    if postal_lines:
        found.add(LETTER)
    if normalise_mobile(mobile):
        found.add(SMS)
    if email and "@" in email:
        found.add(EMAIL)
    return found


def channel_for(preferred: str, reachable_channels: set[str]) -> str | None:
    """The person's preferred channel when we can use it; otherwise a letter, then text, then email.
    (A preferred 'phone call' is not something the outbox sends, so it falls back the same way.)"""
    if preferred in reachable_channels:
        return preferred
    for channel in (LETTER, SMS, EMAIL):
        if channel in reachable_channels:
            return channel
    return None


def variant_for(adjustments: set[str] | frozenset[str]) -> str:
    """The letter format a person's reasonable adjustments ask for (ReasonableAdjustment kinds).
    Easy read wins over large print: our easy-read letters are already in large type (16pt)."""
    if "easy_read" in adjustments:
        return EASY_READ
    if "large_print" in adjustments:
        return LARGE_PRINT
    return STANDARD


def channel_and_variant(preferred: str, reachable_channels: set[str] | frozenset[str],
                        adjustments: set[str] | frozenset[str]) -> tuple[str | None, str]:
    """How to reach a person: the one rule for every message (invitations, reminders, packs, fresh
    links; tandem.recall.rules.delivery adds notes for staff). Reasonable adjustments come first (NHS
    England Reasonable Adjustment Flag): a letter in the format they ask for when we hold a postal
    address, whatever the preferred channel, because a text or email cannot carry large print or easy
    read. Then the preference, when we can reach them that way (`channel_for`); otherwise a letter,
    then a text, then an email. The format is for letters only. (None, ...) when there is no address."""
    variant = variant_for(adjustments)
    if variant != STANDARD and LETTER in reachable_channels:
        return LETTER, variant
    channel = channel_for(preferred, reachable_channels)
    return channel, (variant if channel == LETTER else STANDARD)


# UK mobile numbers: 07 then 9 digits, or +44 7 ... (Ofcom's National Telephone Numbering Plan
# gives 071-075 and 077-079 to mobiles; 070 is personal numbering and 076 pagers, except 07624,
# Isle of Man mobiles).
_UK_MOBILE = re.compile(r"^(?:\+44|0044|0)(7(?:[1-57-9]\d{8}|624\d{6}))$")


def normalise_mobile(text: str) -> str | None:
    """'07700 900123' -> '+447700900123' (E.164); None when it is not a UK mobile number."""
    digits = re.sub(r"[\s().-]", "", text or "")
    match = _UK_MOBILE.match(digits)
    return f"+44{match.group(1)}" if match else None


def postal_lines(*, name: str, address_line1: str, address_line2: str, town: str, postcode: str) -> list[str]:
    """Address lines for the envelope window; empty when there is no street address or no postcode."""
    if not address_line1.strip() or not postcode.strip():
        return []
    lines = [name, address_line1, address_line2, town, postcode.strip().upper()]
    return [line.strip() for line in lines if line and line.strip()]


# SMS length: 3GPP TS 23.038 GSM 7-bit default alphabet. A single message holds 160 such characters
# (70 in UCS-2 when any other character is used); a long message is split into parts of 153 (67),
# the rest being the concatenation header. Characters of the extension table count twice.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def sms_parts(text: str) -> int:
    """How many messages the network sends this text as (what the practice is charged for)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        length = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, part = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    if length <= single:
        return 1
    return -(-length // part)


class Outcome(StrEnum):
    """What a send attempt tells us."""

    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider accepted it and confirms delivery
    RETRY = "retry"  # certainly not sent; a temporary problem (server down, 4xx)
    REJECTED = "rejected"  # certainly not sent; will never work (bad address, 5xx)
    UNKNOWN = "unknown"  # the answer was lost: it may or may not have been sent


def state_after(outcome: Outcome, *, attempts: int, max_attempts: int = MAX_ATTEMPTS) -> str:
    """The message's state after an attempt (`attempts` counts this one).

    Only an outcome that proves the message was not sent lets it be sent again; a lost answer keeps
    it in `sending` for a person to check, because sending again could reach the patient twice.
    """
    if outcome is Outcome.SENT:
        return "sent"
    if outcome is Outcome.DELIVERED:
        return "delivered"
    if outcome is Outcome.RETRY:
        return "queued" if attempts < max_attempts else "failed"
    if outcome is Outcome.REJECTED:
        return "failed"
    return "sending"
