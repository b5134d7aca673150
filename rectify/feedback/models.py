"""Raw feedback: one thing someone said, stored exactly as received."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.feedback.choices import Channel, FeedbackKind
from rectify.textsim.normalise import dedup_key

TEXT_MAX_LENGTH = 5000

# Fields that may be corrected after intake (each correction goes to the activity log).
TRIAGE_FIELDS = ("kind", "region", "category", "org_unit")


class FeedbackItem(models.Model):
    """A problem or suggestion as received (反映问题 / 意见建议). Its text never changes."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="feedback_items",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FeedbackKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    category = models.ForeignKey(
        "ledger.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    activity = models.ForeignKey(
        "campaigns.ResearchActivity",
        verbose_name=_("research activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    work_group = models.ForeignKey(
        "campaigns.WorkGroup",
        verbose_name=_("work group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    submitter_name = models.CharField(_("submitted by"), max_length=100, blank=True)
    submitter_contact = models.CharField(_("contact"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    receipt_code = models.CharField(
        _("receipt code"), max_length=16, unique=True, null=True, blank=True
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    text_key = models.CharField(
        _("duplicate key"),
        max_length=32,
        default="",
        editable=False,
        db_index=True,
        help_text=_(
            "The text after width and whitespace normalisation, hashed: equal keys, same text."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_id"],
                condition=~models.Q(external_id=""),
                name="%(app_label)s_%(class)s_unique_campaign_external_id",
                violation_error_message=_("An item with this external id already exists."),
            )
        ]

    def __str__(self):
        head = self.title or self.text
        return head[:40] + ("…" if len(head) > 40 else "")

    def save(self, *args, **kwargs):
        self.text_key = dedup_key(self.text)
        if self.pk is not None:
            stored = FeedbackItem.objects.filter(pk=self.pk).values_list("text", flat=True).first()
            if stored is not None and stored != self.text:
                raise ValidationError(_("The text of a feedback item is kept as received."))
        super().save(*args, **kwargs)
