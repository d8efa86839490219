"""Keeps the denormalised `listed` flags true to the rules of who may appear in search.

An influencer is listed when the profile is public and the user is active, approved and not
flagged. A campaign is listed when it is public, active, not flagged and its sponsor is listed-able.
Search filters on these flags through indexes instead of joining users on every query.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session

from core.models import Campaign, InfluencerProfile, User


def _user_in_good_standing(user_id_column):
    return exists(
        select(User.id).where(
            User.id == user_id_column, User.is_active.is_(True), User.approval == "approved", User.flagged.is_(False)
        )
    )


def refresh_influencer(session: Session, user_id: int) -> None:
    """Recompute `listed` for one influencer profile."""
    session.execute(
        update(InfluencerProfile)
        .where(InfluencerProfile.user_id == user_id)
        .values(listed=and_(InfluencerProfile.is_public.is_(True), _user_in_good_standing(InfluencerProfile.user_id)))
        .execution_options(synchronize_session=False)
    )


def refresh_campaigns(session: Session, *, campaign_id: int | None = None, sponsor_id: int | None = None) -> None:
    """Recompute `listed` for one campaign or all of a sponsor's campaigns."""
    stmt = (
        update(Campaign)
        .values(
            listed=and_(
                Campaign.is_public.is_(True),
                Campaign.flagged.is_(False),
                Campaign.status == "active",
                _user_in_good_standing(Campaign.sponsor_id),
            )
        )
        .execution_options(synchronize_session=False)
    )
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    if sponsor_id is not None:
        stmt = stmt.where(Campaign.sponsor_id == sponsor_id)
    session.execute(stmt)


def refresh_user(session: Session, user_id: int) -> None:
    """Recompute listings that depend on a user's standing (their profile and campaigns)."""
    refresh_influencer(session, user_id)
    refresh_campaigns(session, sponsor_id=user_id)
