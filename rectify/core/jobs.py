"""The one base of long-running jobs (spreadsheet imports, regroupings): when they started,
their last sign of life, how far they got, and one rule for when a silent job has died."""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """Progress and liveness of work a request or the background worker runs.

    Subclasses keep their own `status` choices and name the ones that mean "running" in
    RUNNING_STATUSES; the worker (or the request) writes `heartbeat_at` as it goes.
    """

    STALE_AFTER = dt.timedelta(minutes=10)  # a running job silent this long has died
    RUNNING_STATUSES: tuple[str, ...] = ()

    done = models.PositiveIntegerField(_("done so far"), default=0)
    total = models.PositiveIntegerField(_("total (estimate)"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATUSES

    @property
    def is_stale(self) -> bool:
        """Running, but no sign of life for STALE_AFTER: its process died; it may run again."""
        last = self.heartbeat_at or self.started_at or self.created_at
        return self.is_running and last is not None and timezone.now() - last > self.STALE_AFTER
