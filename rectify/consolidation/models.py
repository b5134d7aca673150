"""Consolidation (归并): the machine's suggested groups of unmerged feedback, and the people's
decisions on them (merges with their undo, items kept apart, items set aside).

Suggestions are stored per run so the board renders fast and stays usable while the next run
computes in the background. A merge itself is a ledger link (ledger.ProblemFeedback, with who,
when, why and similarity); `Merge` remembers which links one decision made, so it can be undone.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from rectify.core.jobs import Job


class Level(models.TextChoices):
    DUPLICATE = "duplicate", _("Near-duplicates")
    TOPIC = "topic", _("Topics")


class Run(Job):
    """One regrouping of a campaign's unmerged feedback (一次归并分组)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Grouping")
        DONE = "done", _("Grouped")
        FAILED = "failed", _("Failed")

    RUNNING_STATUSES = (Status.PENDING, Status.RUNNING)

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="consolidation_runs",
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    threshold = models.FloatField(_("threshold"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    in_background = models.BooleanField(_("run by the background worker"), default=False)
    group_count = models.PositiveIntegerField(_("groups"), default=0)
    kept_apart = models.PositiveIntegerField(
        _("groups divided by “not a duplicate” marks"), default=0
    )
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("regrouping")
        verbose_name_plural = _("regroupings")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.campaign} · {self.get_level_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0


class SuggestedGroup(models.Model):
    """A group the machine suggests (or a person split off). In a topic run, top groups hold
    near-duplicate subgroups, and only those leaves hold members."""

    run = models.ForeignKey(
        Run, verbose_name=_("regrouping"), on_delete=models.CASCADE, related_name="groups"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subgroups",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    representative = models.ForeignKey(
        "feedback.FeedbackItem",
        verbose_name=_("representative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    key_terms = models.JSONField(_("key terms"), default=list, blank=True)
    size = models.PositiveIntegerField(_("size when suggested"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("split off by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: suggested by the machine."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("suggested group")
        verbose_name_plural = _("suggested groups")
        ordering = ["run", "position", "id"]

    def __str__(self):
        return f"#{self.pk} ({self.size})"


class SuggestedMember(models.Model):
    """An item in a suggested group, with its similarity to the group's representative."""

    run = models.ForeignKey(
        Run, verbose_name=_("regrouping"), on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        SuggestedGroup,
        verbose_name=_("suggested group"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    feedback_item = models.ForeignKey(
        "feedback.FeedbackItem",
        verbose_name=_("feedback item"),
        on_delete=models.CASCADE,
        related_name="suggestions",
    )
    similarity = models.FloatField(_("similarity"), default=1.0)

    class Meta:
        verbose_name = _("suggested member")
        verbose_name_plural = _("suggested members")
        ordering = ["group", "-similarity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "feedback_item"],
                name="%(app_label)s_%(class)s_unique_run_item",
                violation_error_message=_("This item is already in a group of this regrouping."),
            )
        ]

    def __str__(self):
        return f"{self.group_id} ← {self.feedback_item_id}"


class NotDuplicate(models.Model):
    """Two items a person said are not the same problem: later regroupings keep them apart."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    item_a = models.ForeignKey(
        "feedback.FeedbackItem",
        verbose_name=_("feedback item"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    item_b = models.ForeignKey(
        "feedback.FeedbackItem",
        verbose_name=_("other feedback item"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        verbose_name = _("“not a duplicate” mark")
        verbose_name_plural = _("“not a duplicate” marks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item_a", "item_b"],
                name="%(app_label)s_%(class)s_unique_pair",
                violation_error_message=_("These two items are already marked."),
            ),
            models.CheckConstraint(
                condition=models.Q(item_a__lt=models.F("item_b")),
                name="%(app_label)s_%(class)s_ordered_pair",
                violation_error_message=_("A pair is stored smaller id first."),
            ),
        ]

    def __str__(self):
        return f"{self.item_a_id} ≠ {self.item_b_id}"


class SetAside(models.Model):
    """An item the office decided is not a problem to record (e.g. thanks, or off topic):
    it leaves the board until restored."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    feedback_item = models.OneToOneField(
        "feedback.FeedbackItem",
        verbose_name=_("feedback item"),
        on_delete=models.CASCADE,
        related_name="set_aside",
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set aside by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set aside"), auto_now_add=True)

    class Meta:
        verbose_name = _("item set aside")
        verbose_name_plural = _("items set aside")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return str(self.feedback_item_id)


class Merge(models.Model):
    """One person's decision to merge items into a problem; the links it made can be undone."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    problem = models.ForeignKey(
        "ledger.Problem",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consolidation_merges",
    )
    problem_number = models.PositiveIntegerField(_("problem number"))
    problem_title = models.CharField(_("problem title"), max_length=200)
    created_problem = models.BooleanField(_("created the problem"), default=False)
    items = models.ManyToManyField(
        "feedback.FeedbackItem", verbose_name=_("feedback items"), related_name="+"
    )
    group = models.ForeignKey(
        SuggestedGroup,
        verbose_name=_("suggested group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merges",
    )
    reason = models.TextField(_("reason"), blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undo_reason = models.TextField(_("reason for the undo"), blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-merged_at", "-id"]

    def __str__(self):
        return f"→ {self.problem_number}. {self.problem_title}"

    def clean(self):
        if self.problem_id and self.problem.campaign_id != self.campaign_id:
            raise ValidationError({"problem": _("The problem belongs to another campaign.")})


class ItemMeaning(models.Model):
    """A feedback item's sentence vector as the model read it (textsim.sentence_vectors), kept
    so a regrouping reads only new or edited items. Derived data, not ledger data: dropping
    every row loses nothing but time."""

    feedback_item = models.OneToOneField(
        "feedback.FeedbackItem", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    digest = models.CharField(max_length=64)  # of the model and the text it read
    vector = models.BinaryField()  # float32, little-endian

    class Meta:
        verbose_name = _("sentence vector")
        verbose_name_plural = _("sentence vectors")

    def __str__(self):
        return f"{self.feedback_item_id}: {self.digest[:12]}"
