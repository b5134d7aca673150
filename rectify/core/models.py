"""Project-wide tables that belong to no single app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day the office declares a holiday or a make-up workday, from the State Council notice.

    Overrides the chinese-calendar package, which only knows the years it ships data for.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("holiday or make-up workday")
        verbose_name_plural = _("holidays and make-up workdays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"
