"""The benchmarked actions: who acts, with which arguments, through the core and as raw SQL.

A Context picks the actors of a bench database once (admin, the busiest sponsor, the influencer
with the most requests, typical ones) and the arguments (a popular category, a text term, a cursor
deep into the results). core_reads() returns the core calls; bench/run.py times them, their raw-SQL
floors and their cached versions; bench/plans.py prints their query plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, select

from core.deals import documents, finance
from core.marketplace import accounts, ad_requests, campaigns, search, stats
from core.models import AdRequest, Campaign, InfluencerProfile, User
from core.permissions import Actor
from core.platform.db import Database


@dataclass
class Context:
    db: Database
    admin: Actor
    busy_sponsor: Actor
    sponsor: Actor
    busy_influencer: Actor
    influencer: Actor
    category: str
    niche: str
    term: str
    deep_cursor: str
    deep_rank: int
    campaign_deep_cursor: str

    @classmethod
    def load(cls, db: Database, *, deep_rank: int = 10_000) -> "Context":
        with db.ReadSession.begin() as s:
            admin_id = s.scalar(select(User.id).where(User.role == "admin").order_by(User.id).limit(1))
            sponsor_counts = s.execute(
                select(Campaign.sponsor_id, func.count()).group_by(Campaign.sponsor_id).order_by(func.count().desc())
            ).all()
            busy_sponsor_id = sponsor_counts[0][0]
            typical_sponsor_id = sponsor_counts[len(sponsor_counts) // 2][0]
            busy_influencer_id = s.scalar(
                select(AdRequest.influencer_id).group_by(AdRequest.influencer_id).order_by(func.count().desc()).limit(1)
            )
            typical_influencer_id = s.scalar(
                select(InfluencerProfile.user_id)
                .where(InfluencerProfile.listed.is_(True))
                .order_by(InfluencerProfile.user_id)
                .offset((s.scalar(select(func.count()).select_from(InfluencerProfile)) or 1) // 2)
                .limit(1)
            )
            category = s.scalar(
                select(InfluencerProfile.category)
                .group_by(InfluencerProfile.category)
                .order_by(func.count().desc())
                .limit(1)
            )
            niche = s.scalar(
                select(InfluencerProfile.niche)
                .where(InfluencerProfile.category == category)
                .group_by(InfluencerProfile.niche)
                .order_by(func.count().desc())
                .limit(1)
            )
            listed = (
                s.scalar(select(func.count()).select_from(InfluencerProfile).where(InfluencerProfile.listed.is_(True)))
                or 1
            )
            rank = min(deep_rank, max(0, listed - 60))
            deep = s.execute(
                select(InfluencerProfile.score, InfluencerProfile.user_id)
                .where(InfluencerProfile.listed.is_(True))
                .order_by(InfluencerProfile.score.desc(), InfluencerProfile.user_id.desc())
                .offset(rank)
                .limit(1)
            ).first()
            camp_listed = s.scalar(select(func.count()).select_from(Campaign).where(Campaign.listed.is_(True))) or 1
            camp_deep = s.scalar(
                select(Campaign.id)
                .where(Campaign.listed.is_(True))
                .order_by(Campaign.id.desc())
                .offset(min(deep_rank // 4, max(0, camp_listed - 60)))
                .limit(1)
            )
            actors = {
                i: accounts.load_actor(s, i)
                for i in (admin_id, busy_sponsor_id, typical_sponsor_id, busy_influencer_id, typical_influencer_id)
            }
        return cls(
            db=db,
            admin=actors[admin_id],
            busy_sponsor=actors[busy_sponsor_id],
            sponsor=actors[typical_sponsor_id],
            busy_influencer=actors[busy_influencer_id],
            influencer=actors[typical_influencer_id],
            category=category,
            niche=niche,
            term="yoga",
            deep_cursor=f"{deep.score}|{deep.user_id}" if deep else "",
            deep_rank=rank,
            campaign_deep_cursor=f"{camp_deep}|{camp_deep}" if camp_deep else "",
        )

    def read(self, fn: Callable):
        with self.db.ReadSession.begin() as s:
            return fn(s)


def search_influencer_kwargs(ctx: Context) -> dict[str, dict]:
    """The influencer searches measured (same arguments for core, floor and cache)."""
    return {
        "influencer search: relevance, page 1": dict(actor=ctx.busy_sponsor),
        "influencer search: category + followers filter": dict(
            actor=ctx.busy_sponsor, category=ctx.category, min_followers=10_000, sort="followers"
        ),
        "influencer search: category + niche + platform": dict(
            actor=ctx.busy_sponsor, category=ctx.category, niche=ctx.niche, platform="instagram"
        ),
        "influencer search: free text": dict(actor=ctx.busy_sponsor, text=ctx.term),
        "influencer search: free text + filter": dict(actor=ctx.busy_sponsor, text="maya", category=ctx.category),
        "influencer search: deep page (cursor)": dict(actor=ctx.busy_sponsor, cursor=ctx.deep_cursor),
    }


def search_campaign_kwargs(ctx: Context) -> dict[str, dict]:
    return {
        "campaign search: open campaigns, page 1": dict(actor=ctx.busy_influencer),
        "campaign search: category": dict(actor=ctx.busy_influencer, category=ctx.category),
        "campaign search: free text": dict(actor=ctx.busy_influencer, text="summer"),
        "campaign search: deep page (cursor)": dict(actor=ctx.busy_influencer, cursor=ctx.campaign_deep_cursor),
    }


def core_reads(ctx: Context) -> dict[str, Callable[[], object]]:
    """name -> zero-argument callable running the core read in its own read transaction."""
    reads: dict[str, Callable[[], object]] = {}
    for name, kwargs in search_influencer_kwargs(ctx).items():
        reads[name] = (lambda kw: lambda: ctx.read(lambda s: search.search_influencers(s, **kw)))(kwargs)
    for name, kwargs in search_campaign_kwargs(ctx).items():
        reads[name] = (lambda kw: lambda: ctx.read(lambda s: search.search_campaigns(s, **kw)))(kwargs)
    reads["influencer inbox (busiest influencer)"] = lambda: ctx.read(
        lambda s: ad_requests.inbox(s, actor=ctx.busy_influencer)
    )
    reads["influencer inbox (typical influencer)"] = lambda: ctx.read(
        lambda s: ad_requests.inbox(s, actor=ctx.influencer)
    )
    reads["sponsor dashboard (busiest sponsor)"] = lambda: ctx.read(
        lambda s: (
            campaigns.list_sponsor_campaigns(s, actor=ctx.busy_sponsor),
            campaigns.budget_burn(s, actor=ctx.busy_sponsor),
        )
    )
    reads["sponsor dashboard (typical sponsor)"] = lambda: ctx.read(
        lambda s: (campaigns.list_sponsor_campaigns(s, actor=ctx.sponsor), campaigns.budget_burn(s, actor=ctx.sponsor))
    )
    reads["sponsor finance dashboard (busiest sponsor)"] = lambda: ctx.read(
        lambda s: (
            finance.budget_burn(s, actor=ctx.busy_sponsor),
            documents.list_documents(s, actor=ctx.busy_sponsor, kinds=("invoice", "form"), statuses=("pending",)),
        )
    )
    reads["admin finance overview (live)"] = lambda: ctx.read(lambda s: finance.finance_overview(s, actor=ctx.admin))
    reads["admin statistics (live)"] = lambda: ctx.read(lambda s: stats.admin_statistics(s, actor=ctx.admin))
    reads["filter facets"] = lambda: ctx.read(
        lambda s: (search.influencer_facets(s, actor=ctx.sponsor), search.campaign_facets(s, actor=ctx.influencer))
    )
    return reads
