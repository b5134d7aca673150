"""Domain errors raised by services. Views and the API turn them into messages and 4xx answers.

A message is kept as a translatable template plus its parameters, so the same error can be
rendered in the reader's language on a page and in both Chinese and English in an API answer.
"""

from django.utils import translation


class DomainError(Exception):
    """A refused operation, with a user-facing (translatable) message and a machine code."""

    code = "refused"

    def __init__(self, message, *, code: str | None = None, params: dict | None = None):
        super().__init__(str(message))
        self.template = message
        self.params = params or {}
        if code:
            self.code = code

    @property
    def message(self) -> str:
        """The message in the active language."""
        text = str(self.template)
        if self.params:
            text = text % {k: str(v) for k, v in self.params.items()}
        return text

    def render(self, language: str) -> str:
        with translation.override(language):
            return self.message

    def __str__(self):
        return self.message


class PermissionRefused(DomainError):
    code = "forbidden"


class TransitionRefused(DomainError):
    code = "transition_refused"


class ConflictError(DomainError):
    """Someone else changed the object since the user loaded it (version mismatch)."""

    code = "conflict"


class FileRefused(DomainError):
    """An uploaded file that may not be kept: not of an allowed type, whatever its name says."""

    code = "file_type_refused"


class FileTooLarge(FileRefused):
    code = "too_large"
