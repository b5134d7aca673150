from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    SYMPOSIUM = "symposium", _("Symposium")
    INTERVIEW = "interview", _("Interview")
    WRITTEN = "written", _("Written consultation")
    FIELD_VISIT = "field_visit", _("Field visit")
    SURVEY = "survey", _("Online survey")


class DeadlineBasis(models.TextChoices):
    WORKING = "working", _("Working days")
    CALENDAR = "calendar", _("Calendar days")
