"""Act on what the user saw: a state change applies only to the row version (and state) the page showed."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidInput
from core.platform.db import affected_rows
from core.platform.timeutil import utcnow

CHANGED = "This {what} changed while you were looking at it. Review it and try again."


def seen_version(value) -> int:
    """The version a page rendered, as a positive int (InvalidInput for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput("This action is missing the version of what you were looking at; reload the page.")
    return value


def transition(session: Session, row, *, expected_version: int, from_statuses: tuple[str, ...], what: str, **values):
    """Apply values and bump the version in one guarded UPDATE; Conflict when the row moved since it was shown."""
    model = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.version == seen_version(expected_version), model.status.in_(from_statuses))
        .values(version=model.version + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        raise Conflict(CHANGED.format(what=what))
    session.expire(row)
