"""Cancelling a deal before delivery: who may, when, and what it releases (deliverables, PO, budget)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.deals import cancellation, deliverables, documents
from core.errors import Conflict, InvalidInput, PermissionDenied
from core.marketplace import accounts, ad_requests
from core.models import AdRequest, AdRequestEvent, AuditLog, Campaign, Deliverable, FinancialDocument, Notification
from tests import deal_steps as steps
from tests import factories as f


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


@pytest.fixture
def deal(database):
    sponsor, influencer = f.sponsor(database, name="Acme"), f.influencer(database, name="Ana Trails")
    request_id, deliverable_id, po_id = steps.deal(database, sponsor, influencer, "Spring")
    return {"sponsor": sponsor, "influencer": influencer, "request": request_id, "d": deliverable_id, "po": po_id}


def _version(db, request_id) -> str:
    return f.read(db, lambda s: ad_requests.current_version(s, request_id))


def _cancel(db, actor, request_id, *, version=None, reason="Launch postponed"):
    steps.act(
        db,
        cancellation.cancel_deal,
        actor=actor,
        ad_request_id=request_id,
        expected_version=version or _version(db, request_id),
        reason=reason,
    )


def _state(db, request_id, po_id) -> dict:
    with db.ReadSession.begin() as s:
        request = s.get(AdRequest, request_id)
        return {
            "request": request.status,
            "committed": s.get(Campaign, request.campaign_id).committed_cents,
            "po": s.get(FinancialDocument, po_id).status,
            "deliverables": sorted(
                s.scalars(select(Deliverable.status).where(Deliverable.ad_request_id == request_id))
            ),
            "events": s.scalar(
                select(func.count()).select_from(AdRequestEvent).where(AdRequestEvent.ad_request_id == request_id)
            ),
        }


def test_the_sponsor_cancels_a_deal_before_delivery_and_the_budget_po_and_deliverables_are_released(database, deal):
    steps.draft(database, deal["influencer"], deal["d"])  # a draft in review does not stop a cancellation
    before = _state(database, deal["request"], deal["po"])

    _cancel(database, deal["sponsor"], deal["request"])

    after = _state(database, deal["request"], deal["po"])
    assert before["committed"] == 20_000 and after["committed"] == 0
    assert (after["request"], after["po"], after["deliverables"]) == ("withdrawn", "cancelled", ["cancelled"])
    with database.ReadSession.begin() as s:
        told = s.scalars(select(Notification).where(Notification.user_id == deal["influencer"].id)).all()
        audited = s.scalars(select(AuditLog).where(AuditLog.action == "deal.cancelled")).one()
        event = s.scalars(select(AdRequestEvent).order_by(AdRequestEvent.id.desc()).limit(1)).one()
    assert any(n.kind == "deal_cancelled" and "Launch postponed" in n.body for n in told)
    assert audited.target_id == deal["request"] and audited.amount_cents == 20_000
    assert (event.action, event.message) == ("deal_cancelled", "Launch postponed")


def test_a_deal_is_cancelled_and_its_budget_released_exactly_once(database, deal):
    seen = _version(database, deal["request"])
    _cancel(database, deal["sponsor"], deal["request"], version=seen)

    with pytest.raises(Conflict):
        _cancel(database, deal["sponsor"], deal["request"], version=seen)  # the second click of the same page
    with pytest.raises(Conflict):
        _cancel(database, deal["sponsor"], deal["request"])  # a reloaded page: no longer a running deal
    assert _state(database, deal["request"], deal["po"])["committed"] == 0


def test_the_released_budget_can_be_committed_again(database, deal):
    sponsor = deal["sponsor"]
    with database.ReadSession.begin() as s:
        campaign_id = s.get(AdRequest, deal["request"]).campaign_id
    _cancel(database, sponsor, deal["request"])
    ben = f.influencer(database, name="Ben Lifts")
    request_id = f.request(database, sponsor, campaign_id, ben, payment_cents=100_000)  # the whole budget again
    steps.act(
        database,
        ad_requests.accept,
        actor=ben,
        ad_request_id=request_id,
        expected_version=_version(database, request_id),
    )
    with database.ReadSession.begin() as s:
        assert s.get(Campaign, campaign_id).committed_cents == 100_000


def test_nobody_but_the_deals_sponsor_cancels_it(database, deal):
    stranger, admin = f.sponsor(database), f.admin(database)
    before = _state(database, deal["request"], deal["po"])

    for who in (deal["influencer"], stranger, admin):
        with pytest.raises(PermissionDenied):
            _cancel(database, who, deal["request"])

    assert _state(database, deal["request"], deal["po"]) == before


def test_a_cancellation_needs_a_reason(database, deal):
    before = _state(database, deal["request"], deal["po"])

    with pytest.raises(InvalidInput):
        _cancel(database, deal["sponsor"], deal["request"], reason="  ")

    assert _state(database, deal["request"], deal["po"]) == before


def test_after_delivery_or_an_invoice_a_deal_cannot_be_cancelled(database, deal):
    steps.live(database, deal["sponsor"], deal["influencer"], deal["d"])
    with pytest.raises(Conflict, match="already live"):
        _cancel(database, deal["sponsor"], deal["request"])

    steps.step(database, deliverables.confirm_live, deal["sponsor"], deal["d"])  # the last one completes the deal
    with pytest.raises(Conflict, match="completed"):
        _cancel(database, deal["sponsor"], deal["request"])

    steps.act(
        database,
        documents.raise_invoice,
        actor=deal["influencer"],
        po_id=deal["po"],
        amount_cents=20_000,
        legal_name="Ana Trails",
        payment_details="IBAN DE00 1234",
    )
    before = _state(database, deal["request"], deal["po"])
    with pytest.raises(Conflict):
        _cancel(database, deal["sponsor"], deal["request"])
    assert _state(database, deal["request"], deal["po"]) == before
    assert before["committed"] == 20_000 and before["po"] == "approved"


def test_a_cancellation_on_a_stale_page_is_refused(database, deal):
    stale = _version(database, deal["request"])
    with database.Session.begin() as s:  # the deal moved on meanwhile (here: another history event)
        s.add(
            AdRequestEvent(
                ad_request_id=deal["request"],
                actor_id=deal["influencer"].id,
                actor_party="influencer",
                action="message",
                from_status="accepted",
                to_status="accepted",
                message="Draft coming Friday",
            )
        )
    before = _state(database, deal["request"], deal["po"])

    with pytest.raises(Conflict, match="changed while you were looking"):
        _cancel(database, deal["sponsor"], deal["request"], version=stale)
    assert _state(database, deal["request"], deal["po"]) == before


def test_a_sponsor_backs_out_of_a_deal_with_a_flagged_influencer_without_good_standing(database, deal):
    admin = f.admin(database)
    steps.act(database, accounts.flag_user, actor=admin, user_id=deal["influencer"].id, reason="Fake followers")

    _cancel(database, deal["sponsor"], deal["request"])

    assert _state(database, deal["request"], deal["po"])["request"] == "withdrawn"


def test_two_concurrent_cancellations_release_the_budget_once(database, deal):
    seen = _version(database, deal["request"])
    outcomes: list[str] = []

    def cancel():
        try:
            _cancel(database, deal["sponsor"], deal["request"], version=seen)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=cancel) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "ok"]
    assert _state(database, deal["request"], deal["po"])["committed"] == 0
