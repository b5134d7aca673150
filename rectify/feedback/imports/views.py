"""The import pages: upload a spreadsheet, map its columns with a preview, check every row,
then import the good rows or nothing; follow a background import's progress; undo a batch.

The uploaded file waits in storage (named in the session) until the mapping is confirmed; then
it becomes an ImportBatch and everything else goes through rectify.feedback.imports. Small
files are checked and imported in the request, larger ones by the background worker
(settings.IMPORT_INLINE_ROWS).
"""

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rectify.core.errors import DomainError
from rectify.core.pages import is_htmx
from rectify.core.spreadsheets.errors import SpreadsheetError, SpreadsheetFileError
from rectify.core.spreadsheets.reader import read
from rectify.core.spreadsheets.writing import XLSX_CONTENT_TYPE
from rectify.feedback.imports.batches import create_batch, undo
from rectify.feedback.imports.fields import FIELDS
from rectify.feedback.imports.forms import MappingForm, UploadForm, mapping_initial
from rectify.feedback.imports.mappings import save_mapping, sheet_headers
from rectify.feedback.imports.messages import render as render_message
from rectify.feedback.imports.plans import preview
from rectify.feedback.imports.report import batch_report, write_xlsx
from rectify.feedback.imports.running import enqueue, progress, require_runnable, run, validate
from rectify.feedback.models import ImportBatch
from rectify.feedback.scoping import (
    can_undo_import,
    get_campaign_for_importer,
    get_import_batch_for_user,
    scope_import_batches,
)

PAGE_SIZE = 30
STAGING = "imports/staging"


# --- the list of batches ---------------------------------------------------------------------


@login_required
def import_list(request, slug):
    campaign = get_campaign_for_importer(request.user, slug)
    batches = scope_import_batches(request.user, campaign).select_related("created_by")
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/import_list.html", {"campaign": campaign, "page": page})


# --- step 1: upload ------------------------------------------------------------------------


def _session_key(campaign) -> str:
    return f"import-upload-{campaign.pk}"


