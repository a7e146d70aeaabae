"""The second factor: who needs one, enrolment, recovery codes, sign-in codes and reset.

Officers, auditors and bank staff confirm each sign-in with a 6-digit code from an authenticator
app (a django-otp TOTP device) or with one of ten recovery codes (a django-otp static device, one
token per code, deleted when used). A recovery code is stored only as a keyed hash
(``recovery_code_hash``): the plain codes exist in the one answer that shows them. Each state
change records a ledger entry on the user (``user.second_factor_enrolled``,
``user.recovery_codes_regenerated``, ``user.recovery_code_used``, ``user.second_factor_reset``)
with counts only: never a secret or a code.

A wrong code is counted by django-otp's throttling on the device (1, 2, 4, 8… seconds before the
next try); the count must be committed, so a refusal is raised only after the transaction that
counted it has closed.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from eport.core.actors import Actor
from eport.core.ledgering import record_model_change

from .models import User

ROLES_REQUIRING_SECOND_FACTOR = frozenset(
    {User.Role.OFFICER, User.Role.AUDITOR, User.Role.BANK, User.Role.AGENCY}
)
RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "eport"

_TOTP_CODE = re.compile(r"^[0-9]{6}$")
# django-otp's static tokens: 8 characters of base32, written in two groups of four.
_RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")
# The key salt of a recovery code's stored hash: changing it invalidates every stored code.
RECOVERY_CODE_KEY_SALT = "eport.accounts.recovery-code"


@dataclass(frozen=True)
class Verification:
    """An accepted code: the device that took it and, for a recovery code, how many are left."""

    device: Device
    recovery_codes_left: int | None = None


def second_factor_required(user) -> bool:
    """Whether ``user`` must confirm each sign-in with a second factor (the one place saying so)."""
    return (
        bool(settings.EPORT_REQUIRE_SECOND_FACTOR)
        and getattr(user, "is_authenticated", False)
        and user.role in ROLES_REQUIRING_SECOND_FACTOR
    )


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if enrolled."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes ``user`` holds."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def grouped(text: str, size: int = 4) -> str:
    """``text`` in space-separated groups of ``size``, as a person copies it by hand."""
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def secret_of(device: TOTPDevice) -> str:
    """The device's key as the base32 text an authenticator app accepts typed in."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def normalised_code(code: str) -> str:
    """A typed code without spaces and hyphens, lower case (recovery codes are shown grouped)."""
    return re.sub(r"[\s\-]", "", code or "").lower()


def recovery_code_hash(code: str, *, secret: str | bytes | None = None) -> str:
    """What is stored for a recovery code: a keyed SHA-256 of the normalised code, 16 base32 chars.

    Keyed with ``secret`` (SECRET_KEY when None), so a copy of the database alone does not give
    the codes back by trying all 2**40 of them.
    """
    digest = salted_hmac(
        RECOVERY_CODE_KEY_SALT, normalised_code(code), secret=secret, algorithm="sha256"
    ).digest()
    return base64.b32encode(digest).decode("ascii")[:16].lower()


def _recovery_code_hashes(code: str) -> list[str]:
    """The code's hash under SECRET_KEY, then under each of SECRET_KEY_FALLBACKS (key rotation)."""
    hashes = [recovery_code_hash(code)]
    for secret in getattr(settings, "SECRET_KEY_FALLBACKS", []):
        hashed = recovery_code_hash(code, secret=secret)
        if hashed not in hashes:
            hashes.append(hashed)
    return hashes


def start_enrolment(*, user: User) -> TOTPDevice:
    """The user's authenticator waiting for its first code: the same secret until confirmed.

    Nothing is ledgered here: an unconfirmed device grants nothing; confirm_enrolment records.
    """
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if pending is None:
        pending = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return pending


