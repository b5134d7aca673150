from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    INSPECTION = "inspection", _("Inspection")
    ONSITE = "onsite", _("On-site supervision")
    INTERVIEW = "interview", _("Admonitory talk")
    ESCALATION = "escalation", _("Escalated supervision")
    GUIDANCE = "guidance", _("Guidance group visit")
