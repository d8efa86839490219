"""A worker killed mid-job: the job is retried or failed with a message, never left "running" or "pending"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.messaging import reminders
from core.models import ExportJob, MonthlyReport, Notification, ReminderDelivery
from core.platform.timeutil import utcnow
from core.reporting import export_leases, exports, reports
from tests import factories as f

pytestmark = pytest.mark.timeout(120)


def _start_running_export(db, owner, *, heartbeat_age: dt.timedelta, now: dt.datetime) -> int:
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=owner, kind="ad_requests")
    with db.Session.begin() as s:
        s.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(status="running", started_at=now - heartbeat_age, heartbeat_at=now - heartbeat_age)
        )
    return job_id


def _job(db, job_id: int) -> ExportJob:
    with db.ReadSession.begin() as s:
        return s.get(ExportJob, job_id)


def test_an_export_whose_heartbeat_stopped_is_queued_again_and_then_runs_to_the_end(database):
    sponsor = f.sponsor(database)
    f.request(database, sponsor, f.campaign(database, sponsor), f.influencer(database))
    now = utcnow()
    job_id = _start_running_export(database, sponsor, heartbeat_age=export_leases.LEASE * 2, now=now)

    outcome = export_leases.reclaim_stale_jobs(database, now=now)

    assert (outcome.requeued, outcome.failed) == ([job_id], [])
    job = _job(database, job_id)
    assert (job.status, job.attempts, job.heartbeat_at) == ("queued", 1, None)
    assert exports.run_export(database, job_id) == "done"
    assert (_job(database, job_id).status, _job(database, job_id).row_count) == ("done", 1)


def test_an_export_with_a_fresh_heartbeat_is_left_running(database):
    sponsor = f.sponsor(database)
    now = utcnow()
    job_id = _start_running_export(database, sponsor, heartbeat_age=export_leases.LEASE / 2, now=now)

    outcome = export_leases.reclaim_stale_jobs(database, now=now)

    assert (outcome.requeued, outcome.failed) == ([], [])
    assert _job(database, job_id).status == "running"


def test_an_export_whose_worker_keeps_dying_fails_with_a_message_for_its_owner(database):
    sponsor = f.sponsor(database)
    now = utcnow()
    job_id = _start_running_export(database, sponsor, heartbeat_age=export_leases.LEASE * 2, now=now)
    with database.Session.begin() as s:
        s.execute(update(ExportJob).where(ExportJob.id == job_id).values(attempts=export_leases.MAX_RECLAIMS))

    outcome = export_leases.reclaim_stale_jobs(database, now=now)

    assert outcome.failed == [job_id]
    job = _job(database, job_id)
    assert job.status == "failed"
    assert job.error == export_leases.GAVE_UP
    with database.ReadSession.begin() as s:
        titles = list(s.scalars(select(Notification.title).where(Notification.user_id == sponsor.id)))
    assert "Your export failed" in titles


def test_the_heartbeat_keeps_a_running_export_fresh_and_stops_when_the_block_ends(database):
    sponsor = f.sponsor(database)
    now = utcnow()
    job_id = _start_running_export(database, sponsor, heartbeat_age=dt.timedelta(hours=1), now=now)

    with export_leases.heartbeat(database, job_id, every=0.05):
        from tests.faults.conftest import wait_until

        wait_until(lambda: _job(database, job_id).heartbeat_at > now - dt.timedelta(minutes=1), timeout=30,
                   what="a heartbeat")  # fmt: skip

    assert export_leases.reclaim_stale_jobs(database).requeued == []


def _pending_reminder(db, user_id: int, *, claimed_ago: dt.timedelta, now: dt.datetime) -> int:
    with db.Session.begin() as s:
        row = ReminderDelivery(
            user_id=user_id,
            day=reminders.reminder_day(now),
            channel="email",
            status="pending",
            attempts=1,
            item_count=1,
            created_at=now - claimed_ago,
            claimed_at=now - claimed_ago,
        )
        s.add(row)
        s.flush()
        return row.id


def test_a_reminder_whose_worker_died_between_claim_and_send_is_retried_and_sent(database, outbox):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    f.request(database, sponsor, f.campaign(database, sponsor), influencer)  # awaits the influencer
    now = utcnow()
    delivery_id = _pending_reminder(database, influencer.id, claimed_ago=reminders.CLAIM_LEASE * 2, now=now)

    result = reminders.run_daily_reminders(database, now=now)

    assert result.sent["email"] == 1
    with database.ReadSession.begin() as s:
        row = s.get(ReminderDelivery, delivery_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(outbox.messages) == 1


def test_a_reminder_claimed_moments_ago_is_not_taken_from_its_worker(database):
    influencer = f.influencer(database)
    now = utcnow()
    delivery_id = _pending_reminder(database, influencer.id, claimed_ago=dt.timedelta(seconds=30), now=now)

    assert reminders.reclaim_stale_claims(database, now=now) == 0
    with database.ReadSession.begin() as s:
        assert s.get(ReminderDelivery, delivery_id).status == "pending"


def test_a_report_email_whose_worker_died_mid_send_is_retried_by_the_catch_up(database, smtp_server):
    sponsor = f.sponsor(database)
    now = utcnow()
    month = dt.date(now.year, now.month, 1)  # a month the new sponsor's account existed in
    report_id = reports.generate_report(database, sponsor_id=sponsor.id, month=month).report_id
    with database.Session.begin() as s:  # as left by a worker killed after claiming the send
        s.execute(
            update(MonthlyReport)
            .where(MonthlyReport.id == report_id)
            .values(email_status="pending", email_attempts=1, email_claimed_at=now - reports.EMAIL_LEASE * 2)
        )
    with database.ReadSession.begin() as s:
        assert sponsor.id not in reports.pending_sponsor_ids(s, month=month)  # stuck before the sweep

    assert reports.reclaim_stale_emails(database, now=now) == 1

    with database.ReadSession.begin() as s:
        assert sponsor.id in reports.pending_sponsor_ids(s, month=month)
        assert s.get(MonthlyReport, report_id).last_error == reports.WORKER_STOPPED
    assert reports.generate_report(database, sponsor_id=sponsor.id, month=month).email == "sent"
    assert len(smtp_server.messages) == 2  # the first send, and the retry after the worker "died"