def confirm_enrolment(*, user: User, actor: Actor, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with its first code; return it and new recovery codes.

    Records ``user.second_factor_enrolled``. Refused (ValidationError on ``code``) when the code
    is malformed, wrong or throttled, or when the user already has an authenticator.
    """
    code = normalised_code(code)
    if not _TOTP_CODE.match(code):
        raise ValidationError({"code": _("Enter the 6-digit code your authenticator app shows.")})
    refusal = None
    with transaction.atomic():
        if authenticator(user) is not None:
            raise ValidationError(
                {"code": _("Your second factor is already set up; sign in with a code from it.")}
            )
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError(
                {"code": _("This setup has expired. Open the page again to get a new QR code.")}
            )
        refusal = _throttled(device)
        if refusal is None and not device.verify_token(code):
            refusal = _(
                "That code is not right. Check the time on your phone and try the newest code."
            )
        if refusal is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _new_recovery_codes(user)
            record_model_change(
                actor=actor,
                instance=user,
                action="second_factor_enrolled",
                changed={},
                extra={"method": "totp", "recovery_codes": len(codes)},
            )
    if refusal is not None:
        # Outside the transaction: the throttle's count of this wrong code stays committed.
        raise ValidationError({"code": refusal})
    return device, codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User, actor: Actor) -> list[str]:
    """Replace all of the user's recovery codes with ten new ones; records the fact, not the codes.

    Records ``user.recovery_codes_regenerated``; refused for a user with no authenticator.
    """
    if authenticator(user) is None:
        raise ValidationError(_("Set up your second factor first; recovery codes come with it."))
    codes = _new_recovery_codes(user)
    record_model_change(
        actor=actor,
        instance=user,
        action="recovery_codes_regenerated",
        changed={},
        extra={"recovery_codes": len(codes)},
    )
    return codes


def verify_sign_in_code(*, user: User, code: str) -> Verification:
    """Accept a 6-digit authenticator code or an unused recovery code from ``user``.

    A recovery code is consumed and ``user.recovery_code_used`` records how many remain. Refused
    (ValidationError on ``code``) when the code is malformed, wrong, already used or throttled.
    """
    code = normalised_code(code)
    if _TOTP_CODE.match(code):
        model = TOTPDevice
    elif _RECOVERY_CODE.match(code):
        model = StaticDevice
    else:
        raise ValidationError(
            {
                "code": _(
                    "Enter the 6-digit code from your authenticator app, or a recovery code "
                    "(8 letters and digits)."
                )
            }
        )
    refusal = None
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            refusal = (
                _("Your second factor is not set up.")
                if model is TOTPDevice
                else _("You have no recovery codes left. Use your authenticator app.")
            )
        else:
            refusal = _throttled(device)
        if refusal is None and not device.verify_token(_stored_form(device, code)):
            refusal = (
                _("That code is not right. Check the time on your phone and try the newest code.")
                if model is TOTPDevice
                else _("That recovery code is not right, or it has been used already.")
            )
        if refusal is None:
            if model is TOTPDevice:
                return Verification(device=device)
            left = device.token_set.count()
            record_model_change(
                actor=user,
                instance=user,
                action="recovery_code_used",
                changed={},
                extra={"recovery_codes_left": left},
            )
            return Verification(device=device, recovery_codes_left=left)
    # Outside the transaction: the throttle's count of this wrong code stays committed.
    raise ValidationError({"code": refusal})


@transaction.atomic
def reset_second_factor(*, user: User, actor: Actor, reason: str = "") -> int:
    """Delete all of the user's devices, so they enrol again; ``user.second_factor_reset``.

    Returns how many devices were removed; a user with none is left alone and nothing is recorded.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    devices = list(devices_for_user(user, confirmed=None))
    if not devices:
        return 0
    for device in devices:
        device.delete()
    record_model_change(
        actor=actor,
        instance=user,
        action="second_factor_reset",
        changed={},
        reason=reason,
        extra={"devices_removed": len(devices)},
    )
    return len(devices)


def _stored_form(device: Device, code: str) -> str:
    """What ``device`` verifies for a typed ``code``: a TOTP code as typed, a recovery code hashed.

    Of the code's hashes (SECRET_KEY and its fallbacks) the one the device holds, if any, else the
    current key's; the device then checks it once, so its throttling counts one try.
    """
    if not isinstance(device, StaticDevice):
        return code
    hashes = _recovery_code_hashes(code)
    held = device.token_set.filter(token__in=hashes).values_list("token", flat=True).first()
    return held or hashes[0]


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_hash(code)) for code in codes
    )
    return [grouped(code) for code in codes]


def _throttled(device: Device) -> str | None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return _("Too many wrong codes. Wait a moment before trying again.")
    seconds = max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second before trying again.",
        "Too many wrong codes. Wait %(seconds)d seconds before trying again.",
        seconds,
    ) % {"seconds": seconds}
