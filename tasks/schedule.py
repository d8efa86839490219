"""When periodic tasks are due: pure functions of a naive UTC timestamp and the current settings.

Settings are read on every check (not frozen at import), in the configured time zone, so
IESCP_REMINDER_HOUR / IESCP_REPORT_DAY / IESCP_TIMEZONE changes apply on the next consumer start
and tests can check due times deterministically with huey.read_periodic(datetime).
"""

from __future__ import annotations

import datetime as dt

from huey import crontab

from core.messaging.reminders import local_time
from core.platform.config import get_settings
from core.reporting.reports import effective_report_day


def reminders_due(timestamp: dt.datetime) -> bool:
    """Daily at minute 0 of IESCP_REMINDER_HOUR (local time)."""
    settings = get_settings()
    return crontab(minute="0", hour=str(settings.reminder_hour))(local_time(timestamp, settings))


def reminders_catch_up_due(timestamp: dt.datetime) -> bool:
    """Every 10 minutes (at :05, :15, …) from the reminder hour to midnight: finish a missed day, retry failures."""
    settings = get_settings()
    local = local_time(timestamp, settings)
    return local.minute % 10 == 5 and local.hour >= settings.reminder_hour


def reports_due(timestamp: dt.datetime) -> bool:
    """Monthly on IESCP_REPORT_DAY (clamped to the month's length) at minute 0 of the reminder hour."""
    settings = get_settings()
    local = local_time(timestamp, settings)
    return (
        local.day == effective_report_day(local.date(), settings)
        and local.hour == settings.reminder_hour
        and local.minute == 0
    )


def reports_catch_up_due(timestamp: dt.datetime) -> bool:
    """Hourly at :20 from the report day to the month's end: reports missed or not yet emailed."""
    settings = get_settings()
    local = local_time(timestamp, settings)
    return local.minute == 20 and local.day >= effective_report_day(local.date(), settings)


def exports_housekeeping_due(timestamp: dt.datetime) -> bool:
    """Every 10 minutes: re-enqueue lost export tasks, fail interrupted ones, delete expired files."""
    return timestamp.minute % 10 == 7


def imports_housekeeping_due(timestamp: dt.datetime) -> bool:
    """Every 10 minutes (at :03, :13, …): import runs whose worker stopped become TIMED_OUT."""
    return timestamp.minute % 10 == 3


def recovery_due(timestamp: dt.datetime) -> bool:
    """Every minute: jobs whose worker died (stale heartbeats and claims) are retried or failed."""
    return True


def deals_housekeeping_due(timestamp: dt.datetime) -> bool:
    """Hourly at :25: auto-approve stale drafts, mark overdue invoices, warn of drafts due soon."""
    return timestamp.minute == 25


def snapshots_due(timestamp: dt.datetime) -> bool:
    """Hourly at :50: the first run after midnight UTC takes yesterday's snapshots, later runs find nothing missing
    (so a worker that was down at midnight catches up within the hour)."""
    return timestamp.minute == 50


def similar_index_due(timestamp: dt.datetime) -> bool:
    """Hourly at :40: rebuild the find-similar neighbours from the listed profiles."""
    return timestamp.minute == 40
