"""Give the busiest sponsor a realistic inbox and board: 300 notifications and 150 pipeline cards (idempotent).

The bulk data sets have almost none for that sponsor, so the element-heavy pages (notifications, pipeline)
would be measured empty. Rows go in through the core services; a second run adds only what is missing.

    .venv/bin/python -m bench.ui_data --url postgresql+psycopg://postgres@127.0.0.1:5432/iescp_bench_100k
"""

from __future__ import annotations

import argparse

from sqlalchemy import func, select

from bench.scenarios import Context
from core.crm import board, pipeline
from core.messaging import notifications
from core.models import CrmRecord, InfluencerProfile, Notification
from core.platform.db import connect

NOTIFICATIONS = 300
CARDS = 150
TITLE = "UI bench"  # marks the rows this script added, so a rerun counts only its own


def add_notifications(ctx: Context, wanted: int = NOTIFICATIONS) -> int:
    """Add notifications for the busiest sponsor until it has `wanted` of ours; one in three stays unread."""
    actor = ctx.busy_sponsor
    with ctx.db.Session.begin() as s:
        have = s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.id, Notification.title.like(f"{TITLE}%"))
        )
        for n in range(have or 0, wanted):
            link = ("request:1", "campaign:1", "deliverable:1", None)[n % 4]
            notifications.notify(s, actor.id, "ad_request", f"{TITLE} {n}: a reply to your offer", "Body text", link)
    with ctx.db.Session.begin() as s:
        mine = s.scalars(
            select(Notification.id)
            .where(Notification.user_id == actor.id, Notification.title.like(f"{TITLE}%"))
            .order_by(Notification.id)
        ).all()
        notifications.mark_read(s, actor=actor, notification_ids=[i for k, i in enumerate(mine) if k % 3])
    return wanted - (have or 0)


def add_cards(ctx: Context, wanted: int = CARDS) -> int:
    """Shortlist influencers into the organization's pipeline until it has `wanted` cards, spread over the stages."""
    actor = ctx.busy_sponsor
    with ctx.db.Session.begin() as s:
        have = s.scalar(
            select(func.count()).select_from(CrmRecord).where(CrmRecord.organization_id == actor.organization_id)
        )
        missing = wanted - (have or 0)
        if missing > 0:
            taken = select(CrmRecord.influencer_id).where(
                CrmRecord.organization_id == actor.organization_id, CrmRecord.influencer_id.is_not(None)
            )
            ids = s.scalars(
                select(InfluencerProfile.user_id)
                .where(InfluencerProfile.listed.is_(True), InfluencerProfile.user_id.not_in(taken))
                .order_by(InfluencerProfile.user_id)
                .limit(missing)
            ).all()
            for start in range(0, len(ids), pipeline.MAX_BULK):  # the service takes a bounded shortlist at a time
                pipeline.add_to_pipeline(s, actor=actor, influencer_ids=list(ids[start : start + pipeline.MAX_BULK]))
    with ctx.db.Session.begin() as s:
        data = board.board(s, actor=actor)
        stage_ids = [st["id"] for st in data["stages"]]
        cold = data["cards"][data["cards"]["stage_id"] == stage_ids[0]]
        # Leave about a third in each stage, as a working board has them.
        for k, card in enumerate(cold.to_dict("records")):
            to = stage_ids[k % len(stage_ids)]
            if to != stage_ids[0] and len(cold) > wanted // len(stage_ids):
                pipeline.move_record(
                    s,
                    actor=actor,
                    record_id=int(card["record_id"]),
                    to_stage_id=to,
                    expected_version=int(card["version"]),
                )
    return max(missing, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    db = connect(args.url)
    ctx = Context.load(db)
    print(f"busiest sponsor #{ctx.busy_sponsor.id}: +{add_notifications(ctx)} notifications, +{add_cards(ctx)} cards")
    db.dispose()


if __name__ == "__main__":
    main()
