"""Who is who on a deal: load an accepted request with its campaign, name the actor's side, check standing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import permissions
from core.errors import Conflict, NotFound, PermissionDenied
from core.models import AdRequest, Campaign, FinancialDocument, User
from core.permissions import Actor


@dataclass
class Deal:
    request: AdRequest
    campaign: Campaign

    @property
    def sponsor_id(self) -> int:
        return self.campaign.sponsor_id

    @property
    def organization_id(self) -> int:
        return self.campaign.organization_id

    @property
    def influencer_id(self) -> int:
        return self.request.influencer_id


def load(session: Session, ad_request_id: int) -> Deal:
    row = session.execute(
        select(AdRequest, Campaign)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(AdRequest.id == ad_request_id)
    ).first()
    if row is None:
        raise NotFound("That deal does not exist.")
    return Deal(row[0], row[1])


def side_of(actor: Actor | None, deal: Deal | FinancialDocument, *, noun: str = "deal") -> str:
    """'sponsor', 'influencer' or 'admin' (read-only) on a deal or one of its documents; PermissionDenied otherwise."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    if actor.role == "sponsor" and actor.organization_id is not None and deal.organization_id == actor.organization_id:
        return "sponsor"
    if actor.role == "influencer" and deal.influencer_id == actor.id:
        return "influencer"
    if actor.can("deal.view_any"):
        return "admin"
    raise PermissionDenied(f"That {noun} is not yours.")


def require_side(actor: Actor | None, deal: Deal, side: str, permission: str) -> None:
    """The actor must be this side of the deal and hold permission."""
    if side_of(actor, deal) != side:
        raise PermissionDenied(f"Only the deal's {side} can do that.")
    permissions.require(actor, permission)


def require_good_standing(session: Session, deal: Deal) -> None:
    """Both parties and the campaign must be active, approved and unflagged for a deal to move forward."""
    users = session.execute(
        select(User.id, User.is_active, User.approval, User.flagged).where(
            User.id.in_((deal.sponsor_id, deal.influencer_id))
        )
    ).all()
    for user in users:
        if not user.is_active or user.approval != "approved" or user.flagged:
            who = "sponsor" if user.id == deal.sponsor_id else "influencer"
            raise Conflict(f"This deal is on hold: the {who}'s account is not in good standing.")
    if deal.campaign.flagged:
        raise Conflict("This deal is on hold: its campaign is flagged by an administrator.")
