"""Importing feedback from spreadsheets (.xlsx, .xls, .csv) through the API.

The same flow as the CLI and the pages, over rectify/feedback/imports/ (see its __init__.py):

    POST /campaigns/{slug}/import-preview   upload, nothing stored: headers, suggested mapping,
                                            the first rows parsed, their problems
    POST /campaigns/{slug}/imports          upload with the chosen columns: a batch, checked or
                                            imported by the background worker (202)
    GET  /imports/{id}                      status, progress, counts, notes, first problems
    POST /imports/{id}/run | validate | undo, GET /imports/{id}/report (.xlsx)

Who: feedback.scoping.can_import (office and work-group members); which batches: scoping's
scope_import_batches (the office all, a work-group member their own). The importer's refusals
answer in the API's error shape: the file or choice at fault in `errors[]`, 403 for a role that
may not, 409 for a batch whose state forbids it.
"""

import datetime as dt
import hashlib
import io
import json
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import ConfigDict

from rectify.api import idempotency
from rectify.api.errors import ERRORS, ErrorOut, error_body
from rectify.api.fields import Id, Line, Slug, printable, storable
from rectify.api.pagination import Page
from rectify.core.spreadsheets.errors import SpreadsheetError, SpreadsheetFileError
from rectify.core.spreadsheets.reader import read
from rectify.core.spreadsheets.writing import XLSX_CONTENT_TYPE
from rectify.feedback.imports.batches import prepare, undo
from rectify.feedback.imports.fields import BY_NAME, FIELDS
from rectify.feedback.imports.mappings import get_mapping, save_mapping, sheet_headers
from rectify.feedback.imports.messages import render
from rectify.feedback.imports.plans import Preview, preview
from rectify.feedback.imports.report import Report, batch_report, write_xlsx
from rectify.feedback.imports.running import enqueue, progress, require_runnable
from rectify.feedback.models import ColumnMapping, ImportBatch
from rectify.feedback.scoping import (
    can_import,
    get_campaign_for_importer,
    get_import_batch_for_user,
    scope_import_batches,
)

router = Router(tags=["import"])

SHOWN = 100  # problems and rows already present listed on a batch; all: /problems, /report

# The importer's codes that are not about the input: who may (403) and the batch's state (409).
STATUS = {
    "import_not_allowed": 403,
    "undo_not_allowed": 403,
    "batch_state": 409,
    "undo_state": 409,
    "undo_merged": 409,
}
# The input field at fault, for the other codes (422).
AT_FAULT = {
    "sheet_missing": "sheet",
    "column_missing": "columns",
    "field_unknown": "columns",
    "text_unmapped": "columns.text",
    "kind_unmapped": "kind",
    "mapping_missing": "mapping",
}


def _refusal(exc: SpreadsheetError) -> Status:
    """The importer's refusal as an API error: 403/409 by code, else 422 naming the input
    (an unreadable file is the `file` field; its message names the file)."""
    status = STATUS.get(exc.code, 422)
    body = error_body(exc.code, exc.template, exc.params)
    if status == 422:
        if isinstance(exc, SpreadsheetFileError):
            field = "file"
        elif exc.code == "default_invalid":  # params name the field by its label
            labels = {str(BY_NAME[n].label): n for n in ("kind", "channel", "region")}
            field = labels.get(str(exc.params.get("field")), "-")
        else:
            field = AT_FAULT.get(exc.code, "-")
        body["errors"] = [{"field": field, "message": body["message"]}]
    return Status(status, body)


def _both(code: str, params: dict | None) -> dict:
    """A stored importer message (code, params) in Chinese and English."""
    out = {"code": code}
    for key, lang in (("message", "zh-hans"), ("message_en", "en")):
        with translation.override(lang):
            out[key] = render(code, params)
    return out


# --- schemas ---------------------------------------------------------------------------------


class MessageOut(Schema):
    code: str
    message: str
    message_en: str


class ProblemOut(Schema):
    """A refused cell, where Excel shows it: row number as on the left, column letter and
    header, the field it was mapped to, why, and what the cell held."""

    row: int
    column: str
    header: str
    field: str
    code: str
    message: str
    message_en: str
    value: str


