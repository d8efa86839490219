"""Domain errors whose messages are written for the end user."""


class DomainError(Exception):
    """Base of every rule violation a user can cause; the message is shown as-is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError):
    """The acting user may not do this."""


class NotFound(DomainError):
    """The object does not exist or is not visible to the acting user."""


class InvalidInput(DomainError):
    """A value is missing, malformed or out of range."""


class Conflict(DomainError):
    """The object's current state does not allow this action."""
