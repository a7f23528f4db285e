"""Personal API tokens: made, found and revoked here, and nowhere else.

A token reads `smk_<prefix>_<secret>`. The prefix (8 hex characters) finds the row; the
whole token's SHA-256 digest is compared in constant time. A plain hash, not a password
hash, is enough: the secret is 32 random bytes, so there is nothing to guess offline,
and each request pays one digest rather than a deliberately slow one.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from smarketing.audit import audit_record

from .models import ApiToken

PREFIX = "smk_"
# last_used_at is written at most this often: one UPDATE per minute of use, not per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and the raw secret, which is never stored and
    so can be shown only now."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Say what will use this token."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Choose a date in the future."})
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user=user, name=name[:100], prefix=prefix, digest=_digest(raw))
    token.expires_at = expires_at
    token.full_clean()
    token.save()
    audit_record(actor=user, action="api.token.create", target=token, after={"name": token.name})
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, user) -> ApiToken:
    """Its owner (or an admin, in the Django admin) revokes a token: it stops working at
    once; the row stays so the audit trail's name for it keeps meaning something."""
    if token.user_id != user.pk and not user.is_superuser:
        raise PermissionDenied("Only its owner can revoke this token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="api.token.revoke", target=token)
    return token


def token_find(raw: str) -> ApiToken | None:
    """The usable token `raw` is, with its user loaded; None for anything else."""
    if not raw.startswith(PREFIX):
        return None
    prefix, _sep, secret = raw[len(PREFIX) :].partition("_")
    if not secret or len(prefix) != 8:
        return None
    token = ApiToken.objects.usable().select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.user.is_active:
        return None
    return token


def token_touch(token: ApiToken, now=None) -> None:
    """Record that the token was used (at most once per LAST_USED_RESOLUTION)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
