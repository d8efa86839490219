"""Creator import jobs, claim-invite emails, and the sweep for import runs whose worker died."""

from __future__ import annotations

import logging

from sqlalchemy import update

from core.crm import imports as core_imports
from core.marketplace import claims
from core.models import ImportRun
from core.platform.timeutil import utcnow
from tasks import schedule
from tasks.queue import get_database, huey, utc_timestamp

log = logging.getLogger("iescp.tasks.imports")


@huey.task(name="run_import")
def run_import(run_pk: int) -> str:
    """Run the import run_pk (a no-op unless it is still CREATED); no retries: a half-done run says what it did."""
    return core_imports.run_import(get_database(), int(run_pk))


def enqueue_import(run_pk: int) -> None:
    """Queue the job of a committed CREATED run, recording its task id; a broker failure fails the run now."""
    task = run_import.s(int(run_pk))
    try:
        with get_database().Session.begin() as session:
            core_imports.set_task_id(session, int(run_pk), task.id)
        huey.enqueue(task)
    except Exception as error:  # queue or database unreachable: tell the user instead of leaving it CREATED
        log.exception("could not enqueue import %s", run_pk)
        with get_database().Session.begin() as session:
            session.execute(
                update(ImportRun)
                .where(ImportRun.id == run_pk, ImportRun.status == "CREATED")
                .values(
                    status="FAILED",
                    finished_at=utcnow(),
                    version=ImportRun.version + 1,
                    status_message=f"The job queue is unavailable ({type(error).__name__}). Please try again later.",
                )
            )


@huey.task(retries=3, retry_delay=60, name="send_claim_invite")
def send_claim_invite(claim_id: int) -> bool:
    """Mint the claim token and mail the link (retried when the mail server is down)."""
    with get_database().Session.begin() as session:
        return claims.deliver_claim_invite(session, claim_id=int(claim_id))


@huey.periodic_task(schedule.imports_housekeeping_due, name="imports_housekeeping")
def imports_housekeeping(now: str | None = None) -> int:
    """Mark import runs whose worker stopped as TIMED_OUT (and never-started ones FAILED)."""
    return core_imports.recover_stale_runs(get_database(), now=utc_timestamp(now))
