"""Reviews after completion: the sponsor rates the influencer, the influencer rates the campaign, once per deal.

Editable by the author for `review_edit_days`; an admin may hide an abusive one with a reason (audited).
Ratings feed search relevance through `bayesian_rating` (see docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, permissions, validate
from core.deals import parties
from core.deals.rules import deal_rules
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.messaging import notifications
from core.marketplace import scoring
from core.models import Campaign, InfluencerProfile, Review, User
from core.permissions import Actor
from core.platform import cachegen
from core.platform.timeutil import utcnow

DIRECTION_OF = {"sponsor": "sponsor_to_influencer", "influencer": "influencer_to_campaign"}
bayesian_rating = scoring.bayesian_rating  # one definition, in the marketplace's scoring


def _stars(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput("Choose from 1 to 5 stars.")
    return value


def _refresh_rating(session: Session, influencer_id: int) -> None:
    """Store the influencer's visible rating on her profile and fold it into her search score."""
    rating = influencer_rating(session, influencer_id)
    profile = session.get(InfluencerProfile, influencer_id)
    if profile is None:
        return
    profile.rating_avg, profile.rating_count = rating["average"], rating["count"]
    profile.score = scoring.relevance_score(profile.reach, profile.engagement_rate, rating["average"], rating["count"])


def _bump(session: Session, deal: parties.Deal) -> None:
    cachegen.bump(
        session,
        cachegen.INFLUENCERS,
        cachegen.CAMPAIGNS,
        cachegen.org_scope(deal.organization_id),
        cachegen.influencer_scope(deal.influencer_id),
    )


@permissions.actor_required
def write_review(session: Session, *, actor: Actor, ad_request_id: int, stars: int, text: str = "") -> int:
    """Rate the other side of a completed deal (once)."""
    permissions.require(actor, "review.write")
    deal = parties.load(session, ad_request_id)
    side = parties.side_of(actor, deal)
    if side not in DIRECTION_OF:
        raise PermissionDenied("Only the two sides of a deal can review it.")
    if deal.request.status != "completed":
        raise Conflict("Reviews open once the deal is completed.")
    review = Review(
        ad_request_id=ad_request_id,
        direction=DIRECTION_OF[side],
        author_id=actor.id,
        influencer_id=deal.influencer_id,
        campaign_id=deal.campaign.id,
        stars=_stars(stars),
        text=validate.text(text, "Review", max_len=2000, required=False),
    )
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:
        raise Conflict("You have already reviewed this deal; edit your review instead.") from None
    if review.direction == "sponsor_to_influencer":
        _refresh_rating(session, deal.influencer_id)
    other = deal.influencer_id if side == "sponsor" else deal.sponsor_id
    notifications.notify(
        session, other, "review", f"New {stars}★ review: {deal.campaign.name}", link=f"request:{deal.request.id}"
    )
    _bump(session, deal)
    return review.id


@permissions.actor_required
def edit_review(session: Session, *, actor: Actor, review_id: int, stars: int, text: str = "") -> None:
    """The author changes their review within the edit window."""
    permissions.require(actor, "review.write")
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("That review does not exist.")
    if review.author_id != actor.id:
        raise PermissionDenied("Only the author can edit a review.")
    window = dt.timedelta(days=deal_rules().review_edit_days)
    if utcnow() - review.created_at > window:
        raise Conflict(f"Reviews can be edited for {window.days} days; this one is older.")
    review.stars, review.text, review.updated_at = (
        _stars(stars),
        validate.text(text, "Review", max_len=2000, required=False),
        utcnow(),
    )
    session.flush()
    if review.direction == "sponsor_to_influencer":
        _refresh_rating(session, review.influencer_id)
    _bump(session, parties.load(session, review.ad_request_id))


@permissions.actor_required
def hide_review(session: Session, *, actor: Actor, review_id: int, reason: str) -> None:
    """An admin hides an abusive review; it stays stored and the reason is audited."""
    permissions.require(actor, "review.moderate")
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("That review does not exist.")
    if review.hidden_at is not None:
        raise Conflict("This review is already hidden.")
    reason = validate.text(reason, "Reason", max_len=1000)
    review.hidden_at, review.hidden_reason, review.hidden_by = utcnow(), reason, actor.id
    audit.record(session, actor, "review.hidden", "review", review.id, detail=reason)
    session.flush()
    if review.direction == "sponsor_to_influencer":
        _refresh_rating(session, review.influencer_id)
    _bump(session, parties.load(session, review.ad_request_id))


def influencer_rating(session: Session, influencer_id: int) -> dict:
    """Average and count of visible sponsor reviews of an influencer, with the Bayesian rating."""
    average, count = session.execute(
        select(func.avg(Review.stars), func.count(Review.id)).where(
            Review.influencer_id == influencer_id,
            Review.direction == "sponsor_to_influencer",
            Review.hidden_at.is_(None),
        )
    ).one()
    average = float(average) if average is not None else None
    return {"average": average, "count": count, "bayesian": bayesian_rating(average, count)}


def campaign_rating(session: Session, campaign_id: int) -> dict:
    """Average and count of visible influencer reviews of a campaign."""
    average, count = session.execute(
        select(func.avg(Review.stars), func.count(Review.id)).where(
            Review.campaign_id == campaign_id, Review.direction == "influencer_to_campaign", Review.hidden_at.is_(None)
        )
    ).one()
    return {"average": float(average) if average is not None else None, "count": count}


@permissions.actor_required
def reviews_of_request(session: Session, *, actor: Actor, ad_request_id: int) -> pd.DataFrame:
    """Both sides' reviews of one deal (hidden ones only for an admin)."""
    deal = parties.load(session, ad_request_id)
    side = parties.side_of(actor, deal)
    query = (
        select(
            Review.id,
            Review.direction,
            User.username.label("author"),
            Review.stars,
            Review.text,
            Review.created_at,
            Review.hidden_at,
            Review.hidden_reason,
            Review.author_id,
        )
        .outerjoin(User, User.id == Review.author_id)
        .where(Review.ad_request_id == ad_request_id)
    )
    if side != "admin":
        query = query.where(Review.hidden_at.is_(None))
    columns = ["id", "direction", "author", "stars", "text", "created_at", "hidden_at", "hidden_reason", "author_id"]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


@permissions.actor_required
def list_recent(session: Session, *, actor: Actor, limit: int = 200) -> pd.DataFrame:
    """Admin: the newest reviews, hidden ones included, with author and subject."""
    permissions.require(actor, "review.moderate")
    subject = User.__table__.alias("subject")
    query = (
        select(
            Review.id,
            Review.created_at,
            Review.direction,
            User.username.label("author"),
            subject.c.username.label("influencer"),
            Campaign.name.label("campaign"),
            Review.stars,
            Review.text,
            Review.hidden_at,
            Review.hidden_reason,
        )
        .outerjoin(User, User.id == Review.author_id)
        .join(subject, subject.c.id == Review.influencer_id)
        .join(Campaign, Campaign.id == Review.campaign_id)
        .order_by(Review.id.desc())
        .limit(max(1, min(int(limit), 1000)))
    )
    columns = [
        "id",
        "created_at",
        "direction",
        "author",
        "influencer",
        "campaign",
        "stars",
        "text",
        "hidden_at",
        "hidden_reason",
    ]
    return pd.DataFrame(session.execute(query).all(), columns=columns)
