"""What an import found: the counts, every refused cell, the rows already present, and notes
on how the file was read — shown on a page, printed by the CLI, or written as a spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rectify.core.spreadsheets.reader import Note
from rectify.feedback.imports.messages import render
from rectify.feedback.models import ImportBatch

MAX_STORED = 10_000  # problems and duplicates kept on the batch; the counts are always complete


@dataclass(frozen=True)
class RowProblem:
    """One refused cell: where it is (as the user sees it in Excel) and why."""

    row: int
    column: str  # letter
    header: str
    field: str
    code: str
    params: dict = field(default_factory=dict)
    value: str = ""

    @property
    def message(self) -> str:
        return render(self.code, self.params)

    @property
    def field_label(self) -> str:
        from rectify.feedback.imports.fields import BY_NAME

        spec = BY_NAME.get(self.field)
        return str(spec.label) if spec else self.field

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "field": self.field,
            "code": self.code,
            "params": self.params,
            "value": self.value,
        }

    @classmethod
    def from_json(cls, data: dict) -> RowProblem:
        return cls(**data)


@dataclass(frozen=True)
class Duplicate:
    """A row not imported because its item is already there (in the campaign or the file)."""

    row: int
    code: str  # duplicate_in_file | duplicate_in_campaign
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return render(self.code, self.params)

    def as_json(self) -> dict:
        return {"row": self.row, "code": self.code, "params": self.params}

    @classmethod
    def from_json(cls, data: dict) -> Duplicate:
        return cls(**data)


@dataclass
class Report:
    file_name: str
    sheet: str
    status: str = ""
    read: int = 0
    imported: int = 0
    present: int = 0
    refused: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    duplicates: list[Duplicate] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    error: dict = field(default_factory=dict)

    @property
    def importable(self) -> int:
        """Rows that are good and new: imported in good-rows mode, or held back."""
        return self.read - self.present - self.refused

    @property
    def ok(self) -> bool:
        return not self.error and self.refused == 0

    @property
    def summary(self) -> str:
        """The CLI's last line; fixed English words so scripts can parse it."""
        return (
            f"read {self.read}, imported {self.imported}, "
            f"already present {self.present}, refused {self.refused}"
        )

    @property
    def error_message(self) -> str:
        return render(self.error["code"], self.error.get("params")) if self.error else ""

    def note_messages(self) -> list[str]:
        return [render(n.code, n.params) for n in self.notes]

    def problem_lines(self) -> list[str]:
        """One line per refused cell: file, sheet, row, column and reason."""
        return [
            gettext("%(file)s, sheet %(sheet)s, row %(row)s, column %(column)s: %(reason)s")
            % {
                "file": self.file_name,
                "sheet": self.sheet,
                "row": p.row,
                "column": f"{p.column}（{p.header}）" if p.header else p.column,
                "reason": p.message,
            }
            for p in self.problems
        ]


REPORT_HEADERS = (
    _("File"),
    _("Sheet"),
    _("Row"),
    _("Column"),
    _("Header"),
    _("Field"),
    _("Reason"),
    _("Cell content"),
)


def write_xlsx(report: Report, file) -> None:
    """The report as a spreadsheet (a path or a binary file object): one sheet of refused cells
    with file, sheet, Excel row, column and reason, one of rows already present, and notes."""
    import xlsxwriter

    book = xlsxwriter.Workbook(file, {"constant_memory": True})
    try:
        bold = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        top = book.add_format({"valign": "top"})

        sheet = book.add_worksheet(gettext("Refused rows")[:31])
        widths = (24, 14, 8, 8, 16, 12, 60, 40)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width, wrap if col >= 6 else top)
        sheet.write_row(0, 0, [str(h) for h in REPORT_HEADERS], bold)
        sheet.freeze_panes(1, 0)
        for r, p in enumerate(report.problems, start=1):
            sheet.write_string(r, 0, report.file_name)
            sheet.write_string(r, 1, report.sheet)
            sheet.write_number(r, 2, p.row)
            sheet.write_string(r, 3, p.column)
            sheet.write_string(r, 4, p.header)
            sheet.write_string(r, 5, p.field_label)
            sheet.write_string(r, 6, p.message)
            sheet.write_string(r, 7, p.value)
        if report.problem_count > len(report.problems):
            sheet.write_string(
                len(report.problems) + 1,
                0,
                gettext("… and %(n)s more problems (the first %(shown)s are listed).")
                % {"n": report.problem_count - len(report.problems), "shown": len(report.problems)},
            )

        dup = book.add_worksheet(gettext("Already present")[:31])
        dup.set_column(0, 0, 8)
        dup.set_column(1, 1, 70)
        dup.write_row(0, 0, [gettext("Row"), gettext("Reason")], bold)
        for r, d in enumerate(report.duplicates, start=1):
            dup.write_number(r, 0, d.row)
            dup.write_string(r, 1, d.message)

        summary = book.add_worksheet(gettext("Summary")[:31])
        summary.set_column(0, 0, 20)
        summary.set_column(1, 1, 80)
        lines = [
            (gettext("File"), report.file_name),
            (gettext("Sheet"), report.sheet),
            (gettext("Rows read"), report.read),
            (gettext("Imported"), report.imported),
            (gettext("Already present"), report.present),
            (gettext("Refused"), report.refused),
        ]
        if report.error:
            lines.append((gettext("Error"), report.error_message))
        lines += [(gettext("Note"), text) for text in report.note_messages()]
        for r, (label, value) in enumerate(lines):
            summary.write_string(r, 0, label, bold)
            if isinstance(value, int):
                summary.write_number(r, 1, value)
            else:
                summary.write_string(r, 1, value)
    finally:
        book.close()


def batch_report(batch: ImportBatch) -> Report:
    """What a batch found, read back from the batch as stored."""
    return Report(
        file_name=batch.file_name,
        sheet=batch.sheet,
        status=batch.status,
        read=batch.rows_read,
        imported=batch.rows_imported,
        present=batch.rows_present,
        refused=batch.rows_refused,
        problems=[RowProblem.from_json(p) for p in batch.problems],
        problem_count=batch.problem_count,
        duplicates=[Duplicate.from_json(d) for d in batch.duplicates],
        notes=[Note(n["code"], n.get("params", {})) for n in batch.notes],
        error=batch.error,
    )
