from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SupervisionKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    INSPECTION = "inspection", _("Inspection")
    ONSITE = "onsite", _("On-site supervision")
    INTERVIEW = "interview", _("Admonitory talk")
    ESCALATION = "escalation", _("Escalated supervision")
    GUIDANCE = "guidance", _("Guidance group visit")


class NoticeLevel(models.TextChoices):
    """The colour of a supervision notice (督办单): yellow first, then red, as offices escalate."""

    YELLOW = "yellow", pgettext_lazy("supervision notice", "Yellow notice")
    RED = "red", pgettext_lazy("supervision notice", "Red notice")


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    URGE = "urge", _("Urged by a supervisor")
    NOTICE = "notice", _("Supervision notice")


class Delivery(models.TextChoices):
    """How a person wants their notifications by e-mail: one daily digest, or each at once."""

    DIGEST = "digest", _("One daily digest")
    IMMEDIATE = "immediate", _("Each at once")


class MailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    NO_ADDRESS = "no_address", _("No e-mail address")


# The badge colour of each kind in the notification list (Bootstrap's names).
NOTIFICATION_KIND_COLORS = {
    NotificationKind.REMINDER: "warning",
    NotificationKind.URGE: "danger",
    NotificationKind.NOTICE: "danger",
}
