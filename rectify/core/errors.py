"""Domain errors raised by services. Views and the API turn them into messages and 4xx answers."""


class DomainError(Exception):
    """A refused operation, with a user-facing (translated) message and a machine code."""

    code = "refused"

    def __init__(self, message, *, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code

    def __str__(self):
        return str(self.message)


class PermissionRefused(DomainError):
    code = "forbidden"


class TransitionRefused(DomainError):
    code = "transition_refused"


class ConflictError(DomainError):
    """Someone else changed the object since the user loaded it (version mismatch)."""

    code = "conflict"
