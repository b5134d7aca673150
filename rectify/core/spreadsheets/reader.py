"""Reading a spreadsheet as the user sees it in Excel.

- The kind of file (xlsx, xls, ods, csv) comes from its content (magic bytes), never from its
  name; a misleading extension is read anyway and noted.
- Rows are numbered as Excel numbers them (1-based, the header included) and columns by letter.
- xlsx/xls/ods are read with python-calamine: formulas give their cached values, dates come as
  dates, merged cells are known. Text in xlsx follows the format: the `_xHHHH_` escapes
  (`_x000D_` is a carriage return) are decoded by the reader, so text arrives as the author typed
  it.
- CSV: a BOM decides (UTF-8, UTF-16); else strict UTF-8 over the whole file (text in another
  encoding practically never passes it). Else the Chinese encodings: GB18030 (a superset of
  GBK and GB2312, the mainland's) and CP950 (Big5 as Windows writes it: Hong Kong, Macao,
  Taiwan). A Big5 file decodes without error as GB18030 too, so when both decode every byte,
  charset-normalizer decides between them; when neither does, it names the encoding (Shift-JIS
  …). The separator (, ; tab |) is the one that splits the first lines into the most
  consistent number of columns.
- The header: leading blank rows are skipped, as are up to three title rows (one filled cell in a
  wider sheet, e.g. “2019年意见汇总表” merged across the top). Merged header cells that span
  columns or reach into the next row make a two-row header (“提交人 / 联系方式”).
- Blank rows are skipped. A cell merged over several data rows gives its value to each of them.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from rectify.core.spreadsheets.errors import SpreadsheetError, SpreadsheetFileError
from rectify.core.spreadsheets.messages import SEPARATOR_CODES

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta

CSV_FIELD_LIMIT = 1_000_000  # characters; longer cells are the caller's to refuse (row by row)
MAX_TITLE_ROWS = 3
_SAMPLE = 64 * 1024
_CHUNK = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
BINARY_MAGICS = (
    (b"%PDF", "file_pdf"),
    (b"\x89PNG", "file_image"),
    (b"\xff\xd8\xff", "file_image"),
    (b"GIF8", "file_image"),
    (b"BM", None),  # too short to trust alone; decided by the NUL test below
    (b"\x1f\x8b", "file_archive"),
    (b"Rar!", "file_archive"),
    (b"7z\xbc\xaf\x27\x1c", "file_archive"),
)
EXTENSIONS = {
    "xlsx": {"xlsx", "xlsm"},
    "xls": {"xls"},
    "ods": {"ods"},
    "csv": {"csv", "txt", "tsv"},
}
KIND_NAMES = {"xlsx": "Excel (.xlsx)", "xls": "Excel 97-2003 (.xls)", "ods": "ODS", "csv": "CSV"}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letter: str) -> int:
    """A → 0, AA → 26."""
    n = 0
    for ch in letter.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


def is_column_letter(text: str) -> bool:
    return bool(_LETTERS.match(text))


@dataclass(frozen=True)
class Column:
    """A column of the sheet: its absolute position and the header text above it."""

    index: int
    parts: tuple[str, ...] = ()

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def label(self) -> str:
        """The header as shown (two-row headers joined with “ / ”); empty when none."""
        return " / ".join(self.parts)

    def __str__(self):
        return f"{self.letter}（{self.label}）" if self.label else self.letter


@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool


@dataclass(frozen=True)
class Note:
    """Something the user should know about how the file was read (rendered by code)."""

    code: str
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"code": self.code, "params": self.params}


def as_string(cell) -> str:
    """A cell as text, as Excel shows it: 24.0 → "24", a date → "2019-07-28 10:05:00"."""
    if isinstance(cell, str):
        return cell
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    return str(cell)


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _header_text(cell) -> str:
    if _blank(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


# --- the workbook --------------------------------------------------------------------------


class Workbook:
    """An opened file: its kind, sheets and notes. Use as a context manager (or call close())."""

    def __init__(self, path: Path, file_name: str, *, cleanup: Path | None = None):
        self.path = Path(path)
        self.file_name = file_name
        self.encoding = ""
        self.delimiter = ""
        self.notes: list[Note] = []
        self._cleanup = cleanup
        self._book = None
        try:
            self.kind = detect_kind(self.path, file_name)
            ext = Path(file_name).suffix.lower().lstrip(".")
            if ext and ext not in EXTENSIONS[self.kind]:
                self.notes.append(
                    Note("note_extension", {"ext": ext, "kind": KIND_NAMES[self.kind]})
                )
            if self.kind == "csv":
                self.encoding = detect_encoding(self.path, file_name)
                self.delimiter = sniff_delimiter(self.path, self.encoding)
                self.sheets = [SheetInfo(Path(file_name).stem or "CSV", hidden=False)]
            else:
                self._book = _open_book(self.path, file_name, self.kind)
                self.sheets = [
                    SheetInfo(m.name, hidden=m.visible != python_calamine.SheetVisibleEnum.Visible)
                    for m in self._book.sheets_metadata
                    if m.typ == python_calamine.SheetTypeEnum.WorkSheet
                ]
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._book is not None:
            with contextlib.suppress(Exception):
                self._book.close()
            self._book = None
        if self._cleanup is not None:
            with contextlib.suppress(OSError):
                self._cleanup.unlink()
            self._cleanup = None

    @property
    def visible_sheets(self) -> list[str]:
        return [s.name for s in self.sheets if not s.hidden]

    @property
    def hidden_sheets(self) -> list[str]:
        return [s.name for s in self.sheets if s.hidden]

    def sheet(self, name: str | None = None, *, header_rows: int | None = None) -> Sheet:
        """The named sheet (hidden ones only by name), or the first visible one.

        Each call reads the sheet afresh; its rows can be iterated once.
        """
        names = [s.name for s in self.sheets]
        if name:
            if name not in names:
                raise SpreadsheetError(
                    "sheet_missing", file=self.file_name, sheet=name, sheets="、".join(names)
                )
        elif not self.visible_sheets:
            raise SpreadsheetFileError("file_no_sheet", file=self.file_name)
        else:
            name = self.visible_sheets[0]
        notes = list(self.notes)
        if self.kind == "csv":
            notes.append(
                Note(
                    "note_csv",
                    {
                        "encoding": _encoding_name(self.encoding),
                        "delimiter": {"code": SEPARATOR_CODES[self.delimiter]},
                    },
                )
            )
        if self.hidden_sheets and name not in self.hidden_sheets:
            notes.append(Note("note_hidden_sheets", {"sheets": self.hidden_sheets}))
        others = [n for n in self.visible_sheets if n != name]
        if others:
            notes.append(Note("note_other_sheets", {"sheet": name, "sheets": others}))
        if self.kind == "csv":
            raw, total, merges = _csv_rows(self.path, self), _count_lines(self.path), []
        else:
            raw, total, merges = _calamine_rows(self._book, name, self.file_name)
        return Sheet(self, name, raw, total, merges, header_rows=header_rows, notes=notes)


def _encoding_name(encoding: str) -> str:
    return {
        "utf-8": "UTF-8",
        "utf-8-sig": "UTF-8 (BOM)",
        "gb18030": "GB18030/GBK",
        "cp950": "Big5",
        "utf-16": "UTF-16",
    }.get(encoding, encoding.upper())


def read(source, *, filename: str | None = None) -> Workbook:
    """Open a spreadsheet from a path, bytes, or a file object (e.g. an uploaded file).

    `filename` is the name shown in messages (default: the path's name). Raises
    SpreadsheetFileError with a message naming the file when it is empty, damaged or not a
    spreadsheet.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return Workbook(path, filename or path.name)
    name = filename or Path(getattr(source, "name", "") or "upload").name
    temp_path = getattr(source, "temporary_file_path", None)
    if callable(temp_path):
        return Workbook(Path(temp_path()), name)
    fd, tmp = tempfile.mkstemp(prefix="rectify-import-", suffix=Path(name).suffix[:8])
    with os.fdopen(fd, "wb") as out:
        if isinstance(source, bytes | bytearray | memoryview):
            out.write(source)
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            if hasattr(source, "chunks"):
                for chunk in source.chunks():
                    out.write(chunk)
            else:
                shutil.copyfileobj(source, out, _CHUNK)
    return Workbook(Path(tmp), name, cleanup=Path(tmp))


# --- what kind of file ---------------------------------------------------------------------


def detect_kind(path: Path, file_name: str) -> str:
    """xlsx, xls, ods or csv, from the content; SpreadsheetFileError for anything else."""
    try:
        size = path.stat().st_size
    except OSError:
        raise SpreadsheetFileError("file_unreadable", file=file_name, reason="not found") from None
    if size == 0:
        raise SpreadsheetFileError("file_empty", file=file_name)
    with open(path, "rb") as f:
        head = f.read(_SAMPLE)
    if head.startswith(ZIP_MAGICS):
        return _zip_kind(path, file_name)
    if head.startswith(OLE_MAGIC):
        return "xls"
    for magic, code in BINARY_MAGICS:
        if code and head.startswith(magic):
            raise SpreadsheetFileError(code, file=file_name)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in head:
        raise SpreadsheetFileError("file_binary", file=file_name)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if start.startswith((b"<!doctype", b"<html", b"<?xml", b"<table", b"<head", b"<meta")):
        raise SpreadsheetFileError("file_web_page", file=file_name)
    if start.startswith(b"{\\rtf"):
        raise SpreadsheetFileError("file_word", file=file_name)
    return "csv"


def _zip_kind(path: Path, file_name: str) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, EOFError, OSError):
        raise SpreadsheetFileError("file_corrupt", file=file_name) from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if b"spreadsheet" in mimetype:
        return "ods"
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        raise SpreadsheetFileError("file_word", file=file_name)
    raise SpreadsheetFileError("file_archive", file=file_name)


