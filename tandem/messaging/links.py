"""The person's reply link (a pack's or an invitation's): a random token for the long address in an
email or text, a short code for paper (typed after the practice's short address, or read from the QR
code), their digests in the database, when they stop working, and the lockout after wrong dates of
birth.

Pure: no Django. Only digests are stored (ReplyLink.token_hash, code_hash), so a copy of the database
cannot be turned into working links. A token carries 32 random bytes (256 bits). A code is 8
characters from a 31-character alphabet with no 0/O, 1/I/L (31^8, about 8.5 x 10^11, 39 bits) and is
digested with a key the database does not hold (the site's secret key), so a copy of the database
cannot be searched for codes either. Guessing a code is not practical over the web: every wrong code
is answered alike, and even a right one shows nothing until the person's date of birth is given;
five wrong dates lock the link.

What is stored is never a working link either. A message is kept (in the outbox, for staff to read,
resend and reprint) with marks where the link goes: ``reply-token-<nonce>``, ``reply-code-<nonce>``
and ``reply-qr-<nonce>``, the nonce 128 random bits. The working token and code are made from the
nonce with the site's secret key (an HMAC, `working_token`, `working_code`) only when the message is
sent, so the copy that leaves (the email, the text, the PDF for posting) carries them and the
stored copy does not; a resend or a reprint makes the same ones again. A copy of the database alone
cannot be turned into links; with the secret key as well it could, as it could sign sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from enum import StrEnum
from zoneinfo import ZoneInfo

from tandem.core import parsing

TOKEN_BYTES = 32
MAX_FAILURES = 5
# The practice's clock: "the end of the day" is the end of the day in England (settings.TIME_ZONE).
LOCAL = ZoneInfo("Europe/London")
# token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]; anything else is not one of our tokens.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43,128}$")


# Capitals and digits that cannot be mistaken for each other when read aloud or typed from paper:
# no 0 or O, no 1, I or L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
INVITATION_DAYS = 84  # an invitation's link works for 12 weeks (past the last reminder and the wait after it)
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
NONCE_BYTES = 16
# Where a link goes in a stored message: its kind and the nonce its token and code are made from.
MARK = re.compile(r"reply-(token|code|qr)-([0-9a-f]{32})")


class LinkState(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    LOCKED = "locked"


def new_token() -> tuple[str, str]:
    """A new reply-link token (URL-safe, 32 random bytes) and the digest that is stored instead of it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, digest(token)


def new_nonce() -> str:
    """The random part of a new link (hex): its token and code are made from it when it is sent."""
    return secrets.token_hex(NONCE_BYTES)


def mark(kind: str, nonce: str) -> str:
    """What a stored message holds where the link's token, code or QR code goes."""
    return f"reply-{kind}-{nonce}"


def _derived(nonce: str, purpose: str, key: str) -> bytes:
    return hmac.new(key.encode("utf-8"), f"tandem reply link {purpose} {nonce}".encode("ascii"),
                    hashlib.sha256).digest()


def working_token(nonce: str, *, key: str) -> str:
    """The link's token (43 URL-safe characters, 256 bits), made from its nonce with the secret key."""
    import base64

    return base64.urlsafe_b64encode(_derived(nonce, "token", key)).decode("ascii").rstrip("=")


def working_code(nonce: str, *, key: str) -> str:
    """The link's short code (8 characters of CODE_ALPHABET), made from its nonce with the secret key.
    Bytes beyond the largest multiple of the alphabet's length are skipped, so every character is
    equally likely."""
    out: list[str] = []
    counter = 0
    while len(out) < CODE_LENGTH:
        for byte in _derived(nonce, f"code {counter}", key):
            if byte < 256 - 256 % len(CODE_ALPHABET) and len(out) < CODE_LENGTH:
                out.append(CODE_ALPHABET[byte % len(CODE_ALPHABET)])
        counter += 1
    return "".join(out)


