"""Monthly report tasks: fan out one task per sponsor so several consumers share the work."""

from __future__ import annotations

import logging

from core.reporting import reports as core_reports
from tasks import schedule
from tasks.queue import get_database, huey, utc_timestamp

log = logging.getLogger("iescp.tasks.reports")


@huey.task(retries=3, retry_delay=300, retry_backoff=2, name="sponsor_report")
def sponsor_report(sponsor_id: int, month: str, force_email: bool = False) -> str:
    """Archive (once) and email one sponsor's report for month ('YYYY-MM')."""
    outcome = core_reports.generate_report(
        get_database(), sponsor_id=sponsor_id, month=core_reports.parse_month(month), force_email=force_email
    )
    return outcome.email


def _fan_out(month, *, force_email: bool = False) -> dict:
    db = get_database()
    month = core_reports.parse_month(month)
    with db.ReadSession.begin() as session:
        if force_email:
            sponsor_ids = core_reports.all_sponsor_ids(session, month=month)
        else:
            sponsor_ids = core_reports.pending_sponsor_ids(session, month=month)
    for sponsor_id in sponsor_ids:
        sponsor_report(sponsor_id, month.isoformat()[:7], force_email)
    log.info("monthly reports for %s: %s sponsor task(s) queued", month, len(sponsor_ids))
    return {"month": month.isoformat()[:7], "queued": len(sponsor_ids)}


@huey.periodic_task(schedule.reports_due, retries=2, retry_delay=600, name="monthly_reports")
def monthly_reports(now: str | None = None) -> dict | None:
    """On the report day: the previous calendar month's report for every approved sponsor."""
    month = core_reports.due_month(utc_timestamp(now))
    return None if month is None else _fan_out(month)


@huey.periodic_task(schedule.reports_catch_up_due, retries=1, retry_delay=300, name="monthly_reports_catch_up")
def monthly_reports_catch_up(now: str | None = None) -> dict | None:
    """After the report day: reports missed (consumer down) or whose email has not gone out yet."""
    month = core_reports.due_month(utc_timestamp(now))
    return None if month is None else _fan_out(month)


@huey.task(retries=1, retry_delay=60, name="reports_for_month")
def reports_for_month(month: str, force_email: bool = True) -> dict:
    """On demand (admin): every approved sponsor's report for month; unsent emails are retried."""
    return _fan_out(month, force_email=force_email)
