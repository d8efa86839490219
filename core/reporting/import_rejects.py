"""Rejected rows of a creator import as a spreadsheet-safe CSV (line, reason, then the row as it was read).

core/crm cannot import reporting, so the CSV is built here from crm's plain rows; csvsafe neutralises
cells a spreadsheet would run as formulas (rejected rows are often exactly those).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.crm import imports
from core.permissions import Actor
from core.reporting import csvsafe


def rejected_rows_csv(session: Session, *, actor: Actor, run_pk: int) -> tuple[str, bytes]:
    """(download file name, CSV bytes) of a run's rejected rows, for members of its organization."""
    run = imports.get_run(session, actor=actor, run_pk=run_pk)
    frame = imports.list_rejects(session, actor=actor, run_pk=run_pk)
    if frame.empty:
        frame = frame.reindex(columns=["line", "reason"])
    return f"{run['run_id']}-rejected.csv", csvsafe.frame_to_csv_bytes(frame.fillna(""))
