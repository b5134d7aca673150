"""Every message the importer shows, by code. Problems and notes are stored as (code, params)
and rendered in the reader's language when shown, like domain errors."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # The file as a whole (ImportFileError). Each names the file.
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
    # The choices made for an import (ImportRefused).
    "sheet_missing": _("%(file)s has no sheet “%(sheet)s”. Its sheets: %(sheets)s."),
    "field_unknown": _("Unknown field “%(field)s”. The fields are: %(fields)s."),
    "column_missing": _("%(file)s, sheet %(sheet)s: no column “%(column)s”."),
    "text_unmapped": _(
        "No column is mapped to the text field (text). Map one, for example text=内容."
    ),
    "kind_unmapped": _(
        "No column gives the kind and no default kind was chosen: choose problem or suggestion."
    ),
    "default_invalid": _("The default value for %(field)s is not valid: %(reason)s"),
    "mapping_missing": _("This campaign has no column mapping named “%(name)s”."),
    "import_not_allowed": _("Only the campaign office and work-group members may import feedback."),
    "batch_state": _("This import cannot run now (status: %(status)s)."),
    "undo_state": _("Only a finished import can be undone (status: %(status)s)."),
    "undo_merged": _(
        "This import cannot be undone: %(count)s of its items are already merged into problems "
        "(for example into problem %(problem)s). Unlink them first."
    ),
    "undo_not_allowed": _("Only the campaign office or the person who imported may undo it."),
    # A cell of a row (the row is refused).
    "required": _("Empty, but this field is required."),
    "too_long": _("Too long: %(length)s characters, at most %(limit)s."),
    "date_invalid": _(
        "Not a date: “%(value)s”. Write for example 2019-07-28, 2019/7/28 or 2019年7月28日, "
        "optionally with a time."
    ),
    "date_impossible": _("No such date: “%(value)s”."),
    "date_future": _("The date is in the future: %(value)s."),
    "date_too_old": _("The date is before 1950: %(value)s."),
    "kind_unknown": _("Unknown kind “%(value)s”: write 问题 (problem) or 建议 (suggestion)."),
    "region_unknown": _(
        "Unknown region “%(value)s”: write a name (广东省), a short name (广东) or a GB/T 2260 "
        "code (440000)."
    ),
    "region_ambiguous": _("“%(value)s” matches several regions: %(names)s."),
    "channel_unknown": _("Unknown channel “%(value)s”. Channels: %(choices)s."),
    "category_unknown": _("This campaign has no category “%(value)s”."),
    "category_ambiguous": _("Several categories of this campaign are named “%(value)s”."),
    "unit_unknown": _("No unit “%(value)s” in this campaign's organisation."),
    "unit_ambiguous": _("Several units are named “%(value)s”."),
    # Rows that are already there (counted as already present, not refused).
    "duplicate_in_file": _("Same item as row %(row)s of this file (%(by)s)."),
    "duplicate_in_campaign": _("Already in the campaign as item %(item)s (%(by)s)."),
    "by_external_id": _("same external id"),
    "by_fingerprint": _("same text, date and submitter"),
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
    "note_unmapped": _("Columns not imported: %(columns)s."),
}

# CSV separators, named in note_csv (as {"code": …} parameters, rendered when shown).
MESSAGES.update(
    {
        "sep_comma": _("commas"),
        "sep_semicolon": _("semicolons"),
        "sep_tab": _("tabs"),
        "sep_bar": _("vertical bars"),
    }
)
SEPARATOR_CODES = {",": "sep_comma", ";": "sep_semicolon", "\t": "sep_tab", "|": "sep_bar"}


def render(code: str, params: dict | None = None) -> str:
    """The message for `code` in the active language, with its parameters filled in."""
    text = str(MESSAGES[code])
    if params:
        text = text % {k: _param(v) for k, v in params.items()}
    return text


def _param(value) -> str:
    if isinstance(value, dict) and "code" in value:
        return render(value["code"], value.get("params"))
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)