class DuplicateOut(Schema):
    """A row not imported because its item is already in the campaign or earlier in the file."""

    row: int
    code: str
    message: str
    message_en: str


def _problem(p: dict) -> dict:
    return {
        "row": p["row"],
        "column": p.get("column", ""),
        "header": p.get("header", ""),
        "field": p.get("field", ""),
        "value": p.get("value", ""),
        **_both(p["code"], p.get("params")),
    }


def _duplicate(d: dict) -> dict:
    return {"row": d["row"], **_both(d["code"], d.get("params"))}


class ProgressOut(Schema):
    status: str
    label: str = Field(description="the phase in Chinese")
    done: int
    total: int
    percent: int
    stale: bool = Field(description="running but silent too long: the worker died; run it again")


class ImportOut(Schema):
    id: int
    campaign: str = Field(description="the campaign's slug")
    file_name: str
    file_size: int
    sha256: str
    file_kind: str = Field(description="xlsx, xls or csv, as read from the content")
    encoding: str = Field(description="a CSV's text encoding as detected")
    sheet: str
    header_rows: int | None
    columns: dict[str, str] = Field(description="field → column header (or letter)")
    defaults: dict[str, Any] = Field(description="values for fields no column gives")
    column_mapping: str | None = Field(description="the remembered mapping's name, if one")
    mode: str = Field(description="good_rows or all_or_nothing")
    status: str = Field(
        description="pending, validating, validated, saving, done, rejected, failed, undone"
    )
    status_label: str
    rows_read: int
    rows_imported: int
    rows_present: int = Field(description="rows already in the campaign or earlier in the file")
    rows_refused: int
    problem_count: int = Field(description="refused cells (a row may have several)")
    summary: str = Field(description="read N, imported N, already present N, refused N")
    error: MessageOut | None = Field(description="why the batch failed as a whole")
    created_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    undone_at: dt.datetime | None
    url: str = Field(description="GET this path (under /api/v1) for its status")

    @staticmethod
    def resolve_campaign(obj) -> str:
        return obj.campaign.slug

    @staticmethod
    def resolve_column_mapping(obj) -> str | None:
        return obj.column_mapping.name if obj.column_mapping_id else None

    @staticmethod
    def resolve_status_label(obj) -> str:
        with translation.override("zh-hans"):
            return str(obj.get_status_display())

    @staticmethod
    def resolve_summary(obj) -> str:
        counts = Report(
            file_name=obj.file_name,
            sheet=obj.sheet,
            read=obj.rows_read,
            imported=obj.rows_imported,
            present=obj.rows_present,
            refused=obj.rows_refused,
        )
        return counts.summary  # without the stored problems: lists need only the counts

    @staticmethod
    def resolve_error(obj) -> dict | None:
        return _both(obj.error["code"], obj.error.get("params")) if obj.error else None

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.username if obj.created_by_id else None

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/imports/{obj.pk}"


class ImportDetailOut(ImportOut):
    progress: ProgressOut
    notes: list[MessageOut] = Field(description="how the file was read")
    problems: list[ProblemOut] = Field(
        description=f"the first {SHOWN} refused cells; all: /imports/{{id}}/problems or /report"
    )
    duplicates: list[DuplicateOut] = Field(description=f"the first {SHOWN} rows already present")
    report: str = Field(description="GET this path for the report as .xlsx")

    @staticmethod
    def resolve_progress(obj) -> dict:
        info = progress(obj)
        with translation.override("zh-hans"):
            label = str(ImportBatch.Status(info.status).label)
        return {
            "status": info.status,
            "label": label,
            "done": info.done,
            "total": info.total,
            "percent": info.percent,
            "stale": info.stale,
        }

    @staticmethod
    def resolve_notes(obj) -> list[dict]:
        return [_both(n["code"], n.get("params")) for n in obj.notes]

    @staticmethod
    def resolve_problems(obj) -> list[dict]:
        return [_problem(p) for p in obj.problems[:SHOWN]]

    @staticmethod
    def resolve_duplicates(obj) -> list[dict]:
        return [_duplicate(d) for d in obj.duplicates[:SHOWN]]

    @staticmethod
    def resolve_report(obj) -> str:
        return f"/imports/{obj.pk}/report"


