"""Reading an edited ledger export back through the API (ledger/sheets/reimport.py):

    POST /campaigns/{slug}/ledger-reimports     upload the edited .xlsx: kept, its diff answered
    GET  /ledger-reimports/{id}                 the upload and its diff now (once applied: what
                                                was applied, as kept)
    POST /ledger-reimports/{id}/apply           apply the accepted rows, each on its own

Who: anyone who may change measures in the campaign (the office, unit liaisons); each row is
checked for that person. Which uploads: the office every one, others their own (404 otherwise).
A file that cannot be read back is 422 naming it (field `file`); too large, 413; applying twice,
409.
"""

import datetime as dt

from django.utils import translation
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from rectify.api.errors import ERRORS, ErrorOut, error_body
from rectify.api.fields import Id, Slug, printable
from rectify.campaigns.scoping import get_campaign_for_user
from rectify.core.errors import DomainError, PermissionRefused
from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.ledger.models import SheetImport
from rectify.ledger.scoping import get_sheet_import_for_user
from rectify.ledger.sheets import reimport

router = Router(tags=["ledger sheets"])


class FieldChangeOut(Schema):
    field: str = Field(description="the column's key (layout.py): content, deadline, status …")
    header: str = Field(description="the column's header in the file, e.g. 整改时限")
    column: str = Field(description="its letter in the file")
    before: str = Field(description="the ledger's value, as a cell shows it")
    after: str = Field(description="the file's value")


class ChangedOut(Schema):
    row: int = Field(description="the row number Excel shows")
    measure: int
    problem: int = Field(description="the problem's number")
    measure_text: str
    note: str = Field(description="the row's 本次说明 (reason of a new deadline or a state change)")
    changes: int = Field(description="changes this row makes (see `changes` of the diff)")
    step: str = Field(description="the state-machine step, or empty")
    fields: list[FieldChangeOut]


class CellMessageOut(Schema):
    """A refused row or a note, where Excel shows it, and why."""

    row: int
    column: str = Field(description="the column letter (empty for the row as a whole)")
    header: str
    measure: int | None
    code: str
    message: str
    message_en: str


class ConflictOut(Schema):
    row: int
    measure: int
    problem: int
    measure_text: str
    code: str
    message: str
    message_en: str
    fields: list[FieldChangeOut] = Field(description="before: the ledger now; after: the file")


class DiffOut(Schema):
    file: str
    sheet: str
    header_row: int
    rows_read: int
    unchanged: int = Field(description="rows that change nothing")
    changes: int = Field(
        description="one per measure field changed, one per new progress report (整改进展 and/or "
        "完成进度 changed), one per state change; 0 for an unchanged export"
    )
    changed: list[ChangedOut]
    refused: list[CellMessageOut] = Field(description="each refused cell; its row changes nothing")
    conflicts: list[ConflictOut] = Field(
        description="rows edited in the file of measures changed since the export: not applied"
    )
    notes: list[CellMessageOut] = Field(description="read-only columns that differ, and such")


class ReimportOut(Schema):
    id: int
    campaign: str = Field(description="the campaign's slug")
    file_name: str
    sha256: str
    status: str = Field(description="uploaded, applying, applied or failed")
    uploaded_by: str | None
    created_at: dt.datetime
    applied_at: dt.datetime | None
    diff: DiffOut | None = Field(
        description="before applying: what applying would do now, for the caller; after: what "
        "was applied; null when the file cannot be read (see error)"
    )
    error: ErrorOut | None
    url: str = Field(description="GET this path (under /api/v1) for the upload and its diff")


def _both(item: dict) -> dict:
    out = {}
    for key, lang in (("message", "zh-hans"), ("message_en", "en")):
        with translation.override(lang):
            out[key] = reimport.render(item["code"], item.get("params"))
    return out


