"""Creating, revoking and checking API tokens.

A token reads ``eport_<prefix>_<secret>``: the prefix (12 lowercase hex digits) finds the row,
the secret (43 URL-safe characters, 256 bits) is shown once and only its SHA-256 is stored. A
plain hash is enough because the secret is random and long: there is nothing to guess from it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.core.ledgering import record_model_change
from eport.core.text import control_character_problem

from .models import ApiToken

TOKEN_PATTERN = re.compile(r"^eport_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
# last_used_at is refreshed at most this often, so authenticating is a read, not a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def default_lifetime_days() -> int:
    return settings.EPORT_API_TOKEN_DEFAULT_DAYS


def max_lifetime_days() -> int:
    return settings.EPORT_API_TOKEN_MAX_DAYS


@transaction.atomic
def create_token(*, actor, name: str, lifetime_days: int | None = None) -> tuple[ApiToken, str]:
    """Create ``actor``'s token and record ``api_token.created``; the secret is returned once."""
    name = (name or "").strip()
    lifetime = default_lifetime_days() if lifetime_days is None else lifetime_days
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = [_("Name the system that will use this token, e.g. 'ERP export job'.")]
    elif len(name) > 100:
        problems["name"] = [_("Keep the name to 100 characters or fewer.")]
    elif problem := control_character_problem(name):
        problems["name"] = [problem]
    elif ApiToken.objects.filter(
        user=actor, name__iexact=name, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        problems["name"] = [
            _(
                "You already have an active token named %(name)r; use one token per integration, "
                "or revoke the old one first."
            )
            % {"name": name}
        ]
    if not 1 <= lifetime <= max_lifetime_days():
        problems["lifetime_days"] = [
            _("A token must expire within 1 to %(most)s days; %(lifetime)s is outside.")
            % {"most": max_lifetime_days(), "lifetime": lifetime}
        ]
    if not getattr(actor, "role", ""):
        problems["__all__"] = [
            _(
                "Only traders, officers, agency officers, bank staff and auditors can have API "
                "tokens."
            )
        ]
    if problems:
        raise ValidationError(problems)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=secrets.token_hex(6),
        secret_sha256=_hash(secret),
        expires_at=timezone.now() + timedelta(days=lifetime),
    )
    record_model_change(
        actor=actor,
        instance=token,
        action="api_token.created",
        changed={"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at},
    )
    return token, f"eport_{token.prefix}_{secret}"


@transaction.atomic
def revoke_token(*, token: ApiToken, actor) -> ApiToken:
    """Revoke ``token`` (owner only), recording ``api_token.revoked``; revoking again is a no-op."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise ValidationError({"__all__": [_("You can revoke only your own tokens.")]})
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_model_change(
        actor=actor,
        instance=token,
        action="api_token.revoked",
        changed={"revoked_at": token.revoked_at},
    )
    return token


def tokens_of(user) -> list[ApiToken]:
    """The user's tokens, newest first, revoked and expired ones included."""
    return list(ApiToken.objects.filter(user=user))


def token_for(user, pk: int) -> ApiToken | None:
    return ApiToken.objects.filter(user=user, pk=pk).first()


def check_token(raw: str) -> tuple[ApiToken | None, str]:
    """The active token ``raw`` names, or (None, why it is refused)."""
    match = TOKEN_PATTERN.match(raw or "")
    if match is None:
        return None, _(
            "The bearer token is malformed; it looks like eport_<12 hex>_<43 characters>."
        )
    prefix, secret = match.groups()
    # The organisation comes along: filing a declaration names the company, a bank's every
    # change checks its bank, and the joins cost less than a query.
    # get(), not first(): the prefix is unique, and an ORDER BY would only cost compiling it.
    try:
        token = ApiToken.objects.select_related("user__company", "user__bank").get(prefix=prefix)
    except ApiToken.DoesNotExist:
        token = None
    # Compare even when no row matched, so timing does not tell which prefixes exist.
    expected = token.secret_sha256 if token is not None else "0" * 64
    if not hmac.compare_digest(expected, _hash(secret)) or token is None:
        return None, _("The bearer token is not valid.")
    now = timezone.now()
    if token.revoked_at is not None:
        return None, _("This token was revoked; create a new one under Account → API tokens.")
    if token.expires_at <= now:
        return None, _("This token has expired; create a new one under Account → API tokens.")
    if not token.user.is_active:
        return None, _("The account this token belongs to is disabled.")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, ""
