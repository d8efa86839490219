"""Audit trail of admin and money-relevant actions."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core import permissions
from core.models import AuditLog, User
from core.permissions import Actor


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
    session.add(
        AuditLog(
            actor_id=actor.id if actor else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            amount_cents=amount_cents,
            detail=detail,
        )
    )


def list_entries(
    session: Session, *, actor: Actor, limit: int = 200, before_id: int | None = None, action: str | None = None
) -> pd.DataFrame:
    """Newest audit rows first (admins only), keyset-paginated by id."""
    permissions.require(actor, "audit.view")
    who = aliased(User)
    stmt = (
        select(
            AuditLog.id,
            AuditLog.at,
            who.username.label("actor"),
            AuditLog.action,
            AuditLog.target_type,
            AuditLog.target_id,
            AuditLog.amount_cents,
            AuditLog.detail,
        )
        .outerjoin(who, who.id == AuditLog.actor_id)
        .order_by(AuditLog.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if before_id:
        stmt = stmt.where(AuditLog.id < before_id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame(
        rows, columns=["id", "at", "actor", "action", "target_type", "target_id", "amount_cents", "detail"]
    )
