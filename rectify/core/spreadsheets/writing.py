"""Writing cells that a spreadsheet shows as text (the feedback export, `rectify cluster`), and
the content type the files are served with."""

import re

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_START = re.compile(r"^'*[=+\-@]")


def csv_safe(value: str) -> str:
    """One more leading apostrophe before = + - @ (after any apostrophes already there), so a
    spreadsheet opening the CSV does not run the cell as a formula; the reader removes it
    again (reader.csv_cell)."""
    return "'" + value if value and _FORMULA_START.match(value) else value
