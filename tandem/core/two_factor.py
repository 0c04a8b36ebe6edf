"""Two-factor authentication on django-otp: an authenticator app (TOTP) and backup codes (reads).

A member of staff has at most one authenticator app (a confirmed TOTPDevice) and one set of backup
codes (a StaticDevice holding single-use codes). Setting up makes an unconfirmed device and shows its
QR code; the first right code confirms it (tandem.core.account_actions). Wrong codes slow down
(django-otp's throttling) and count towards the account's sign-in lock-out (tandem.core.lockout).
"""

from __future__ import annotations

import base64
import re

import segno
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from markupsafe import Markup

from .models import Practice, User

APP_NAME = "Authenticator app"
CODES_NAME = "Backup codes"
_NOT_CODE = re.compile(r"[\s-]+")


def app_for(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_on(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    device = StaticDevice.objects.filter(user=user, name=CODES_NAME, confirmed=True).first()
    return device.token_set.count() if device is not None else 0


def required_for(user: User) -> bool:
    """Whether a practice the user works in requires two-factor authentication."""
    return Practice.objects.filter(memberships__user=user, require_two_factor=True).exists()


def requiring_practices(user: User) -> list[str]:
    """The practices this person works in now that require two-factor authentication (not those left)."""
    return list(Practice.objects.filter(memberships__user=user, memberships__left_on__isnull=True,
                                        require_two_factor=True)
                .order_by("name").values_list("name", flat=True))


def clean_code(typed: str) -> str:
    """What a person typed, as a code: spaces and dashes dropped, lower case (backup codes)."""
    return _NOT_CODE.sub("", typed or "")[:32].lower()


WAIT = "wait"  # verify's answer when a device is refusing codes for a few seconds after wrong ones


def verify(user: User, typed: str) -> TOTPDevice | StaticDevice | str | None:
    """The device that accepts this code (a 6-digit app code or an unused backup code); WAIT when the
    device it is for is still slowing down after wrong codes (the code was not checked); else None.
    A backup code works once, an app code once in its 30 seconds."""
    code = clean_code(typed)
    if not code:
        return None
    if code.isdigit() and len(code) == 6:
        devices = [d for d in [app_for(user)] if d is not None]
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    waiting = False
    for device in devices:
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            waiting = True
        elif device.verify_token(code):
            return device
    return WAIT if waiting else None


def secret_words(device: TOTPDevice) -> str:
    """The device's secret as people type it into an app by hand: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> Markup:
    """The QR code an authenticator app scans (an otpauth:// address), as inline SVG."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, light="#fff", title="QR code to scan with your authenticator app")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - made by segno from the device's own address, nothing typed by a person
