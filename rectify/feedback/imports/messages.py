"""Every message the importer shows, by code: its own and the spreadsheet reader's. Problems and
notes are stored as (code, params) and rendered in the reader's language when shown, like domain
errors."""

from django.utils.translation import gettext_lazy as _

from rectify.core.spreadsheets import messages as spreadsheet_messages

MESSAGES = {
    **spreadsheet_messages.MESSAGES,  # files that cannot be read, notes on how one was read
    # The choices made for an import (ImportRefused).
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
    # A note on how the file was read.
    "note_unmapped": _("Columns not imported: %(columns)s."),
}


def render(code: str, params: dict | None = None) -> str:
    """The message for `code` (the importer's or the reader's) in the active language."""
    return spreadsheet_messages.render(code, params, MESSAGES)
