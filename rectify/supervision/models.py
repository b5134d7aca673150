"""Supervision actions (督查督办): who urged whom, when, about what, with what outcome."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.supervision.choices import NoticeLevel, SupervisionKind


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
    content = models.TextField(_("what"))
    outcome = models.TextField(_("outcome"), blank=True)
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
