"""An import batch: the uploaded file, stored once under its sha256, with the choices for
importing it (create_batch, prepare); and undoing a finished import as a whole (undo)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from rectify.audit.log import record
from rectify.campaigns.models import Campaign
from rectify.core.spreadsheets.reader import Sheet, read
from rectify.feedback.imports.errors import ImportRefused
from rectify.feedback.imports.mappings import get_mapping, require_importer, suggest
from rectify.feedback.imports.plans import plan
from rectify.feedback.models import ColumnMapping, FeedbackItem, ImportBatch
from rectify.feedback.scoping import can_undo_import


def create_batch(
    campaign: Campaign,
    source,
    *,
    actor,
    filename: str | None = None,
    sheet: str | None = None,
    columns: dict[str, str] | None = None,
    mapping: ColumnMapping | str | None = None,
    defaults: dict | None = None,
    header_rows: int | None = None,
    mode: str = ImportBatch.Mode.GOOD_ROWS,
) -> ImportBatch:
    """Store the file (under its sha256) and the choices for importing it; nothing is imported
    yet. `columns` override the named `mapping`; with neither, the remembered mapping for the
    file's headers or the suggestion from them is used. Raises SpreadsheetFileError for a file that
    cannot be read and ImportRefused for choices that cannot work."""
    batch, _sheet = _create(
        campaign,
        source,
        actor=actor,
        filename=filename,
        sheet=sheet,
        columns=columns,
        mapping=mapping,
        defaults=defaults,
        header_rows=header_rows,
        mode=mode,
    )
    return batch


def _create(
    campaign,
    source,
    *,
    actor,
    filename=None,
    sheet=None,
    columns=None,
    mapping=None,
    defaults=None,
    header_rows=None,
    mode=ImportBatch.Mode.GOOD_ROWS,
    keep_open=False,
) -> tuple[ImportBatch, Sheet | None]:
    """create_batch; with keep_open, also the opened sheet (its rows unread; the caller closes
    its workbook)."""
    require_importer(actor, campaign)
    if isinstance(mapping, str):
        mapping = get_mapping(campaign, mapping)
    wb = read(source, filename=filename)
    try:
        sh = wb.sheet(sheet, header_rows=header_rows)
        if mapping is not None:
            cols = {**mapping.columns, **(columns or {})}
            defs = {**mapping.defaults, **(defaults or {})}
        elif columns is None:
            suggestion = suggest(campaign, sh)
            cols, mapping = suggestion.columns, suggestion.mapping
            defs = {**suggestion.defaults, **(defaults or {})}
        else:
            cols, defs = dict(columns), dict(defaults or {})
        plan(campaign, sh, cols, defs)
        sha, size = _hash(wb.path)
        batch = ImportBatch(
            campaign=campaign,
            file_name=wb.file_name[:255],
            file_size=size,
            sha256=sha,
            file_kind=wb.kind,
            encoding=wb.encoding,
            sheet=sh.name,
            header_rows=header_rows,
            columns={k: v for k, v in cols.items() if v},
            defaults={k: v for k, v in defs.items() if v not in (None, "")},
            column_mapping=mapping,
            mode=mode,
            total=sh.data_rows_estimate,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        name = ImportBatch.file.field.generate_filename(batch, wb.file_name)
        if default_storage.exists(name):
            batch.file.name = name  # the same content is stored once
        else:
            with open(wb.path, "rb") as f:
                batch.file.save(wb.file_name, File(f), save=False)
        batch.save()
    except BaseException:
        wb.close()
        raise
    if keep_open:
        return batch, sh
    wb.close()
    return batch, None


def _hash(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def prepare(campaign: Campaign, source, *, actor, **choices) -> tuple[ImportBatch, Sheet]:
    """create_batch, also returning the opened sheet, so that `run(batch, sheet=sheet)` in the
    same process reads the file once (the CLI's way; a page creates the batch in the request
    and the worker reads the stored file). Close `sheet.workbook` if you do not run it."""
    return _create(campaign, source, actor=actor, keep_open=True, **choices)


# --- undo ---------------------------------------------------------------------------------


@transaction.atomic
def undo(batch: ImportBatch, *, actor) -> int:
    """Delete every item of a finished import, while none of them is merged into a problem.
    Returns how many were deleted; logged as feedback.import_undo."""
    from rectify.ledger.models import ProblemFeedback

    locked = ImportBatch.objects.select_for_update().select_related("campaign").get(pk=batch.pk)
    if not can_undo_import(actor, locked):
        raise ImportRefused("undo_not_allowed")
    if locked.status != ImportBatch.Status.DONE:
        raise ImportRefused("undo_state", status=locked.get_status_display())
    merged = ProblemFeedback.objects.filter(feedback_item__import_batch=locked)
    first = merged.select_related("problem").order_by("problem__number").first()
    if first is not None:
        raise ImportRefused("undo_merged", count=merged.count(), problem=first.problem.number)
    try:
        _total, per_model = FeedbackItem.objects.filter(import_batch=locked).delete()
    except ProtectedError:  # merged meanwhile: the lock above does not cover the links
        raise ImportRefused("undo_merged", count="?", problem="?") from None
    deleted = per_model.get(FeedbackItem._meta.label, 0)
    locked.status = ImportBatch.Status.UNDONE
    locked.undone_by = actor if actor is not None and actor.is_authenticated else None
    locked.undone_at = timezone.now()
    locked.save(update_fields=["status", "undone_by", "undone_at"])
    record(
        locked,
        "feedback.import_undo",
        actor=actor,
        campaign=locked.campaign,
        before={"status": ImportBatch.Status.DONE, "items": deleted},
        after={"status": ImportBatch.Status.UNDONE, "items": 0},
    )
    batch.status, batch.undone_at, batch.undone_by = (
        locked.status,
        locked.undone_at,
        locked.undone_by,
    )
    return deleted
