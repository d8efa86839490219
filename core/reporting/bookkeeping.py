"""The bookkeeping export: financial documents and payments in a date range, as spreadsheet-safe CSV."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core import permissions, validate
from core.deals import documents, payments
from core.models import DOCUMENT_STATUSES
from core.permissions import Actor
from core.reporting import csvsafe

MAX_ROWS = 50_000  # one sponsor's books for years; larger sets go through the background exports


@permissions.actor_required
def documents_csv(
    session: Session, *, actor: Actor, start: dt.date, end: dt.date, statuses: tuple[str, ...] = ()
) -> bytes:
    """The actor's POs, invoices and forms issued between start and end (inclusive), filtered by status."""
    start, end = validate.date_range(start, end)
    for status in statuses:
        validate.choice(status, "Status", DOCUMENT_STATUSES)
    frame = documents.list_documents(
        session, actor=actor, statuses=tuple(statuses), limit=MAX_ROWS, issued_from=start, issued_to=end
    )
    frame = (
        frame.drop(columns=["version", "created_by"])
        .assign(amount=frame["amount_cents"] / 100)
        .drop(columns=["amount_cents"])
    )
    return csvsafe.frame_to_csv_bytes(frame)


@permissions.actor_required
def payments_csv(session: Session, *, actor: Actor, start: dt.date, end: dt.date) -> bytes:
    """The actor's payment attempts between start and end (inclusive)."""
    start, end = validate.date_range(start, end)
    since = dt.datetime.combine(start, dt.time())
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    frame = payments.list_payments(session, actor=actor, limit=MAX_ROWS, since=since, until=until)
    frame = frame.assign(amount=frame["amount_cents"] / 100).drop(columns=["amount_cents"])
    return csvsafe.frame_to_csv_bytes(frame)