def _contains(path: Path, needles: tuple[bytes, ...]) -> bytes | None:
    """The first of `needles` found in the file (read in chunks), or None."""
    keep = max(len(n) for n in needles)
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            window = tail + chunk
            for needle in needles:
                if needle in window:
                    return needle
            tail = window[-keep:]
    return None


def _open_book(path: Path, file_name: str, kind: str):
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise SpreadsheetFileError("file_encrypted", file=file_name) from None
    except Exception as exc:  # calamine raises several kinds; each means "unreadable"
        raise _unreadable(path, file_name, kind, exc) from None


def _unreadable(path: Path, file_name: str, kind: str, exc: Exception) -> SpreadsheetFileError:
    if kind == "xls":
        found = _contains(
            path, ("EncryptedPackage".encode("utf-16-le"), "WordDocument".encode("utf-16-le"))
        )
        if found == "EncryptedPackage".encode("utf-16-le"):
            return SpreadsheetFileError("file_encrypted", file=file_name)
        if found:
            return SpreadsheetFileError("file_word", file=file_name)
    if isinstance(exc, python_calamine.PasswordError) or "password" in str(exc).lower():
        return SpreadsheetFileError("file_encrypted", file=file_name)
    if kind in ("xlsx", "ods"):
        return SpreadsheetFileError("file_corrupt", file=file_name)
    return SpreadsheetFileError("file_unreadable", file=file_name, reason=str(exc)[:200])


