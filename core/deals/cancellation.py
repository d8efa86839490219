"""Cancelling a deal before delivery: the sponsor backs out, the PO is cancelled and the budget is released.

The ad-request machine has no "cancelled" status (models.AD_REQUEST_STATUSES), so a cancelled deal ends
"withdrawn" — the sponsor withdrew its accepted offer — and its history event says "deal_cancelled".
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit, permissions, validate, versioning
from core.deals import deliverables, documents, parties
from core.errors import Conflict
from core.marketplace import ad_requests
from core.messaging import notifications
from core.models import AdRequest, AdRequestEvent, Campaign, Deliverable, FinancialDocument
from core.money import format_cents
from core.permissions import Actor
from core.platform import cachegen
from core.platform.db import affected_rows
from core.platform.timeutil import utcnow

# Content that is live (submitted or confirmed) has been delivered: the deal can no longer be cancelled.
DELIVERED = ("live_submitted", "confirmed")


def _lock(session: Session, ad_request_id: int) -> parties.Deal:
    """The deal with its campaign and request rows locked, campaign first (the order ad_requests uses)."""
    return parties.Deal(*ad_requests.load_for_update(session, ad_request_id))


def cancel_problem(session: Session, ad_request_id: int) -> str | None:
    """Why the deal cannot be cancelled now (delivered or invoiced), or None; locks what it reads."""
    delivered = session.scalar(
        select(Deliverable.id)
        .where(Deliverable.ad_request_id == ad_request_id, Deliverable.status.in_(DELIVERED))
        .limit(1)
        .with_for_update()
    )
    if delivered is not None:
        return "Content of this deal is already live, so the deal can no longer be cancelled."
    invoiced = session.scalar(
        select(FinancialDocument.id)
        .where(
            FinancialDocument.ad_request_id == ad_request_id,
            FinancialDocument.kind == "invoice",
            FinancialDocument.status != "cancelled",
        )
        .limit(1)
    )
    if invoiced is not None:
        return "This deal has an invoice, so it can no longer be cancelled."
    return None


@permissions.actor_required
def cancel_deal(session: Session, *, actor: Actor, ad_request_id: int, expected_version: str, reason: str) -> None:
    """The sponsor cancels an accepted deal before delivery; open deliverables and the PO are cancelled,
    the committed budget is released and the influencer is told. Good standing is not needed to back out."""
    parties.require_side(
        actor, parties.load(session, ad_request_id), "sponsor", "deal.manage"
    )  # strangers lock nothing
    reason = validate.text(reason, "Reason", max_len=2000, multiline=True)
    deal = _lock(session, ad_request_id)
    request, campaign = deal.request, deal.campaign
    now_shown = format_cents(request.payment_cents) if request.status == "accepted" else request.status
    versioning.require(expected_version, ad_requests.current_version(session, request.id), now=now_shown, noun="deal")
    if request.status != "accepted":
        raise Conflict(f"Only a running deal can be cancelled; this one is {request.status}.")
    po = documents.purchase_order_of(session, request.id)
    if po is not None:  # lock the PO: an invoice raised concurrently waits for us, then finds the deal cancelled
        session.execute(select(FinancialDocument.id).where(FinancialDocument.id == po.id).with_for_update())
    problem = cancel_problem(session, request.id)
    if problem:
        raise Conflict(problem)

    amount = request.payment_cents
    moved = session.execute(
        update(AdRequest)
        .where(AdRequest.id == request.id, AdRequest.status == "accepted")
        .values(status="withdrawn", turn=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if affected_rows(moved) != 1:
        raise Conflict("This deal changed while you were looking at it. Please reload and try again.")
    # Released once: only the transition above (accepted → withdrawn, at most once) gets here.
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(committed_cents=Campaign.committed_cents - amount)
        .execution_options(synchronize_session=False)
    )
    session.expire(request)
    session.expire(campaign)
    cancelled = deliverables.cancel_open(session, request.id)
    documents.cancel_purchase_order(session, request.id)
    session.add(
        AdRequestEvent(
            ad_request_id=request.id,
            actor_id=actor.id,
            actor_party="sponsor",
            action="deal_cancelled",
            from_status="accepted",
            to_status="withdrawn",
            amount_cents=amount,
            message=reason,
        )
    )
    audit.record(
        session,
        actor,
        "deal.cancelled",
        "ad_request",
        request.id,
        amount_cents=amount,
        detail=f"campaign {campaign.id}; {cancelled} deliverables cancelled; reason: {reason}"[:2000],
    )
    notifications.notify(
        session,
        request.influencer_id,
        "deal_cancelled",
        f"Deal cancelled: {campaign.name}",
        f"{actor.display_name} cancelled the deal ({format_cents(amount)}). Reason: {reason}",
        link=f"request:{request.id}",
    )
    cachegen.bump(
        session,
        cachegen.STATS,
        cachegen.org_scope(campaign.organization_id),
        cachegen.influencer_scope(request.influencer_id),
    )


@permissions.actor_required
def cancel_offer(session: Session, *, actor: Actor, ad_request_id: int) -> dict:
    """What the sponsor's "Cancel deal" shows: the version to act on, the amount released, or why it is not possible."""
    deal = parties.load(session, ad_request_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    request = deal.request
    problem = None if request.status == "accepted" else f"This deal is {request.status}."
    problem = problem or _problem_without_locks(session, ad_request_id)
    return {
        "version": ad_requests.current_version(session, ad_request_id),
        "amount_cents": int(request.payment_cents),
        "campaign": deal.campaign.name,
        "problem": problem,
    }


def _problem_without_locks(session: Session, ad_request_id: int) -> str | None:
    delivered = session.scalar(
        select(Deliverable.id)
        .where(Deliverable.ad_request_id == ad_request_id, Deliverable.status.in_(DELIVERED))
        .limit(1)
    )
    if delivered is not None:
        return "Content of this deal is already live, so the deal can no longer be cancelled."
    return None
