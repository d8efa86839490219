"""Act on what the user saw: a CRM row changes only at the version the page showed (one guarded UPDATE).

The same rule as core/deals/guard.py, kept here because core/crm sits below core/deals in the layering.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidInput
from core.platform.db import affected_rows
from core.platform.timeutil import utcnow

CHANGED = "This {what} changed while you were looking at it. Review it and try again."


def seen(value) -> int:
    """The version a page rendered, as a positive int (InvalidInput for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput("This action is missing the version of what you were looking at; reload the page.")
    return value


def update_versioned(session: Session, row, *, expected_version: int | None, what: str, **values) -> None:
    """Apply values and bump the version; Conflict when the row moved since it was shown.

    expected_version=None is for automatic changes (made by a service, not from a page): they apply to the
    current row and still bump the version, so a teammate's click on the older card is refused afterwards.
    """
    model = type(row)
    condition = [model.id == row.id]
    if expected_version is not None:
        condition.append(model.version == seen(expected_version))
    result = session.execute(
        update(model)
        .where(*condition)
        .values(version=model.version + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        raise Conflict(CHANGED.format(what=what))
    session.expire(row)