def _calamine_rows(book, name: str, file_name: str):
    """The sheet's rows as (excel row number, cells with absolute column positions).

    python-calamine's iter_rows starts at the sheet's first column but (in the versions we
    use) at row 1; both offsets are checked on the first row rather than assumed.
    """
    try:
        sheet = book.get_sheet_by_name(name)
        merges = sheet.merged_cell_ranges or []
        start, end = sheet.start, sheet.end
        rows = sheet.iter_rows()
    except python_calamine.PasswordError:
        raise SpreadsheetFileError("file_encrypted", file=file_name) from None
    except Exception:
        raise SpreadsheetFileError("file_corrupt", file=file_name) from None
    if start is None or end is None:
        return iter(()), 0, merges
    total = end[0] + 1

    def generate():
        row_offset = None
        col_offset = 0
        try:
            for i, cells in enumerate(rows):
                if row_offset is None:
                    # Absolute rows begin with start[0] empty rows; relative ones with data.
                    row_offset = start[0] if start[0] and not all(map(_blank, cells)) else 0
                    col_offset = start[1] if len(cells) == end[1] - start[1] + 1 else 0
                yield i + row_offset + 1, col_offset, cells
        except python_calamine.CalamineError:
            raise SpreadsheetFileError("file_corrupt", file=file_name) from None

    return generate(), total, merges


