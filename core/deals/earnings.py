"""An influencer's money in three words, one definition each, for every figure and chart that shows it.

- agreed:   fees of the deals the influencer agreed (ad requests accepted or completed), dated by acceptance.
            The sponsor calls the same money "committed".
- invoiced: invoices sent and still standing (pending, approved or paid), dated by issue date.
- paid:     invoices the sponsor has paid, dated by payment. "Earned" means paid: money received.

Written down in docs/decisions/ux.md, "Earned, agreed, invoiced, paid". Sponsor figures (core/deals/finance.py)
use the same invoice statuses for "invoiced" and "paid".
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import String, and_, case, func, select
from sqlalchemy.orm import Session

from core import permissions
from core.deals import documents
from core.models import (
    COMMITTED_AD_REQUEST_STATUSES,
    OPEN_AD_REQUEST_STATUSES,
    AdRequest,
    FinancialDocument,
)
from core.permissions import Actor

INVOICED_STATUSES = documents.LIVE_INVOICE  # pending, approved or paid: sent and not rejected or cancelled
PAID_STATUSES = ("paid",)
# The words on every figure and chart series, in the order money moves.
LABELS = {"agreed_cents": "Agreed", "invoiced_cents": "Invoiced", "paid_cents": "Paid"}
MONTH_COLUMNS = ["month", *LABELS]


def _month(column):
    """'YYYY-MM' of a date or timestamp column, the same text on SQLite and PostgreSQL."""
    return func.substr(func.cast(column, String()), 1, 7)


def _sum_if(condition, amount):
    return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)


def _invoices(actor: Actor):
    return and_(FinancialDocument.influencer_id == actor.id, FinancialDocument.kind == "invoice")


@permissions.actor_required
def summary(session: Session, *, actor: Actor) -> dict:
    """The influencer's agreed, invoiced and paid totals, what awaits invoicing or payment, and open offers."""
    permissions.require(actor, "ad_request.respond")
    deals = session.execute(
        select(
            _sum_if(AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES), AdRequest.payment_cents),
            _sum_if(AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES), AdRequest.payment_cents),
            _sum_if(and_(AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES), AdRequest.turn == "influencer"), 1),
        ).where(AdRequest.influencer_id == actor.id)
    ).one()
    invoices = session.execute(
        select(
            _sum_if(FinancialDocument.status.in_(INVOICED_STATUSES), FinancialDocument.amount_cents),
            _sum_if(FinancialDocument.status.in_(PAID_STATUSES), FinancialDocument.amount_cents),
        ).where(_invoices(actor))
    ).one()
    agreed, invoiced, paid = int(deals[0]), int(invoices[0]), int(invoices[1])
    return {
        "agreed_cents": agreed,
        "invoiced_cents": invoiced,
        "paid_cents": paid,
        # Agreed work not invoiced yet (never below zero), and invoices the sponsor has not paid yet.
        "to_invoice_cents": max(agreed - invoiced, 0),
        "awaiting_payment_cents": invoiced - paid,
        "open_offers_cents": int(deals[1]),
        "awaiting_me": int(deals[2]),
    }


@permissions.actor_required
def by_month(session: Session, *, actor: Actor) -> pd.DataFrame:
    """Agreed, invoiced and paid per month (each dated by its own event), months ascending, in cents."""
    permissions.require(actor, "ad_request.respond")
    agreed_month = _month(AdRequest.accepted_at).label("month")
    agreed = session.execute(
        select(agreed_month, func.sum(AdRequest.payment_cents))
        .where(
            AdRequest.influencer_id == actor.id,
            AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES),
            AdRequest.accepted_at.is_not(None),
        )
        .group_by(agreed_month)
    ).all()
    invoiced_month = _month(FinancialDocument.issue_date).label("month")
    invoiced = session.execute(
        select(invoiced_month, func.sum(FinancialDocument.amount_cents))
        .where(_invoices(actor), FinancialDocument.status.in_(INVOICED_STATUSES))
        .group_by(invoiced_month)
    ).all()
    paid_month = _month(FinancialDocument.paid_date).label("month")
    paid = session.execute(
        select(paid_month, func.sum(FinancialDocument.amount_cents))
        .where(_invoices(actor), FinancialDocument.status.in_(PAID_STATUSES), FinancialDocument.paid_date.is_not(None))
        .group_by(paid_month)
    ).all()
    series: dict[str, dict[str, int]] = {
        "agreed_cents": dict(agreed),
        "invoiced_cents": dict(invoiced),
        "paid_cents": dict(paid),
    }
    months = sorted(set[str]().union(*series.values()))
    return pd.DataFrame(
        [(month, *(int(series[column].get(month) or 0) for column in LABELS)) for month in months],
        columns=MONTH_COLUMNS,
    )
