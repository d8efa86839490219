"""Demo history: 90 days of daily snapshots, computed by the real catch-up from the demo's timestamps."""

from __future__ import annotations

from core.crm import snapshots
from core.platform.db import Database

DEMO_DAYS = 90


def seed_snapshots(db: Database) -> dict:
    """Take the snapshots of the last 90 complete days (honest numbers: the same code the nightly job runs)."""
    return snapshots.catch_up(db, max_days=DEMO_DAYS)
