"""Campaigns and what they organise: work groups, research activities, programs, indicators."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rectify.campaigns.choices import ActivityKind, DeadlineBasis


class Campaign(models.Model):
    """One time-boxed effort with its own lists, ledger and reports.

    A subordinate unit's campaign names its parent campaign and rolls up into it.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("short name"),
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use lower-case letters, digits and -."))
        ],
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("organising unit"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    due_soon_days = models.PositiveSmallIntegerField(
        _("due-soon window"),
        default=5,
        help_text=_("A measure counts as due soon this many days before its deadline."),
    )
    due_soon_basis = models.CharField(
        _("due-soon window counted in"),
        max_length=10,
        choices=DeadlineBasis.choices,
        default=DeadlineBasis.WORKING,
    )
    # Reminder rules (supervision/reminders.py), in the days the due-soon window counts (working
    # or calendar days); 0 switches a reminder off.
    remind_after_days = models.PositiveSmallIntegerField(
        _("start reminder after"),
        default=3,
        help_text=_("A measure still in draft this many days after it was assigned is reminded."),
    )
    remind_before_days = models.PositiveSmallIntegerField(
        _("reminder before the deadline"),
        default=3,
        help_text=_("The responsible unit is reminded this many days before the deadline."),
    )
    remind_on_deadline = models.BooleanField(_("reminder on the deadline"), default=True)
    remind_overdue_every = models.PositiveSmallIntegerField(
        _("overdue reminder every"),
        default=3,
        help_text=_("While a measure is overdue, its unit is reminded every this many days."),
    )
    escalate_after = models.PositiveSmallIntegerField(
        _("escalate after"),
        default=3,
        help_text=_(
            "After this many overdue reminders a yellow supervision notice goes to the unit's "
            "leaders and supervisors; after as many again, a red one."
        ),
    )
    public_intake_enabled = models.BooleanField(_("public submission page open"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A campaign cannot roll up into itself.")})
            ancestor = ancestor.parent


class WorkGroup(models.Model):
    """A team sent to research its assigned regions or units (工作组)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="work_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_work_groups",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="work_groups",
    )
    regions = models.ManyToManyField(
        "orgs.Region", verbose_name=_("assigned regions"), blank=True, related_name="work_groups"
    )
    org_units = models.ManyToManyField(
        "orgs.OrgUnit", verbose_name=_("assigned units"), blank=True, related_name="work_groups"
    )

    class Meta:
        verbose_name = _("work group")
        verbose_name_plural = _("work groups")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="%(app_label)s_%(class)s_unique_campaign_name",
                violation_error_message=_("A work group with this name already exists."),
            )
        ]

    def __str__(self):
        return self.name


class ResearchActivity(models.Model):
    """A symposium, interview, written consultation, field visit or online survey (调研活动)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="activities"
    )
    work_group = models.ForeignKey(
        WorkGroup,
        verbose_name=_("work group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit visited"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    participant_count = models.PositiveIntegerField(_("participants"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("research activity")
        verbose_name_plural = _("research activities")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title


def attachment_path(instance: "ActivityAttachment", filename: str) -> str:
    """Content-addressed: the file lives under its sha256, so it is never silently replaced."""
    return f"activities/{instance.sha256[:2]}/{instance.sha256}"


class ActivityAttachment(models.Model):
    """A file recorded with a research activity, e.g. its minutes (会议纪要); stored under its
    sha256, so the same content is stored once and a stored file never changes."""

    activity = models.ForeignKey(
        ResearchActivity,
        verbose_name=_("research activity"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity attachment")
        verbose_name_plural = _("activity attachments")
        ordering = ["activity", "-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "sha256"],
                name="%(app_label)s_%(class)s_unique_activity_sha256",
                violation_error_message=_("This file is already attached to this activity."),
            )
        ]

    def __str__(self):
        return self.original_name


class Program(models.Model):
    """A thematic rectification program (专项整治) grouping problems and measures."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="programs"
    )
    name = models.CharField(_("name"), max_length=200)
    group_label = models.CharField(
        _("group"), max_length=50, blank=True, help_text=_('e.g. the "5" in "1+5+5+2"')
    )
    description = models.TextField(_("description"), blank=True)
    roadmap = models.TextField(_("roadmap"), blank=True)
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    lead_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programs",
    )
    leader = models.CharField(
        _("responsible leader"),
        max_length=100,
        blank=True,
        help_text=_("The leader or person answerable for the program (牵头领导 / 责任人)."),
    )
    problems = models.ManyToManyField(
        "ledger.Problem", verbose_name=_("problems"), blank=True, related_name="programs"
    )
    measures = models.ManyToManyField(
        "ledger.Measure", verbose_name=_("measures"), blank=True, related_name="programs"
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["campaign", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})


class Phase(models.Model):
    """One stage of a program's timetable (阶段), e.g. 摸底排查 → 集中整治 → 建章立制."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="phases"
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["program", "order", "starts_on", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})


class ProgramWeight(models.Model):
    """How much one of a program's measures counts in the program's progress (权重). A measure
    without a row counts 1; the roll-up is in reports/roadmap.py."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="weights"
    )
    measure = models.ForeignKey(
        "ledger.Measure",
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        related_name="program_weights",
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("measure weight")
        verbose_name_plural = _("measure weights")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "measure"],
                name="%(app_label)s_%(class)s_unique_program_measure",
                violation_error_message=_("This measure already has a weight in the program."),
            )
        ]

    def __str__(self):
        return f"{self.measure_id}×{self.weight}"


class Indicator(models.Model):
    """An outcome figure with unit, value and date (成效指标), e.g. 4,400万 beneficiaries."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="indicators"
    )
    program = models.ForeignKey(
        Program,
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
    )
    name = models.CharField(_("name"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    as_of = models.DateField(_("as of"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["campaign", "id"]

    def __str__(self):
        return self.name
