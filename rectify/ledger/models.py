"""The ledger (整改台账): problem lists, categories, problems, measures and their records."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rectify.core.jobs import Job
from rectify.ledger.choices import (
    MEASURE_STATE_COLORS,
    Closure,
    Difficulty,
    ExtensionStatus,
    MeasureMode,
    MeasureState,
    Nature,
    RecheckResult,
    Source,
    VerificationDecision,
)


class Category(models.Model):
    """A node of the taxonomy problems are checked against (问题类别 / 对照标准)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="categories",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=100)
    standard = models.TextField(_("standard checked against"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["campaign", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "parent", "name"],
                name="%(app_label)s_%(class)s_unique_campaign_parent_name",
                violation_error_message=_("This category already exists here."),
            )
        ]

    def __str__(self):
        return self.name


class ProblemList(models.Model):
    """A named list of problems (问题清单), e.g. the four lists of "1+3"."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="problem_lists",
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("problem list")
        verbose_name_plural = _("problem lists")
        ordering = ["campaign", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="%(app_label)s_%(class)s_unique_campaign_name",
                violation_error_message=_("A list with this name already exists."),
            )
        ]

    def __str__(self):
        return self.name


class Problem(models.Model):
    """A consolidated problem in the ledger; merges one or more feedback items."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="problems",
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    public_title = models.CharField(
        _("public title"),
        max_length=200,
        blank=True,
        help_text=_("Shown to the public on receipt-code pages; empty hides the problem there."),
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices, blank=True)
    difficulty = models.CharField(
        _("difficulty"), max_length=10, choices=Difficulty.choices, blank=True
    )
    is_prominent = models.BooleanField(_("prominent problem"), default=False)
    lists = models.ManyToManyField(
        ProblemList, verbose_name=_("problem lists"), blank=True, related_name="problems"
    )
    lead_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_problems",
    )
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    feedback_items = models.ManyToManyField(
        "feedback.FeedbackItem",
        through="ProblemFeedback",
        verbose_name=_("feedback items"),
        blank=True,
        related_name="problems",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"],
                name="%(app_label)s_%(class)s_unique_campaign_number",
                violation_error_message=_("A problem with this number already exists."),
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class ProblemFeedback(models.Model):
    """The link from a problem to an original feedback item, with its provenance."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="merges"
    )
    feedback_item = models.ForeignKey(
        "feedback.FeedbackItem",
        verbose_name=_("feedback item"),
        on_delete=models.PROTECT,
        related_name="merges",
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    similarity = models.FloatField(_("similarity"), null=True, blank=True)

    class Meta:
        verbose_name = _("merged feedback item")
        verbose_name_plural = _("merged feedback items")
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "feedback_item"],
                name="%(app_label)s_%(class)s_unique_problem_item",
                violation_error_message=_("This item is already merged into this problem."),
            )
        ]

    def __str__(self):
        return f"{self.problem_id} ← {self.feedback_item_id}"


class Measure(models.Model):
    """What will be done about a problem (整改措施). Its state changes only via ledger/states.py."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="measures"
    )
    content = models.TextField(_("measure"))
    responsible_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="measures",
    )
    cooperating_units = models.ManyToManyField(
        "orgs.OrgUnit",
        verbose_name=_("cooperating units"),
        blank=True,
        related_name="cooperating_measures",
    )
    responsible_person = models.CharField(_("responsible person"), max_length=50, blank=True)
    responsible_leader = models.CharField(_("responsible leader"), max_length=50, blank=True)
    target = models.TextField(_("rectification target"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    mode = models.CharField(
        _("mode"), max_length=12, choices=MeasureMode.choices, default=MeasureMode.PHASED
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    decided_on = models.DateField(
        _("decision date"),
        null=True,
        blank=True,
        help_text=_("The date the deadline is counted from when it is given in working days."),
    )
    working_days = models.PositiveSmallIntegerField(
        _("working days"),
        null=True,
        blank=True,
        help_text=_("The deadline as N working days after the decision date."),
    )
    original_deadline = models.DateField(
        _("original deadline"), null=True, blank=True, editable=False
    )
    deadline_moves = models.PositiveSmallIntegerField(
        _("deadline moved"), default=0, editable=False
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=MeasureState.choices,
        default=MeasureState.DRAFT,
        editable=False,
        db_index=True,
    )
    phase_complete = models.BooleanField(
        _("phase complete"),
        default=False,
        editable=False,
        help_text=_("A long-term measure whose current phase is done; it stays open."),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    closure = models.CharField(
        _("closure"),
        max_length=20,
        choices=Closure.choices,
        default=Closure.NONE,
        blank=True,
        editable=False,
    )
    closure_opinion = models.TextField(_("verification opinion"), blank=True, editable=False)
    awaiting_confirmation = models.BooleanField(
        _("awaiting second confirmation"), default=False, editable=False
    )
    relapse_count = models.PositiveSmallIntegerField(_("relapses"), default=0, editable=False)
    evidence_since = models.DateTimeField(
        _("evidence counts from"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("A closure request needs evidence uploaded at or after this moment."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["problem__number", "id"]

    def __str__(self):
        head = self.content[:40] + ("…" if len(self.content) > 40 else "")
        return f"{self.problem.number}-{self.pk} {head}"

    def clean(self):
        if self.mode != MeasureMode.LONG_TERM and self.deadline is None:
            raise ValidationError(
                {"deadline": _("Give a deadline (only long-term measures may omit it).")}
            )
        if self.problem_id and self.campaign_id and self.problem.campaign_id != self.campaign_id:
            raise ValidationError({"problem": _("The problem belongs to another campaign.")})

    def get_state_color(self) -> str:
        return MEASURE_STATE_COLORS[self.state]


class Milestone(models.Model):
    """A dated step of a phased measure (阶段目标)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("step"), max_length=200)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["measure", "due_on", "id"]

    def __str__(self):
        return self.title


class ProgressReport(models.Model):
    """A dated update on a measure by its responsible unit (进展情况)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="reports"
    )
    reported_on = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    percent_done = models.PositiveSmallIntegerField(
        _("percent done"), default=0, validators=[MaxValueValidator(100)]
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["measure", "-reported_on", "-id"]

    def __str__(self):
        return f"{self.reported_on} {self.percent_done}%"


def evidence_path(instance: "Evidence", filename: str) -> str:
    """Content-addressed: the file lives under its sha256, so it is never silently replaced."""
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """An uploaded file backing a report (佐证材料); stored under its sha256."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="evidence"
    )
    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("progress report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
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
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["measure", "-uploaded_at"]

    def __str__(self):
        return self.original_name


class ClosureRequest(models.Model):
    """A request to close a measure (申请销号): what was done, by whom, with which evidence."""

    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        related_name="closure_requests",
    )
    description = models.TextField(_("what was done"))
    percent_done = models.PositiveSmallIntegerField(
        _("last reported percent"), null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("closure request")
        verbose_name_plural = _("closure requests")
        ordering = ["measure", "-requested_at", "-id"]
        get_latest_by = ["requested_at", "id"]

    def __str__(self):
        return f"{self.measure_id} {self.requested_at:%Y-%m-%d}"


class Verification(models.Model):
    """The office's decision on a closure request: accept (销号) or return (退回), or closing
    without rectification (暂不具备整改条件), or a second confirmation of a closure."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="verifications"
    )
    closure_request = models.ForeignKey(
        ClosureRequest,
        verbose_name=_("closure request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verifications",
    )
    decision = models.CharField(_("decision"), max_length=12, choices=VerificationDecision.choices)
    reason = models.TextField(_("opinion"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["measure", "-decided_at"]

    def __str__(self):
        return f"{self.get_decision_display()} {self.measure_id}"


class DeadlineChange(models.Model):
    """A moved deadline, always with its reason; the measure keeps its original deadline."""

    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        related_name="deadline_changes",
    )
    old_deadline = models.DateField(_("old deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    extension = models.ForeignKey(
        "ExtensionRequest",
        verbose_name=_("extension request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["measure", "changed_at", "id"]

    def __str__(self):
        return f"{self.old_deadline} → {self.new_deadline}"


class ExtensionRequest(models.Model):
    """A unit's request to move a deadline (延期申请); the office grants or refuses it."""

    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        related_name="extension_requests",
    )
    current_deadline = models.DateField(_("deadline when asked"), null=True, blank=True)
    requested_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("office's reply"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["measure", "-requested_at", "-id"]

    def __str__(self):
        return f"{self.measure_id} → {self.requested_deadline}"


class Recheck(models.Model):
    """A re-check (回头看) of a closed measure on a set date: did the rectification hold?"""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="rechecks"
    )
    due_on = models.DateField(_("re-check date"), db_index=True)
    result = models.CharField(
        _("result"),
        max_length=10,
        choices=RecheckResult.choices,
        default=RecheckResult.PENDING,
        blank=True,
    )
    note = models.TextField(_("findings"), blank=True)
    done_on = models.DateField(_("checked on"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("re-check")
        verbose_name_plural = _("re-checks")
        ordering = ["measure", "due_on", "id"]

    def __str__(self):
        return f"{self.measure_id} {self.due_on}"


class ConfirmationRule(models.Model):
    """Closures of problems from this source count only once this person confirms them
    (e.g. 巡视反馈 problems confirmed by the inspection liaison)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="confirmation_rules",
    )
    source = models.CharField(_("problem source"), max_length=20, choices=Source.choices)
    confirmer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("second confirmation rule")
        verbose_name_plural = _("second confirmation rules")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "source"],
                name="%(app_label)s_%(class)s_unique_campaign_source",
                violation_error_message=_("This source already has a confirmation rule."),
            )
        ]

    def __str__(self):
        return f"{self.get_source_display()} → {self.confirmer}"


def sheet_import_path(instance: "SheetImport", filename: str) -> str:
    return f"sheets/{instance.campaign_id}/{instance.sha256[:2]}/{instance.sha256}"


class SheetImport(Job):
    """An uploaded ledger spreadsheet (台账导入): an edited export read back with a diff
    (re-import), or an office's existing Excel ledger moved in (migration). The file is kept as
    uploaded, so the preview and the applying read the same bytes; `result` keeps what came
    of it (see ledger/sheets)."""

    class Kind(models.TextChoices):
        REIMPORT = "reimport", _("Edited ledger read back")
        MIGRATION = "migration", _("Existing ledger moved in")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, not applied")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    RUNNING_STATUSES = (Status.APPLYING,)

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="sheet_imports",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    file = models.FileField(_("file"), upload_to=sheet_import_path, max_length=200)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    options = models.JSONField(
        _("choices made"),
        default=dict,
        blank=True,
        help_text=_("A migration's column mapping, unit matches and defaults."),
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger spreadsheet import")
        verbose_name_plural = _("ledger spreadsheet imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name}"
