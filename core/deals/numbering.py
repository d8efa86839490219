"""Document numbers unique per kind and year (PO-2026-000123), handed out without gaps or races."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import DocumentCounter

PREFIXES = {"po": "PO", "invoice": "INV", "form": "FORM"}


def next_number(session: Session, kind: str, year: int) -> str:
    """Reserve the next number for kind in year inside the caller's transaction."""
    for _ in range(2):
        # One guarded UPDATE both reads and bumps: two transactions can never get the same number.
        bumped = session.execute(
            update(DocumentCounter)
            .where(DocumentCounter.kind == kind, DocumentCounter.year == year)
            .values(last=DocumentCounter.last + 1)
            .returning(DocumentCounter.last)
        ).scalar_one_or_none()
        if bumped is not None:
            return f"{PREFIXES[kind]}-{year}-{bumped:06d}"
        try:
            with session.begin_nested():
                session.add(DocumentCounter(kind=kind, year=year, last=0))
                session.flush()
        except IntegrityError:
            pass  # another transaction created the year's counter first; bump theirs
    raise RuntimeError("could not reserve a document number")  # pragma: no cover - two tries always suffice


def peek(session: Session, kind: str, year: int) -> int:
    """The last number handed out (0 before the first)."""
    last = session.scalar(
        select(DocumentCounter.last).where(DocumentCounter.kind == kind, DocumentCounter.year == year)
    )
    return last or 0