class ImportCreatedOut(ImportDetailOut):
    headers: list[str] = Field(description="the sheet's column headers, in order")


class SheetOut(Schema):
    name: str
    hidden: bool


class ColumnOut(Schema):
    letter: str
    header: str


class PreviewRowOut(Schema):
    row: int = Field(description="the row number Excel shows")
    cells: dict[str, str] = Field(description="field → the cell as in the file")
    values: dict[str, str] = Field(description="field → the value as it will be stored")
    problems: list[ProblemOut]


class PreviewOut(Schema):
    file_name: str
    sheet: str
    sheets: list[SheetOut]
    columns: list[ColumnOut] = Field(description="the sheet's columns: letter and header")
    mapping: dict[str, str] = Field(description="field → header (or letter) used for the preview")
    saved_mapping: str | None = Field(description="the remembered mapping it comes from, if one")
    defaults: dict[str, Any]
    rows: list[PreviewRowOut]
    notes: list[MessageOut]
    error: MessageOut | None = Field(
        description="why these columns cannot be imported (e.g. no text column); rows are then "
        "not parsed"
    )


class ImportFieldOut(Schema):
    name: str = Field(description="the FIELD name used in `columns`")
    label: str
    label_en: str
    required: bool
    headers: list[str] = Field(description="column headers recognised for it")


class ColumnMappingOut(Schema):
    id: int
    name: str
    columns: dict[str, str]
    defaults: dict[str, Any]
    headers: list[str] = Field(description="the headers of the file it was saved for")
    created_by: str | None
    updated_at: dt.datetime
    last_used_at: dt.datetime | None

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.username if obj.created_by_id else None


class RunIn(Schema):
    model_config = ConfigDict(extra="forbid")

    mode: ImportBatch.Mode | None = Field(
        None,
        description="good_rows: import the good rows; all_or_nothing: nothing if a row is bad "
        "(default: the batch's)",
    )


class UndoOut(Schema):
    deleted: int = Field(description="items deleted")
    batch: ImportOut


class ProblemPage(Schema):
    items: list[ProblemOut]
    count: int
    page: int
    page_size: int


# --- reading the choices ---------------------------------------------------------------------


