"""In-app notifications: written by services, read by their owner only."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import permissions
from core.models import Notification, User
from core.permissions import Actor
from core.platform.db import affected_rows
from core.platform.timeutil import utcnow


def row(user_id: int, kind: str, title: str, body: str = "", link: str | None = None) -> dict:
    """The column values of one notification (for writers that insert it in the same statement as their change)."""
    return {"user_id": user_id, "kind": kind, "title": title[:200], "body": body, "link": link, "created_at": utcnow()}


def notify(session: Session, user_id: int, kind: str, title: str, body: str = "", link: str | None = None) -> None:
    """Queue one in-app notification for user_id in the caller's transaction."""
    session.add(Notification(**row(user_id, kind, title, body, link)))


def notify_admins(session: Session, kind: str, title: str, body: str = "", link: str | None = None) -> None:
    """Notify every active admin."""
    for admin_id in session.scalars(select(User.id).where(User.role == "admin", User.is_active.is_(True))):
        notify(session, admin_id, kind, title, body, link)


@permissions.actor_required
def unread_count(session: Session, *, actor: Actor) -> int:
    """How many of the actor's notifications are unread."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        )
        or 0
    )


@permissions.actor_required
def counts(session: Session, *, actor: Actor) -> dict[str, int]:
    """{"total": all the actor's notifications, "unread": the unread ones}, in one query (a pager's page count)."""
    total, unread = session.execute(
        select(func.count(), func.count().filter(Notification.read_at.is_(None))).where(
            Notification.user_id == actor.id
        )
    ).one()
    return {"total": int(total or 0), "unread": int(unread or 0)}


@permissions.actor_required
def list_notifications(
    session: Session,
    *,
    actor: Actor,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
    before_id: int | None = None,
) -> pd.DataFrame:
    """The actor's notifications, unread first and newest first within each (so the limit never hides unread ones).

    offset skips that many in this order: the page picker's LIMIT/OFFSET (a bad offset reads as 0).
    """
    stmt = (
        select(
            Notification.id,
            Notification.created_at,
            Notification.kind,
            Notification.title,
            Notification.body,
            Notification.link,
            Notification.read_at,
        )
        .where(Notification.user_id == actor.id)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(max(1, min(limit, 500)))
        .offset(offset if isinstance(offset, int) and not isinstance(offset, bool) and offset > 0 else 0)
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if before_id:
        stmt = stmt.where(Notification.id < before_id)
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame(rows, columns=["id", "created_at", "kind", "title", "body", "link", "read_at"])


@permissions.actor_required
def mark_read(session: Session, *, actor: Actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all when ids is None); returns how many changed."""
    stmt = (
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_([int(i) for i in notification_ids]))
    return affected_rows(session.execute(stmt)) or 0