@login_required
def import_upload(request, slug):
    campaign = get_campaign_for_importer(request.user, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        _discard_staged(request, campaign)
        name = default_storage.save(
            f"{STAGING}/{request.user.pk}/{Path(upload.name).suffix[:8] or 'upload'}", upload
        )
        request.session[_session_key(campaign)] = {"name": name, "file_name": upload.name}
        return redirect("import-map", slug=campaign.slug)
    status = 400 if form.errors else 200
    return render(
        request,
        "feedback/import_upload.html",
        {"campaign": campaign, "form": form, "limit": settings.IMPORT_MAX_BYTES},
        status=status,
    )


def _discard_staged(request, campaign) -> None:
    staged = request.session.pop(_session_key(campaign), None)
    if staged:
        with contextlib.suppress(OSError):
            default_storage.delete(staged["name"])


@contextlib.contextmanager
def _staged_file(staged: dict):
    """A local path to the staged upload (a temporary copy for remote storage)."""
    try:
        local = Path(default_storage.path(staged["name"]))
    except NotImplementedError:  # storage without local paths (S3 …)
        local = None
    if local is not None:
        yield local
        return
    fd, tmp = tempfile.mkstemp(prefix="rectify-import-")
    try:
        with os.fdopen(fd, "wb") as out, default_storage.open(staged["name"], "rb") as src:
            shutil.copyfileobj(src, out)
        yield Path(tmp)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# --- step 2: columns, preview, check ---------------------------------------------------------


@login_required
def import_map(request, slug):
    campaign = get_campaign_for_importer(request.user, slug)
    staged = request.session.get(_session_key(campaign))
    if not staged or not default_storage.exists(staged["name"]):
        messages.info(request, _("Choose the file to import first."))
        return redirect("import-upload", slug=campaign.slug)
    data = request.POST if request.method == "POST" else request.GET
    with _staged_file(staged) as path:
        try:
            with read(path, filename=staged["file_name"]) as wb:
                return _map_page(request, campaign, staged, wb, data)
        except SpreadsheetFileError as e:
            _discard_staged(request, campaign)
            messages.error(request, e.message)
            return redirect("import-upload", slug=campaign.slug)


def _map_page(request, campaign, staged, wb, data):
    chosen = data.get("sheet") or None
    header_rows = data.get("header_rows") or None
    try:
        sheet = wb.sheet(chosen, header_rows=int(header_rows) if header_rows else None)
    except (SpreadsheetError, ValueError) as e:
        messages.error(request, getattr(e, "message", str(e)))
        sheet = wb.sheet(None)
    mapped = "mapped" in data and data.get("sheet", sheet.name) == sheet.name
    if mapped:
        form = MappingForm(data, sheet=sheet)
        form.is_valid()
        result = preview(campaign, sheet, form.columns(), form.defaults())
    else:
        result = preview(campaign, sheet)
        columns = {name: col.label or col.letter for name, col in result.mapping.items()}
        form = MappingForm(
            initial=mapping_initial(
                sheet.name, header_rows, columns, result.defaults, result.saved_mapping
            ),
            sheet=sheet,
        )
    if request.method == "POST" and form.is_valid() and not result.error:
        return _check(request, campaign, staged, sheet, form)
    context = {
        "campaign": campaign,
        "file_name": staged["file_name"],
        "form": form,
        "preview": result,
        "error": render_message(result.error["code"], result.error.get("params"))
        if result.error
        else "",
        "notes": [render_message(n.code, n.params) for n in result.notes],
        "fields": [
            (spec, result.mapping[spec.name]) for spec in FIELDS if spec.name in result.mapping
        ],
        "rows": _preview_rows(result),
    }
    template = "feedback/_import_preview.html" if is_htmx(request) else "feedback/import_map.html"
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _preview_rows(result) -> list[dict]:
    """The preview's rows as the table shows them: per mapped field, the cell as in the file,
    the value as it will be stored, and the reason when it cannot be."""
    fields = [spec.name for spec in FIELDS if spec.name in result.mapping]
    rows = []
    for row in result.rows:
        reasons = {p.field: p.message for p in row.problems}
        cells = [
            {
                "raw": row.cells.get(name, ""),
                "value": row.values.get(name, ""),
                "problem": reasons.get(name, ""),
            }
            for name in fields
        ]
        rows.append({"row": row.row, "cells": cells, "bad": bool(row.problems)})
    return rows


def _check(request, campaign, staged, sheet, form):
    """Turn the staged upload into a batch with the chosen columns and check every row."""
    try:
        with transaction.atomic():  # a refused mapping name leaves no batch behind
            batch = _create_batch(request, campaign, staged, sheet, form)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("import-map", slug=campaign.slug)
    _discard_staged(request, campaign)
    _start(batch, validate_only=True)
    return redirect("import-detail", pk=batch.pk)


def _create_batch(request, campaign, staged, sheet, form) -> ImportBatch:
    batch = create_batch(
        campaign,
        sheet.workbook.path,
        actor=request.user,
        filename=staged["file_name"],
        sheet=sheet.name,
        columns=form.columns(),
        defaults=form.defaults(),
        header_rows=form.cleaned_data.get("header_rows"),
        mode=ImportBatch.Mode.ALL_OR_NOTHING,
    )
    if form.cleaned_data.get("save_as"):
        save_mapping(
            campaign,
            form.cleaned_data["save_as"].strip(),
            columns=batch.columns,
            headers=sheet_headers(sheet),
            defaults=batch.defaults,
            actor=request.user,
        )
    return batch


def _start(batch: ImportBatch, *, validate_only: bool, mode: str | None = None) -> None:
    """Small files in the request (the page answers with the outcome), large ones in the
    background worker (the page shows a progress bar)."""
    if batch.total <= settings.IMPORT_INLINE_ROWS:
        if validate_only:
            validate(batch)
        else:
            run(batch, mode=mode)
    else:
        enqueue(batch, mode=mode, validate_only=validate_only)


# --- step 3: the batch: outcome, import, report, undo ----------------------------------------


def _batch_context(request, batch) -> dict:
    report = batch_report(batch)
    info = progress(batch)
    return {
        "campaign": batch.campaign,
        "batch": batch,
        "report": report,
        "info": info,
        "problem_lines": report.problem_lines(),
        "more_problems": report.problem_count - len(report.problems),
        "running": batch.status in (ImportBatch.Status.PENDING, *_RUNNING),
        "may_undo": batch.status == ImportBatch.Status.DONE
        and can_undo_import(request.user, batch),
        "may_import": batch.status in (ImportBatch.Status.VALIDATED, ImportBatch.Status.REJECTED)
        and report.importable > 0,
        "may_restart": info.stale,
    }


_RUNNING = (ImportBatch.Status.VALIDATING, ImportBatch.Status.SAVING)


@login_required
def import_detail(request, pk):
    batch = get_import_batch_for_user(request.user, pk)
    return render(request, "feedback/import_detail.html", _batch_context(request, batch))


@login_required
def import_progress(request, pk):
    """The progress bar, polled by htmx while the batch waits or runs; once it has finished the
    whole page reloads to show the outcome."""
    batch = get_import_batch_for_user(request.user, pk)
    context = _batch_context(request, batch)
    response = render(request, "feedback/_import_progress.html", context)
    if not context["running"] and request.GET.get("was") != batch.status:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_run(request, pk):
    batch = get_import_batch_for_user(request.user, pk)
    report = batch_report(batch)
    # Rows refused at the check: the user chose to import the good ones. None refused: import
    # all or nothing, so that a row refused now (the campaign changed meanwhile) stops it.
    mode = ImportBatch.Mode.GOOD_ROWS if report.refused else ImportBatch.Mode.ALL_OR_NOTHING
    validate_only = False
    if request.POST.get("restart") and batch.is_running:  # a stopped worker's batch, again
        mode = batch.mode
        validate_only = batch.status == ImportBatch.Status.VALIDATING
    try:
        require_runnable(batch)
        _start(batch, validate_only=validate_only, mode=mode)
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("import-detail", pk=batch.pk)


@login_required
@require_POST
def import_undo(request, pk):
    batch = get_import_batch_for_user(request.user, pk)
    try:
        deleted = undo(batch, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("import-detail", pk=batch.pk)
    messages.success(
        request, _("The import was undone: %(count)s items were removed.") % {"count": deleted}
    )
    return redirect("import-detail", pk=batch.pk)


@login_required
def import_report(request, pk):
    """The check's outcome as a spreadsheet: every refused cell with file, sheet, row, column
    and reason, the rows already present, and the notes."""
    batch = get_import_batch_for_user(request.user, pk)
    out = io.BytesIO()
    write_xlsx(batch_report(batch), out)
    out.seek(0)
    name = f"{Path(batch.file_name).stem}-{_('import report')}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
