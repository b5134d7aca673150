"""Moving an existing Excel ledger in (迁入已有台账) through the API, the same steps as the pages
and `rectify ledger migrate` (ledger/sheets/migration.py):

    POST /campaigns/{slug}/ledger-migrations   upload: the file is kept; answers its id, the
                                               suggested mapping, the unit matches, unknown words
    GET  /ledger-migrations/{id}               the same, with the choices kept so far
    PUT  /ledger-migrations/{id}/choices       mapping, units, state words, default source, list
    GET  /ledger-migrations/{id}/plan          what would be taken and what not (nothing written)
    POST /ledger-migrations/{id}/apply         create the problems and measures: the report
    GET  /ledger-migrations/{id}/report        the report of an applied migration

Who: the campaign office only (403 for others who see the campaign, 404 for those who do not).
"""

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from rectify.api.errors import ERRORS, ErrorOut, error_body
from rectify.api.fields import Id, Line, Slug, printable
from rectify.core.errors import ConflictError
from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.core.spreadsheets.messages import render
from rectify.ledger.choices import Source
from rectify.ledger.models import SheetImport
from rectify.ledger.sheets import migration

router = Router(tags=["ledger migration"])

FieldName = Annotated[str, Field(max_length=40, pattern=r"^[a-z_]+$")]
Status_ = Annotated[str, Field(max_length=20, pattern=r"^[a-z_]+$")]


class UnitMatchOut(Schema):
    name: str = Field(description="a unit name as written in the file")
    unit_id: int | None = Field(description="the campaign's unit it names (null: not matched)")
    chosen: bool = Field(description="the office chose it (a unit, or null: leave the name out)")
    suggestions: list[dict[str, Any]] = Field(description="near misses: {id, name, score}")
    rows: int = Field(description="how many cells name it")


class FieldOut(Schema):
    name: str
    label: str
    required: bool
    headers: list[str] = Field(description="headers recognised for it")


class MigrationOut(Schema):
    id: int
    campaign: str
    file_name: str
    sha256: str
    status: str = Field(description="uploaded or applied")
    created_at: dt.datetime
    applied_at: dt.datetime | None
    fields: list[FieldOut]
    columns: list[str] = Field(description="the file's columns (headers, or letters)")
    header_rows: list[int]
    rows: int = Field(description="data rows read")
    mapping: dict[str, str] = Field(description="field → column header: kept, else suggested")
    unmapped_columns: list[str]
    units: list[UnitMatchOut]
    unknown_words: dict[str, int] = Field(description="完成情况 words not understood → rows")
    statuses: list[str] = Field(description="what a word can be said to mean")
    preview: list[dict[str, Any]] = Field(
        description="the first rows as they will be read: row, field → text, errors (fields)"
    )
    notes: list[str] = Field(description="how the file was read")
    options: dict[str, Any] = Field(description="the choices kept")


class ChoicesIn(Schema):
    mapping: dict[FieldName, Line(200)] | None = Field(
        None, description="field → column header (or letter); replaces the mapping"
    )
    units: dict[Line(200), Id | None] | None = Field(
        None, description="unit name in the file → the campaign unit's id (null: leave out)"
    )
    states: dict[Line(100), Status_] | None = Field(
        None,
        description="完成情况 word → draft, in_progress, long_term, phase_complete, "
        "closed or not_feasible",
    )
    source: Source | None = Field(None, description="for rows whose 问题来源 says nothing known")
    problem_list: Id | None = Field(None, description="put the problems in this list")


class RefusalOut(Schema):
    row: int
    column: str
    reason: str


class PlanOut(Schema):
    rows: int
    problems: int
    measures: int
    per_status: dict[str, int]
    refused: list[RefusalOut] = Field(description="each cell that cannot be read: row, column, why")
    refused_rows: int
    unmapped_columns: list[str]
    missing_fields: list[str]


class ReportOut(Schema):
    rows: int
    problems: int
    measures: int
    per_status: dict[str, int]
    problem_ids: list[int]
    refused: list[RefusalOut]
    refused_rows: int
    unmapped_columns: list[str]


