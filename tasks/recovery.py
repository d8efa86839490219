"""The sweeper: work whose worker died mid-way (SIGKILL, OOM, lost machine) is retried or failed, never stuck."""

from __future__ import annotations

import logging

from core.messaging import reminders as core_reminders
from core.reporting import export_leases
from core.reporting import reports as core_reports
from tasks import schedule
from tasks.exports import run_export
from tasks.queue import get_database, huey, utc_timestamp

log = logging.getLogger("iescp.tasks.recovery")


@huey.periodic_task(schedule.recovery_due, name="reclaim_lost_jobs")
def reclaim_lost_jobs(now: str | None = None) -> dict:
    """Requeue or fail exports with a stale heartbeat; stale reminder and report-email claims become retryable failures."""
    db = get_database()
    when = utc_timestamp(now)
    exports = export_leases.reclaim_stale_jobs(db, now=when)
    for job_id in exports.requeued:
        run_export(job_id)
    reminders = core_reminders.reclaim_stale_claims(db, now=when)
    report_emails = core_reports.reclaim_stale_emails(db, now=when)
    return {
        "exports_requeued": len(exports.requeued),
        "exports_failed": len(exports.failed),
        "reminders": reminders,
        "report_emails": report_emails,
    }