# --- CSV -----------------------------------------------------------------------------------


def _decodes(path: Path, encoding: str) -> bool:
    """True when the whole file decodes strictly (read in chunks, nothing kept)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


# The Chinese encodings a CSV without a BOM is tried in; the first is taken when the detector
# cannot choose between several that decode (most files come from the mainland).
CHINESE_ENCODINGS = ("gb18030", "cp950")


def detect_encoding(path: Path, file_name: str) -> str:
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(path, "utf-8"):
        return "utf-8"
    fitting = [e for e in CHINESE_ENCODINGS if _decodes(path, e)]
    if len(fitting) == 1:
        return fitting[0]
    guess = _normalizer_guess(path, fitting or None)
    if fitting:
        return guess if guess in fitting else fitting[0]
    if guess and _decodes(path, guess):
        return guess
    raise SpreadsheetFileError("file_encoding", file=file_name)


# charset-normalizer's names for the encodings tried above.
_SAME_AS = {"big5": "cp950", "gbk": "gb18030", "gb2312": "gb18030"}


def _normalizer_guess(path: Path, among: list[str] | None) -> str | None:
    """charset-normalizer's best guess for the file's first 256 KB (whole lines), among the
    given encodings (None: any)."""
    import charset_normalizer

    with open(path, "rb") as f:
        sample = f.read(256 * 1024)
    cut = sample.rfind(b"\n")
    if cut > 0:
        sample = sample[:cut]
    best = charset_normalizer.from_bytes(sample, cp_isolation=among).best()
    if best is None:
        return None
    name = best.encoding.lower()
    return _SAME_AS.get(name, name) if among else name


def _text(path: Path, encoding: str):
    return open(path, encoding=encoding, newline="", errors="strict")


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The separator that splits the first lines into the most consistent column count."""
    with _text(path, encoding) as f:
        sample = f.read(_SAMPLE)
    if len(sample) == _SAMPLE and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (0.0, 0)
    for delim in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delim))[:50]
        except csv.Error:
            continue
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        if mode < 2:
            continue
        score = (widths.count(mode) / len(widths), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            n += chunk.count(b"\n")
    return n + 1


_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)
_QUOTED_FORMULA = re.compile(r"^'+[=+\-@]")


def csv_cell(value: str) -> str:
    """Undo the two ways spreadsheets protect CSV cells: `="00123"` (keep leading zeros) and a
    leading apostrophe before = + - @ (keeps a formula from running; our export writes it)."""
    if value.startswith("="):
        m = _EXCEL_TEXT.match(value)
        if m:
            return m.group(1).replace('""', '"')
    elif value.startswith("'") and _QUOTED_FORMULA.match(value):
        return value[1:]
    return value


