"""The deal part of the daily digest: what in a user's running deals waits for them, read straight from the models.

core/messaging sits below core/deals in the layering, so this module reads the deal tables itself instead of
calling core.deals; the one knob it shares with them (IESCP_DRAFT_DUE_WARNING_DAYS) is read from the environment
the same way core/deals/rules.py reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select, union
from sqlalchemy.orm import Session, aliased

from core.models import (
    AdRequest,
    Campaign,
    Deliverable,
    FinancialDocument,
    InfluencerProfile,
    Payment,
    ReminderDelivery,
    Organization,
    User,
)
from core.platform.config import _env_int

# The Streamlit page each kind of item is handled on (url paths from pages/common/navigation.py).
DEAL_PAGES = {"influencer": "influencer-deliverables", "sponsor": "sponsor-content-approvals"}
# Without an earlier digest, "payments received since the last digest" means the last day.
FIRST_DIGEST_LOOKBACK = dt.timedelta(days=1)

LABELS = {
    "changes_requested": "Changes requested on your draft",
    "draft_due": "Draft due soon",
    "live_url_needed": "Draft approved: add the live post URL",
    "invoice_rejected": "Invoice rejected: fix and resubmit",
    "payment_received": "Payment received",
    "draft_to_review": "Draft awaiting your approval",
    "live_to_confirm": "Live post to confirm",
    "invoice_to_approve": "Invoice to approve",
    "form_to_approve": "Payee form to approve",
    "invoice_overdue": "Invoice overdue",
}


@dataclass(frozen=True)
class DealItem:
    kind: str
    campaign: str
    counterpart: str
    subject: str  # the deliverable's title or the document's number
    amount_cents: int | None
    due: dt.date | None

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def draft_due_warning_days() -> int:
    """IESCP_DRAFT_DUE_WARNING_DAYS, the same setting core/deals/rules.py reads (default 2)."""
    return _env_int("DRAFT_DUE_WARNING_DAYS", 2)


def _in_good_standing(user_column, party: str):
    return and_(
        User.id == user_column,
        User.role == party,
        User.is_active.is_(True),
        User.approval == "approved",
        User.flagged.is_(False),
    )


def _deliverable_items(party: str, today: dt.date) -> Select:
    horizon = today + dt.timedelta(days=draft_due_warning_days())
    kind: ColumnElement[str]
    wanted: ColumnElement[bool]
    if party == "influencer":
        user_column, counterpart = AdRequest.influencer_id, Organization.name
        kind = case(
            (Deliverable.status == "changes_requested", literal("changes_requested")),
            (Deliverable.status == "approved", literal("live_url_needed")),
            else_=literal("draft_due"),
        )
        wanted = (Deliverable.status.in_(("changes_requested", "approved"))) | (
            (Deliverable.status == "planned") & (Deliverable.due_date <= horizon)
        )
    else:
        user_column, counterpart = Campaign.sponsor_id, InfluencerProfile.display_name
        kind = case((Deliverable.status == "in_review", literal("draft_to_review")), else_=literal("live_to_confirm"))
        wanted = Deliverable.status.in_(("in_review", "live_submitted"))
    return (
        select(
            user_column.label("user_id"),
            kind.label("kind"),
            Campaign.name.label("campaign"),
            counterpart.label("counterpart"),
            Deliverable.title.label("subject"),
            literal(None).label("amount_cents"),
            Deliverable.due_date.label("due"),
            Deliverable.updated_at.label("at"),
        )
        .select_from(Deliverable)
        .join(AdRequest, AdRequest.id == Deliverable.ad_request_id)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(Organization, Organization.id == Campaign.organization_id)
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .join(User, _in_good_standing(user_column, party))
        .where(AdRequest.status == "accepted", wanted)
    )


def _document_items(party: str) -> Select:
    kind: ColumnElement[str]
    wanted: ColumnElement[bool]
    if party == "influencer":
        user_column, counterpart = FinancialDocument.influencer_id, Organization.name
        wanted = (FinancialDocument.kind == "invoice") & (FinancialDocument.status == "rejected")
        kind = literal("invoice_rejected")
    else:
        user_column, counterpart = FinancialDocument.sponsor_id, InfluencerProfile.display_name
        overdue = (
            (FinancialDocument.kind == "invoice")
            & (FinancialDocument.status == "approved")
            & FinancialDocument.overdue_since.is_not(None)
        )
        to_approve = FinancialDocument.kind.in_(("invoice", "form")) & (FinancialDocument.status == "pending")
        wanted = overdue | to_approve
        kind = case(
            (overdue, literal("invoice_overdue")),
            (FinancialDocument.kind == "form", literal("form_to_approve")),
            else_=literal("invoice_to_approve"),
        )
    return (
        select(
            user_column.label("user_id"),
            kind.label("kind"),
            func.coalesce(Campaign.name, "").label("campaign"),
            counterpart.label("counterpart"),
            FinancialDocument.number.label("subject"),
            FinancialDocument.amount_cents.label("amount_cents"),
            FinancialDocument.due_date.label("due"),
            FinancialDocument.updated_at.label("at"),
        )
        .select_from(FinancialDocument)
        .outerjoin(Campaign, Campaign.id == FinancialDocument.campaign_id)
        .join(Organization, Organization.id == FinancialDocument.organization_id)
        .join(InfluencerProfile, InfluencerProfile.user_id == FinancialDocument.influencer_id)
        .join(User, _in_good_standing(user_column, party))
        .where(wanted)
    )


def _payment_items(today: dt.date, now: dt.datetime) -> Select:
    """Influencers: payments received since their last digest (by any channel, before today's)."""
    invoice = aliased(FinancialDocument)
    last_digest = (
        select(func.max(ReminderDelivery.created_at))
        .where(ReminderDelivery.user_id == invoice.influencer_id, ReminderDelivery.day < today)
        .scalar_subquery()
    )
    since = func.coalesce(last_digest, now - FIRST_DIGEST_LOOKBACK)
    return (
        select(
            invoice.influencer_id.label("user_id"),
            literal("payment_received").label("kind"),
            func.coalesce(Campaign.name, "").label("campaign"),
            Organization.name.label("counterpart"),
            invoice.number.label("subject"),
            Payment.amount_cents.label("amount_cents"),
            literal(None).label("due"),
            Payment.created_at.label("at"),
        )
        .select_from(Payment)
        .join(invoice, invoice.id == Payment.invoice_id)
        .outerjoin(Campaign, Campaign.id == invoice.campaign_id)
        .join(Organization, Organization.id == invoice.organization_id)
        .join(User, _in_good_standing(invoice.influencer_id, "influencer"))
        .where(Payment.status == "succeeded", Payment.created_at > since, Payment.created_at <= now)
    )


def _queries(party: str, today: dt.date, now: dt.datetime) -> list[Select]:
    queries = [_deliverable_items(party, today), _document_items(party)]
    if party == "influencer":
        queries.append(_payment_items(today, now))
    return queries


def user_ids(session: Session, party: str, *, today: dt.date, now: dt.datetime) -> list[int]:
    """Ids of users of party (in good standing) with at least one open deal item."""
    ids = union(*(select(q.subquery().c.user_id) for q in _queries(party, today, now))).subquery()
    return [int(i) for i in session.scalars(select(ids.c.user_id).order_by(ids.c.user_id))]


def items_for(
    session: Session, party: str, ids: list[int], *, today: dt.date, now: dt.datetime
) -> dict[int, list[DealItem]]:
    """Each user's open deal items (users among ids), the most urgent kinds first, then the newest."""
    if not ids:
        return {}
    found: dict[int, list[tuple]] = {}
    for query in _queries(party, today, now):
        sub = query.subquery()
        for row in session.execute(select(sub).where(sub.c.user_id.in_(ids))).mappings():
            item = DealItem(
                kind=row["kind"],
                campaign=row["campaign"] or "",
                counterpart=row["counterpart"] or "",
                subject=row["subject"] or "",
                amount_cents=None if row["amount_cents"] is None else int(row["amount_cents"]),
                due=_as_date(row["due"]),
            )
            found.setdefault(int(row["user_id"]), []).append((item, row["at"]))
    order = list(LABELS)
    return {
        user_id: [
            item
            for item, _ in sorted(
                sorted(entries, key=lambda e: e[1] or dt.datetime.min, reverse=True),
                key=lambda e: order.index(e[0].kind),
            )
        ]
        for user_id, entries in found.items()
    }


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])
