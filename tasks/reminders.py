"""Daily reminder tasks: the run at the reminder hour and the catch-up every 10 minutes after it."""

from __future__ import annotations

from core.messaging import reminders as core_reminders
from tasks import schedule
from tasks.queue import get_database, huey, utc_timestamp


@huey.periodic_task(schedule.reminders_due, retries=3, retry_delay=120, name="daily_reminders")
def daily_reminders(now: str | None = None) -> dict:
    """Remind everyone with requests awaiting them (once per user, day and channel)."""
    return core_reminders.run_daily_reminders(get_database(), now=utc_timestamp(now)).as_dict()


@huey.periodic_task(schedule.reminders_catch_up_due, retries=1, retry_delay=60, name="reminders_catch_up")
def reminders_catch_up(now: str | None = None) -> dict | None:
    """Finish a day whose run was missed or interrupted, and retry failed channels whose backoff has passed."""
    result = core_reminders.catch_up(get_database(), now=utc_timestamp(now))
    return None if result is None else result.as_dict()
