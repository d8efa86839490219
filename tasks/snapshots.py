"""Daily analytics snapshots task: idempotent catch-up of every missing day up to yesterday."""

from __future__ import annotations

import logging

from core.crm import snapshots
from tasks import schedule
from tasks.queue import get_database, huey, utc_timestamp

log = logging.getLogger("iescp.tasks.snapshots")


@huey.periodic_task(schedule.snapshots_due, retries=2, retry_delay=300, name="analytics_snapshots")
def analytics_snapshots(now: str | None = None) -> dict:
    """Take the snapshots of every day not yet recorded (at most 31 back); a second run inserts nothing."""
    result = snapshots.catch_up(get_database(), now=utc_timestamp(now))
    if result["days"]:
        log.info("analytics snapshots for %s: %s row(s)", ", ".join(result["days"]), result["rows"])
    return result
