from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedbackKind(models.TextChoices):
    PROBLEM = "problem", _("Problem")
    SUGGESTION = "suggestion", _("Suggestion")


class Channel(models.TextChoices):
    SYMPOSIUM = "symposium", _("Symposium")
    INTERVIEW = "interview", _("Interview")
    WRITTEN = "written", _("Written consultation")
    FIELD_VISIT = "field_visit", _("Field visit")
    SURVEY = "survey", _("Online survey")
    PUBLIC_PAGE = "public_page", _("Public submission page")
    HOTLINE = "hotline", _("Hotline")
    LETTER = "letter", _("Letters and visits")
    IMPORT = "import", _("Spreadsheet import")
    OTHER = "other", _("Other")
