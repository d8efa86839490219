"""Money views of deals: budget burn per campaign (committed, invoiced, paid, owed) and the admin's overview."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from core import permissions
from core.deals import earnings
from core.errors import PermissionDenied
from core.marketplace import organizations
from core.models import COMMITTED_AD_REQUEST_STATUSES, AdRequest, Campaign, FinancialDocument
from core.permissions import Actor
from core.platform.timeutil import today

AGEING_BUCKETS = ("0–30 days", "31–60 days", "61–90 days", "90+ days")


def _invoice_sum(*statuses: str):
    return func.coalesce(
        func.sum(
            case(
                (
                    and_(FinancialDocument.kind == "invoice", FinancialDocument.status.in_(statuses)),
                    FinancialDocument.amount_cents,
                ),
                else_=0,
            )
        ),
        0,
    )


@permissions.actor_required
def budget_burn(session: Session, *, actor: Actor, campaign_id: int | None = None) -> pd.DataFrame:
    """Per campaign of the organization (or one): budget, committed, invoiced, paid, owed (approved, unpaid), uncommitted."""
    org_id = organizations.require_member(actor)
    money = (
        select(
            FinancialDocument.campaign_id.label("campaign_id"),
            _invoice_sum(*earnings.INVOICED_STATUSES).label("invoiced_cents"),
            _invoice_sum(*earnings.PAID_STATUSES).label("paid_cents"),
            _invoice_sum("approved").label("owed_cents"),
        )
        .where(FinancialDocument.organization_id == org_id)
        .group_by(FinancialDocument.campaign_id)
        .subquery()
    )
    query = (
        select(
            Campaign.id.label("campaign_id"),
            Campaign.name,
            Campaign.budget_cents,
            Campaign.committed_cents,
            func.coalesce(money.c.invoiced_cents, 0),
            func.coalesce(money.c.paid_cents, 0),
            func.coalesce(money.c.owed_cents, 0),
        )
        .outerjoin(money, money.c.campaign_id == Campaign.id)
        .where(Campaign.organization_id == org_id)
        .order_by(Campaign.committed_cents.desc(), Campaign.id)
    )
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    columns = ["campaign_id", "name", "budget_cents", "committed_cents", "invoiced_cents", "paid_cents", "owed_cents"]
    frame = pd.DataFrame(session.execute(query).all(), columns=columns)
    frame["uncommitted_cents"] = frame["budget_cents"] - frame["committed_cents"]
    return frame


BURN_COLUMNS = ["day", "committed_cents", "invoiced_cents", "paid_cents"]


@permissions.actor_required
def burn_by_day(session: Session, *, actor: Actor) -> pd.DataFrame:
    """Per day, over the organization's campaigns: fees committed (accepted deals, by acceptance), invoiced
    (live invoices, by issue date) and paid (by payment date), in cents. The same words as core/deals/earnings.py."""
    org_id = organizations.require_member(actor)
    committed_day = func.date(AdRequest.accepted_at).label("day")
    committed = session.execute(
        select(committed_day, func.sum(AdRequest.payment_cents))
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(
            Campaign.organization_id == org_id,
            AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES),
            AdRequest.accepted_at.is_not(None),
        )
        .group_by(committed_day)
    ).all()
    invoices = and_(FinancialDocument.organization_id == org_id, FinancialDocument.kind == "invoice")
    invoiced = session.execute(
        select(FinancialDocument.issue_date, func.sum(FinancialDocument.amount_cents))
        .where(invoices, FinancialDocument.status.in_(earnings.INVOICED_STATUSES))
        .group_by(FinancialDocument.issue_date)
    ).all()
    paid = session.execute(
        select(FinancialDocument.paid_date, func.sum(FinancialDocument.amount_cents))
        .where(invoices, FinancialDocument.status.in_(earnings.PAID_STATUSES), FinancialDocument.paid_date.is_not(None))
        .group_by(FinancialDocument.paid_date)
    ).all()
    # SQLite's date() gives text, PostgreSQL's a date: one key type for the merge.
    series = [{pd.Timestamp(day): int(total or 0) for day, total in rows} for rows in (committed, invoiced, paid)]
    days = sorted(set().union(*series))
    return pd.DataFrame([(day, *(s.get(day, 0) for s in series)) for day in days], columns=BURN_COLUMNS)


def totals(frame: pd.DataFrame) -> dict:
    """Sums of a budget-burn frame's money columns."""
    return {c: int(frame[c].sum()) if not frame.empty else 0 for c in frame.columns if c.endswith("_cents")}


@permissions.actor_required
def finance_overview(session: Session, *, actor: Actor, on: dt.date | None = None) -> dict:
    """Admin: invoice totals by status and the ageing of approved, unpaid invoices past their due date."""
    if actor is None or not actor.can("deal.view_any"):
        raise PermissionDenied("Only administrators see the finance overview.")
    on = on or today()
    by_status = session.execute(
        select(
            FinancialDocument.kind,
            FinancialDocument.status,
            func.count(),
            func.coalesce(func.sum(FinancialDocument.amount_cents), 0),
        )
        .group_by(FinancialDocument.kind, FinancialDocument.status)
        .order_by(FinancialDocument.kind, FinancialDocument.status)
    ).all()
    # Buckets by due date, computed in SQL from boundary dates (no date arithmetic that differs by engine):
    # the database returns four rows, not one per overdue invoice.
    bucket = case(
        (FinancialDocument.due_date >= on - dt.timedelta(days=30), 0),
        (FinancialDocument.due_date >= on - dt.timedelta(days=60), 1),
        (FinancialDocument.due_date >= on - dt.timedelta(days=90), 2),
        else_=3,
    ).label("bucket")
    overdue = session.execute(
        select(bucket, func.count(), func.coalesce(func.sum(FinancialDocument.amount_cents), 0))
        .where(
            FinancialDocument.kind == "invoice", FinancialDocument.status == "approved", FinancialDocument.due_date < on
        )
        .group_by(bucket)
    ).all()
    ageing = {name: {"count": 0, "amount_cents": 0} for name in AGEING_BUCKETS}
    for index, count, amount in overdue:
        ageing[AGEING_BUCKETS[int(index)]] = {"count": int(count), "amount_cents": int(amount)}
    return {
        "by_status": pd.DataFrame(by_status, columns=["kind", "status", "count", "amount_cents"]),
        "ageing": pd.DataFrame([{"bucket": b, **v} for b, v in ageing.items()]),
    }
