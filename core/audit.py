"""Audit trail of admin and money-relevant actions."""

from __future__ import annotations

import functools

import pandas as pd
from sqlalchemy import Integer, String, and_, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

from core import permissions
from core.models import (
    AdRequest,
    AuditLog,
    Brand,
    Campaign,
    Deliverable,
    FinancialDocument,
    InfluencerProfile,
    Organization,
    Product,
    Prospect,
    SponsorProfile,
    User,
)
from core.permissions import Actor
from core.platform.timeutil import utcnow


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    amount_cents: int | None = None,
    detail: str = "",
) -> None:
    """Append one audit row in the caller's transaction."""
    session.add(AuditLog(**row(actor, action, target_type, target_id, amount_cents=amount_cents, detail=detail)))


def row(
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    amount_cents: int | None = None,
    detail: str = "",
) -> dict:
    """The column values of one audit row (for writers that insert it in the same statement as their change)."""
    return {
        "at": utcnow(),
        "actor_id": actor.id if actor else None,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "amount_cents": amount_cents,
        "detail": detail,
    }


# What list_entries returns; actor is the username, actor_name and target are for people to read.
COLUMNS = ("id", "at", "actor", "actor_name", "action", "target_type", "target_id", "target", "amount_cents", "detail")


def _user_name(user, influencer, sponsor):
    """'Maya Lopez (@maya)' from the user's profile, or '@admin' for a user without one, as SQL."""
    handle = "@" + user.username
    return func.coalesce(influencer.display_name + " (" + handle + ")", sponsor.name + " (" + handle + ")", handle)


@functools.cache
def _list_statement(by_cursor: bool, by_action: bool):
    """list_entries' query, built once per filter combination with bound parameters: constructing its
    fourteen joins cost more CPU than PostgreSQL spent running it."""
    who, who_inf, who_sp = aliased(User), aliased(InfluencerProfile), aliased(SponsorProfile)
    user, user_inf, user_sp = aliased(User), aliased(InfluencerProfile), aliased(SponsorProfile)
    req, req_campaign, req_inf = aliased(AdRequest), aliased(Campaign), aliased(InfluencerProfile)

    def on(kind: str, column):
        return and_(AuditLog.target_type == kind, column == AuditLog.target_id)

    target = case(
        (AuditLog.target_type == "user", _user_name(user, user_inf, user_sp)),
        (AuditLog.target_type == "campaign", Campaign.name),
        (AuditLog.target_type == "ad_request", req_campaign.name + " · " + req_inf.display_name),
        (AuditLog.target_type == "organization", Organization.name),
        (AuditLog.target_type == "brand", Brand.name),
        (AuditLog.target_type == "product", Product.name),
        (AuditLog.target_type == "document", FinancialDocument.number),
        (AuditLog.target_type == "deliverable", Deliverable.title),
        (AuditLog.target_type == "prospect", func.coalesce(func.nullif(Prospect.display_name, ""), Prospect.handle)),
        else_=None,
    )
    stmt = (
        select(
            AuditLog.id,
            AuditLog.at,
            who.username.label("actor"),
            _user_name(who, who_inf, who_sp).label("actor_name"),
            AuditLog.action,
            AuditLog.target_type,
            AuditLog.target_id,
            target.label("target"),
            AuditLog.amount_cents,
            AuditLog.detail,
        )
        .outerjoin(who, who.id == AuditLog.actor_id)
        .outerjoin(who_inf, who_inf.user_id == who.id)
        .outerjoin(who_sp, who_sp.user_id == who.id)
        .outerjoin(user, on("user", user.id))
        .outerjoin(user_inf, user_inf.user_id == user.id)
        .outerjoin(user_sp, user_sp.user_id == user.id)
        .outerjoin(Campaign, on("campaign", Campaign.id))
        .outerjoin(req, on("ad_request", req.id))
        .outerjoin(req_campaign, req_campaign.id == req.campaign_id)
        .outerjoin(req_inf, req_inf.user_id == req.influencer_id)
        .outerjoin(Organization, on("organization", Organization.id))
        .outerjoin(Brand, on("brand", Brand.id))
        .outerjoin(Product, on("product", Product.id))
        .outerjoin(FinancialDocument, on("document", FinancialDocument.id))
        .outerjoin(Deliverable, on("deliverable", Deliverable.id))
        .outerjoin(Prospect, on("prospect", Prospect.id))
        .order_by(AuditLog.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if by_cursor:
        stmt = stmt.where(AuditLog.id < bindparam("before_id", type_=Integer))
    if by_action:
        stmt = stmt.where(AuditLog.action == bindparam("action", type_=String))
    return stmt


def list_entries(
    session: Session, *, actor: Actor, limit: int = 200, before_id: int | None = None, action: str | None = None
) -> pd.DataFrame:
    """Newest audit rows first (admins only), keyset-paginated by id, with the actor's and target's names.

    Names come from outer joins in the one query (never a lookup per row); a target whose kind has no name or
    whose row is gone keeps a None name and the page falls back to its kind and id.
    """
    permissions.require(actor, "audit.view")
    stmt = _list_statement(bool(before_id), bool(action))
    parameters = {"limit": max(1, min(int(limit), 1000)), "before_id": before_id, "action": action}
    parameters = {k: v for k, v in parameters.items() if k == "limit" or v}
    rows = session.execute(stmt, parameters).mappings().all()
    return pd.DataFrame(rows, columns=list(COLUMNS))
