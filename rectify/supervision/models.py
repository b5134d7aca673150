"""Supervision actions (督查督办): who urged whom, when, about what, with what outcome."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.supervision.choices import (
    Delivery,
    MailStatus,
    NoticeLevel,
    NotificationKind,
    SupervisionKind,
)


class SupervisionAction(models.Model):
    """A reminder, inspection, on-site visit, talk or escalation about a unit's rectification."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="supervision_actions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SupervisionKind.choices)
    target_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit supervised"),
        on_delete=models.PROTECT,
        related_name="supervision_actions",
    )
    measure = models.ForeignKey(
        "ledger.Measure",
        verbose_name=_("measure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervision_actions",
    )
    problem = models.ForeignKey(
        "ledger.Problem",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervision_actions",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    happened_at = models.DateTimeField(_("when"), default=timezone.now)
    participants = models.TextField(
        _("people present"),
        blank=True,
        help_text=_("Members of the supervision group and others present, besides the recorder."),
    )
    content = models.TextField(_("what"))
    outcome = models.TextField(_("outcome"), blank=True)
    # Measures created from this action's findings (督查发现问题的整改措施), in one step.
    follow_ups = models.ManyToManyField(
        "ledger.Measure",
        verbose_name=_("follow-up measures"),
        blank=True,
        related_name="supervision_origins",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # A supervision notice (督办单) is an escalation with a colour, a number within the campaign
    # and year (〔2026〕3号), the date by which the unit must answer, and the measures it names.
    level = models.CharField(
        _("notice level"), max_length=10, choices=NoticeLevel.choices, blank=True
    )
    year = models.PositiveSmallIntegerField(_("notice year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("notice number"), null=True, blank=True)
    required_by = models.DateField(_("answer required by"), null=True, blank=True)
    items = models.ManyToManyField(
        "ledger.Measure", verbose_name=_("measures named"), blank=True, related_name="notices"
    )

    class Meta:
        verbose_name = _("supervision action")
        verbose_name_plural = _("supervision actions")
        ordering = ["-happened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="supervision_notice_number_unique",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.target_unit}"

    @property
    def is_notice(self) -> bool:
        return bool(self.level)

    @property
    def number(self) -> str:
        """The notice's number as offices write it: 〔2026〕3号 (empty for other actions)."""
        return f"〔{self.year}〕{self.sequence}号" if self.sequence else ""


class Notification(models.Model):
    """One message to one person: shown in the app's notification list, and sent by e-mail
    (at once or in the daily digest, as the person chose) when they have an address.

    `key` makes a reminder idempotent: the reminder run writes each (reason, measure, period,
    person) once, so running it twice sends nothing twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    measure = models.ForeignKey(
        "ledger.Measure",
        verbose_name=_("measure"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    action = models.ForeignKey(
        SupervisionAction,
        verbose_name=_("supervision action"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    key = models.CharField(_("key"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    mail_status = models.CharField(
        _("e-mail"), max_length=20, choices=MailStatus.choices, default=MailStatus.PENDING
    )
    mail_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    mailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    mail_error = models.TextField(_("last e-mail error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["mail_status", "recipient"], name="notification_mail"),
        ]

    def __str__(self):
        return self.subject


class NotificationSettings(models.Model):
    """A person's choice of e-mail delivery (the daily digest unless they ask otherwise)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    delivery = models.CharField(
        _("e-mail delivery"), max_length=20, choices=Delivery.choices, default=Delivery.DIGEST
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return f"{self.user} · {self.get_delivery_display()}"


class ReminderStart(models.Model):
    """The day the reminder run first worked on a campaign. Escalation counts the overdue
    reminders from then on, so a ledger brought in with old overdue items does not get a flood
    of notices on the first run: "after M reminders" means reminders the unit was sent."""

    campaign = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="reminder_start",
    )
    started_on = models.DateField(_("reminders started on"))

    class Meta:
        verbose_name = _("start of reminders")
        verbose_name_plural = _("starts of reminders")

    def __str__(self):
        return f"{self.campaign} · {self.started_on}"