def _object(raw: str, name: str) -> dict[str, str]:
    """A JSON object of strings sent as a form field (422 otherwise)."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _storable(k) and _storable(v)
        for k, v in value.items()
    ):
        raise ValidationError({name: [_('Send a JSON object of strings, e.g. {"text": "内容"}.')]})
    return value


def _storable(text: str) -> bool:
    try:
        return storable(text) == text
    except ValueError:
        return False


def _choices(campaign, columns: str, mapping: str, kind: str, channel: str, region: str):
    """(columns or None, defaults, ColumnMapping or None) as create_batch takes them."""
    cols = _object(columns, "columns") or None
    defaults = {k: v for k, v in (("kind", kind), ("channel", channel), ("region", region)) if v}
    saved = get_mapping(campaign, mapping) if mapping else None
    return cols, defaults, saved


def _too_large(file) -> Status | None:
    limit = settings.IMPORT_MAX_BYTES  # the same limit as the import page
    if file.size is not None and file.size > limit:
        return Status(
            413,
            error_body(
                "too_large",
                _("The file is larger than %(limit)s MB."),
                {"limit": limit // (1024 * 1024)},
            ),
        )
    return None


def _preview_out(result: Preview, sheet) -> dict:
    def key(col) -> str:
        return col.label if col.label and sheet.column(col.label) == col else col.letter

    return {
        "file_name": result.file_name,
        "sheet": result.sheet,
        "sheets": [{"name": s.name, "hidden": s.hidden} for s in result.sheets],
        "columns": [{"letter": c.letter, "header": c.label} for c in result.columns],
        "mapping": {f: key(c) for f, c in result.mapping.items()},
        "saved_mapping": result.saved_mapping.name if result.saved_mapping else None,
        "defaults": result.defaults,
        "rows": [
            {
                "row": r.row,
                "cells": r.cells,
                "values": r.values,
                "problems": [_problem(p.as_json()) for p in r.problems],
            }
            for r in result.rows
        ],
        "notes": [_both(n.code, n.params) for n in result.notes],
        "error": _both(result.error["code"], result.error.get("params")) if result.error else None,
    }


# --- fields and mappings ---------------------------------------------------------------------


@router.get(
    "/import-fields",
    response={200: list[ImportFieldOut], **ERRORS},
    summary="The fields a spreadsheet column can be mapped to",
    description="See docs/data-formats.md for each field's rules (dates, regions, kinds …).",
)
def list_import_fields(request):
    out = []
    for spec in FIELDS:
        with translation.override("zh-hans"):
            label = str(spec.label)
        with translation.override("en"):
            label_en = str(spec.label)
        out.append(
            {
                "name": spec.name,
                "label": label,
                "label_en": label_en,
                "required": spec.required,
                "headers": list(spec.aliases),
            }
        )
    return out


@router.get(
    "/campaigns/{slug}/import-mappings",
    response={200: list[ColumnMappingOut], **ERRORS},
    summary="The campaign's remembered column mappings (office, work-group members)",
)
@paginate(Page)
def list_mappings(request, slug: Slug):
    campaign = get_campaign_for_importer(request.user, slug)
    return ColumnMapping.objects.filter(campaign=campaign).select_related("created_by")


# --- preview and upload ----------------------------------------------------------------------

CHOICES_DOC = (
    "`columns`: a JSON object field → column header or letter, e.g. "
    '`{"text": "内容", "received_at": "时间"}` (fields: GET /import-fields). Without it the '
    "named `mapping`, else the campaign's remembered mapping for these headers, else one "
    "suggested from the headers is used; `columns` override the mapping's. `kind`, `channel`, "
    "`region`: values for rows whose column is empty or absent (a kind is needed when no column "
    "gives it). An unreadable file is 422 naming it (field `file`)."
)


@router.post(
    "/campaigns/{slug}/import-preview",
    response={200: PreviewOut, 413: ErrorOut, **ERRORS},
    summary="Preview a spreadsheet: its columns, the mapping and the first rows parsed "
    "(office, work-group members; nothing is stored)",
    description=CHOICES_DOC,
)
def preview_upload(
    request,
    slug: Slug,
    file: File[UploadedFile],
    sheet: Line(100) = Form("", description="default: the first visible sheet"),  # noqa: B008
    header_rows: int | None = Form(None, ge=1, le=2, description="default: detected"),  # noqa: B008
    columns: Line(10_000) = Form("", description='JSON, e.g. {"text": "内容"}'),  # noqa: B008
    mapping: Line(100) = Form("", description="a remembered mapping's name"),  # noqa: B008
    kind: Line(50) = Form(""),  # noqa: B008
    channel: Line(50) = Form(""),  # noqa: B008
    region: Line(100) = Form(""),  # noqa: B008
    limit: int = Form(10, ge=1, le=100, description="rows to show"),  # noqa: B008
):
    campaign = get_campaign_for_importer(request.user, slug)
    if refused := _too_large(file):
        return refused
    try:
        cols, defaults, saved = _choices(campaign, columns, mapping, kind, channel, region)
        if saved is not None:
            cols = {**saved.columns, **(cols or {})}
            defaults = {**saved.defaults, **defaults}
        name = printable(file.name or "") or "upload"
        with read(file, filename=name) as wb:
            sh = wb.sheet(sheet or None, header_rows=header_rows)
            result = preview(campaign, sh, cols, defaults, limit=limit)
            if saved is not None:
                result.saved_mapping = saved
            return _preview_out(result, sh)
    except SpreadsheetError as exc:
        return _refusal(exc)


@router.post(
    "/campaigns/{slug}/imports",
    response={202: ImportCreatedOut, 413: ErrorOut, **ERRORS},
    summary="Import a spreadsheet (office, work-group members): stored as a batch and run by "
    "the background worker",
    description=CHOICES_DOC
    + " Answers 202 with the batch; follow `url` for progress and the outcome. "
    "`validate_only`: check every row and import nothing (then POST /imports/{id}/run). "
    "`mode`: good_rows imports the good rows and refuses the bad ones; all_or_nothing imports "
    "nothing if any row is bad. `save_mapping_as`: remember these columns under that name. "
    "Rows already in the campaign (same external_id, or same text, date and submitter) are "
    "counted as already present, never added twice. An `Idempotency-Key` header makes a retry "
    "answer the first answer without a second batch.",
)
def create_import(
    request,
    slug: Slug,
    file: File[UploadedFile],
    sheet: Line(100) = Form("", description="default: the first visible sheet"),  # noqa: B008
    header_rows: int | None = Form(None, ge=1, le=2, description="default: detected"),  # noqa: B008
    columns: Line(10_000) = Form("", description='JSON, e.g. {"text": "内容"}'),  # noqa: B008
    mapping: Line(100) = Form("", description="a remembered mapping's name"),  # noqa: B008
    kind: Line(50) = Form(""),  # noqa: B008
    channel: Line(50) = Form(""),  # noqa: B008
    region: Line(100) = Form(""),  # noqa: B008
    mode: ImportBatch.Mode = Form(ImportBatch.Mode.GOOD_ROWS),  # noqa: B008
    validate_only: bool = Form(False),  # noqa: B008
    save_mapping_as: Line(100) = Form("", description="remember the columns as"),  # noqa: B008
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
):
    user = request.user
    campaign = get_campaign_for_importer(user, slug)
    if refused := _too_large(file):
        return refused
    name = printable(file.name or "") or "upload"
    form = {
        "sheet": sheet,
        "header_rows": header_rows,
        "columns": columns,
        "mapping": mapping,
        "kind": kind,
        "channel": channel,
        "region": region,
        "mode": str(mode),
        "validate_only": validate_only,
        "save_mapping_as": save_mapping_as,
    }

    def produce():
        cols, defaults, saved = _choices(campaign, columns, mapping, kind, channel, region)
        batch, sh = prepare(
            campaign,
            file,
            actor=user,
            filename=name,
            sheet=sheet or None,
            columns=cols,
            mapping=saved,
            defaults=defaults,
            header_rows=header_rows,
            mode=mode,
        )
        try:
            headers = sheet_headers(sh)
            if save_mapping_as.strip():
                remembered = save_mapping(
                    campaign,
                    save_mapping_as.strip(),
                    columns=batch.columns,
                    headers=headers,
                    defaults=batch.defaults,
                    actor=user,
                )
                batch.column_mapping = remembered
                batch.save(update_fields=["column_mapping"])
        finally:
            sh.workbook.close()
        enqueue(batch, validate_only=validate_only)
        batch = get_import_batch_for_user(user, batch.pk)
        batch.headers = headers
        return 202, ImportCreatedOut.from_orm(batch).model_dump(mode="json")

    submission = {"campaign": slug, "file": name, "sha256": _sha256(file), **form}
    try:
        status, body, _replayed = idempotency.run(request, submission, produce)
    except idempotency.KeyReused as exc:
        status, body = 422, error_body(exc.code, exc.template, exc.params)
    except SpreadsheetError as exc:
        return _refusal(exc)
    from rectify.api.api import api

    response = api.create_response(request, body, status=status)
    if status == 202:
        response["Location"] = f"/api/v1/imports/{body['id']}"
    return response


def _sha256(file) -> str:
    h = hashlib.sha256()
    for chunk in file.chunks():
        h.update(chunk)
    file.seek(0)
    return h.hexdigest()


# --- batches ---------------------------------------------------------------------------------


class ImportFilter(Schema):
    status: ImportBatch.Status | None = None


@router.get(
    "/campaigns/{slug}/imports",
    response={200: list[ImportOut], **ERRORS},
    summary="Spreadsheet imports, newest first (the office all, a work-group member their own)",
)
@paginate(Page)
def list_imports(request, slug: Slug, filters: Query[ImportFilter]):
    campaign = get_campaign_for_importer(request.user, slug)
    qs = scope_import_batches(request.user, campaign)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.select_related("campaign", "created_by", "column_mapping").order_by(
        "-created_at", "-id"
    )


@router.get(
    "/imports/{id}",
    response={200: ImportDetailOut, **ERRORS},
    summary="One import: status, progress, counts, notes and the first problems",
)
def get_import(request, id: Id):
    return get_import_batch_for_user(request.user, id)


@router.get(
    "/imports/{id}/problems",
    response={200: ProblemPage, **ERRORS},
    summary="The refused cells of an import, in file order (the first 10,000 are kept)",
)
def list_problems(request, id: Id, pagination: Query[Page.Input]):
    batch = get_import_batch_for_user(request.user, id)
    start = (pagination.page - 1) * pagination.page_size
    chosen = batch.problems[start : start + pagination.page_size]
    return {
        "items": [_problem(p) for p in chosen],
        "count": len(batch.problems),
        "page": pagination.page,
        "page_size": pagination.page_size,
    }


@router.get(
    "/imports/{id}/preview",
    response={200: PreviewOut, **ERRORS},
    summary="The first rows of an import's stored file, parsed with its columns",
)
def preview_batch(request, id: Id, limit: int = Query(10, ge=1, le=100)):  # noqa: B008
    batch = get_import_batch_for_user(request.user, id)
    try:
        local = batch.file.path
    except NotImplementedError:  # a storage without local paths: read() copies the file
        local = None
    try:
        with read(local or batch.file, filename=batch.file_name) as wb:
            sh = wb.sheet(batch.sheet or None, header_rows=batch.header_rows)
            result = preview(batch.campaign, sh, batch.columns, batch.defaults, limit=limit)
            result.saved_mapping = batch.column_mapping
            return _preview_out(result, sh)
    except SpreadsheetError as exc:
        return _refusal(exc)


def _runnable(user, id: int) -> ImportBatch:
    """The batch, if the user may import into its campaign and it may run now (else 409 as
    the worker would refuse it: running, done or undone)."""
    batch = get_import_batch_for_user(user, id)
    if not can_import(user, batch.campaign):
        raise PermissionDenied
    require_runnable(batch)
    return batch


@router.post(
    "/imports/{id}/run",
    response={202: ImportDetailOut, **ERRORS},
    summary="Import a checked or refused batch again, e.g. after all_or_nothing refused it, "
    "with good_rows (202; the worker runs it)",
    description="Refused with 409 while it runs, once imported, or undone. Rows saved "
    "meanwhile count as already present.",
)
def run_import(request, id: Id, payload: RunIn = None):
    try:
        batch = _runnable(request.user, id)
    except SpreadsheetError as exc:
        return _refusal(exc)
    enqueue(batch, mode=payload.mode if payload else None)
    return Status(202, get_import_batch_for_user(request.user, id))


@router.post(
    "/imports/{id}/validate",
    response={202: ImportDetailOut, **ERRORS},
    summary="Check every row of a batch, importing nothing (202; the worker runs it)",
)
def validate_import(request, id: Id):
    try:
        batch = _runnable(request.user, id)
    except SpreadsheetError as exc:
        return _refusal(exc)
    enqueue(batch, validate_only=True)
    return Status(202, get_import_batch_for_user(request.user, id))


@router.get(
    "/imports/{id}/report",
    response={**ERRORS},
    summary="The import's report as .xlsx: refused cells (file, sheet, row, column, reason), "
    "rows already present, and a summary",
    openapi_extra={
        "responses": {
            200: {
                "description": "The report, as an attachment",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_report(request, id: Id, lang: Literal["zh-hans", "en"] = "zh-hans"):
    batch = get_import_batch_for_user(request.user, id)
    out = io.BytesIO()
    with translation.override("en" if lang == "en" else "zh-hans"):
        write_xlsx(batch_report(batch), out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    stem = Path(batch.file_name).stem or "import"
    response["Content-Disposition"] = _attachment(f"{stem}-report-{batch.pk}.xlsx")
    return response


def _attachment(filename: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(True, filename)


@router.post(
    "/imports/{id}/undo",
    response={200: UndoOut, **ERRORS},
    summary="Undo a finished import: delete all its items (the office, or who imported it)",
    description="Refused with 409 once an item of it is merged into a problem (unlink first), "
    "or when it is not a finished import.",
)
def undo_import(request, id: Id):
    batch = get_import_batch_for_user(request.user, id)
    try:
        deleted = undo(batch, actor=request.user)
    except SpreadsheetError as exc:
        return _refusal(exc)
    return {"deleted": deleted, "batch": get_import_batch_for_user(request.user, id)}