def digest(token: str) -> str:
    """The SHA-256 hex digest of a token: what the database keeps."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A new short code: 8 characters a person can read off paper and type."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str | None:
    """The code a person typed, as stored: capitals, without spaces or dashes. None for anything that
    cannot be one of our codes (including any 0, O, 1, I or L: no code has them)."""
    cleaned = "".join(ch for ch in (typed or "")[:40] if ch not in " -\u00a0\t").upper()
    return cleaned if _CODE.match(cleaned) else None


def code_digest(code: str, *, key: str) -> str:
    """The keyed SHA-256 digest of a (normalised) code: what the database keeps."""
    return hmac.new(key.encode("utf-8"), code.encode("ascii"), hashlib.sha256).hexdigest()


def spaced(code: str) -> str:
    """'KX7M 4TQ9': a code as printed, in two groups of four (a stored message's mark stays whole)."""
    if MARK.fullmatch(code):
        return code
    return f"{code[:4]} {code[4:]}"


def _end_of_day_after(moment: dt.datetime, days: int, tz: dt.tzinfo) -> dt.datetime:
    """The end of the day `days` days after `moment`'s (midnight at the start of the next day), local time."""
    day = moment.astimezone(tz).date()
    return dt.datetime.combine(day + dt.timedelta(days=days + 1), dt.time(0, 0), tzinfo=tz)


def invitation_expires_at(sent_at: dt.datetime, *, tz: dt.tzinfo = LOCAL) -> dt.datetime:
    """When an invitation's link stops working: the end of the day INVITATION_DAYS after it was sent."""
    if sent_at.tzinfo is None:
        raise ValueError("The time sent must carry its time zone.")
    return _end_of_day_after(sent_at, INVITATION_DAYS, tz)


def fresh_expires_at(now: dt.datetime, *, days: int, tz: dt.tzinfo = LOCAL) -> dt.datetime:
    """The end of the day `days` days from `now` (a fresh link for one that had expired)."""
    return _end_of_day_after(now, days, tz)


def looks_like_token(token: str) -> bool:
    """Whether a string could be one of our tokens (so junk never reaches the database)."""
    return bool(_TOKEN.match(token or ""))


def matches(token: str, stored_digest: str) -> bool:
    """Whether a token is the one a stored digest was made from, compared in constant time."""
    return hmac.compare_digest(digest(token), stored_digest or "")


def expires_at(conversation_starts_at: dt.datetime, *, tz: dt.tzinfo = LOCAL) -> dt.datetime:
    """When the link stops working: the end of the day after the conversation (midnight at the
    start of the second day after it, local time), so the person can look at their pack again
    the day after they talked."""
    if conversation_starts_at.tzinfo is None:
        raise ValueError("The conversation's start time must carry its time zone.")
    return _end_of_day_after(conversation_starts_at, 1, tz)


def is_expired(expires: dt.datetime, now: dt.datetime) -> bool:
    return now >= expires


def is_locked_after(failures: int) -> bool:
    """Whether this many wrong dates of birth in a row locks the link."""
    return failures >= MAX_FAILURES


def tries_left(failures: int) -> int:
    return max(0, MAX_FAILURES - failures)


def state(*, expires: dt.datetime, locked_at: dt.datetime | None, now: dt.datetime,
          revoked_at: dt.datetime | None = None) -> LinkState:
    """Locked wins over expired: a locked link's page says to call the practice for a new one. A
    link replaced by a fresh one has expired."""
    if revoked_at is not None:
        return LinkState.EXPIRED
    if locked_at is not None:
        return LinkState.LOCKED
    if is_expired(expires, now):
        return LinkState.EXPIRED
    return LinkState.OPEN


def parse_date(day: str, month: str, year: str, *, today: dt.date) -> tuple[dt.date | None, str]:
    """A date of birth from the three boxes of the NHS.UK date input, or why it is not one."""
    read = parsing.read_date(day, month, year, label="Date of birth", latest=today)
    if read.problem == parsing.MISSING:
        missing = [name for name, p in zip(("a day", "a month", "a year"), (day, month, year), strict=True)
                   if parsing.digits(p) == ""]
        return None, f"Your date of birth must include {' and '.join(missing)}"
    message = {parsing.NOT_NUMBERS: "Date of birth must be a real date, using numbers, like 31 3 1960",
               parsing.SHORT_YEAR: "Enter the year in full, like 1960",
               parsing.TOO_LATE: "Date of birth must be in the past"}.get(read.problem)
    if message is not None:
        return None, message
    if read.value is None and not read.error:
        return None, "Enter your date of birth"
    if read.value is None or read.value.year < today.year - 130:
        return None, "Date of birth must be a real date, like 31 3 1960"
    return read.value, ""
