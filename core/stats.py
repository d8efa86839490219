"""Platform statistics for the admin: each figure group is one aggregate query."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import String, and_, case, func, select
from sqlalchemy.orm import Session

from core import cachegen, permissions
from core.models import AdRequest, CacheGeneration, Campaign, InfluencerProfile, User
from core.permissions import Actor
from core.timeutil import utcnow


def _month(column):
    return func.substr(func.cast(column, String()), 1, 7)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def admin_statistics(session: Session, *, actor: Actor, months: int = 12) -> dict:
    """Everything the admin dashboard shows, as plain numbers and DataFrames."""
    permissions.require(actor, "stats.view")
    now = utcnow()
    since = (now - dt.timedelta(days=31 * months)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    active_since = now - dt.timedelta(days=30)

    users = session.execute(select(
        func.count(),
        _count_if(User.role == "admin"), _count_if(User.role == "sponsor"), _count_if(User.role == "influencer"),
        _count_if(and_(User.is_active.is_(True), User.approval == "approved", User.flagged.is_(False))),
        _count_if(User.approval == "pending"), _count_if(User.flagged.is_(True)), _count_if(User.is_active.is_(False)),
        _count_if(User.last_login_at >= active_since),
    )).one()
    campaigns = session.execute(select(
        func.count(), _count_if(Campaign.is_public.is_(True)), _count_if(Campaign.is_public.is_(False)),
        _count_if(Campaign.flagged.is_(True)),
        *[_count_if(Campaign.status == s) for s in ("draft", "active", "completed", "cancelled")],
        func.coalesce(func.sum(Campaign.budget_cents), 0), func.coalesce(func.sum(Campaign.committed_cents), 0),
    )).one()
    statuses = ("pending", "negotiating", "accepted", "rejected", "withdrawn", "completed")
    requests = session.execute(select(
        func.count(), *[_count_if(AdRequest.status == s) for s in statuses],
        func.coalesce(func.sum(case((AdRequest.status == "completed", AdRequest.payment_cents), else_=0)), 0),
    )).one()

    signups = pd.DataFrame(session.execute(
        select(_month(User.created_at).label("month"), User.role, func.count().label("count"))
        .where(User.created_at >= since).group_by("month", User.role).order_by("month")
    ).all(), columns=["month", "role", "count"])
    request_trend = pd.DataFrame(session.execute(
        select(_month(AdRequest.created_at).label("month"), func.count().label("count"))
        .where(AdRequest.created_at >= since).group_by("month").order_by("month")
    ).all(), columns=["month", "count"])
    money = pd.DataFrame(session.execute(
        select(_month(AdRequest.accepted_at).label("month"),
               func.sum(AdRequest.payment_cents).label("committed_cents"),
               func.sum(case((AdRequest.status == "completed", AdRequest.payment_cents), else_=0)).label("paid_cents"))
        .where(AdRequest.accepted_at >= since, AdRequest.status.in_(("accepted", "completed")))
        .group_by("month").order_by("month")
    ).all(), columns=["month", "committed_cents", "paid_cents"])
    top_categories = pd.DataFrame(session.execute(
        select(Campaign.category, func.count().label("campaigns"), func.sum(Campaign.budget_cents).label("budget_cents"))
        .group_by(Campaign.category).order_by(func.count().desc()).limit(10)
    ).all(), columns=["category", "campaigns", "budget_cents"])
    influencer_categories = pd.DataFrame(session.execute(
        select(InfluencerProfile.category, func.count().label("influencers"))
        .group_by(InfluencerProfile.category).order_by(func.count().desc()).limit(10)
    ).all(), columns=["category", "influencers"])

    return {
        "as_of": now,
        "users": dict(zip(("total", "admins", "sponsors", "influencers", "active", "pending_sponsors", "flagged",
                           "deactivated", "logged_in_30d"), map(int, users))),
        "campaigns": dict(zip(("total", "public", "private", "flagged", "draft", "active", "completed", "cancelled",
                               "budget_cents", "committed_cents"), map(int, campaigns))),
        "ad_requests": dict(zip(("total", *statuses, "paid_cents"), map(int, requests))),
        "signups_by_month": signups,
        "ad_requests_by_month": request_trend,
        "money_by_month": money,
        "top_categories": top_categories,
        "influencer_categories": influencer_categories,
    }


def statistics_generation(session: Session, *, actor: Actor) -> int:
    """The stats cache generation (bumped by every write that changes these figures), for cache keys."""
    permissions.require(actor, "stats.view")
    return session.scalar(select(CacheGeneration.version).where(CacheGeneration.scope == cachegen.STATS)) or 0
