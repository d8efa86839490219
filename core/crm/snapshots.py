"""Daily analytics snapshots: one row per organization and one platform-wide per UTC day, written exactly once.

Every figure is "as of the end of that day", reconstructed from timestamps so a day computed late (catch-up
after downtime) gets the same numbers it would have had on time where the data allows:

- campaigns_total / budget_cents: campaigns created by the end of the day, at their *current* budget
  (budget edits are not versioned);
- campaigns_active: of those, status "active" *now* and running that day (start_date <= day <= end_date) —
  a campaign paused or cancelled later is not counted for earlier days (status changes are not dated);
- pipeline (cold / active / final): cards by their stage's kind as of the day's end, from the recorded moves;
- revenue_cents: paid to influencers — succeeded payments created by the end of the day;
- expenses_cents: committed — accepted/completed requests accepted by the end of the day, at their agreed fee.

Amounts are cumulative totals as of the day, so a row never depends on the previous one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import ColumnElement, Insert, case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.errors import InvalidInput, PermissionDenied
from core.models import (
    COMMITTED_AD_REQUEST_STATUSES,
    AdRequest,
    AnalyticsSnapshot,
    Campaign,
    CrmRecord,
    CrmRecordEvent,
    CrmStage,
    FinancialDocument,
    Organization,
    Payment,
    User,
)
from core.permissions import Actor, require, require_member
from core.platform.db import Database
from core.platform.timeutil import utcnow

FIGURES = (
    "campaigns_total",
    "campaigns_active",
    "budget_cents",
    "influencers_cold",
    "influencers_active",
    "influencers_final",
    "revenue_cents",
    "expenses_cents",
)
RULES_VERSION = 1  # bump when a figure's definition changes; stored in each row's metadata
MAX_TREND_DAYS = 366


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after day (naive UTC): "as of the end of day" means strictly before this."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _zeros() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def pipeline_counts(session: Session, organization_id: int | None = None, *, day: dt.date | None = None) -> dict:
    """Pipeline cards per stage kind {org_id: {"cold", "active", "final"}} as of the end of day (default today).

    A card's stage at a moment is where its last recorded move before then put it (every card's creation is its
    first move), so past days are reconstructed exactly; cards in custom stages count in none of the three.
    organization_id None counts every organization.
    """
    cutoff = end_of(day or utcnow().date())
    last_move = (
        select(CrmRecordEvent.record_id, func.max(CrmRecordEvent.id).label("event_id"))
        .where(CrmRecordEvent.at < cutoff)
        .group_by(CrmRecordEvent.record_id)
        .subquery()
    )
    stmt = (
        select(CrmRecord.organization_id, CrmStage.kind, func.count())
        .select_from(last_move)
        .join(CrmRecordEvent, CrmRecordEvent.id == last_move.c.event_id)
        .join(CrmStage, CrmStage.id == CrmRecordEvent.to_stage_id)
        .join(CrmRecord, CrmRecord.id == last_move.c.record_id)
        .where(CrmStage.kind.in_(("cold", "active", "final")))
        .group_by(CrmRecord.organization_id, CrmStage.kind)
    )
    if organization_id is not None:
        stmt = stmt.where(CrmRecord.organization_id == organization_id)
    counts: dict[int, dict[str, int]] = {}
    for org, kind, n in session.execute(stmt).all():
        counts.setdefault(org, {"cold": 0, "active": 0, "final": 0})[kind] = int(n)
    return counts


def compute_day(session: Session, *, day: dt.date, organization_ids: Iterable[int] | None = None) -> dict:
    """The figures {org_id: {...}} as of the end of day, four aggregate queries over all organizations."""
    cutoff = end_of(day)
    orgs = list(organization_ids) if organization_ids is not None else list(session.scalars(select(Organization.id)))
    result: dict = {org: _zeros() for org in orgs}
    running = (Campaign.status == "active") & (Campaign.start_date <= day) & (Campaign.end_date >= day)
    for org, total, active, budget in session.execute(
        select(
            Campaign.organization_id,
            func.count(),
            func.sum(case((running, 1), else_=0)),
            func.sum(Campaign.budget_cents),
        )
        .where(Campaign.created_at < cutoff, Campaign.organization_id.is_not(None))
        .group_by(Campaign.organization_id)
    ):
        if org in result:
            result[org].update(campaigns_total=int(total), campaigns_active=int(active or 0), budget_cents=int(budget))
    for org, committed in session.execute(
        select(Campaign.organization_id, func.sum(AdRequest.payment_cents))
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(
            AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES),
            AdRequest.accepted_at.is_not(None),
            AdRequest.accepted_at < cutoff,
        )
        .group_by(Campaign.organization_id)
    ):
        if org in result:
            result[org]["expenses_cents"] = int(committed or 0)
    for org, paid in session.execute(
        select(FinancialDocument.organization_id, func.sum(Payment.amount_cents))
        .join(FinancialDocument, FinancialDocument.id == Payment.invoice_id)
        .where(Payment.status == "succeeded", Payment.created_at < cutoff)
        .group_by(FinancialDocument.organization_id)
    ):
        if org in result:
            result[org]["revenue_cents"] = int(paid or 0)
    for org, stages in pipeline_counts(session, day=day).items():
        if org in result:
            result[org].update(
                influencers_cold=stages["cold"], influencers_active=stages["active"], influencers_final=stages["final"]
            )
    return result


def _insert_ignoring_duplicates(session: Session, rows: list[dict]) -> int:
    """Insert rows, skipping any (organization, day) already there — also one a concurrent run just wrote."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(AnalyticsSnapshot).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(AnalyticsSnapshot).on_conflict_do_nothing()
    else:  # pragma: no cover - the product runs on SQLite and PostgreSQL only
        statement = insert(AnalyticsSnapshot)
    # RETURNING lists only the rows really inserted (rowcount is not reliable for INSERT … ON CONFLICT).
    return len(session.execute(statement.returning(AnalyticsSnapshot.id), rows).all())


