"""Writes to a member of staff's own sign-in security: two-factor set-up, backup codes, ending every
session, and a practice's requirement of two-factor authentication. Atomic, keyword-only, audited."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, two_factor
from .models import Practice, User

BACKUP_CODES = 10


class TwoFactorError(Exception):
    """Something a person asked for that cannot be done; the message says why, in plain words."""


@transaction.atomic
def start_app_set_up(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator app for the user to scan: the one already started, or a new one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=two_factor.APP_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_app(*, user: User, typed: str) -> list[str]:
    """Confirm the app being set up with a code it shows; returns new backup codes, shown once.
    Any earlier app and backup codes stop working."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise TwoFactorError("Start setting up your authenticator app again.")
    code = two_factor.clean_code(typed)
    if not (code.isdigit() and len(code) == 6):
        raise TwoFactorError("Enter the 6-digit code shown in your authenticator app")
    if not device.verify_token(code):
        raise TwoFactorError("The code is not right. Check the time on your phone is correct and enter "
                             "the code shown now")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(by=user, practice=None, action="update", what="account.two_factor", object_id=user.pk,
                 detail={"two_factor": "on"})
    return _new_backup_codes(user)


@transaction.atomic
def new_backup_codes(*, user: User) -> list[str]:
    if not two_factor.is_on(user):
        raise TwoFactorError("Set up an authenticator app first.")
    codes = _new_backup_codes(user)
    audit.record(by=user, practice=None, action="update", what="account.backup_codes", object_id=user.pk,
                 detail={"codes": len(codes)})
    return codes


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=two_factor.CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def turn_off(*, user: User) -> None:
    names = two_factor.requiring_practices(user)
    if names:
        raise TwoFactorError(f"{' and '.join(names)} requires two-factor authentication, so it cannot be turned off.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(by=user, practice=None, action="update", what="account.two_factor", object_id=user.pk,
                 detail={"two_factor": "off"})


@transaction.atomic
def end_all_sessions(*, user: User) -> None:
    """Sign the user out everywhere: every session made before now stops working at its next request."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    audit.record(by=user, practice=None, action="update", what="account.sessions", object_id=user.pk,
                 detail={"ended": "all"})


@transaction.atomic
def set_two_factor_requirement(*, practice: Practice, required: bool, by: User) -> None:
    Practice.objects.filter(pk=practice.pk).update(require_two_factor=required)
    practice.require_two_factor = required
    audit.record(by=by, practice=practice, action="update", what="practice.security", object_id=practice.pk,
                 detail={"require_two_factor": required})
