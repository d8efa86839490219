"""CSV export tasks: the job itself, and housekeeping for lost or old jobs."""

from __future__ import annotations

import logging

from sqlalchemy import update

from core.models import ExportJob
from core.platform.timeutil import utcnow
from core.reporting import export_leases
from core.reporting import exports as core_exports
from tasks import schedule
from tasks.queue import get_database, huey, utc_timestamp

log = logging.getLogger("iescp.tasks.exports")


@huey.task(retries=2, retry_delay=30, name="run_export")
def run_export(job_id: int) -> str:
    """Stream the export job_id to its file (a no-op unless the job is still queued)."""
    db = get_database()
    with export_leases.heartbeat(db, int(job_id)):  # a sweeper requeues the job if this process dies
        return core_exports.run_export(db, int(job_id))


def enqueue_export(job_id: int) -> None:
    """Queue the task for a committed export job; if the queue is unreachable the job is marked failed."""
    try:
        run_export(int(job_id))
    except Exception as error:  # broker down: tell the user now instead of leaving the job queued
        log.exception("could not enqueue export %s", job_id)
        with get_database().Session.begin() as session:
            session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.status == "queued")
                .values(
                    status="failed",
                    finished_at=utcnow(),
                    error=f"The job queue is unavailable ({type(error).__name__}). Please try again later.",
                )
            )


@huey.periodic_task(schedule.exports_housekeeping_due, name="exports_housekeeping")
def exports_housekeeping(now: str | None = None) -> dict:
    """Re-enqueue jobs whose task was lost, fail interrupted ones, delete files past retention."""
    db = get_database()
    when = utc_timestamp(now)
    requeued = core_exports.recover_stale_jobs(db, now=when)
    for job_id in requeued:
        run_export(job_id)
    purged = core_exports.purge_expired(db, now=when)
    return {"requeued": len(requeued), "purged": purged}
