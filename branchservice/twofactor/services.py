"""Enrolling, verifying, renewing backup codes and resetting: every write of the second factor.

The devices are django-otp's: a TOTPDevice (the authenticator app) and a StaticDevice holding
the backup codes, each code usable once, stored as a keyed hash (`stored_backup_code`), so that
a copy of the database signs nobody in. Wrong codes are throttled per device by django-otp
(each failure doubles the wait). Enrolment, renewal and reset write a line in the person's
history, so that the audit trail says who changed whose second factor, and when.
"""

import math
from base64 import b32encode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

WRONG_CODE = _("That code is not right. Enter the code your authenticator app shows now.")


def totp_enrolment_device(*, user) -> TOTPDevice:
    """The authenticator being enrolled: the unconfirmed one of an earlier visit, so that a
    reload keeps the QR code the person may have scanned already; else a new random key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=gettext("Authenticator app"), confirmed=False
        )
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The key as the apps take it when typed instead of scanned (base32, as in the QR code)."""
    return b32encode(device.bin_key).decode()


def enrolled_app(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def totp_enrolment_confirm(*, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the app with a code it shows: from now on the person is asked for it. Returns
    the new backup codes, shown once."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        _refuse_while_throttled(device)
        # A wrong code is counted (throttled) even though the enrolment fails: no raise here,
        # which would roll the count back.
        accepted = not device.confirmed and device.verify_token(_normalised(code))
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_backup_codes(device.user)
            _record(device.user, gettext("Second factor enrolled (authenticator app)"))
    if not accepted:
        raise ValidationError(WRONG_CODE, code="wrong")
    return codes


def second_factor_verify(*, user, code: str) -> Device:
    """The device of `user` that accepts `code`: the authenticator app's current code, or one
    of the backup codes, which is used up."""
    code = _normalised(code)
    # Six digits are the app's (backup codes are eight letters and digits).
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    device = model.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
    if device is None:
        raise ValidationError(WRONG_CODE, code="wrong")
    _refuse_while_throttled(device)
    if model is StaticDevice:
        code = stored_backup_code(code)
    verified = verify_token(user, device.persistent_id, code)
    if verified is None:
        raise ValidationError(WRONG_CODE, code="wrong")
    return verified


def backup_codes_renew(*, user) -> list[str]:
    """New backup codes for `user`, the old ones void. Returns the codes, shown once."""
    with transaction.atomic():
        codes = _new_backup_codes(user)
        _record(user, gettext("Backup codes renewed"))
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_reset(*, user, by) -> None:
    """Remove every device of `user` (a lost phone): their next sign-in enrols a new one, and
    a session that passed the factor with a removed device no longer counts as verified."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _record(user, gettext("Second factor reset by an administrator"), by=by)


def _new_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": gettext("Backup codes")}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(settings.TWO_FACTOR_BACKUP_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=stored_backup_code(code)) for code in codes
    )
    return codes


def stored_backup_code(code: str) -> str:
    """What is stored of a backup code (and looked up when one is typed): an HMAC keyed with
    SECRET_KEY, cut to the 16 characters of django-otp's token column (64 bits; the codes
    themselves carry 40). A new SECRET_KEY voids the codes, as it ends every session."""
    return salted_hmac("branchservice.twofactor.backup-code", code).hexdigest()[:16]


def _refuse_while_throttled(device: Device) -> None:
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = (details["locked_until"] - timezone.now()).total_seconds()
        raise ValidationError(
            _("Too many wrong codes. Try again in %(seconds)d seconds."),
            code="throttled",
            params={"seconds": max(1, math.ceil(wait))},
        )


def _normalised(code: str) -> str:
    # Apps show "123 456"; backup codes are printed in lower case and typed in any case.
    return "".join(code.split()).lower()


def _record(user, reason: str, by=None) -> None:
    """A line in the person's history (django-simple-history): the change, who made it."""
    user._change_reason = reason
    if by is not None:
        user._history_user = by
    user.save()
