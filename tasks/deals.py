"""Deals housekeeping task: hourly, idempotent (auto-approval, overdue invoices, due-soon warnings)."""

from __future__ import annotations

from core.deals import daily
from tasks import schedule
from tasks.queue import get_database, huey, utc_timestamp


@huey.periodic_task(schedule.deals_housekeeping_due, retries=2, retry_delay=120, name="deals_housekeeping")
def deals_housekeeping(now: str | None = None) -> dict:
    """Run the deals' daily rules; each step only touches rows it has not handled yet."""
    return daily.run(get_database(), now=utc_timestamp(now)).as_dict()
