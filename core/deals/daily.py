"""The deals' daily housekeeping: auto-approve stale drafts, mark overdue invoices, warn of drafts due soon.

Safe to run any number of times (hourly in practice): every step only acts on rows not yet handled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.deals import deliverables, documents, lifecycle
from core.deals.rules import deal_rules
from core.messaging import notifications
from core.models import AdRequest, Deliverable, Notification
from core.platform.db import Database
from core.platform.timeutil import utcnow


@dataclass
class DailyResult:
    deals_started: int
    drafts_auto_approved: int
    invoices_overdue: int
    due_soon_warnings: int

    def as_dict(self) -> dict:
        return asdict(self)


def warn_due_soon(session: Session, *, on: dt.date) -> int:
    """Tell the influencer once about each deliverable due within `draft_due_warning_days` with no draft yet."""
    horizon = on + dt.timedelta(days=deal_rules().draft_due_warning_days)
    link = Notification.link == ("deliverable:" + Deliverable.id.cast(Notification.link.type))
    warned = exists().where(Notification.kind == "draft_due", link)
    rows = session.execute(
        select(Deliverable.id, Deliverable.title, Deliverable.due_date, AdRequest.influencer_id)
        .join(AdRequest, AdRequest.id == Deliverable.ad_request_id)
        .where(Deliverable.status.in_(("planned", "changes_requested")), Deliverable.due_date <= horizon, ~warned)
    ).all()
    for deliverable_id, title, due, influencer_id in rows:
        notifications.notify(
            session,
            influencer_id,
            "draft_due",
            f"Draft due {due:%d %b}: {title}",
            "Submit your draft on the Deliverables page.",
            link=f"deliverable:{deliverable_id}",
        )
    return len(rows)


def run(db: Database, *, now: dt.datetime | None = None) -> DailyResult:
    """Each step in its own transaction, so one failing step does not undo the others."""
    now = now or utcnow()
    with db.Session.begin() as s:
        started = lifecycle.start_missing_deals(s)
    with db.Session.begin() as s:
        approved = deliverables.auto_approve_stale_drafts(s, now=now)
    with db.Session.begin() as s:
        overdue = len(documents.mark_overdue(s, on=now.date()))
    with db.Session.begin() as s:
        warned = warn_due_soon(s, on=now.date())
    return DailyResult(started, approved, overdue, warned)