def _diff_out(data: dict) -> dict:
    def cell(m):
        return {k: m[k] for k in ("row", "column", "header", "measure", "code")} | _both(m)

    return {
        **{k: data[k] for k in ("file", "sheet", "header_row", "rows_read", "unchanged")},
        "changes": data["changes"],
        "changed": data["changed"],
        "refused": [cell(m) for m in data["refused"]],
        "conflicts": [
            {k: c[k] for k in ("row", "measure", "problem", "measure_text", "code", "fields")}
            | _both(c)
            for c in data["conflicts"]
        ],
        "notes": [cell(m) for m in data["notes"]],
    }


def _error_out(exc: DomainError) -> dict:
    body = error_body(exc.code, exc.template, exc.params)
    body["errors"] = [{"field": "file", "message": body["message"]}]
    return body


def _out(sheet: SheetImport, user) -> dict:
    out = {
        "id": sheet.pk,
        "campaign": sheet.campaign.slug,
        "file_name": sheet.file_name,
        "sha256": sheet.sha256,
        "status": sheet.status,
        "uploaded_by": sheet.uploaded_by.username if sheet.uploaded_by_id else None,
        "created_at": sheet.created_at,
        "applied_at": sheet.applied_at,
        "diff": None,
        "error": None,
        "url": f"/ledger-reimports/{sheet.pk}",
    }
    if sheet.status == SheetImport.Status.APPLIED:
        out["diff"] = _diff_out(sheet.result)
        return out
    try:
        out["diff"] = _diff_out(reimport.read(sheet, campaign=sheet.campaign, actor=user).as_json())
    except DomainError as exc:
        out["error"] = _error_out(exc)
    return out


def _refusal(exc: DomainError) -> Status:
    """A file that cannot be read back: 413 too large, 403 not allowed, else 422 naming it."""
    if isinstance(exc, PermissionRefused):
        return Status(403, error_body(exc.code, exc.template, exc.params))
    return Status(413 if exc.code == "too_large" else 422, _error_out(exc))


@router.post(
    "/campaigns/{slug}/ledger-reimports",
    response={201: ReimportOut, 413: ErrorOut, **ERRORS},
    summary="Upload an edited ledger export (.xlsx): kept, and its diff answered (nothing "
    "changes until POST …/apply)",
    description="The file is an export of the ledger (整改台账), edited: rows are matched by "
    "their key column 系统编号, every changed cell is checked for the caller. A file without "
    "the key column, or not an .xlsx, is 422 naming it.",
)
def upload_reimport(request, slug: Slug, file: File[UploadedFile]):
    campaign = get_campaign_for_user(request.user, slug)
    name = printable(file.name or "") or "upload.xlsx"
    if file.size is not None and file.size > reimport.max_bytes():
        limit = max(reimport.max_bytes() // (1024 * 1024), 1)
        return _refusal(reimport.ReimportRefused("too_large", file=name, limit=limit))
    try:
        sheet = reimport.upload(campaign, file, actor=request.user, name=name)
    except (reimport.ReimportRefused, SpreadsheetError, PermissionRefused) as exc:
        return _refusal(exc)
    return Status(201, _out(sheet, request.user))


@router.get(
    "/ledger-reimports/{id}",
    response={200: ReimportOut, **ERRORS},
    summary="An uploaded ledger and its diff (now, for the caller; once applied, as applied)",
)
def get_reimport(request, id: Id):
    sheet = get_sheet_import_for_user(request.user, id, kind=SheetImport.Kind.REIMPORT)
    return _out(sheet, request.user)


@router.post(
    "/ledger-reimports/{id}/apply",
    response={200: ReimportOut, 413: ErrorOut, **ERRORS},
    summary="Apply the accepted rows of an uploaded ledger, each measure on its own",
    description="Refused rows and conflicts change nothing; a measure changed since the "
    "preview becomes a conflict. 409 once applied.",
)
def apply_reimport(request, id: Id):
    sheet = get_sheet_import_for_user(request.user, id, kind=SheetImport.Kind.REIMPORT)
    try:
        reimport.apply(sheet, actor=request.user)
    except (reimport.ReimportRefused, SpreadsheetError) as exc:
        return _refusal(exc)
    sheet.refresh_from_db()
    return _out(sheet, request.user)