def _fields() -> list[dict]:
    return [
        {"name": f.name, "label": str(f.label), "required": f.required, "headers": list(f.aliases)}
        for f in migration.FIELDS
    ]


def _out(si: SheetImport) -> dict:
    a = migration.analyse(si)
    with translation.override("zh-hans"):
        notes = [render(n.code, n.params) for n in a.notes]
    return {
        "id": si.pk,
        "campaign": si.campaign.slug,
        "file_name": si.file_name,
        "sha256": si.sha256,
        "status": si.status,
        "created_at": si.created_at,
        "applied_at": si.applied_at,
        "fields": _fields(),
        "statuses": list(migration.STATUSES),
        "notes": notes,
        "options": si.options,
        **a.as_json(),
    }


def _file_refused(exc: SpreadsheetError) -> Status:
    body = error_body(exc.code, exc.template, exc.params)
    body["errors"] = [{"field": "file", "message": body["message"]}]
    return Status(422, body)


@router.post(
    "/campaigns/{slug}/ledger-migrations",
    response={201: MigrationOut, 413: ErrorOut, **ERRORS},
    summary="Upload an existing ledger to move in (office): its mapping and unit matches",
    description="An unreadable file is 422 naming it (field `file`).",
)
def upload(
    request,
    slug: Slug,
    file: File[UploadedFile],
    sheet: Line(100) = Form("", description="default: the first visible sheet"),  # noqa: B008
):
    campaign = migration.get_campaign_for_office(request.user, slug)
    limit = settings.IMPORT_MAX_BYTES
    if file.size is not None and file.size > limit:
        body = error_body(
            "too_large", _("The file is larger than %(limit)s MB."), {"limit": limit // 2**20}
        )
        return Status(413, body)
    name = printable(file.name or "")[:200] or "ledger.xlsx"
    try:
        si = migration.upload(
            campaign,
            actor=request.user,
            upload_file=ContentFile(file.read()),
            name=name,
            sheet=sheet or "",
        )
    except SpreadsheetError as exc:
        return _file_refused(exc)
    return Status(201, _out(si))


@router.get(
    "/ledger-migrations/{id}",
    response={200: MigrationOut, **ERRORS},
    summary="A migration: its columns, mapping, unit matches and choices (office)",
)
def get_migration(request, id: Id):
    return _out(migration.get_migration_for_office(request.user, id))


@router.put(
    "/ledger-migrations/{id}/choices",
    response={200: MigrationOut, **ERRORS},
    summary="Keep the office's choices: mapping, units, state words, default source, list",
    description="Each choice given replaces the one kept; those not given stay. An applied "
    "migration's choices cannot change (409).",
)
def put_choices(request, id: Id, payload: ChoicesIn):
    si = migration.get_migration_for_office(request.user, id)
    given = payload.model_dump(exclude_unset=True)
    si = migration.choose(si, actor=request.user, **given)
    return _out(si)


@router.get(
    "/ledger-migrations/{id}/plan",
    response={200: PlanOut, **ERRORS},
    summary="What applying would take and what not, with the reasons (nothing is written)",
)
def get_plan(request, id: Id):
    si = migration.get_migration_for_office(request.user, id)
    return migration.summary(migration.plan(si))


@router.post(
    "/ledger-migrations/{id}/apply",
    response={200: ReportOut, **ERRORS},
    summary="Create the problems and measures (office): the report",
    description="Each problem with its measures is created in one transaction; a refused row "
    "does not stop the others. A migration is applied once (409 after).",
)
def apply(request, id: Id):
    si = migration.get_migration_for_office(request.user, id)
    return migration.apply(si, actor=request.user)


@router.get(
    "/ledger-migrations/{id}/report",
    response={200: ReportOut, **ERRORS},
    summary="The report of an applied migration (or of one that broke off: status failed)",
)
def get_report(request, id: Id):
    si = migration.get_migration_for_office(request.user, id)
    if si.status not in (SheetImport.Status.APPLIED, SheetImport.Status.FAILED):
        raise ConflictError(_("This migration has not been applied yet."), code="not_applied")
    return si.result
