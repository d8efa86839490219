"""Periodic tasks: which are due at fixed datetimes (asked of the Huey instance), and running the due ones."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.models import MonthlyReport, ReminderDelivery
from core.platform.config import reset_settings
from tasks import exports as export_tasks
from tasks import reminders as reminder_tasks
from tasks import reports as report_tasks
from tasks.queue import huey
from tests import factories as f

BY_NAME = {
    wrapper.task_class.__name__: wrapper
    for wrapper in (
        reminder_tasks.daily_reminders,
        reminder_tasks.reminders_catch_up,
        report_tasks.monthly_reports,
        report_tasks.monthly_reports_catch_up,
        export_tasks.exports_housekeeping,
    )
}


SWEEPER = "reclaim_lost_jobs"  # due every minute; the tests below are about the others
HEARTBEAT = "worker_heartbeat"  # due every minute too (tasks/health.py)


def due(when: dt.datetime) -> set[str]:
    return {task.name for task in huey.read_periodic(when)} - {SWEEPER, HEARTBEAT}


def test_the_sweeper_for_jobs_whose_worker_died_is_due_every_minute():
    for minute in (0, 1, 17, 59):
        assert SWEEPER in {task.name for task in huey.read_periodic(dt.datetime(2026, 12, 1, 3, minute))}


def run_due(when: dt.datetime) -> set[str]:
    """What the consumer does at `when`: run every periodic task due then (here, in this process)."""
    names = due(when)
    for name in sorted(names):
        BY_NAME[name].call_local(now=when.isoformat())
    return names


def test_the_daily_reminders_are_due_at_minute_zero_of_the_reminder_hour_only():
    assert "daily_reminders" in due(dt.datetime(2026, 12, 1, 8, 0))
    assert "daily_reminders" not in due(dt.datetime(2026, 12, 1, 8, 1))
    assert "daily_reminders" not in due(dt.datetime(2026, 12, 1, 9, 0))
    assert "daily_reminders" not in due(dt.datetime(2026, 12, 1, 20, 0))


def test_the_reminder_hour_comes_from_settings_and_the_time_zone(monkeypatch):
    monkeypatch.setenv("IESCP_REMINDER_HOUR", "17")
    reset_settings()
    assert "daily_reminders" in due(dt.datetime(2026, 12, 1, 17, 0))
    assert "daily_reminders" not in due(dt.datetime(2026, 12, 1, 8, 0))

    monkeypatch.setenv("IESCP_REMINDER_HOUR", "8")
    monkeypatch.setenv("IESCP_TIMEZONE", "Europe/Paris")
    reset_settings()
    assert "daily_reminders" in due(dt.datetime(2026, 12, 1, 7, 0))  # 08:00 in Paris in winter (UTC+1)
    assert "daily_reminders" in due(dt.datetime(2026, 7, 1, 6, 0))  # 08:00 in summer (UTC+2)
    assert "daily_reminders" not in due(dt.datetime(2026, 12, 1, 8, 0))


def test_the_reminder_catch_up_runs_every_ten_minutes_after_the_reminder_hour():
    assert "reminders_catch_up" in due(dt.datetime(2026, 12, 1, 8, 5))
    assert "reminders_catch_up" in due(dt.datetime(2026, 12, 1, 23, 55))
    assert "reminders_catch_up" not in due(dt.datetime(2026, 12, 1, 8, 6))
    assert "reminders_catch_up" not in due(dt.datetime(2026, 12, 1, 7, 55))


def test_monthly_reports_are_due_on_the_report_day(monkeypatch):
    assert "monthly_reports" in due(dt.datetime(2027, 1, 1, 8, 0))
    assert "monthly_reports" not in due(dt.datetime(2027, 1, 2, 8, 0))
    assert "monthly_reports_catch_up" in due(dt.datetime(2027, 1, 2, 15, 20))
    assert "monthly_reports_catch_up" not in due(dt.datetime(2027, 1, 2, 15, 21))

    monkeypatch.setenv("IESCP_REPORT_DAY", "31")
    reset_settings()
    assert "monthly_reports" in due(dt.datetime(2026, 11, 30, 8, 0))  # November has no 31st
    assert "monthly_reports" in due(dt.datetime(2027, 2, 28, 8, 0))
    assert "monthly_reports" not in due(dt.datetime(2026, 12, 30, 8, 0))
    assert "monthly_reports_catch_up" not in due(dt.datetime(2026, 12, 30, 8, 20))


def test_export_housekeeping_runs_every_ten_minutes():
    assert due(dt.datetime(2026, 12, 1, 3, 17)) == {"exports_housekeeping"}
    assert due(dt.datetime(2026, 12, 1, 3, 18)) == set()


def test_import_housekeeping_runs_every_ten_minutes():
    assert due(dt.datetime(2026, 12, 1, 3, 13)) == {"imports_housekeeping"}
    assert due(dt.datetime(2026, 12, 1, 3, 14)) == set()


@pytest.fixture
def busy_sponsor(bound_tasks):
    sponsor = f.sponsor(bound_tasks)
    influencer = f.influencer(bound_tasks)
    f.request(bound_tasks, sponsor, f.campaign(bound_tasks, sponsor), influencer)
    return sponsor, influencer


def test_running_the_due_tasks_sends_each_reminder_once_even_when_fired_twice(bound_tasks, busy_sponsor, outbox):
    eight = dt.datetime(2026, 12, 2, 8, 0)
    assert run_due(eight) == {"daily_reminders"}
    assert run_due(eight) == {"daily_reminders"}  # a restarted consumer fires it again
    assert run_due(eight + dt.timedelta(minutes=5)) == {"reminders_catch_up"}

    with bound_tasks.ReadSession.begin() as s:
        rows = s.execute(select(ReminderDelivery.user_id, ReminderDelivery.channel, ReminderDelivery.day)).all()
    assert sorted((channel, day) for _, channel, day in rows) == [("email", eight.date()), ("inapp", eight.date())]
    assert len(outbox.messages) == 1


def test_a_missed_reminder_hour_is_caught_up_later_that_day(bound_tasks, busy_sponsor, outbox):
    assert run_due(dt.datetime(2026, 12, 2, 7, 55)) == set()
    # The consumer was down at 08:00; it is back at 11:15.
    assert run_due(dt.datetime(2026, 12, 2, 11, 15)) == {"reminders_catch_up"}

    assert [m["To"] for m in outbox.messages] == [f"{busy_sponsor[1].username}@example.com"]


def test_on_the_report_day_the_due_task_archives_last_months_report(bound_tasks, busy_sponsor, outbox):
    sponsor, _ = busy_sponsor
    assert "monthly_reports" in run_due(dt.datetime(2027, 1, 1, 8, 0))
    run_due(dt.datetime(2027, 1, 1, 9, 20))  # the catch-up finds nothing left to do

    with bound_tasks.ReadSession.begin() as s:
        archived = s.execute(select(MonthlyReport.sponsor_id, MonthlyReport.month, MonthlyReport.email_status)).all()
    assert archived == [(sponsor.id, dt.date(2026, 12, 1), "sent")]
    assert len(outbox.messages) == 2  # the reminder at 08:00 and the report