def _csv_rows(path: Path, book: Workbook):
    csv.field_size_limit(CSV_FIELD_LIMIT)

    def generate():
        with _text(path, book.encoding) as f:
            reader = csv.reader(f, delimiter=book.delimiter, strict=False)
            n = 0
            try:
                for n, cells in enumerate(reader, start=1):  # noqa: B007 (n used in except)
                    yield n, 0, [csv_cell(c) if c and c[0] in "='" else c for c in cells]
            except csv.Error as exc:
                raise SpreadsheetFileError(
                    "file_csv_broken", file=book.file_name, row=n + 1, reason=str(exc)
                ) from None
            except UnicodeDecodeError as exc:
                raise SpreadsheetFileError(
                    "file_csv_broken", file=book.file_name, row=n + 1, reason=str(exc)[:100]
                ) from None

    return generate()


# --- the sheet: header and data rows -------------------------------------------------------


class Sheet:
    """One sheet with its header found. `rows()` gives the data rows once, in order."""

    def __init__(self, workbook, name, raw, total, merges, *, header_rows=None, notes=()):
        self.workbook = workbook
        self.name = name
        self.notes: list[Note] = list(notes)
        self.total_rows = total
        self._raw = iter(raw)
        self._pushed: list = []
        self._merges = [((r1, c1), (r2, c2)) for (r1, c1), (r2, c2) in merges]
        self._consumed = False
        self.title_rows: list[int] = []
        self.header_row_numbers: list[int] = []
        self.columns: list[Column] = []
        self._offset = 0
        self._find_header(header_rows)
        self.first_data_row = self.header_row_numbers[-1] + 1
        self.data_rows_estimate = max(self.total_rows - self.header_row_numbers[-1], 0)

    @property
    def file_name(self) -> str:
        return self.workbook.file_name

    @property
    def header_row(self) -> int:
        """The last header row (1-based); data starts below it."""
        return self.header_row_numbers[-1]

    def column(self, key: str) -> Column | None:
        """A column by its header (as shown, or any single part of a two-row header), or by
        letter (“E”). Exact header text wins over a letter."""
        wanted = " ".join(key.split())
        for col in self.columns:
            if col.label == wanted:
                return col
        for col in self.columns:
            if wanted in col.parts:
                return col
        if is_column_letter(wanted):
            index = column_index(wanted)
            for col in self.columns:
                if col.index == index:
                    return col
        return None

    def _next_raw(self):
        if self._pushed:
            return self._pushed.pop()
        return next(self._raw, None)

    def _find_header(self, header_rows: int | None) -> None:
        while True:
            item = self._next_raw()
            if item is None:
                raise SpreadsheetFileError("file_no_header", file=self.file_name, sheet=self.name)
            rownum, offset, cells = item
            filled = sum(1 for c in cells if not _blank(c))
            if filled == 0:
                continue
            if header_rows is None and len(self.title_rows) < MAX_TITLE_ROWS:
                banner = self._merged_across(rownum - 1, offset, len(cells))
                if filled == 1 or banner:
                    below = self._peek_filled()
                    if below >= 3 or (banner and below >= 2):
                        self.title_rows.append(rownum)
                        continue
            break
        self._offset = offset
        top = self._fill_header_merges(rownum - 1, offset, list(cells))
        rows = [rownum]
        parts_rows = [top]
        nxt = self._next_raw()
        two = header_rows == 2 or (
            header_rows is None
            and nxt is not None
            and nxt[0] == rownum + 1
            and self._looks_like_second_header(rownum - 1, offset, top, nxt[2])
        )
        if two and nxt is not None:
            rows.append(nxt[0])
            parts_rows.append(self._fill_header_merges(nxt[0] - 1, offset, list(nxt[2])))
        elif nxt is not None:
            self._pushed.append(nxt)
        width = max(len(r) for r in parts_rows)
        for i in range(width):
            parts: list[str] = []
            for r in parts_rows:
                text = _header_text(r[i]) if i < len(r) else ""
                if text and text not in parts:
                    parts.append(text)
            self.columns.append(Column(offset + i, tuple(parts)))
        # Trailing columns with neither header nor (so far) data are noise from formatting.
        while self.columns and not self.columns[-1].parts and len(self.columns) > 1:
            self.columns.pop()
        self.header_row_numbers = rows
        if self.title_rows:
            self.notes.append(Note("note_title_rows", {"rows": self.title_rows}))
        if len(rows) > 1:
            self.notes.append(Note("note_header_rows", {"rows": [f"{rows[0]}–{rows[-1]}"]}))

    def _peek_filled(self) -> int:
        """How many cells are filled in the next non-blank row (0 at the end)."""
        while True:
            item = self._next_raw()
            if item is None:
                return 0
            filled = sum(1 for c in item[2] if not _blank(c))
            if filled:
                self._pushed.append(item)
                return filled

    def _merged_across(self, r0: int, offset: int, width: int) -> bool:
        """A merge over the row's full width (a title banner)."""
        if width < 2:
            return False
        for (r1, c1), (_r2, c2) in self._merges:
            if r1 == r0 and c1 <= offset and c2 >= offset + width - 1:
                return True
        return False

    def _fill_header_merges(self, r0: int, offset: int, cells: list) -> list:
        """Give each column under a horizontal merge the merged text."""
        for (r1, c1), (r2, c2) in self._merges:
            if r1 <= r0 <= r2 and c2 > c1:
                i = c1 - offset
                value = cells[i] if r1 == r0 and 0 <= i < len(cells) else ""
                for c in range(c1, c2 + 1):
                    j = c - offset
                    if 0 <= j < len(cells) and _blank(cells[j]) and r1 == r0:
                        cells[j] = value
        return cells

    def _looks_like_second_header(self, r0: int, offset: int, top: list, nxt: list) -> bool:
        """Merged header cells mean the next row holds sub-headers: a merge from the header
        row down into the next row, or one across columns with labels (text) beneath it."""
        across = []
        for (r1, c1), (r2, c2) in self._merges:
            if r1 != r0:
                continue
            if r2 > r1:
                return True
            if c2 > c1:
                across.append((c1, c2))
        if not across:
            return False
        if any(not isinstance(c, str) for c in nxt if not _blank(c)):
            return False
        return all(
            any(0 <= c - offset < len(nxt) and not _blank(nxt[c - offset]) for c in range(a, b + 1))
            for a, b in across
        )

    def rows(self) -> Iterator[tuple[int, list]]:
        """(Excel row number, cells aligned with `columns`) for every non-blank data row."""
        if self._consumed:
            raise RuntimeError("a sheet's rows can be read once; open the sheet again")
        self._consumed = True
        width = len(self.columns)
        base = self.columns[0].index if self.columns else 0
        data_merges = sorted(
            (m for m in self._merges if m[0][0] >= self.first_data_row - 1), key=lambda m: m[0][0]
        )
        pending = iter(data_merges)
        upcoming = next(pending, None)
        active: list[list] = []  # [r2, c1, c2, value, r1]
        while True:
            item = self._next_raw()
            if item is None:
                return
            rownum, offset, cells = item
            if rownum < self.first_data_row:
                continue
            shift = base - offset
            if shift or len(cells) != width:
                row = [
                    cells[i + shift] if 0 <= i + shift < len(cells) else "" for i in range(width)
                ]
            else:
                row = cells  # a fresh list from the reader: ours to change
            if upcoming is not None or active:
                r0 = rownum - 1
                while upcoming is not None and upcoming[0][0] <= r0:
                    (r1, c1), (r2, c2) = upcoming
                    if r1 == r0:
                        i = c1 - base
                        active.append([r2, c1, c2, row[i] if 0 <= i < width else "", r1])
                    upcoming = next(pending, None)
                active = [m for m in active if m[0] >= r0]
                for _r2, c1, c2, value, _r1 in active:
                    for c in range(c1, c2 + 1):
                        j = c - base
                        if 0 <= j < width and _blank(row[j]):
                            row[j] = value
            if all(map(_blank, row)):
                continue
            yield rownum, row
