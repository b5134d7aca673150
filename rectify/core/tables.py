"""Plain tables for the file-in, file-out commands (`rectify cluster`, `rectify classify`).

Files are read with the spreadsheet reader (core/spreadsheets/), so the commands accept the same
messy files as `rectify import` (GBK, Big5 or BOM csv, xls, title rows, merged two-row headers …).
Cells come out as Excel shows them (24.0 → "24"). Output is CSV in UTF-8 with a BOM, so Excel
opens it as UTF-8, with the guard against cells that a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.core.spreadsheets.reader import Sheet, as_string, read
from rectify.core.spreadsheets.writing import csv_safe


class Table:
    """A sheet as text: its file, sheet, headers and data rows (all cells as strings)."""

    def __init__(self, sheet: Sheet):
        self.file_name = sheet.file_name
        self.is_csv = sheet.workbook.kind == "csv"
        self.sheet = sheet.name
        self.headers = [col.label or col.letter for col in sheet.columns]
        self.rows: list[list[str]] = []
        self.row_numbers: list[int] = []  # as Excel numbers them
        self._find = sheet.column
        self._positions = {col.index: i for i, col in enumerate(sheet.columns)}

    def column(self, name: str) -> int:
        """The position of the column named `name` (its header, or a letter such as “C”);
        CommandError naming it and listing the columns otherwise."""
        col = self._find(name)
        if col is None:
            params = {
                "file": self.file_name,
                "sheet": self.sheet,
                "column": name,
                "columns": "、".join(self.headers),
            }
            if self.is_csv:
                message = _("%(file)s: no column “%(column)s”. Its columns: %(columns)s.")
            else:
                message = _(
                    "%(file)s, sheet %(sheet)s: no column “%(column)s”. Its columns: %(columns)s."
                )
            raise CommandError(message % params)
        return self._positions[col.index]


def read_table(path: str | Path, *, sheet: str | None = None, progress=None) -> Table:
    """Every data row of the sheet (default: the first visible one). CommandError with the
    reader's message when the file cannot be read. `progress(done, total)` is called as rows
    are read (total is an estimate)."""
    try:
        with read(Path(path)) as workbook:
            found = workbook.sheet(sheet)
            table = Table(found)
            total = max(found.data_rows_estimate, 1)
            for rownum, cells in found.rows():
                table.rows.append([as_string(c) for c in cells])
                table.row_numbers.append(rownum)
                if progress:
                    progress(len(table.rows), max(total, len(table.rows)))
    except SpreadsheetError as exc:
        raise CommandError(exc.message) from None
    if progress:
        progress(len(table.rows), len(table.rows))
    return table


def write_csv(path: str | Path, headers: list[str], rows: list[list[str]]) -> None:
    """UTF-8 with BOM, CRLF line ends (what Excel writes)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([csv_safe(h) for h in headers])
        for row in rows:
            writer.writerow([csv_safe(c) for c in row])


class ProgressBar:
    """A one-line bar on a terminal: phase, done of total, percent (as `rectify import`)."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.last = 0.0
        self.phase = ""

    def start(self, phase: str) -> None:
        if self.phase:
            self.close()
        self.phase = phase
        self.last = 0.0

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        frac = min(done / total, 1.0) if total else 0
        filled = int(self.WIDTH * frac)
        self.stream.write(
            f"\r{self.phase} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} "
            f"{int(frac * 100):3d}%",
            ending="",
            style_func=_plain,
        )
        self.stream.flush()

    def close(self) -> None:
        if self.phase:
            self.stream.write("", ending="\n", style_func=_plain)
        self.phase = ""


def _plain(text: str) -> str:
    """No colouring: a command's stderr is styled as an error on a terminal."""
    return text


def progress_bar(stream) -> ProgressBar | None:
    """A bar when `stream` (a command's stderr) is a terminal; None otherwise."""
    return ProgressBar(stream) if stream.isatty() else None
