"""Issuing, revoking and checking API keys.

A key reads `ltc_<prefix>_<secret>`: the prefix finds the row, the secret is compared with
its stored SHA-256 (a random 256-bit secret needs no slow hash: there is nothing to guess).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Conflict, ValidationFailed

from .models import ApiKey, validate_rate, validate_scopes

TOKEN_PREFIX = "ltc"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown once; never stored


def _check(*, scopes, rate_limit) -> None:
    from django.core.exceptions import ValidationError

    problems = {}
    for field, validate, value in (
        ("scopes", validate_scopes, scopes),
        ("rate_limit", validate_rate, rate_limit),
    ):
        try:
            validate(value)
        except ValidationError as exc:
            problems[field] = exc.messages
    if problems:
        raise ValidationFailed(_("Invalid API key."), fields=problems)


def api_key_issue(*, name: str, user, scopes: list[str], rate_limit: str, by) -> IssuedKey:
    """Create an API key acting as `user`; returns the key and its token (shown once)."""
    _check(scopes=scopes, rate_limit=rate_limit)
    if not user.is_active:
        raise ValidationFailed(
            _("The service user is inactive."), fields={"user": [_("The user is inactive.")]}
        )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            user=user,
            scopes=sorted(set(scopes)),
            rate_limit=rate_limit,
            created_by=by,
        )
        audit_record(target=key, action="created", actor=by, changes={"scopes": key.scopes})
    return IssuedKey(key=key, token=f"{TOKEN_PREFIX}_{prefix}_{secret}")


def api_key_revoke(*, key: ApiKey, by) -> ApiKey:
    """Revoke a key for good: every later request with it is a 401."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("This API key is already revoked."), code="key_revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(target=locked, action="revoked", actor=by)
    return locked


def api_key_for_token(token: str) -> ApiKey | None:
    """The key a token names (revoked ones too: the caller says why it fails), or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    key = ApiKey.objects.select_related("user").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(parts[2])):
        return None
    return key
