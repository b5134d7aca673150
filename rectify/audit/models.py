"""The append-only activity log (操作记录): who changed what, when, before → after."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a log entry."""


class ActivityLogQuerySet(models.QuerySet):
    """Bulk writes would bypass save() and delete(); refuse them too."""

    def update(self, **kwargs):
        raise AppendOnlyError("activity log entries are never changed")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("activity log entries are never changed")

    def delete(self):
        raise AppendOnlyError("activity log entries are never deleted")


class ActivityLog(models.Model):
    """One change to ledger data, written in the same transaction as the change itself."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activity",
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.BigIntegerField(_("object id"))
    target_repr = models.CharField(_("object"), max_length=300)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = ActivityLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("activity log entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("activity log entries are never deleted")
