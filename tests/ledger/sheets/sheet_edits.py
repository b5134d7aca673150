"""Editing an exported ledger as a user would, with openpyxl (what Excel or WPS would save)."""

import openpyxl

from rectify.ledger.sheets import export, layout

KEY_HEADER = layout.COLUMN_BY_KEY["key"].header


def export_to(path, measures):
    export.write_ledger(measures, path)
    return path


class Edited:
    """An exported ledger opened for editing: cells addressed by measure and header."""

    def __init__(self, path):
        self.path = path
        self.book = openpyxl.load_workbook(path)
        self.sheet = self.book[layout.LEDGER_SHEET]
        self._find_columns()

    def _find_columns(self):
        for row in self.sheet.iter_rows(min_row=1, max_row=10):
            headers = [c.value for c in row]
            if KEY_HEADER in headers:
                self.header_row = row[0].row
                self.columns = {h: i + 1 for i, h in enumerate(headers) if h}
                break
        else:
            raise AssertionError("no key column")

    def row_of(self, measure) -> int:
        col = self.columns[KEY_HEADER]
        for r in range(self.header_row + 1, self.sheet.max_row + 1):
            value = self.sheet.cell(r, col).value or ""
            if value.startswith(f"M{measure.pk}-"):
                return r
        raise AssertionError(f"no row for measure {measure.pk}")

    def set(self, measure, header: str, value) -> int:
        r = self.row_of(measure)
        self.sheet.cell(r, self.columns[header]).value = value
        return r

    def get(self, measure, header: str):
        return self.sheet.cell(self.row_of(measure), self.columns[header]).value

    def append_copy(self, measure) -> int:
        r = self.row_of(measure)
        new = self.sheet.max_row + 1
        for c in range(1, self.sheet.max_column + 1):
            self.sheet.cell(new, c).value = self.sheet.cell(r, c).value
        return new

    def delete_column(self, header: str) -> None:
        self.sheet.delete_cols(self.columns[header])
        if header != KEY_HEADER:
            self._find_columns()

    def save(self, path=None):
        self.book.save(path or self.path)
        return path or self.path
