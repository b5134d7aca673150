"""The plan of an import: the chosen columns and defaults checked against the sheet (plan), and
the preview of its first rows as they would be stored (preview)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from rectify.campaigns.models import Campaign
from rectify.core.spreadsheets.reader import Column, Note, Sheet, SheetInfo, as_string
from rectify.feedback.imports import fields as fields_
from rectify.feedback.imports.errors import ImportRefused
from rectify.feedback.imports.mappings import suggest
from rectify.feedback.imports.messages import render
from rectify.feedback.imports.parsing import CellProblem, Lookups, RowParser
from rectify.feedback.imports.report import RowProblem
from rectify.feedback.models import ColumnMapping


@dataclass
class Plan:
    columns: dict[str, Column]
    positions: dict[str, int]
    defaults: dict  # parsed: kind, channel, region (pk)
    unmapped: list[Column]


def plan(campaign: Campaign, sheet: Sheet, columns: dict[str, str], defaults: dict | None):
    """Resolve field → header against the sheet and parse the defaults; ImportRefused when the
    choice cannot work (unknown field or column, no text column, no kind at all)."""
    resolved: dict[str, Column] = {}
    for name, header in columns.items():
        if name not in fields_.BY_NAME:
            raise ImportRefused("field_unknown", field=name, fields=", ".join(fields_.FIELD_NAMES))
        if not header:
            continue
        col = sheet.column(str(header))
        if col is None:
            raise ImportRefused(
                "column_missing", file=sheet.file_name, sheet=sheet.name, column=header
            )
        resolved[name] = col
    if "text" not in resolved:
        raise ImportRefused("text_unmapped")
    lookups = Lookups(campaign)
    parser = RowParser(lookups, {}, {})
    parsed: dict = {}
    for name, raw in (defaults or {}).items():
        if raw in (None, ""):
            continue
        if name not in ("kind", "channel", "region"):
            raise ImportRefused("field_unknown", field=name, fields="kind, channel, region")
        try:
            parsed[name] = getattr(parser, f"_{name}")(raw)
        except CellProblem as p:
            raise ImportRefused(
                "default_invalid",
                field=fields_.BY_NAME[name].label,
                reason=render(p.code, p.params),
            ) from None
    if "kind" not in resolved and not parsed.get("kind"):
        raise ImportRefused("kind_unmapped")
    index = {c.index: i for i, c in enumerate(sheet.columns)}
    used = {c.index for c in resolved.values()}
    return Plan(
        columns=resolved,
        positions={name: index[c.index] for name, c in resolved.items()},
        defaults=parsed,
        unmapped=[c for c in sheet.columns if c.index not in used and c.label],
    )


# --- preview ------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    row: int
    cells: dict[str, str]  # field → the cell as shown in the file
    values: dict[str, str]  # field → the parsed value, as it will be stored (display form)
    problems: list[RowProblem]


@dataclass
class Preview:
    file_name: str
    sheet: str
    sheets: list[SheetInfo]
    columns: list[Column]
    mapping: dict[str, Column]  # field → column
    saved_mapping: ColumnMapping | None
    defaults: dict
    rows: list[PreviewRow]
    notes: list[Note]
    error: dict = field(default_factory=dict)  # a choice that cannot work (ImportRefused)


def preview(
    campaign: Campaign,
    sheet: Sheet,
    columns: dict[str, str] | None = None,
    defaults: dict | None = None,
    *,
    limit: int = 10,
) -> Preview:
    """The sheet's columns, the mapping (suggested when `columns` is None) and its first rows
    with their parsed values and problems. Consumes the sheet's rows."""
    saved = None
    if columns is None:
        suggestion = suggest(campaign, sheet)
        columns, saved = suggestion.columns, suggestion.mapping
        defaults = {**suggestion.defaults, **(defaults or {})}
    result = Preview(
        file_name=sheet.file_name,
        sheet=sheet.name,
        sheets=list(sheet.workbook.sheets),
        columns=list(sheet.columns),
        mapping={},
        saved_mapping=saved,
        defaults=dict(defaults or {}),
        rows=[],
        notes=list(sheet.notes),
    )
    try:
        p = plan(campaign, sheet, columns, defaults)
    except ImportRefused as exc:
        result.error = exc.as_json()
        resolved = {n: sheet.column(h) for n, h in columns.items() if h}
        result.mapping = {n: c for n, c in resolved.items() if c is not None}
        return result
    result.mapping = dict(p.columns)
    if p.unmapped:
        result.notes.append(Note("note_unmapped", {"columns": [str(c) for c in p.unmapped]}))
    lookups = Lookups(campaign)
    parser = RowParser(lookups, p.positions, p.defaults)
    names = _display_names(lookups)
    for n, (rownum, cells) in enumerate(sheet.rows()):
        if n >= limit:
            break
        values, problems = parser.parse(cells)
        result.rows.append(
            PreviewRow(
                row=rownum,
                cells={f: as_string(cells[i]) for f, i in p.positions.items()},
                values={f: _display(f, v, names) for f, v in (values or {}).items()},
                problems=[row_problem(rownum, p, *x) for x in problems],
            )
        )
    return result


def _display_names(lookups: Lookups) -> dict:
    from rectify.feedback.choices import Channel, FeedbackKind

    return {"kind": dict(FeedbackKind.choices), "channel": dict(Channel.choices)}


def _display(name: str, value, names: dict) -> str:
    if value is None:
        return ""
    if name in names:
        return str(names[name].get(value, value))
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if name == "region":
        from rectify.orgs.models import Region

        return str(Region.objects.filter(pk=value).first() or value)
    if name == "category":
        from rectify.ledger.models import Category

        return str(Category.objects.filter(pk=value).first() or value)
    if name == "org_unit":
        from rectify.orgs.models import OrgUnit

        return str(OrgUnit.objects.filter(pk=value).first() or value)
    return str(value)


def row_problem(rownum: int, p: Plan, name: str, code: str, params: dict, value: str) -> RowProblem:
    """A refused cell of the plan's columns, where Excel shows it (row, letter, header)."""
    col = p.columns.get(name)
    return RowProblem(
        row=rownum,
        column=col.letter if col else "",
        header=col.label if col else "",
        field=name,
        code=code,
        params={k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()},
        value=value,
    )
