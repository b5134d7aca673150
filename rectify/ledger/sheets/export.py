"""Writing the ledger as .xlsx (a first cut: one sheet, the columns of layout.py).

To be completed: title rows, formats, drop-downs, print setup, the problem and report sheets.
"""

from __future__ import annotations

from pathlib import Path

from rectify.ledger.sheets.layout import LEDGER_COLUMNS, LEDGER_SHEET, measure_rows


def write_ledger(measures, file) -> int:
    """Write the measures' rows to `file` (a path or a binary file object); returns how many."""
    import xlsxwriter

    target = str(file) if isinstance(file, Path) else file
    book = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    n = 0
    try:
        sheet = book.add_worksheet(LEDGER_SHEET)
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, [c.header for c in LEDGER_COLUMNS])
        for r, values in enumerate(measure_rows(measures), start=1):
            for c, col in enumerate(LEDGER_COLUMNS):
                value = values.get(col.key)
                if value is None or value == "":
                    continue
                if col.kind == "date":
                    sheet.write_datetime(r, c, value, date)
                elif col.kind == "int" or col.key == "seq":
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
            n = r
    finally:
        book.close()
    return n
