"""What the sign-in tests share: signing in through the pages, and an authenticator app's codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

from django.urls import reverse

PASSWORD = "correct-horse-battery"


def sign_in(client, username: str, password: str = PASSWORD, *, address: str = "10.1.1.1", **extra):
    return client.post(reverse("core:login"), {"username": username, "password": password, **extra},
                       REMOTE_ADDR=address)


def totp(secret_b32: str, *, at: float | None = None) -> str:
    """An authenticator app's code for this moment (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits),
    worked out here from the key shown on the set-up page, as a phone app would."""
    cleaned = secret_b32.replace(" ", "").upper()
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def secret_on_page(html: str) -> str:
    found = re.search(r'<code class="tandem-secret">([A-Z2-7 ]+)</code>', html)
    assert found, "the set-up page shows the key to type into an app"
    return found.group(1)


def backup_codes_on_page(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", html)


def wrong_codes(secret_b32: str, how_many: int) -> list[str]:
    """Codes an app would not show for this moment or the 30 seconds either side."""
    now = time.time()
    right = {totp(secret_b32, at=now + step) for step in (-30, 0, 30)}
    wrong = [f"{n:06d}" for n in range(100000, 100000 + how_many + 3)]
    return [code for code in wrong if code not in right][:how_many]
