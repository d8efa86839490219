"""Demo inboxes: what a user would have read by now is read, so the unread badge shows only the last week."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import bindparam, select, update

from core.models import Notification
from core.platform.db import Database

UNREAD_FOR = dt.timedelta(days=7)


def read_old_notifications(db: Database, rng: random.Random, *, now: dt.datetime) -> int:
    """Mark notifications older than a week as read a few hours to two days after they arrived; returns how many."""
    with db.Session.begin() as s:
        rows = s.execute(
            select(Notification.id, Notification.created_at).where(
                Notification.read_at.is_(None), Notification.created_at < now - UNREAD_FOR
            )
        ).all()
        params = [
            {"_id": row.id, "_read": row.created_at + dt.timedelta(minutes=rng.uniform(20, 48 * 60))} for row in rows
        ]
        if params:
            s.connection().execute(
                update(Notification).where(Notification.id == bindparam("_id")).values(read_at=bindparam("_read")),
                params,
            )
        return len(params)
