"""Cached versions of the hot read models, for pages and tasks (see core/platform/cache.py for the rules).

Each function takes the same keyword arguments as the core read it wraps, with a `db`
(core.platform.db.Database) instead of a session, checks the actor's permission BEFORE looking at the
cache, and returns the same plain data plus `as_of`, the naive-UTC time the figures were computed
(a cache hit can be up to the kind's TTL old when nothing it tracks changed):

    admin_statistics(db, *, actor, months=12) -> dict                         (its "as_of" key)
    sponsor_dashboard(db, *, actor, status=None, campaign_id=None) -> dict    campaigns, summary, burn, as_of
    sponsor_downloads(db, *, actor, limit) -> (campaigns, requests)           the Downloads page's two files
    sponsor_downloads_overview(db, *, actor, limit, preview=20) -> dict       rows, previews (their first rows)
    list_sponsor_campaigns(db, *, actor, status=None) -> DataFrame            frame.attrs["as_of"]
    budget_burn(db, *, actor, campaign_id=None) -> DataFrame                  frame.attrs["as_of"]
    search_influencers(db, *, actor, text="", ..., limit=50, include_unlisted=False) -> CachedSearchPage
    search_campaigns(db, *, actor, text="", ..., limit=50) -> CachedSearchPage
    influencer_facets(db, *, actor, include_unlisted=False) -> dict            categories, niches, platforms, as_of
    campaign_facets(db, *, actor) -> dict                                     categories, niches, as_of

Who shares an entry: admin statistics are shared by all admins; influencer search pages and
influencer filter options by every viewer with the same listed/unlisted scope; campaign search pages
and campaign filter options by all influencers, with each viewer's own "already requested" flags
read fresh on every call; dashboards are per organization (shared by its members, never across organizations). Which writes refresh which entry across
scopes: docs/decisions/cache.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

import pandas as pd
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core import permissions
from core.marketplace import ad_requests, campaigns, organizations, search, stats
from core.models import LIVE_AD_REQUEST_STATUSES, AdRequest
from core.permissions import Actor
from core.platform import cache, cachegen
from core.platform.db import Database
from core.platform.timeutil import today


@dataclass(frozen=True)
class CachedSearchPage(search.SearchPage):
    """A SearchPage (rows, total, next_cursor) and when it was computed."""

    as_of: dt.datetime | None = None


def _with_as_of(frame: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    frame.attrs["as_of"] = as_of
    return frame


ADMIN_STATISTICS_FLOOR_S = cache.MIN_AGE_SECONDS["stats"]


def admin_statistics(db: Database, *, actor: Actor, months: int = 12, fresh_after: dt.datetime | None = None) -> dict:
    """stats.admin_statistics, shared by all admins; recomputed after a write that bumps 'stats', at most once
    per ADMIN_STATISTICS_FLOOR_S (others' writes show within that many seconds), and at once when computed
    before fresh_after (naive UTC: the reading admin's own last write)."""
    permissions.require(actor, "stats.view")
    months = int(months)
    cached = cache.read_through(
        db,
        "stats",
        ("admin_statistics", months),
        (cachegen.STATS,),
        lambda s: stats.admin_statistics(s, actor=actor, months=months),
        fresh_after=fresh_after,
    )
    return cached.value


def sponsor_dashboard(db: Database, *, actor: Actor, status: str | None = None, campaign_id: int | None = None) -> dict:
    """The sponsor's campaign table (list_sponsor_campaigns), its totals and budget burn, in one entry."""
    organizations.require_member(actor)

    def compute(s: Session) -> dict:
        frame = campaigns.list_sponsor_campaigns(s, actor=actor, status=status)
        return {
            "campaigns": frame,
            "summary": campaigns.sponsor_summary(frame),
            "burn": campaigns.budget_burn(s, actor=actor, campaign_id=campaign_id),
        }

    cached = cache.read_through(
        db,
        "dashboard",
        ("sponsor_dashboard", actor.organization_id, status, campaign_id),
        (cachegen.org_scope(actor.organization_id),),
        compute,
    )
    return {**cached.value, "as_of": cached.as_of}


def sponsor_downloads(db: Database, *, actor: Actor, limit: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The organization's campaigns and its `limit` most recent requests (the Downloads page's quick CSVs).

    Keyed on the organization's scope (its campaigns and negotiations) and on influencers' profiles (the names
    in the requests file): a 5,000-row read that every rerun of the page would otherwise repeat.
    """
    organizations.require_member(actor)

    def compute(s: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
        return (
            campaigns.list_sponsor_campaigns(s, actor=actor),
            ad_requests.list_sponsor_requests(s, actor=actor, limit=limit),
        )

    cached = cache.read_through(
        db,
        "dashboard",
        ("sponsor_downloads", actor.organization_id, limit),
        (cachegen.org_scope(actor.organization_id), cachegen.INFLUENCERS),
        compute,
    )
    return cached.value


def sponsor_downloads_overview(db: Database, *, actor: Actor, limit: int, preview: int = 20) -> dict:
    """How many rows each of sponsor_downloads' files has and their first `preview` rows, for the Downloads page.

    Same query, key scopes and permission as sponsor_downloads, but a small entry: the page shows counts and a
    preview on every run and reads the full files only when one is downloaded (unpickling 5,000 requests on
    every run cost more than the rest of the page).
    """
    organizations.require_member(actor)
    limit, preview = int(limit), int(preview)

    def compute(s: Session) -> dict:
        frames = (
            campaigns.list_sponsor_campaigns(s, actor=actor),
            ad_requests.list_sponsor_requests(s, actor=actor, limit=limit),
        )
        return {
            "rows": tuple(len(f) for f in frames),
            "previews": tuple(f.head(preview).reset_index(drop=True) for f in frames),
        }

    cached = cache.read_through(
        db,
        "dashboard",
        ("sponsor_downloads_overview", actor.organization_id, limit, preview),
        (cachegen.org_scope(actor.organization_id), cachegen.INFLUENCERS),
        compute,
    )
    return cached.value


def list_sponsor_campaigns(db: Database, *, actor: Actor, status: str | None = None) -> pd.DataFrame:
    organizations.require_member(actor)
    cached = cache.read_through(
        db,
        "dashboard",
        ("list_sponsor_campaigns", actor.organization_id, status),
        (cachegen.org_scope(actor.organization_id),),
        lambda s: campaigns.list_sponsor_campaigns(s, actor=actor, status=status),
    )
    return _with_as_of(cached.value, cached.as_of)


def budget_burn(db: Database, *, actor: Actor, campaign_id: int | None = None) -> pd.DataFrame:
    organizations.require_member(actor)
    cached = cache.read_through(
        db,
        "dashboard",
        ("budget_burn", actor.organization_id, campaign_id),
        (cachegen.org_scope(actor.organization_id),),
        lambda s: campaigns.budget_burn(s, actor=actor, campaign_id=campaign_id),
    )
    return _with_as_of(cached.value, cached.as_of)


class _InfluencerQuery(TypedDict):
    """search.search_influencers' filters, as one plain dict: the cache key and the call's keyword arguments."""

    text: str
    category: str | None
    niche: str | None
    platform: str | None
    min_followers: int | None
    max_followers: int | None
    min_reach: int | None
    max_reach: int | None
    min_engagement: float | None
    tier: str | None
    sort: str
    cursor: str | None
    limit: int


def search_influencers(
    db: Database,
    *,
    actor: Actor,
    text: str = "",
    category: str | None = None,
    niche: str | None = None,
    platform: str | None = None,
    min_followers: int | None = None,
    max_followers: int | None = None,
    min_reach: int | None = None,
    max_reach: int | None = None,
    min_engagement: float | None = None,
    tier: str | None = None,
    sort: str = "relevance",
    cursor: str | None = None,
    limit: int = 50,
    include_unlisted: bool = False,
) -> CachedSearchPage:
    """search.search_influencers; one entry per query, shared by viewers who see the same profiles."""
    if actor is None or not (actor.can("influencer.search") or actor.is_admin):
        permissions.require(actor, "influencer.search")
    unlisted = bool(include_unlisted and actor.is_admin)
    arguments = _InfluencerQuery(
        text=text,
        category=category,
        niche=niche,
        platform=platform,
        min_followers=min_followers,
        max_followers=max_followers,
        min_reach=min_reach,
        max_reach=max_reach,
        min_engagement=min_engagement,
        tier=tier,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    parts = ("search_influencers", "all" if unlisted else "listed", tuple(sorted(arguments.items())))
    cached = cache.read_through(
        db,
        "search",
        parts,
        (cachegen.INFLUENCERS,),
        lambda s: search.search_influencers(s, actor=actor, include_unlisted=unlisted, **arguments),
    )
    page = cached.value
    return CachedSearchPage(page.rows, page.total, page.next_cursor, cached.as_of)


# Which of a page's campaigns the viewer holds a live request on (built once; see search_campaigns).
_HELD_BY_VIEWER = select(AdRequest.campaign_id).where(
    AdRequest.influencer_id == bindparam("viewer"),
    AdRequest.campaign_id.in_(bindparam("ids", expanding=True)),
    AdRequest.status.in_(LIVE_AD_REQUEST_STATUSES),
)


class _CampaignQuery(TypedDict):
    """search.search_campaigns' filters, as one plain dict: the cache key and the call's keyword arguments."""

    text: str
    category: str | None
    niche: str | None
    min_budget_cents: int | None
    max_budget_cents: int | None
    active_on: dt.date | None
    starts_after: dt.date | None
    ends_before: dt.date | None
    include_ended: bool
    cursor: str | None
    limit: int


def search_campaigns(
    db: Database,
    *,
    actor: Actor,
    text: str = "",
    category: str | None = None,
    niche: str | None = None,
    min_budget_cents: int | None = None,
    max_budget_cents: int | None = None,
    active_on: dt.date | None = None,
    starts_after: dt.date | None = None,
    ends_before: dt.date | None = None,
    include_ended: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> CachedSearchPage:
    """search.search_campaigns; pages shared by all viewers, 'already_requested' read per viewer each time."""
    permissions.require(actor, "campaign.search")
    arguments = _CampaignQuery(
        text=text,
        category=category,
        niche=niche,
        min_budget_cents=min_budget_cents,
        max_budget_cents=max_budget_cents,
        active_on=active_on,
        starts_after=starts_after,
        ends_before=ends_before,
        include_ended=include_ended,
        cursor=cursor,
        limit=limit,
    )
    parts = ("search_campaigns", today().isoformat(), tuple(sorted(arguments.items())))

    def for_viewer(s: Session, cached: cache.Cached) -> CachedSearchPage:
        page = cached.value  # this caller's own copy (unpickled, or fresh from the core): safe to change
        ids = [int(i) for i in page.rows["id"]]
        held = set(s.scalars(_HELD_BY_VIEWER, {"viewer": actor.id, "ids": ids})) if ids else set()
        page.rows["already_requested"] = page.rows["id"].isin(held).astype(bool)
        return CachedSearchPage(page.rows, page.total, page.next_cursor, cached.as_of)

    return cache.read_through(
        db,
        "search",
        parts,
        (cachegen.CAMPAIGNS,),
        lambda s: search.search_campaigns(s, actor=actor, **arguments),
        then=for_viewer,
    )


def influencer_facets(db: Database, *, actor: Actor, include_unlisted: bool = False) -> dict:
    """search.influencer_facets plus as_of; one entry per listed/unlisted scope, like search_influencers."""
    if actor is None or not (actor.can("influencer.search") or actor.is_admin):
        permissions.require(actor, "influencer.search")
    unlisted = bool(include_unlisted and actor.is_admin)
    cached = cache.read_through(
        db,
        "facets",
        ("influencer_facets", "all" if unlisted else "listed"),
        (cachegen.INFLUENCERS,),
        lambda s: search.influencer_facets(s, actor=actor, include_unlisted=unlisted),
    )
    return {**cached.value, "as_of": cached.as_of}


def campaign_facets(db: Database, *, actor: Actor) -> dict:
    """search.campaign_facets plus as_of; listed campaigns only, so one entry shared by every influencer."""
    permissions.require(actor, "campaign.search")
    cached = cache.read_through(
        db,
        "facets",
        ("campaign_facets", "listed"),
        (cachegen.CAMPAIGNS,),
        lambda s: search.campaign_facets(s, actor=actor),
    )
    return {**cached.value, "as_of": cached.as_of}
