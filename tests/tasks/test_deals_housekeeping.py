"""The deals' hourly housekeeping: due at :25, idempotent, and each rule applied once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.deals import daily, deliverables
from core.marketplace import ad_requests
from core.models import Deliverable, Notification
from core.platform.config import reset_settings
from core.platform.timeutil import utcnow
from tasks import deals as deal_tasks
from tasks.queue import huey
from tests import factories as f
from tests.core.test_deals import _approved_invoice, _deal, _doc, _only_deliverable
from tests.tasks.conftest import database_url


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


def test_the_deals_housekeeping_is_due_at_minute_25_of_every_hour():
    due = {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 1, 3, 25))}
    assert "deals_housekeeping" in due
    assert "deals_housekeeping" not in {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 1, 3, 26))}


def _notifications(db, kind: str) -> int:
    with db.ReadSession.begin() as s:
        return s.scalar(select(func.count()).select_from(Notification).where(Notification.kind == kind))


def test_a_deliverable_due_soon_without_a_draft_is_warned_about_once(database):
    _, _, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    soon = utcnow() + dt.timedelta(days=(d.due_date - dt.date.today()).days - 2)
    assert daily.run(database, now=soon - dt.timedelta(days=1)).due_soon_warnings == 0
    assert daily.run(database, now=soon).due_soon_warnings == 1
    assert daily.run(database, now=soon + dt.timedelta(hours=1)).due_soon_warnings == 0
    assert _notifications(database, "draft_due") == 1


def test_running_the_housekeeping_twice_approves_and_marks_overdue_only_once(database):
    sponsor, influencer, request_id, _ = _deal(database)
    d = _only_deliverable(database, request_id)
    with database.Session.begin() as s:
        deliverables.submit_draft(s, actor=influencer, deliverable_id=d.id, expected_version=d.version, caption="#ad x")
    _, _, _, invoice_id = _approved_invoice(database)
    later = utcnow() + dt.timedelta(days=45)
    first, second = daily.run(database, now=later), daily.run(database, now=later)
    assert (first.drafts_auto_approved, first.invoices_overdue) == (1, 1)
    assert (second.drafts_auto_approved, second.invoices_overdue) == (0, 0)
    assert _doc(database, invoice_id).overdue_since == later.date()
    with database.ReadSession.begin() as s:
        assert s.get(Deliverable, d.id).status == "approved"


def test_the_task_starts_deals_accepted_outside_the_deal_flow_on_the_configured_database(database, monkeypatch):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=50_000)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    with database.Session.begin() as s:
        # the bare negotiation step: no PO yet
        ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(database))
    reset_settings()
    try:
        result = deal_tasks.deals_housekeeping.call_local(now=utcnow().isoformat())
    finally:
        reset_settings()
    assert result["deals_started"] == 1
    assert _only_deliverable(database, request_id).status == "planned"
