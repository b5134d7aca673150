"""Personal API tokens and the record of idempotent submissions."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def digest(token: str) -> str:
    """Tokens are stored as their SHA-256 only: a leaked database does not leak tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal token: acts as its user, with that user's scoping, limited to read or write."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and self.user.is_active
        )


class IdempotentRequest(models.Model):
    """The answer given to a POST with an Idempotency-Key, replayed when the key comes again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=200)
    path = models.CharField(_("path"), max_length=300)
    request_digest = models.CharField(_("request digest"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                name="%(app_label)s_%(class)s_unique_user_key",
                violation_error_message=_("This idempotency key was already used."),
            )
        ]

    def __str__(self):
        return self.key
