"""Demo CRM history: 90 days of daily snapshots (the real catch-up) and a first find-similar index."""

from __future__ import annotations

from core.crm import similar, snapshots
from core.platform.db import Database

DEMO_DAYS = 90


def seed_snapshots(db: Database) -> dict:
    """Take the last 90 complete days' snapshots (the nightly job's own code: honest numbers from the demo's
    timestamps) and build the find-similar index the hourly job would, so both show on the first visit."""
    result = snapshots.catch_up(db, max_days=DEMO_DAYS)
    with db.Session.begin() as session:
        result["similar"] = similar.build_index(session).as_dict()
    return result
