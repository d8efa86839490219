"""Domain errors whose messages are written for the end user."""

from __future__ import annotations


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
    """A value is missing, malformed or out of range; problems lists every invalid field of a form at once."""

    def __init__(self, message: str, problems: tuple[str, ...] | None = None):
        super().__init__(message)
        self.problems = problems or (message,)

    @classmethod
    def combined(cls, problems: list[str]) -> InvalidInput:
        """One error carrying several fields' problems (its message lists them one per line)."""
        return cls("\n".join(problems), tuple(problems))


class Conflict(DomainError):
    """The object's current state does not allow this action."""
