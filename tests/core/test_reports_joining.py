"""Monthly reports start with the month a sponsor was let in: never an all-zero report of a month before it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from core.marketplace import accounts
from core.models import AdRequestEvent, AuditLog, MonthlyReport, User
from core.reporting import reports
from tests import factories as f

JANUARY = dt.date(2027, 1, 1)
FEBRUARY = dt.date(2027, 2, 1)


def _sign_up_and_approve(db, *, signed_up: dt.datetime, approved: dt.datetime) -> int:
    """A sponsor who signed up at signed_up and was approved by the admin at approved; returns their id."""
    user_id = f.sponsor(db, approved=False)
    with db.Session.begin() as s:
        admin = accounts.load_actor(s, s.scalar(select(User.id).where(User.role == "admin")))
        accounts.approve_sponsor(s, actor=admin, user_id=user_id)
        s.execute(update(User).where(User.id == user_id).values(created_at=signed_up))
        s.execute(
            update(AuditLog)
            .where(AuditLog.action == "sponsor.approved", AuditLog.target_id == user_id)
            .values(at=approved)
        )
    return user_id


def _months_reported(db, user_id: int) -> list[dt.date]:
    with db.ReadSession.begin() as s:
        return list(s.scalars(select(MonthlyReport.month).where(MonthlyReport.sponsor_id == user_id)))


def test_a_sponsor_approved_after_a_month_ended_gets_no_report_of_that_month(database):
    late = _sign_up_and_approve(database, signed_up=dt.datetime(2027, 1, 20), approved=dt.datetime(2027, 2, 3))
    with database.ReadSession.begin() as s:
        assert late not in reports.pending_sponsor_ids(s, month=JANUARY)
        assert late not in reports.all_sponsor_ids(s, month=JANUARY)
        assert late in reports.pending_sponsor_ids(s, month=FEBRUARY)

    counts = reports.run_monthly_reports(database, month=JANUARY, now=dt.datetime(2027, 2, 10, 9))

    assert counts["emailed"] == 0
    assert _months_reported(database, late) == []


def test_a_sponsor_approved_during_a_month_gets_that_months_report(database):
    joined = _sign_up_and_approve(database, signed_up=dt.datetime(2027, 1, 5), approved=dt.datetime(2027, 1, 6))

    reports.run_monthly_reports(database, month=JANUARY, now=dt.datetime(2027, 2, 1, 8))

    assert _months_reported(database, joined) == [JANUARY]


def test_a_month_with_recorded_activity_is_reported_whenever_the_approval_was_recorded(database):
    sponsor = f.sponsor(database)
    influencer = f.influencer(database)
    campaign = f.campaign(database, sponsor, start=dt.date(2026, 12, 1), end=dt.date(2027, 3, 1))
    request_id = f.request(database, sponsor, campaign, influencer, payment_cents=5_000)
    with database.Session.begin() as s:  # history imported with the account: activity before the approval row
        s.execute(update(User).where(User.id == sponsor.id).values(created_at=dt.datetime(2026, 11, 1)))
        s.execute(
            update(AuditLog)
            .where(AuditLog.action == "sponsor.approved", AuditLog.target_id == sponsor.id)
            .values(at=dt.datetime(2027, 2, 3))
        )
        s.execute(
            update(AdRequestEvent).where(AdRequestEvent.ad_request_id == request_id).values(at=dt.datetime(2027, 1, 12))
        )

    with database.ReadSession.begin() as s:
        assert sponsor.id in reports.pending_sponsor_ids(s, month=JANUARY)
        assert sponsor.id not in reports.pending_sponsor_ids(s, month=dt.date(2026, 12, 1))
