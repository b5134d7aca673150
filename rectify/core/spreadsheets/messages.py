"""What the reader says about a file, by code: why it cannot be read and how it was read.

Errors and notes are kept as (code, params) and rendered in the reader's language when shown,
like domain errors. An app with codes of its own (the feedback importer) renders them with
`render(code, params, its_messages)`, its messages including these.
"""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # The file as a whole (SpreadsheetFileError). Each names the file.
    "file_empty": _("%(file)s: the file is empty (0 bytes)."),
    "file_corrupt": _(
        "%(file)s: the file is damaged or incomplete (perhaps the download was cut short). "
        "Open it in Excel, save it again and import the saved copy."
    ),
    "file_pdf": _("%(file)s: this is a PDF document, not a spreadsheet. Use .xlsx, .xls or .csv."),
    "file_image": _("%(file)s: this is an image, not a spreadsheet. Use .xlsx, .xls or .csv."),
    "file_archive": _(
        "%(file)s: this is a compressed archive, not a spreadsheet. Unpack it and import the "
        "spreadsheet inside."
    ),
    "file_word": _(
        "%(file)s: this is a Word document, not a spreadsheet. Use .xlsx, .xls or .csv."
    ),
    "file_binary": _(
        "%(file)s: this is not a spreadsheet (the content is neither Excel nor text). "
        "Use .xlsx, .xls or .csv."
    ),
    "file_web_page": _(
        "%(file)s: this is a web page or XML file saved under a spreadsheet name. Open it in "
        "Excel and save it as .xlsx."
    ),
    "file_encrypted": _(
        "%(file)s: the workbook is protected by a password. Remove the password in Excel and "
        "import it again."
    ),
    "file_unreadable": _(
        "%(file)s: the spreadsheet cannot be read (%(reason)s). Open it in Excel, save it as "
        ".xlsx and import the saved copy."
    ),
    "file_encoding": _(
        "%(file)s: the text encoding cannot be recognised. Save the file as CSV in UTF-8 or "
        "GBK, or as .xlsx."
    ),
    "file_csv_broken": _("%(file)s: the CSV cannot be read at row %(row)s (%(reason)s)."),
    "file_no_sheet": _("%(file)s: the workbook has no visible sheet with data."),
    "file_no_header": _("%(file)s, sheet %(sheet)s: the sheet is empty (no header row)."),
    # A sheet asked for by name (SpreadsheetError).
    "sheet_missing": _("%(file)s has no sheet “%(sheet)s”. Its sheets: %(sheets)s."),
    # Notes on how the file was read.
    "note_extension": _(
        "The file is named .%(ext)s but its content is %(kind)s; read as %(kind)s."
    ),
    "note_csv": _("Read as %(encoding)s text, columns separated by %(delimiter)s."),
    "note_hidden_sheets": _("Hidden sheets, not imported: %(sheets)s."),
    "note_other_sheets": _(
        "Only sheet “%(sheet)s” is imported; the workbook also has: %(sheets)s."
    ),
    "note_title_rows": _("Row(s) %(rows)s above the header were taken as a title and skipped."),
    "note_header_rows": _("Rows %(rows)s together form the header (merged header cells)."),
    # CSV separators, named in note_csv (as {"code": …} parameters, rendered when shown).
    "sep_comma": _("commas"),
    "sep_semicolon": _("semicolons"),
    "sep_tab": _("tabs"),
    "sep_bar": _("vertical bars"),
}
SEPARATOR_CODES = {",": "sep_comma", ";": "sep_semicolon", "\t": "sep_tab", "|": "sep_bar"}


def render(code: str, params: dict | None = None, messages: dict | None = None) -> str:
    """The message for `code` in the active language, with its parameters filled in; `messages`
    is the table to look codes up in (default: the reader's)."""
    messages = MESSAGES if messages is None else messages
    text = str(messages[code])
    if params:
        text = text % {k: _param(v, messages) for k, v in params.items()}
    return text


def _param(value, messages: dict) -> str:
    if isinstance(value, dict) and "code" in value:
        return render(value["code"], value.get("params"), messages)
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)
