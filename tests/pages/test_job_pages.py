"""The job pages (exports panel, sponsor's monthly reports, admin's reports & reminders) through AppTest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from core.messaging import reminders
from core.models import AuditLog, ExportJob, User
from core.platform.timeutil import month_start, previous_month, today
from core.reporting import reports
from tests import factories as f
from tests.pages.conftest import app_test, picker

THIS_MONTH = month_start(today())  # the test sponsors sign up this month, so earlier months have no report


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _panel_page():
    from pages.common.exports_panel import render_exports_panel
    from pages.common.session import current_actor

    render_exports_panel(current_actor())


@pytest.fixture
def inline_queue(app_db):
    """Tasks run inline (immediate mode) against the app's test database."""
    from tasks.queue import huey

    previous = huey.immediate
    huey.immediate = True
    yield app_db
    huey.immediate = previous


@pytest.fixture
def sponsor_with_data(app_db):
    sponsor = f.sponsor(app_db, name="Acme Outdoor")
    campaign = f.campaign(app_db, sponsor, name="Spring Launch")
    f.request(app_db, sponsor, campaign, f.influencer(app_db, name="Ana Trails"))
    return sponsor


def test_the_exports_panel_starts_an_export_and_offers_the_file(inline_queue, sponsor_with_data):
    at = AppTest.from_function(_panel_page, default_timeout=30)
    at.session_state["actor_id"] = sponsor_with_data.id
    at.run()
    assert_clean(at)
    assert "No exports yet" in at.info[0].value

    at.selectbox(key="exports-status").set_value("pending")
    at.button[0].click().run()  # the form's submit button
    assert_clean(at)

    with inline_queue.ReadSession.begin() as s:
        job = s.scalar(select(ExportJob))
    assert (job.status, job.row_count, job.filters) == ("done", 1, {"status": "pending"})
    assert any("Ad requests · status pending" in m.value for m in at.markdown)
    assert [b.label for b in at.get("download_button")] == ["Download CSV"]


def test_a_sponsor_sees_their_reports_with_numbers_and_downloads(app_db, sponsor_with_data, tmp_path):
    reports.run_monthly_reports(app_db, month=THIS_MONTH)

    at = app_test("pages/sponsor/reports.py", sponsor_with_data.id).run()

    assert_clean(at)
    assert picker(at, "sponsor_report_pick").options == [reports.month_label(THIS_MONTH)]
    assert [m.label for m in at.metric][:4] == ["Active campaigns", "Requests", "Accepted", "Reach hired"]
    assert sorted(b.label for b in at.get("download_button")) == ["Download HTML", "Download PDF"]


def test_a_sponsor_without_reports_is_told_when_the_first_arrives(app_db, sponsor_with_data):
    at = app_test("pages/sponsor/reports.py", sponsor_with_data.id).run()

    assert_clean(at)
    assert "your first one arrives on day 1 of next month" in at.info[0].value


def _joined_long_ago(db, sponsor_id: int) -> None:
    """The sponsor signed up and was approved long ago (reports cover months from the approval on)."""
    with db.Session.begin() as s:
        s.execute(update(User).where(User.id == sponsor_id).values(created_at=dt.datetime(2000, 1, 1)))
        s.execute(
            update(AuditLog)
            .where(AuditLog.action == "sponsor.approved", AuditLog.target_id == sponsor_id)
            .values(at=dt.datetime(2000, 1, 1))
        )


def test_the_admin_page_lists_reports_and_the_reminder_log(app_db, sponsor_with_data):
    previous = previous_month(THIS_MONTH)
    _joined_long_ago(app_db, sponsor_with_data.id)
    reports.run_monthly_reports(app_db, month=previous)
    reminders.run_daily_reminders(app_db)
    admin = f.admin(app_db)

    at = app_test("pages/admin/reports.py", admin.id).run()
    at.selectbox(key="admin_report_month").set_value(previous).run()

    assert_clean(at)
    assert [m.value for m in at.metric] == ["1", "1", "0"]  # reports, emailed, failed
    assert len(at.dataframe) == 1

    at.session_state["admin-reports-tab"] = "Reminder deliveries"  # only the open tab is built
    at.run()
    assert_clean(at)
    assert [m.value for m in at.metric] == ["2", "0", "0"]  # today's reminders: sent, failed, pending
    assert len(at.dataframe) == 1


def test_the_admin_can_run_a_month_on_demand(inline_queue, sponsor_with_data):
    admin = f.admin(inline_queue)
    previous = previous_month(THIS_MONTH)
    _joined_long_ago(inline_queue, sponsor_with_data.id)
    at = app_test("pages/admin/reports.py", admin.id).run()
    at.selectbox(key="admin_report_month").set_value(previous)
    at.button[0].click().run()

    assert_clean(at)
    assert "being generated in the background" in at.success[0].value
    with inline_queue.ReadSession.begin() as s:
        assert list(reports.list_reports(s, actor=admin)["label"]) == [reports.month_label(previous)]