def take_snapshots(session: Session, *, day: dt.date, now: dt.datetime | None = None) -> int:
    """Write day's snapshot for every organization and the platform (once); returns how many rows were new.

    A system job (no actor): it reads every organization, writes only analytics_snapshots, and a second run —
    or a concurrent one — inserts nothing because of the unique (organization, day) keys.
    """
    now = now or utcnow()
    if day >= now.date():
        raise InvalidInput("A day's snapshot can be taken only once the day is over.")
    figures = compute_day(session, day=day)
    meta = {
        "rules": RULES_VERSION,
        "computed_at": now.isoformat(timespec="seconds"),
        "late": now >= end_of(day + dt.timedelta(days=1)),
    }
    platform = _zeros()
    for values in figures.values():
        for key in FIGURES:
            platform[key] += values[key]
    influencers = session.scalar(
        select(func.count()).select_from(User).where(User.role == "influencer", User.created_at < end_of(day))
    )
    rows = [
        {"organization_id": org, "day": day, **values, "meta": meta, "created_at": now}
        for org, values in figures.items()
    ]
    rows.append(
        {
            "organization_id": None,
            "day": day,
            **platform,
            "meta": {**meta, "organizations": len(figures), "influencers_registered": int(influencers or 0)},
            "created_at": now,
        }
    )
    return _insert_ignoring_duplicates(session, rows)


def missing_days(session: Session, *, until: dt.date, max_days: int) -> list[dt.date]:
    """Days without a platform-wide snapshot in the max_days ending at until (inclusive), oldest first.

    Once snapshots exist, days before the first one are history the product never recorded and stay empty;
    on a fresh install (no snapshot yet) the whole window is back-filled from timestamps.
    """
    platform = AnalyticsSnapshot.organization_id.is_(None)
    first = until - dt.timedelta(days=max_days - 1)
    earliest = session.scalar(select(func.min(AnalyticsSnapshot.day)).where(platform))
    if earliest is not None:
        first = max(first, earliest)
    have = set(
        session.scalars(select(AnalyticsSnapshot.day).where(platform, AnalyticsSnapshot.day.between(first, until)))
    )
    span = (until - first).days + 1
    return [day for day in (first + dt.timedelta(days=n) for n in range(span)) if day not in have]


def catch_up(db: Database, *, until: dt.date | None = None, max_days: int = 31, now: dt.datetime | None = None) -> dict:
    """Take every missing day's snapshots up to until (default yesterday), one transaction per day.

    now is the injectable clock (tests, replays); a day not over yet is never snapshotted. Days older than
    max_days before until are left alone, so a long outage costs a bounded amount of work.
    """
    now = now or utcnow()
    until = min(until or now.date() - dt.timedelta(days=1), now.date() - dt.timedelta(days=1))
    if max_days < 1:
        raise InvalidInput("max_days must be at least 1.")
    with db.ReadSession.begin() as session:
        days = missing_days(session, until=until, max_days=max_days)
    inserted = 0
    for day in days:
        with db.Session.begin() as session:
            inserted += take_snapshots(session, day=day, now=now)
    return {"days": [d.isoformat() for d in days], "rows": inserted}


def trend(session: Session, *, actor: Actor, days: int = 90, until: dt.date | None = None) -> pd.DataFrame:
    """The last days of snapshots up to until (default yesterday), one row per day, oldest first.

    Sponsors (crm.view) see their organization's rows; admins (stats.view) the platform-wide rows. Anyone
    else gets PermissionDenied.
    """
    if actor is None:
        raise PermissionDenied("Please log in first.")
    scope: ColumnElement[bool]
    if actor.is_admin:
        require(actor, "stats.view")
        scope = AnalyticsSnapshot.organization_id.is_(None)
    else:
        scope = AnalyticsSnapshot.organization_id == require_member(actor, "crm.view")
    if not 1 <= days <= MAX_TREND_DAYS:
        raise InvalidInput(f"Choose between 1 and {MAX_TREND_DAYS} days.")
    until = until or utcnow().date() - dt.timedelta(days=1)
    first = until - dt.timedelta(days=days - 1)
    columns = [AnalyticsSnapshot.day, *(getattr(AnalyticsSnapshot, name) for name in FIGURES)]
    rows = session.execute(
        select(*columns)
        .where(scope, AnalyticsSnapshot.day >= first, AnalyticsSnapshot.day <= until)
        .order_by(AnalyticsSnapshot.day)
    ).all()
    frame = pd.DataFrame(rows, columns=["day", *FIGURES])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame.astype({name: "int64" for name in FIGURES})
