"""What the importer refuses, as domain errors whose message names the file."""

from rectify.core.errors import DomainError
from rectify.feedback.importing.messages import MESSAGES


class FeedbackImportError(DomainError):
    """Base of the importer's refusals: `code` picks the message, `params` fill it."""

    def __init__(self, code: str, **params):
        super().__init__(MESSAGES[code], code=code, params=params)

    def as_json(self) -> dict:
        return {"code": self.code, "params": {k: str(v) for k, v in self.params.items()}}


class ImportFileError(FeedbackImportError):
    """The file cannot be read as a spreadsheet (empty, damaged, not a spreadsheet …)."""


class ImportRefused(FeedbackImportError):
    """The choices for an import do not fit the file or the campaign, or the state forbids it."""
