"""Issuing and revoking personal API tokens (used by the account page and `rectify token`)."""

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from rectify.api.models import ApiToken, TokenScope, digest
from rectify.audit.log import record

TOKEN_PREFIX = "rct_"


@transaction.atomic
def issue(user, *, name: str, scope: str = TokenScope.READ, days: int | None = None, actor=None):
    """Create a token; returns (ApiToken, plaintext). The plaintext is shown once, never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:12],
        digest=digest(plaintext),
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    record(
        token,
        "token.create",
        actor=actor or user,
        after={"name": name, "scope": scope, "expires_at": str(token.expires_at or "")},
    )
    return token, plaintext


@transaction.atomic
def revoke(token: ApiToken, *, actor) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(token, "token.revoke", actor=actor)
    return token


def authenticate(plaintext: str) -> ApiToken | None:
    """The usable token for `plaintext`, or None (unknown, expired, revoked, user inactive)."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(plaintext)).first()
    if token is None or not token.is_usable():
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
