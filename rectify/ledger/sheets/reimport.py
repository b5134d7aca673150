"""Reading an edited ledger export back (台账回填导入): match rows by key, diff, check, apply.

    upload(campaign, file, actor=…, name=…) -> SheetImport the file checked, then kept as uploaded
    read(source, campaign=…, actor=…) -> Diff              what applying it would do now
    apply(sheet_import, actor=…) -> Diff                   apply the accepted rows, row by row

The file is an export of export.write_ledger, edited in Excel or WPS. The sheet 整改台账 (or
the first sheet) holds a header row within its first ten rows with the column
系统编号（请勿修改）; the other columns are found by their header text (layout.LEDGER_COLUMNS),
so columns may be reordered, hidden or removed (a removed column is left as it is).

Each data row's key `M<id>-v<version>-<digest>` names the measure, the version it had when
exported and a digest of its editable cells as exported. For each row:

- the user edited it when the digest of its editable cells (as read) differs from the key's;
- the ledger moved on since the export when the measure's version differs, or the digest of its
  current values does (a progress report added meanwhile does not change the version);
- edited and moved on: a conflict, shown with both values, nothing changed;
- not edited: nothing to do, whatever the ledger did meanwhile;
- edited, not moved on: the editable cells that differ from the ledger are the changes, each
  checked for this user (who may change what, dates, percentages, one state-machine step).

A row with any refused cell changes nothing (it is applied in a transaction of its own). Read-only
columns (问题描述, 责任单位 …) that differ are listed as notes and never applied.

Counting: `Diff.changes` is the number of changes applied (or that applying would make): one per
measure field changed (整改措施, 整改目标, 责任领导, 责任人, 整改时限, 备注), one per new progress
report (整改进展 and/or 完成进度(%) changed: both make one report), one per state change
(完成情况). An unchanged export reads back as 0 changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import python_calamine
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from rectify.core.errors import ConflictError, DomainError, TransitionRefused
from rectify.core.spreadsheets.errors import SpreadsheetFileError
from rectify.core.spreadsheets.reader import column_letter, detect_kind
from rectify.ledger import services, states
from rectify.ledger.choices import MeasureState
from rectify.ledger.models import Measure, SheetImport
from rectify.ledger.scoping import can_change_measure
from rectify.ledger.sheets import layout
from rectify.ledger.sheets.layout import COLUMN_BY_KEY, EDITABLE, LEDGER_COLUMNS, LEDGER_SHEET

CHUNK = 2000  # rows looked up in the database at a time
UNPACKED_RATIO = 10  # an .xlsx may unpack to at most ten times the largest file accepted
HEADER_SEARCH = 10  # the header row is among the sheet's first rows
KEY = COLUMN_BY_KEY["key"]
NOTE = COLUMN_BY_KEY["note"]
MEASURE_FIELDS = ("content", "target", "responsible_leader", "responsible_person", "remarks")
SHORT_FIELDS = {"responsible_leader": 50, "responsible_person": 50}
REPORT_FIELDS = ("progress", "percent_done")
# Columns never compared: the running number, the key itself and this round's explanation.
NOT_COMPARED = {"seq", "key", "note"}

MESSAGES = {
    "too_large": _("%(file)s: the file is larger than %(limit)s MB."),
    "not_xlsx": _(
        "%(file)s: an edited ledger is read back from an Excel workbook (.xlsx). Save it as "
        ".xlsx (Excel or WPS: Save as) and upload that."
    ),
    "no_key_column": _(
        "%(file)s: no column “%(header)s” in the first %(rows)s rows of sheet “%(sheet)s”. "
        "Only a ledger exported by Rectify can be read back, with its key column; export the "
        "ledger again and edit that file."
    ),
    "key_missing": _(
        "The row has no key (系统编号): it cannot be matched to a measure. New measures are "
        "added on the page, not by reading a sheet back."
    ),
    "key_garbled": _(
        "“%(value)s” is not a key written by Rectify (M<number>-v<version>-<code>): do not edit "
        "this column."
    ),
    "unknown_measure": _("Measure %(id)s does not exist (any more): it may have been deleted."),
    "other_campaign": _("Measure %(id)s belongs to another campaign."),
    "duplicate_key": _("Measure %(id)s is in row %(first)s already: only that row is read."),
    "not_yours": _(
        "You may not change this measure: its responsible unit is not one of your units."
    ),
    "office_only": _("Only the campaign office may change “%(header)s”."),
    "empty": _("“%(header)s” may not be emptied."),
    "too_long": _("At most %(max)s characters (this cell has %(n)s)."),
    "bad_date": _("“%(value)s” is not a date: write it as 2026-06-30."),
    "bad_percent": _("“%(value)s” is not a whole number from 0 to 100."),
    "deadline_reason": _("A new deadline needs its reason: write it in “%(header)s”."),
    "unknown_status": _("“%(value)s” is not one of the 完成情况 words: %(words)s."),
    "no_such_step": _(
        "From “%(before)s” the measure cannot go to “%(after)s” in one step; it may go to: "
        "%(words)s."
    ),
    "step_refused": _("%(reason)s"),
    "evidence_on_page": _(
        "%(reason)s Upload the evidence on the measure's page, then read the file back again."
    ),
    "progress_not_now": _(
        "Progress can be reported only while the measure is under way (now: “%(state)s”)."
    ),
    "progress_empty": _("Describe the progress: “%(header)s” is empty."),
    "formula": _(
        "The row holds a formula (%(cells)s): values computed by the spreadsheet are not read "
        "back. Type the values instead."
    ),
    "refused_at_apply": _("%(reason)s"),
    "read_only": _(
        "Differs from the ledger (“%(current)s” there): reading a sheet back does not change "
        "this column; change it on the page."
    ),
    "column_absent": _("The file has no column “%(header)s”: it is left as it is."),
    "conflict": _(
        "Someone changed this measure after the file was exported: nothing of this row is "
        "applied. Export the ledger again and redo the row's changes there."
    ),
    "conflict_at_apply": _(
        "Someone changed this measure while the file was being applied: nothing of this row "
        "was applied."
    ),
}


class ReimportRefused(DomainError):
    """The file as a whole cannot be read back (its message names the file)."""

    def __init__(self, code: str, **params):
        super().__init__(MESSAGES[code], code=code, params=params)


def render(code: str, params: dict | None = None) -> str:
    """A kept message in the active language. A parameter given in both languages (a message
    of the services: {"zh-hans": …, "en": …}) is shown in the active one."""
    lang = "en" if (translation.get_language() or "").startswith("en") else "zh-hans"
    values = {k: (v.get(lang, "") if isinstance(v, dict) else v) for k, v in (params or {}).items()}
    text = str(MESSAGES[code])
    return text % values if values else text


def _both(exc: DomainError) -> dict:
    return {"zh-hans": exc.render("zh-hans"), "en": exc.render("en")}


# --- what a read gives -----------------------------------------------------------------------


@dataclass
class Cell:
    """A place in the file, as Excel shows it: the row number, the column letter and header."""

    row: int
    column: str = ""
    header: str = ""


@dataclass
class Message:
    cell: Cell
    code: str
    params: dict = field(default_factory=dict)
    measure_id: int | None = None

    @property
    def text(self) -> str:
        return render(self.code, self.params)

    def as_json(self) -> dict:
        return {
            "row": self.cell.row,
            "column": self.cell.column,
            "header": self.cell.header,
            "measure": self.measure_id,
            "code": self.code,
            "params": self.params,
        }


@dataclass
class FieldChange:
    key: str  # the layout column key
    header: str
    column: str  # its letter in the file
    before: str  # the ledger's value as a cell shows it
    after: str  # the file's

    def as_json(self) -> dict:
        return {
            "field": self.key,
            "header": self.header,
            "column": self.column,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class RowChange:
    """An accepted row: what changes on one measure."""

    row: int
    measure: Measure
    problem_number: int
    measure_text: str
    expected_version: int
    fields: list[FieldChange]
    note: str = ""
    updates: dict = field(default_factory=dict)  # measure field -> new value (update_measure)
    report: tuple[str, int] | None = None  # a new progress report (text, percent)
    step: str = ""  # a transition's name, or "phase_complete"

    @property
    def count(self) -> int:
        return len(self.updates) + (1 if self.report else 0) + (1 if self.step else 0)

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "measure": self.measure.pk,
            "problem": self.problem_number,
            "measure_text": self.measure_text,
            "note": self.note,
            "changes": self.count,
            "step": self.step,
            "fields": [f.as_json() for f in self.fields],
        }


@dataclass
class Conflict:
    row: int
    measure_id: int
    problem_number: int
    measure_text: str
    fields: list[FieldChange]  # before: the ledger now, after: the file
    code: str = "conflict"

    @property
    def text(self) -> str:
        return render(self.code)

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "measure": self.measure_id,
            "problem": self.problem_number,
            "measure_text": self.measure_text,
            "code": self.code,
            "fields": [f.as_json() for f in self.fields],
        }


@dataclass
class Diff:
    file_name: str
    sheet: str = ""
    header_row: int = 0
    rows_read: int = 0
    unchanged: int = 0
    changed: list[RowChange] = field(default_factory=list)
    refused: list[Message] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(r.count for r in self.changed)

    @property
    def refused_rows(self) -> int:
        return len({m.cell.row for m in self.refused})

    def as_json(self) -> dict:
        return {
            "file": self.file_name,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "unchanged": self.unchanged,
            "changes": self.changes,
            "changed": [r.as_json() for r in self.changed],
            "refused": [m.as_json() for m in self.refused],
            "conflicts": [c.as_json() for c in self.conflicts],
            "notes": [m.as_json() for m in self.notes],
        }


# --- the file ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _local(source, file_name: str | None) -> Iterator[tuple[Path, str]]:
    """(a local path, the name shown) for a path, an uploaded file or a SheetImport."""
    if isinstance(source, SheetImport):
        file_name = file_name or source.file_name
        try:
            yield Path(source.file.path), file_name
            return
        except NotImplementedError:  # a storage without local paths: copy it
            source = source.file
    if isinstance(source, str | os.PathLike):
        yield Path(source), file_name or Path(source).name
        return
    temp_path = getattr(source, "temporary_file_path", None)
    name = file_name or Path(getattr(source, "name", "") or "upload.xlsx").name
    if callable(temp_path):
        yield Path(temp_path()), name
        return
    fd, tmp = tempfile.mkstemp(prefix="rectify-reimport-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as out:
            if hasattr(source, "seek"):
                source.seek(0)
            if hasattr(source, "chunks"):
                for chunk in source.chunks():
                    out.write(chunk)
            else:
                shutil.copyfileobj(source, out, 1024 * 1024)
        if hasattr(source, "seek"):
            source.seek(0)
        yield Path(tmp), name
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def max_bytes() -> int:
    """The largest file read back (LEDGER_SHEET_MAX_BYTES; by default the import's limit)."""
    return settings.LEDGER_SHEET_MAX_BYTES


def _check_file(path: Path, name: str) -> None:
    limit = max_bytes()
    if path.stat().st_size > limit:
        raise ReimportRefused("too_large", file=name, limit=max(limit // (1024 * 1024), 1))
    if detect_kind(path, name) != "xlsx":  # SpreadsheetFileError names what it is instead
        raise ReimportRefused("not_xlsx", file=name)
    # An .xlsx is a zip: a small file may unpack to far more (a zip bomb). Its cells are read
    # into memory, so the unpacked size is bounded too.
    with zipfile.ZipFile(path) as zf:
        unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > UNPACKED_RATIO * limit:
        raise ReimportRefused("too_large", file=name, limit=max(limit // (1024 * 1024), 1))


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# A formula element, with or without a namespace prefix (<f>, <f t="shared" …/>, <x:f>), and
# not <formula1> (a drop-down list's source) or <filterColumn>.
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _sheet_member(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding the sheet's XML (workbook.xml and its relationships)."""
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {
        r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship")
    }
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        if sheet.get("name") == sheet_name:
            target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    return None


def formula_cells(path: Path, sheet_name: str) -> dict[int, list[str]]:
    """Cells holding a formula, by row number: {5: ["M5"], …}. Streams the sheet's XML in
    bounded memory: a plain scan for any formula element first (an export has none), and only
    when one is there, a parse that says where."""
    with zipfile.ZipFile(path) as zf:
        member = _sheet_member(zf, sheet_name)
        if member is None or member not in zf.namelist():
            return {}
        with zf.open(member) as f:
            tail = b""
            found = False
            while chunk := f.read(1024 * 1024):
                if _FORMULA.search(tail + chunk):
                    found = True
                    break
                tail = chunk[-64:]
        if not found:
            return {}
        out: dict[int, list[str]] = {}
        with zf.open(member) as f:
            for _event, elem in ElementTree.iterparse(f, events=("end",)):
                tag = elem.tag.rsplit("}", 1)[-1]
                if tag == "c":
                    if any(child.tag.rsplit("}", 1)[-1] == "f" for child in elem):
                        ref = elem.get("r", "")
                        match = re.match(r"([A-Z]+)(\d+)$", ref)
                        if match:
                            out.setdefault(int(match[2]), []).append(ref)
                elif tag == "row":
                    elem.clear()
        return out


def _norm(text) -> str:
    return "".join(str(text).split()) if isinstance(text, str) else ""


_HEADERS = {_norm(c.header): c.key for c in LEDGER_COLUMNS}
_KEY_PREFIX = _norm(KEY.header).split("（")[0]


@dataclass
class _Sheet:
    name: str
    header_row: int
    columns: dict[str, int]  # layout key -> index in the row
    rows: Iterator[tuple[int, list]]


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _open_sheet(book, name: str) -> _Sheet:
    names = [
        m.name for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    sheet_name = LEDGER_SHEET if LEDGER_SHEET in names else (names[0] if names else "")
    if not sheet_name:
        raise SpreadsheetFileError("file_no_sheet", file=name)
    try:
        sheet = book.get_sheet_by_name(sheet_name)
        start, end = sheet.start, sheet.end
        raw = sheet.iter_rows()
    except Exception:  # calamine raises several kinds; each means "damaged"
        raise SpreadsheetFileError("file_corrupt", file=name) from None

    def numbered():
        # As in core/spreadsheets/reader.py: calamine's rows start at the sheet's first used
        # column, and (in the versions we use) at row 1; both are checked, not assumed.
        if start is None or end is None:
            return
        row_offset = None
        col_offset = 0
        try:
            for i, cells in enumerate(raw):
                if row_offset is None:
                    row_offset = start[0] if start[0] and not all(map(_blank, cells)) else 0
                    col_offset = start[1] if len(cells) == end[1] - start[1] + 1 else 0
                yield i + row_offset + 1, [None] * col_offset + list(cells)
        except python_calamine.CalamineError:
            raise SpreadsheetFileError("file_corrupt", file=name) from None

    rows = numbered()
    for rownum, cells in rows:
        if rownum > HEADER_SEARCH:
            break
        texts = [_norm(c) for c in cells]
        if any(t.startswith(_KEY_PREFIX) for t in texts):
            columns = {}
            for i, text in enumerate(texts):
                key = "key" if text.startswith(_KEY_PREFIX) else _HEADERS.get(text)
                if key and key not in columns:
                    columns[key] = i
            return _Sheet(sheet_name, rownum, columns, rows)
    raise ReimportRefused(
        "no_key_column", file=name, header=KEY.header, rows=HEADER_SEARCH, sheet=sheet_name
    )


# --- reading values ----------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)


DATE_KEYS = tuple(c.key for c in LEDGER_COLUMNS if c.kind == "date")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _serial_date(number):
    """A date column's cell that lost its date format (Excel keeps a date as the number of days
    since 1899-12-30): the date it stands for, when it is a whole number of a plausible year."""
    if float(number).is_integer() and 10_000 <= number <= 100_000:  # 1927 … 2173
        return _EXCEL_EPOCH + dt.timedelta(days=int(number))
    return number


def parse_date(value) -> dt.date | None:
    """A date cell, or text 2026-06-30, 2026/6/30, 2026.6.30, 2026年6月30日; None when empty.
    Raises ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _blank(value):
        return None
    if isinstance(value, str):
        text = "".join(value.split()) if "年" in value else value.strip()
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
    raise ValueError(value)


def parse_percent(value) -> int | None:
    """A whole number 0–100 (a number, or text “60” / “60%”); None when empty; else ValueError."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().rstrip("%％").strip()
        if not re.fullmatch(r"\d+(\.0+)?", text):
            raise ValueError(value)
        number = float(text)
    if not number.is_integer() or not 0 <= number <= 100:
        raise ValueError(value)
    return int(number)


# Which transition takes a measure from one 完成情况 word to another (layout.status_of).
_STEP_TARGETS = {
    "in_progress": ("start",),
    "closure_requested": ("request_closure",),
    "closed": ("verify",),
    "not_feasible": ("close_not_feasible",),
    "returned": ("return", "decline_confirmation"),
    "reopened": ("reopen",),
}


def step_between(measure, before: str, after: str) -> str | None:
    """The one step from status `before` to `after` (a transition's name, "phase_complete"),
    or None when the ledger's rules have none."""
    if after == "phase_complete":
        return "phase_complete" if before == "in_progress" else None
    for name in _STEP_TARGETS.get(after, ()):
        if measure.state in states.TRANSITIONS[name].sources:
            return name
    return None


def _reachable(measure) -> list[str]:
    """The 完成情况 words one step away from the measure's current status."""
    before = layout.status_of(measure)
    return [
        word
        for status, word in layout.STATUS_WORDS.items()
        if status != before and step_between(measure, before, status)
    ]


# --- reading a file back -----------------------------------------------------------------------


def open_file(source, *, file_name: str | None = None):
    """Check that the file can be read back (size, kind, the key column); raises
    ReimportRefused or SpreadsheetFileError naming the file."""
    with _local(source, file_name) as (path, name):
        _check_file(path, name)
        book = _book(path, name)
        try:
            _open_sheet(book, name)
        finally:
            with contextlib.suppress(Exception):
                book.close()


def _book(path: Path, name: str):
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise SpreadsheetFileError("file_encrypted", file=name) from None
    except Exception:
        raise SpreadsheetFileError("file_corrupt", file=name) from None


def read(source, *, campaign, actor, file_name: str | None = None) -> Diff:
    """What applying the file would do now, for `actor`: the changes row by row, the refused
    rows (row, column, reason), the conflicts and the notes. Changes nothing."""
    with _local(source, file_name) as (path, name):
        _check_file(path, name)
        book = _book(path, name)
        try:
            sheet = _open_sheet(book, name)
            formulas = formula_cells(path, sheet.name)
            return _Reader(campaign, actor, name, sheet, formulas).run()
        finally:
            with contextlib.suppress(Exception):
                book.close()


@dataclass
class _Row:
    row: int
    values: dict  # layout key -> the cell's value (only the columns in the file)
    key_text: str
    key: layout.Key | None


class _Reader:
    def __init__(self, campaign, actor, file_name: str, sheet: _Sheet, formulas):
        self.campaign = campaign
        self.actor = actor
        self.sheet = sheet
        self.formulas = formulas
        self.diff = Diff(file_name, sheet=sheet.name, header_row=sheet.header_row)
        self.seen: dict[int, int] = {}  # measure id -> the first row naming it
        self.cols = sheet.columns
        self.letters = {k: column_letter(i) for k, i in sheet.columns.items()}

    def cell(self, row: int, key: str) -> Cell:
        column = COLUMN_BY_KEY[key]
        return Cell(row, self.letters.get(key, ""), column.header)

    def run(self) -> Diff:
        for key in (*EDITABLE, "note"):
            if key not in self.cols:
                self.diff.notes.append(
                    Message(
                        Cell(self.sheet.header_row),
                        "column_absent",
                        {"header": COLUMN_BY_KEY[key].header},
                    )
                )
        batch: list[_Row] = []
        for rownum, cells in self.sheet.rows:
            if all(map(_blank, cells)):
                continue
            values = {k: cells[i] if i < len(cells) else None for k, i in self.cols.items()}
            for k in DATE_KEYS:
                if isinstance(values.get(k), int | float) and not isinstance(values[k], bool):
                    values[k] = _serial_date(values[k])
            key_text = layout.cell_text(values.get("key"))
            batch.append(_Row(rownum, values, key_text, layout.parse_key(key_text)))
            if len(batch) >= CHUNK:
                self.chunk(batch)
                batch = []
        if batch:
            self.chunk(batch)
        return self.diff

    def chunk(self, rows: list[_Row]) -> None:
        ids = {r.key.measure_id for r in rows if r.key is not None}
        found = {
            m.pk: m for m in Measure.objects.filter(pk__in=ids).select_related("responsible_unit")
        }
        self.current = layout.current_values(ids)
        for m in found.values():
            if m.campaign_id == self.campaign.pk:
                m.campaign = self.campaign  # one object for all: access() keeps its answer on it
        for r in rows:
            self.diff.rows_read += 1
            self.one(r, found.get(r.key.measure_id) if r.key else None)

    def refuse(self, row: int, key: str, code: str, measure_id=None, **params) -> None:
        self.diff.refused.append(Message(self.cell(row, key), code, params, measure_id))

    def one(self, r: _Row, measure: Measure | None) -> None:
        if r.key is None:
            code = "key_missing" if not r.key_text else "key_garbled"
            self.refuse(r.row, "key", code, value=r.key_text[:60])
            return
        mid = r.key.measure_id
        if measure is None:
            self.refuse(r.row, "key", "unknown_measure", mid, id=mid)
            return
        if measure.campaign_id != self.campaign.pk:
            self.refuse(r.row, "key", "other_campaign", mid, id=mid)
            return
        if mid in self.seen:
            self.refuse(r.row, "key", "duplicate_key", mid, id=mid, first=self.seen[mid])
            return
        self.seen[mid] = r.row
        if r.row in self.formulas:
            refs = self.formulas[r.row]
            first = re.match(r"[A-Z]+", refs[0])[0]
            cell = Cell(r.row, first, self._header_at(first))
            self.diff.refused.append(Message(cell, "formula", {"cells": "、".join(refs[:5])}, mid))
            return
        current = self.current[measure.pk]
        # A column absent from the file counts as unchanged.
        as_read = {k: r.values[k] if k in r.values else current.get(k) for k in EDITABLE}
        edited = layout.row_digest(as_read) != r.key.digest
        if not can_change_measure(self.actor, measure):
            # Another unit's row: refused if edited, and nothing of the ledger's values shown.
            if edited:
                self.refuse(r.row, "key", "not_yours", mid)
            else:
                self.diff.unchanged += 1
            return
        # The read-only columns: told, never applied.
        for key, value in r.values.items():
            column = COLUMN_BY_KEY[key]
            if key in NOT_COMPARED or column.editable:
                continue
            if layout.cell_text(value) != layout.cell_text(current.get(key)):
                self.diff.notes.append(
                    Message(
                        self.cell(r.row, key),
                        "read_only",
                        {"current": layout.cell_text(current.get(key))[:80]},
                        mid,
                    )
                )
        if not edited:
            self.diff.unchanged += 1
            return
        differing = [
            k
            for k in EDITABLE
            if k in r.values and layout.cell_text(as_read[k]) != layout.cell_text(current[k])
        ]
        moved = measure.version != r.key.version or layout.row_digest(current) != r.key.digest
        problem_number = measure.problem.number
        text = measure.content[:200]
        if moved:
            self.diff.conflicts.append(
                Conflict(
                    r.row,
                    mid,
                    problem_number,
                    text,
                    [self.field_change(r.row, k, current[k], as_read[k]) for k in differing],
                )
            )
            return
        change = RowChange(
            r.row,
            measure,
            problem_number,
            text,
            r.key.version,
            fields=[],
            note=layout.cell_text(r.values.get("note")),
        )
        before_refusals = len(self.diff.refused)
        self.check(r, measure, current, as_read, differing, change)
        if len(self.diff.refused) > before_refusals:
            return
        if change.count:
            self.diff.changed.append(change)
        else:
            self.diff.unchanged += 1

    def _header_at(self, letter: str) -> str:
        for key, at in self.letters.items():
            if at == letter:
                return COLUMN_BY_KEY[key].header
        return ""

    def field_change(self, row: int, key: str, before, after) -> FieldChange:
        return FieldChange(
            key,
            COLUMN_BY_KEY[key].header,
            self.letters.get(key, ""),
            layout.cell_text(before),
            layout.cell_text(after),
        )

    def check(self, r: _Row, measure, current, as_read, differing, change: RowChange) -> None:
        """Check the row's differing cells for this user; fill `change` or add refusals."""
        row, mid, actor = r.row, measure.pk, self.actor
        allowed = set(services.editable_fields(actor, measure))
        for key in differing:
            column = COLUMN_BY_KEY[key]
            value = as_read[key]
            if (key in MEASURE_FIELDS or key == "deadline") and key not in allowed:
                self.refuse(row, key, "office_only", mid, header=column.header)
                continue
            if key in MEASURE_FIELDS:
                text = layout.cell_text(value)
                if key == "content" and not text:
                    self.refuse(row, key, "empty", mid, header=column.header)
                elif key in SHORT_FIELDS and len(text) > SHORT_FIELDS[key]:
                    self.refuse(row, key, "too_long", mid, max=SHORT_FIELDS[key], n=len(text))
                else:
                    change.updates[key] = text
                    change.fields.append(self.field_change(row, key, current[key], text))
            elif key == "deadline":
                try:
                    date = parse_date(value)
                except ValueError:
                    self.refuse(row, key, "bad_date", mid, value=layout.cell_text(value)[:40])
                    continue
                if date is None:
                    self.refuse(row, key, "empty", mid, header=column.header)
                    continue
                if date == measure.deadline:
                    continue
                if measure.deadline is not None and not change.note:
                    self.refuse(row, "note", "deadline_reason", mid, header=NOTE.header)
                    continue
                change.updates["deadline"] = date
                change.fields.append(self.field_change(row, key, current[key], date))
        self.check_report(r, measure, current, as_read, differing, change)
        self.check_step(r, measure, current, as_read, differing, change)

    def check_report(self, r, measure, current, as_read, differing, change) -> None:
        if not set(differing) & set(REPORT_FIELDS):
            return
        row, mid = r.row, measure.pk
        try:
            percent = parse_percent(as_read["percent_done"])
        except ValueError:
            self.refuse(
                row,
                "percent_done",
                "bad_percent",
                mid,
                value=layout.cell_text(as_read["percent_done"])[:40],
            )
            return
        if percent is None:
            percent = current["percent_done"] or 0
        text = layout.cell_text(as_read["progress"])
        if text == layout.cell_text(current["progress"]) and percent == current["percent_done"]:
            return
        if not text:
            self.refuse(
                row, "progress", "progress_empty", mid, header=COLUMN_BY_KEY["progress"].header
            )
            return
        change.report = (text, percent)
        for key, after in (("progress", text), ("percent_done", percent)):
            if layout.cell_text(after) != layout.cell_text(current[key]):
                change.fields.append(self.field_change(row, key, current[key], after))

    def check_step(self, r, measure, current, as_read, differing, change) -> None:
        row, mid = r.row, measure.pk
        under_way = measure.state not in (MeasureState.DRAFT, MeasureState.CLOSED)
        if "status" in differing:
            word = layout.cell_text(as_read["status"])
            after = layout.WORD_STATUS.get(word)
            if after is None:
                self.refuse(
                    row,
                    "status",
                    "unknown_status",
                    mid,
                    value=word[:40],
                    words="、".join(layout.STATUS_WORDS.values()),
                )
                return
            before = layout.status_of(measure)
            if after != before:
                step = step_between(measure, before, after)
                if step is None:
                    self.refuse(
                        row,
                        "status",
                        "no_such_step",
                        mid,
                        before=layout.STATUS_WORDS[before],
                        after=word,
                        words="、".join(_reachable(measure)) or "—",
                    )
                    return
                try:
                    if step == "phase_complete":
                        states.can_mark_phase_complete(measure, self.actor)
                    else:
                        states.check(measure, step, user=self.actor, reason=change.note)
                except TransitionRefused as exc:
                    code = "evidence_on_page" if exc.code == "evidence_required" else "step_refused"
                    self.refuse(row, "status", code, mid, reason=_both(exc))
                    return
                change.step = step
                change.fields.append(self.field_change(row, "status", current["status"], word))
                # A step out of 未启动 or a closure puts the measure under way.
                under_way = under_way or step in ("start", "reopen")
        if change.report and not under_way:
            self.refuse(
                row,
                "progress",
                "progress_not_now",
                mid,
                state={
                    "zh-hans": _state_label(measure, "zh-hans"),
                    "en": _state_label(measure, "en"),
                },
            )
            change.report = None


def _state_label(measure, lang: str) -> str:
    with translation.override(lang):
        return str(MeasureState(measure.state).label)


# --- applying ----------------------------------------------------------------------------------


def upload(campaign, upload_file, *, actor, name: str) -> SheetImport:
    """Check the file can be read back, then keep it (services.upload_ledger_sheet)."""
    open_file(upload_file, file_name=name)
    return services.upload_ledger_sheet(
        campaign, actor=actor, upload=upload_file, name=name, kind=SheetImport.Kind.REIMPORT
    )


def _apply_row(change: RowChange, actor) -> None:
    """One row in one transaction: its fields, then its progress report, then its state
    change (a step out of 未启动 or a closure first, so the report can follow it)."""
    measure = services.update_measure(
        change.measure,
        actor=actor,
        expected_version=change.expected_version,  # also the version check of any row
        deadline_reason=change.note,
        **change.updates,
    )
    early = change.step and measure.state in (MeasureState.DRAFT, MeasureState.CLOSED)
    if early:
        measure = _step(measure, change, actor)
    if change.report:
        text, percent = change.report
        services.add_progress_report(measure, actor=actor, text=text, percent_done=percent)
    if change.step and not early:
        _step(measure, change, actor)


def _step(measure, change: RowChange, actor):
    if change.step == "phase_complete":
        return services.mark_phase_complete(
            measure, actor=actor, reason=change.note, expected_version=measure.version
        )
    return services.transition(
        measure, change.step, actor=actor, reason=change.note, expected_version=measure.version
    )


def apply(sheet: SheetImport, *, actor) -> Diff:
    """Apply the accepted rows of an uploaded sheet, each in its own transaction; a row the
    services refuse now (someone changed the measure meanwhile, a rule) changes nothing and is
    listed. Returns the diff of what was applied; its outcome is kept on the SheetImport."""
    sheet = services.start_ledger_sheet(sheet, actor=actor)
    try:
        diff = read(sheet, campaign=sheet.campaign, actor=actor)
    except DomainError as exc:
        error = {"code": exc.code, "message": _both(exc)}
        services.finish_ledger_sheet(
            sheet, actor=actor, result={"error": error}, done=0, failed=True
        )
        raise
    applied: list[RowChange] = []
    for change in diff.changed:
        try:
            with transaction.atomic():
                _apply_row(change, actor)
        except ConflictError:
            diff.conflicts.append(
                Conflict(
                    change.row,
                    change.measure.pk,
                    change.problem_number,
                    change.measure_text,
                    change.fields,
                    code="conflict_at_apply",
                )
            )
        except DomainError as exc:
            diff.refused.append(
                Message(
                    Cell(change.row),
                    "refused_at_apply",
                    {"reason": _both(exc)},
                    change.measure.pk,
                )
            )
        else:
            applied.append(change)
    diff.changed = applied
    services.finish_ledger_sheet(sheet, actor=actor, result=diff.as_json(), done=diff.changes)
    return diff


def shown(data: dict, *, limit: int = 500) -> dict:
    """A diff as kept (Diff.as_json) made ready to show: each message rendered in the active
    language, each list cut to `limit` rows with how many there are in all."""
    out = dict(data)
    for name in ("changed", "refused", "conflicts", "notes"):
        items = data.get(name, [])
        out[f"{name}_count"] = len(items)
        out[name] = [
            {**item, "text": render(item["code"], item.get("params"))} if "code" in item else item
            for item in items[:limit]
        ]
    out["refused_rows"] = len({m["row"] for m in data.get("refused", [])})
    return out
