"""The admin's Reports & reminders page: live report runs, "Send reminders now", a campaign picker for exports."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from core.models import AuditLog, Campaign, ExportJob, User
from core.platform.timeutil import month_start, previous_month, today
from core.reporting import reports
from tests import factories as f
from tests.pages.conftest import app_test

PAGE = "pages/admin/reports.py"
LAST_MONTH = previous_month(month_start(today()))


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


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
    """A sponsor approved long ago (so last month has a report) with a campaign and a request awaiting Ana."""
    sponsor = f.sponsor(app_db, name="Acme Outdoor")
    campaign = f.campaign(app_db, sponsor, name="Spring Launch")
    f.request(app_db, sponsor, campaign, f.influencer(app_db, name="Ana Trails"))
    with app_db.Session.begin() as s:
        s.execute(update(User).where(User.id == sponsor.id).values(created_at=dt.datetime(2000, 1, 1)))
        s.execute(
            update(AuditLog)
            .where(AuditLog.action == "sponsor.approved", AuditLog.target_id == sponsor.id)
            .values(at=dt.datetime(2000, 1, 1))
        )
    return sponsor


def _live_progress(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress") if "updating live" in p.proto.text]


def test_reports_of_a_requested_run_appear_live_and_the_page_stops_watching_when_done(app_db, sponsor_with_data):
    admin = f.admin(app_db)
    with app_db.Session.begin() as s:  # "Run reports now" was pressed; the worker has not got to it yet
        reports.request_report_run(s, actor=admin, month=LAST_MONTH)

    at = app_test(PAGE, admin.id).run()
    at.selectbox(key="admin_report_month").set_value(LAST_MONTH).run()

    assert_clean(at)
    assert _live_progress(at) == ["⏳ 0 of 1 reports archived and mailed — updating live"]

    reports.run_monthly_reports(app_db, month=LAST_MONTH)  # the worker's share
    at.run()

    assert_clean(at)
    assert _live_progress(at) == []
    assert [m.value for m in at.metric][:3] == ["1", "1", "0"]  # reports, emailed, failed


def test_a_month_nobody_asked_to_run_is_not_watched(app_db, sponsor_with_data):
    at = app_test(PAGE, f.admin(app_db).id).run()
    at.selectbox(key="admin_report_month").set_value(LAST_MONTH).run()

    assert_clean(at)
    assert _live_progress(at) == []
    assert "press Run reports now" in at.info[0].value


def test_send_reminders_now_says_how_many_went_out_and_a_second_press_sends_nothing_new(app_db, sponsor_with_data):
    at = app_test(PAGE, f.admin(app_db).id)
    at.session_state["admin-reports-tab"] = "Reminder deliveries"  # only the open tab is built
    at.run()

    at.button(key="admin_send_reminders").click().run()

    assert_clean(at)
    assert at.success[0].value == "Reminders for 1 user(s): sent 2 (e-mail 1, in-app 1)."
    assert [m.value for m in at.metric][-3:] == ["2", "0", "0"]  # the delivery log shows them: sent, failed, pending

    at.button(key="admin_send_reminders").click().run()

    assert at.success[0].value == "Reminders for 1 user(s): sent 0, already reminded today 2 (e-mail 1, in-app 1)."


def test_the_admin_picks_an_export_campaign_by_name_instead_of_typing_an_id(inline_queue, sponsor_with_data):
    with inline_queue.ReadSession.begin() as s:
        campaign_id = s.scalar(select(Campaign.id).where(Campaign.name == "Spring Launch"))
    spring = (campaign_id, f"Spring Launch · Acme Outdoor (#{campaign_id})")
    at = app_test(PAGE, f.admin(inline_queue).id)
    at.session_state["admin-reports-tab"] = "CSV exports"  # only the open tab is built
    at.run()

    assert not at.number_input, "no raw campaign id field"
    picker = at.selectbox(key="admin_exports-campaign")
    assert picker.options == ["All campaigns", spring[1]]

    picker.set_value(spring)
    at.button(key="FormSubmitter:admin_exports-start-Start export").click().run()

    assert_clean(at)
    with inline_queue.ReadSession.begin() as s:
        job = s.scalar(select(ExportJob))
    assert job.filters == {"campaign_id": campaign_id}


def test_only_the_open_tab_is_built_and_the_reports_tab_is_the_first_one(app_db, sponsor_with_data):
    at = app_test(PAGE, f.admin(app_db).id).run()
    assert_clean(at)
    assert at.selectbox(key="admin_report_month")
    assert not [b for b in at.button if b.key == "admin_send_reminders"], "the reminders tab is not built"

    at.session_state["admin-reports-tab"] = "Reminder deliveries"
    at.run()
    assert [b for b in at.button if b.key == "admin_send_reminders"]
    assert not [s for s in at.selectbox if s.key == "admin_report_month"], "the reports tab is not built"
