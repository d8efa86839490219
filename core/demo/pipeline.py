"""Demo pipeline boards: the demo organizations get cards in every stage, with owners, tags, notes and moves.

Everything goes through the real services (core/crm); only timestamps are moved into the past afterwards so
"last contact" and the notes read like weeks of work.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select, update

from core.crm import pipeline, stages
from core.demo.content import feedback
from core.models import AdRequest, Campaign, CrmRecord, CrmRecordEvent, CrmRecordNote, InfluencerProfile
from core.permissions import Actor
from core.platform.db import Database
from core.platform.timeutil import utcnow

TAGS = ["vip", "gifting", "tiktok-first", "needs-rate-card", "spring", "long-term", "agency-managed"]
CUSTOM_STAGE = "Negotiating"


def seed_pipeline(db: Database, rng: random.Random, owners: list[Actor], *, words: random.Random | None = None) -> None:
    """Fill each owner's organization board: shortlist, automatic moves from its deals, a custom stage, notes."""
    words = words or random.Random(rng.random())
    for owner in owners:
        _board(db, rng, words, owner)
    _age(db, rng)


def _board(db: Database, rng: random.Random, words: random.Random, owner: Actor) -> None:
    with db.Session.begin() as s:
        org_id = owner.organization_id
        assert org_id is not None, "demo owners are organization members"
        campaign_ids = list(s.scalars(select(Campaign.id).where(Campaign.organization_id == org_id)))
        # Cards for deals already accepted before the pipeline existed (the demo's own negotiations).
        accepted = s.scalars(
            select(AdRequest.id)
            .join(Campaign, Campaign.id == AdRequest.campaign_id)
            .where(Campaign.organization_id == org_id, AdRequest.status.in_(("accepted", "completed")))
        ).all()
        for request_id in accepted:
            pipeline.record_deal_accepted(s, actor=owner, ad_request_id=request_id)
        already = set(s.scalars(select(CrmRecord.influencer_id).where(CrmRecord.organization_id == org_id)))
        candidates = [
            i
            for i in s.scalars(
                select(InfluencerProfile.user_id).where(InfluencerProfile.listed).order_by(InfluencerProfile.user_id)
            )
            if i not in already
        ]
        shortlist = rng.sample(candidates, min(10, len(candidates)))
        pipeline.add_to_pipeline(
            s, actor=owner, influencer_ids=shortlist, campaign_id=campaign_ids[0] if campaign_ids else None
        )
        active = stages.stage_of_kind(s, org_id, "active").id
        custom = stages.add_stage(s, actor=owner, name=CUSTOM_STAGE)
        stages.move_stage(s, actor=owner, stage_id=custom, offset=-1, expected_version=1)  # before Final
        # A few shortlisted creators moved on by hand: two replied (Active), two are negotiating.
        for influencer_id, target, note in (
            (shortlist[0], active, "Replied to our DM"),
            (shortlist[1], active, "Asked for the brief"),
            (shortlist[2], custom, "Discussing a gifted bundle"),
            (shortlist[3], custom, "Counter-proposal on rates"),
        ):
            record = s.scalar(
                select(CrmRecord).where(CrmRecord.organization_id == org_id, CrmRecord.influencer_id == influencer_id)
            )
            assert record is not None
            pipeline.move_record(
                s, actor=owner, record_id=record.id, to_stage_id=target, expected_version=record.version, note=note
            )
        for record in list(s.scalars(select(CrmRecord).where(CrmRecord.organization_id == org_id))):
            s.refresh(record)
            tags = rng.sample(TAGS, rng.randint(0, 2))
            if tags:
                pipeline.set_tags(s, actor=owner, record_id=record.id, tags=tags, expected_version=record.version)
            for body in feedback.notes(words, rng.randint(0, 3)):
                pipeline.add_note(s, actor=owner, record_id=record.id, body=body, contacted=rng.random() < 0.5)


def _age(db: Database, rng: random.Random) -> None:
    """Spread moves, notes and last contacts over the past six weeks, in the order they were made."""
    now = utcnow()
    with db.Session.begin() as s:
        for model, column in ((CrmRecordEvent, "at"), (CrmRecordNote, "created_at")):
            ids = s.scalars(select(model.id).order_by(model.id)).all()
            at = now - dt.timedelta(days=42)
            step = dt.timedelta(days=40) / max(len(ids), 1)
            for row_id in ids:
                at += step * rng.uniform(0.5, 1.0)
                s.execute(update(model).where(model.id == row_id).values({column: at}))
        for record_id in s.scalars(select(CrmRecord.id).where(CrmRecord.last_contact_at.is_not(None))).all():
            back = dt.timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 20))
            s.execute(update(CrmRecord).where(CrmRecord.id == record_id).values(last_contact_at=now - back))
