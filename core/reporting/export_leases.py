"""Export jobs whose worker died: a heartbeat while a job runs, and the sweep that retries or fails lost jobs.

run_export (core/reporting/exports.py) claims a job queued → running. The task wrapper keeps the
job's heartbeat_at fresh from a side thread (heartbeat below) while it runs; a job still "running"
whose heartbeat is older than LEASE lost its worker (SIGKILL, OOM, a lost machine). reclaim_stale_jobs
puts it back to "queued" for another try, at most MAX_RECLAIMS times, then marks it failed with a
message for the user. Its half-written .part file is deleted either way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from core.messaging import notifications
from core.models import ExportJob
from core.platform.config import Settings, get_settings
from core.platform.db import Database
from core.platform.timeutil import utcnow

log = logging.getLogger("iescp.exports.leases")

HEARTBEAT_EVERY = 10.0  # seconds between heartbeats of a running job
LEASE = dt.timedelta(seconds=60)  # no heartbeat for this long: the worker is gone
MAX_RECLAIMS = 2  # a job whose worker died this many times is failed instead of retried again
RETRYING = "The worker stopped during this export; it was queued again (attempt {n})."
GAVE_UP = "The export failed: the worker stopped while writing it. Please start it again."


def beat(db: Database, job_id: int, *, now: dt.datetime | None = None) -> bool:
    """Record that job_id's worker is alive; False once the job is no longer running."""
    with db.Session.begin() as session:
        return (
            session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.status == "running")
                .values(heartbeat_at=now or utcnow())
            ).rowcount
            == 1
        )


@contextlib.contextmanager
def heartbeat(db: Database, job_id: int, *, every: float = HEARTBEAT_EVERY) -> Iterator[None]:
    """Keep job_id's heartbeat fresh from a daemon thread for the duration of the block."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                beat(db, job_id)
            except Exception:  # a busy or unreachable database must not kill the export itself
                log.warning("heartbeat of export %s failed", job_id, exc_info=True)

    thread = threading.Thread(target=loop, name=f"export-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


@dataclass
class Reclaimed:
    """What a sweep did: jobs to enqueue again, and jobs given up on."""

    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def reclaim_stale_jobs(
    db: Database, *, now: dt.datetime | None = None, settings: Settings | None = None, lease: dt.timedelta = LEASE
) -> Reclaimed:
    """Requeue (or fail, after MAX_RECLAIMS) running jobs whose heartbeat is older than lease.

    The caller enqueues the task again for every id in .requeued (after this commits).
    """
    now = now or utcnow()
    settings = settings or get_settings()
    outcome = Reclaimed()
    last_sign = func.coalesce(ExportJob.heartbeat_at, ExportJob.started_at, ExportJob.created_at)
    with db.Session.begin() as session:
        stale = session.execute(
            select(ExportJob.id, ExportJob.kind, ExportJob.attempts, ExportJob.owner_id)
            .where(ExportJob.status == "running", last_sign < now - lease)
            .order_by(ExportJob.id)
        ).all()
        for job_id, _kind, attempts, owner_id in stale:
            guard = (ExportJob.id == job_id, ExportJob.status == "running", last_sign < now - lease)
            if attempts < MAX_RECLAIMS:
                values = {
                    "status": "queued",
                    "attempts": attempts + 1,
                    "started_at": None,
                    "heartbeat_at": None,
                    "row_count": 0,
                    "error": RETRYING.format(n=attempts + 2),
                }
                target = outcome.requeued
            else:
                values = {"status": "failed", "attempts": attempts + 1, "finished_at": now, "error": GAVE_UP}
                target = outcome.failed
            if session.execute(update(ExportJob).where(*guard).values(**values)).rowcount != 1:
                continue  # it moved meanwhile (a late heartbeat, or it finished)
            target.append(int(job_id))
            if target is outcome.failed:
                notifications.notify(
                    session, owner_id, "export", "Your export failed", "The worker stopped. Please start it again."
                )
    for job_id, kind, *_rest in stale:
        _remove_partial_files(settings, kind, int(job_id))
    if outcome.requeued or outcome.failed:
        log.warning("exports whose worker stopped: requeued %s, failed %s", outcome.requeued, outcome.failed)
    return outcome


def _remove_partial_files(settings: Settings, kind: str, job_id: int) -> None:
    root = settings.exports_dir
    if root.is_dir():
        for partial in root.glob(f".{kind}-{job_id}-*.csv.part"):
            partial.unlink(missing_ok=True)
