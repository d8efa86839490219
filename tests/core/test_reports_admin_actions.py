"""The admin's on-demand actions of the reports page check the permission in the core, not just in the page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import PermissionDenied
from core.messaging import reminders
from core.models import AuditLog
from core.reporting import reports
from tests import factories as f

JANUARY = dt.date(2027, 1, 1)


def test_only_an_admin_may_send_reminders_now_or_watch_a_report_run(database):
    sponsor = f.sponsor(database)
    influencer = f.influencer(database)

    for actor in (sponsor, influencer):
        with pytest.raises(PermissionDenied):
            reminders.send_reminders_now(database, actor=actor)
        with database.ReadSession.begin() as s, pytest.raises(PermissionDenied):
            reports.run_progress(s, actor=actor, month=JANUARY)
    with database.ReadSession.begin() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "reminders.run_requested")) is None


def test_send_reminders_now_runs_the_daily_reminders_and_leaves_a_trace(database):
    sponsor = f.sponsor(database)
    ana = f.influencer(database)
    f.request(database, sponsor, f.campaign(database, sponsor), ana)
    now = dt.datetime(2027, 1, 12, 6, 0)  # before the reminder hour: the admin does not wait for it

    result = reminders.send_reminders_now(database, actor=f.admin(database), now=now)

    assert (result.recipients, dict(result.sent)) == (1, {"email": 1, "inapp": 1})
    again = reminders.run_daily_reminders(database, now=now + dt.timedelta(hours=3))  # the scheduled run that day
    assert (dict(again.sent), dict(again.skipped)) == ({}, {"email": 1, "inapp": 1})
    with database.ReadSession.begin() as s:
        assert s.scalar(select(AuditLog.target_id).where(AuditLog.action == "reminders.run_requested")) == 20270112


def test_run_progress_counts_sponsors_whose_report_or_mail_is_still_missing(database):
    sponsor = f.sponsor(database)
    admin = f.admin(database)
    month = dt.date.today().replace(day=1)  # the sponsors were approved in this month
    with database.ReadSession.begin() as s:
        before = reports.run_progress(s, actor=admin, month=month)

    reports.run_monthly_reports(database, month=month, sponsor_ids=[sponsor.id])

    with database.ReadSession.begin() as s:
        after = reports.run_progress(s, actor=admin, month=month)
    assert (before.sponsors, before.remaining, before.requested_at) == (1, 1, None)
    assert (after.sponsors, after.remaining, after.done) == (1, 0, 1)
    assert not before.running()  # nobody asked for a run: nothing to watch
