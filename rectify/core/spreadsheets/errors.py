"""What the reader refuses, as domain errors whose message names the file.

SpreadsheetError is the one base: an app whose refusals about spreadsheets have codes of their
own (the feedback importer's ImportRefused) subclasses it with its own MESSAGES, so a caller
catches every refusal about a file and the choices made for it with one class.
"""

from rectify.core.errors import DomainError
from rectify.core.spreadsheets.messages import MESSAGES


class SpreadsheetError(DomainError):
    """A refusal by code: `code` picks the message in MESSAGES, `params` fill it."""

    MESSAGES = MESSAGES

    def __init__(self, code: str, **params):
        super().__init__(self.MESSAGES[code], code=code, params=params)

    def as_json(self) -> dict:
        """(code, params) as stored, e.g. on an import batch, to be rendered when shown."""
        return {"code": self.code, "params": {k: str(v) for k, v in self.params.items()}}


class SpreadsheetFileError(SpreadsheetError):
    """The file cannot be read as a spreadsheet (empty, damaged, not a spreadsheet …)."""
