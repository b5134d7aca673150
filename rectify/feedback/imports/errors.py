"""What the importer refuses, as domain errors whose message names the file or the choice.

Built on the spreadsheet reader's base (core/spreadsheets/errors.py): callers catch
SpreadsheetError for a file that cannot be read and the importer's refusals alike.
"""

from rectify.core.spreadsheets.errors import SpreadsheetError
from rectify.feedback.imports.messages import MESSAGES


class FeedbackImportError(SpreadsheetError):
    """Base of the importer's own refusals: `code` picks the message, `params` fill it."""

    MESSAGES = MESSAGES


class ImportRefused(FeedbackImportError):
    """The choices for an import do not fit the file or the campaign, or the state forbids it."""
