"""Raw feedback: one thing someone said, stored exactly as received; and spreadsheet imports."""

import datetime as dt
import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.core.jobs import Job
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.textsim.normalise import comparable, dedup_key

# The longest text accepted, in characters: one limit for the entry page, the public page, the
# API and imports (settings.FEEDBACK_TEXT_MAX_CHARS, read at start-up). Not a database limit:
# a text is stored as received, whatever the setting was then.
TEXT_MAX_LENGTH = settings.FEEDBACK_TEXT_MAX_CHARS
TITLE_MAX_LENGTH = 200

# Fields that may be corrected after intake (each correction goes to the activity log).
TRIAGE_FIELDS = ("kind", "region", "category", "org_unit")


class FeedbackItem(models.Model):
    """A problem or suggestion as received (反映问题 / 意见建议). Its text never changes."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="feedback_items",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FeedbackKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    text = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    org_unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name=_("unit concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    category = models.ForeignKey(
        "ledger.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    activity = models.ForeignKey(
        "campaigns.ResearchActivity",
        verbose_name=_("research activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    work_group = models.ForeignKey(
        "campaigns.WorkGroup",
        verbose_name=_("work group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_items",
    )
    submitter_name = models.CharField(_("submitted by"), max_length=100, blank=True)
    submitter_contact = models.CharField(_("contact"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    receipt_code = models.CharField(
        _("receipt code"), max_length=16, unique=True, null=True, blank=True
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    text_key = models.CharField(
        _("duplicate key"),
        max_length=32,
        default="",
        editable=False,
        db_index=True,
        help_text=_(
            "The text after width and whitespace normalisation, hashed: equal keys, same text."
        ),
    )
    row_fingerprint = models.CharField(
        _("row fingerprint"),
        max_length=32,
        default="",
        editable=False,
        help_text=_(
            "Duplicate key, received date and submitter, hashed: how a re-imported row "
            "without an external id is recognised."
        ),
    )
    import_batch = models.ForeignKey(
        "feedback.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    import_row = models.PositiveIntegerField(_("row in the imported file"), null=True, blank=True)
    near_problem = models.ForeignKey(
        "ledger.Problem",
        verbose_name=_("close to problem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="near_feedback",
        editable=False,
        help_text=_(
            "At intake, the existing problem whose text this item is very close to (a flag for "
            "the office, never merged by itself); see feedback/items/closeness.py."
        ),
    )
    near_similarity = models.FloatField(
        _("similarity to that problem"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "external_id"],
                condition=~models.Q(external_id=""),
                name="%(app_label)s_%(class)s_unique_campaign_external_id",
                violation_error_message=_("An item with this external id already exists."),
            )
        ]
        indexes = [
            models.Index(
                fields=["campaign", "row_fingerprint"], name="feedback_row_fingerprint_idx"
            )
        ]

    def __str__(self):
        head = self.title or self.text
        return head[:40] + ("…" if len(head) > 40 else "")

    def save(self, *args, **kwargs):
        self.set_keys()
        if self.pk is not None:
            stored = FeedbackItem.objects.filter(pk=self.pk).values_list("text", flat=True).first()
            if stored is not None and stored != self.text:
                raise ValidationError(_("The text of a feedback item is kept as received."))
        super().save(*args, **kwargs)

    def set_keys(self) -> None:
        """Set the duplicate keys from the text, the day received and the submitter: text_key
        always, row_fingerprint unless it is set already (kept once set: an import stores the
        fingerprint of the row as it was in the file, e.g. without a date).

        save() calls it; so must every bulk insert of items that skips save() (bulk_create),
        or a re-imported export of those items would come back as duplicates.
        """
        self.text_key, fingerprint = self.duplicate_keys(
            self.text, self.received_at, self.submitter_name
        )
        if not self.row_fingerprint:
            self.row_fingerprint = fingerprint

    @staticmethod
    def duplicate_keys(text: str | None, received, submitter: str, *, text_key: str | None = None):
        """(text_key, row_fingerprint) of an item or a row with this text, received time (a
        datetime or date; None for a row without one) and submitter: the one computation of
        both keys, for set_keys() and for the importer, which inserts rows without making
        items. `text_key`: dedup_key(text) when the caller computed it already (the importer
        does, in a helper process for large files); `text` may then be None."""
        if text_key is None:
            text_key = dedup_key(text)
        return text_key, _fingerprint(text_key, received, submitter)


def _fingerprint(text_key: str, received, submitter: str) -> str:
    """What makes two rows without an external id the same item: the text (as `text_key`),
    the day received (local date; None when the row had no date) and the submitter."""
    if received is None:
        day = ""
    elif isinstance(received, dt.datetime):
        if timezone.is_aware(received):  # the office's day, whatever zone a request is in
            received = received.astimezone(timezone.get_default_timezone())
        day = received.date().isoformat()
    else:
        day = received.isoformat()
    raw = f"{text_key}|{day}|{_comparable_name(submitter or '')}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


@functools.lru_cache(maxsize=4096)
def _comparable_name(name: str) -> str:
    return comparable(name)


def import_file_path(batch: "ImportBatch", filename: str) -> str:
    """Uploaded files are stored under their content hash: the same file is stored once."""
    suffix = Path(filename).suffix.lower()[:8]
    return f"imports/{batch.sha256[:2]}/{batch.sha256}{suffix}"


class ColumnMapping(models.Model):
    """A remembered column mapping (列对应关系): which column of a bureau's files holds which
    field. The next file with the same headers maps itself."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="column_mappings",
    )
    name = models.CharField(_("name"), max_length=100)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    headers_key = models.CharField(_("headers key"), max_length=32, db_index=True, editable=False)
    columns = models.JSONField(
        _("columns"), default=dict, help_text=_("Field name → column header (or column letter).")
    )
    defaults = models.JSONField(
        _("defaults"), default=dict, blank=True, help_text=_("Values for fields no column gives.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["campaign", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="%(app_label)s_%(class)s_unique_campaign_name",
                violation_error_message=_("A column mapping with this name already exists."),
            )
        ]

    def __str__(self):
        return self.name


class ImportBatch(Job):
    """One spreadsheet import (导入批次): the file as uploaded, how it was read, what came of it.

    Items it created link back to it, so the batch can be undone as a whole until one of them
    is merged into a problem.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        VALIDATING = "validating", _("Checking rows")
        VALIDATED = "validated", _("Checked")
        SAVING = "saving", _("Saving")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Nothing imported: bad rows")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    RUNNING_STATUSES = (Status.VALIDATING, Status.SAVING)

    class Mode(models.TextChoices):
        GOOD_ROWS = "good_rows", _("Import the good rows")
        ALL_OR_NOTHING = "all_or_nothing", _("Import nothing if a row is bad")

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="import_batches",
    )
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=200)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True, editable=False)
    file_kind = models.CharField(_("file type"), max_length=8, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    header_rows = models.PositiveSmallIntegerField(
        _("header rows"), null=True, blank=True, help_text=_("Empty: detected from the file.")
    )
    columns = models.JSONField(_("columns"), default=dict)
    defaults = models.JSONField(_("defaults"), default=dict, blank=True)
    column_mapping = models.ForeignKey(
        ColumnMapping,
        verbose_name=_("column mapping"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="batches",
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.GOOD_ROWS)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_present = models.PositiveIntegerField(_("rows already present"), default=0)
    rows_refused = models.PositiveIntegerField(_("rows refused"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("number of problems"), default=0)
    duplicates = models.JSONField(_("rows already present"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    error = models.JSONField(_("error"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return (
            f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
            if self.created_at
            else self.file_name
        )
