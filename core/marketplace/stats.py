"""Platform statistics for the admin: each figure group is one aggregate query."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import String, and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from core import permissions
from core.models import AdRequest, Campaign, FinancialDocument, InfluencerProfile, User
from core.permissions import Actor
from core.platform.timeutil import utcnow


ACTIVE_WINDOW = dt.timedelta(days=30)  # "logged in (30 days)"
# "Paid" is what core/deals/earnings.py calls paid: invoices a sponsor has paid, dated by payment (that module
# sits above this one in the layering, so the condition is repeated here, not imported).
PAID_INVOICE = and_(FinancialDocument.kind == "invoice", FinancialDocument.status == "paid")


def login_adds_active_user(previous_login: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a login at now raises the logged-in-30-days count (the user was not counted yet)."""
    return previous_login is None or previous_login < now - ACTIVE_WINDOW


def _month(column):
    return func.substr(func.cast(column, String()), 1, 7)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _month_starts(since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """First instants of the months from since's month up to (excluding) until's month."""
    starts, month = [], since.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while month < until:
        starts.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return starts


def _monthly(
    session: Session,
    column,
    since: dt.datetime,
    current_month: dt.datetime,
    aggregates: list,
    *,
    where: list | None = None,
    keys: list | None = None,
    columns: list[str],
) -> pd.DataFrame:
    """Aggregates per calendar month of column (>= since), as GROUP BY substr(column, 1, 7) would give.

    Each month up to the current one is a range [start, next start) on column's index, so the
    database counts index entries in order instead of formatting every timestamp and sorting them
    by month; anything after the current month (clock skew) uses the plain GROUP BY. Months without
    rows are left out, like the GROUP BY leaves them out.
    """
    where, keys = list(where or []), list(keys or [])
    present = func.count().label("present_rows")
    parts = []
    next_month = (current_month + dt.timedelta(days=32)).replace(day=1)
    starts = _month_starts(since, next_month)
    for start, end in zip(starts, starts[1:] + [next_month]):
        part = select(literal(start.strftime("%Y-%m")).label("month"), *keys, present, *aggregates).where(
            column >= start, column < end, *where
        )
        parts.append(part.group_by(*keys) if keys else part)
    month = _month(column)
    parts.append(
        select(month.label("month"), *keys, present, *aggregates)
        .where(column >= max(since, next_month), *where)
        .group_by(month, *keys)
    )
    rows = [row for row in session.execute(union_all(*parts)).all() if row[1 + len(keys)]]
    frame = pd.DataFrame(
        [(row[0], *row[2:]) if not keys else (row[0], *row[1 : 1 + len(keys)], *row[2 + len(keys) :]) for row in rows],
        columns=columns,
    )
    return frame.sort_values(columns[: 1 + len(keys)], kind="stable", ignore_index=True)


def admin_statistics(session: Session, *, actor: Actor, months: int = 12) -> dict:
    """Everything the admin dashboard shows, as plain numbers and DataFrames."""
    permissions.require(actor, "stats.view")
    now = utcnow()
    since = (now - dt.timedelta(days=31 * months)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    active_since = now - ACTIVE_WINDOW

    users = session.execute(
        select(
            func.count(),
            _count_if(User.role == "admin"),
            _count_if(User.role == "sponsor"),
            _count_if(User.role == "influencer"),
            _count_if(and_(User.is_active.is_(True), User.approval == "approved", User.flagged.is_(False))),
            _count_if(User.approval == "pending"),
            _count_if(User.flagged.is_(True)),
            _count_if(User.is_active.is_(False)),
            _count_if(User.last_login_at >= active_since),
        )
    ).one()
    campaigns = session.execute(
        select(
            func.count(),
            _count_if(Campaign.is_public.is_(True)),
            _count_if(Campaign.is_public.is_(False)),
            _count_if(Campaign.flagged.is_(True)),
            *[_count_if(Campaign.status == s) for s in ("draft", "active", "completed", "cancelled")],
            func.coalesce(func.sum(Campaign.budget_cents), 0),
            func.coalesce(func.sum(Campaign.committed_cents), 0),
        )
    ).one()
    statuses = ("pending", "negotiating", "accepted", "rejected", "withdrawn", "completed")
    # One pass over the (status, accepted_at, payment_cents) index, grouped in index order: no table
    # scan and no sorter, unlike a CASE per status over every row.
    by_status = {
        status: (int(n), int(total or 0))
        for status, n, total in session.execute(
            select(AdRequest.status, func.count(), func.sum(AdRequest.payment_cents)).group_by(AdRequest.status)
        )
    }
    paid = session.scalar(select(func.coalesce(func.sum(FinancialDocument.amount_cents), 0)).where(PAID_INVOICE))
    requests = (
        sum(n for n, _ in by_status.values()),
        *[by_status.get(s, (0, 0))[0] for s in statuses],
        paid or 0,
    )

    current_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    signups = _monthly(
        session,
        User.created_at,
        since,
        current_month,
        [func.count().label("count")],
        keys=[User.role],
        columns=["month", "role", "count"],
    )
    request_trend = _monthly(
        session, AdRequest.created_at, since, current_month, [func.count().label("count")], columns=["month", "count"]
    )
    committed = _monthly(
        session,
        AdRequest.accepted_at,
        since,
        current_month,
        [func.sum(AdRequest.payment_cents).label("committed_cents")],
        where=[AdRequest.status.in_(("accepted", "completed"))],
        columns=["month", "committed_cents"],
    )
    # Few rows (paid invoices only), and paid_date is a date: a plain GROUP BY month, bounded by a date.
    paid_month = _month(FinancialDocument.paid_date)
    paid_by_month = pd.DataFrame(
        session.execute(
            select(paid_month, func.sum(FinancialDocument.amount_cents))
            .where(PAID_INVOICE, FinancialDocument.paid_date >= since.date())
            .group_by(paid_month)
        ).all(),
        columns=["month", "paid_cents"],
    )
    money = (
        committed.merge(paid_by_month, on="month", how="outer")
        .fillna(0)
        .astype({"committed_cents": "int64", "paid_cents": "int64"})
        .sort_values("month", ignore_index=True)
    )
    top_categories = pd.DataFrame(
        session.execute(
            select(
                Campaign.category,
                func.count().label("campaigns"),
                func.sum(Campaign.budget_cents).label("budget_cents"),
            )
            .group_by(Campaign.category)
            .order_by(func.count().desc())
            .limit(10)
        ).all(),
        columns=["category", "campaigns", "budget_cents"],
    )
    influencer_categories = pd.DataFrame(
        session.execute(
            select(InfluencerProfile.category, func.count().label("influencers"))
            .group_by(InfluencerProfile.category)
            .order_by(func.count().desc())
            .limit(10)
        ).all(),
        columns=["category", "influencers"],
    )

    return {
        "as_of": now,
        "users": dict(
            zip(
                (
                    "total",
                    "admins",
                    "sponsors",
                    "influencers",
                    "active",
                    "pending_sponsors",
                    "flagged",
                    "deactivated",
                    "logged_in_30d",
                ),
                map(int, users),
            )
        ),
        "campaigns": dict(
            zip(
                (
                    "total",
                    "public",
                    "private",
                    "flagged",
                    "draft",
                    "active",
                    "completed",
                    "cancelled",
                    "budget_cents",
                    "committed_cents",
                ),
                map(int, campaigns),
            )
        ),
        "ad_requests": dict(zip(("total", *statuses, "paid_cents"), map(int, requests))),
        "signups_by_month": signups,
        "ad_requests_by_month": request_trend,
        "money_by_month": money,
        "top_categories": top_categories,
        "influencer_categories": influencer_categories,
    }
