"""A deal's start: accepting an offer also plans its first deliverable and issues its purchase order, atomically."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import permissions
from core.crm import pipeline
from core.deals import deliverables, documents, parties
from core.marketplace import ad_requests
from core.models import AdRequest, Deliverable, FinancialDocument
from core.permissions import Actor


@permissions.actor_required
def accept_offer(
    session: Session, *, actor: Actor, ad_request_id: int, expected_version: str, message: str = ""
) -> int:
    """Accept the offer the actor saw (core/marketplace/ad_requests.accept) and start the deal; returns the PO id."""
    ad_requests.accept(
        session, actor=actor, ad_request_id=ad_request_id, expected_version=expected_version, message=message
    )
    pipeline.record_deal_accepted(session, actor=actor, ad_request_id=ad_request_id)  # the card moves to Final
    return start_deal(session, ad_request_id, started_by=actor.id)


def start_deal(session: Session, ad_request_id: int, *, started_by: int | None) -> int:
    """Plan the first deliverable and issue the PO of an accepted request, once (a second call changes nothing)."""
    existing = documents.purchase_order_of(session, ad_request_id)
    if existing is not None:
        return existing.id
    deal = parties.load(session, ad_request_id)
    has_deliverables = session.scalar(select(Deliverable.id).where(Deliverable.ad_request_id == ad_request_id).limit(1))
    if has_deliverables is None:
        deliverables.plan_from_request(session, deal)
    return documents.issue_purchase_order(session, deal, issued_by=started_by).id


def start_missing_deals(session: Session) -> int:
    """Start every accepted deal that has no PO yet (deals accepted before deliverables existed); returns how many."""
    has_po = select(FinancialDocument.ad_request_id).where(FinancialDocument.kind == "po")
    ids = session.scalars(select(AdRequest.id).where(AdRequest.status == "accepted", AdRequest.id.notin_(has_po))).all()
    for ad_request_id in ids:
        start_deal(session, ad_request_id, started_by=None)
    return len(ids)
