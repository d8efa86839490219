"""Creator and campaign metrics with provenance: each value says whether it was measured, estimated or imported.

Every value is a `Metric(value, label, kind, source, as_of, unit)`; kind is one of
- measured:    a figure someone recorded (the creator on their profile, the platform from deals and the catalogue);
- imported:    a figure that came from a creator import (a scraping tool's export), not from the creator;
- estimated:   computed from other figures with the formulas below; shown with "≈" and set apart on screen;
- unavailable: no value, and `source` says why (no followers recorded, no live posts yet…).

Formulas (per post, for one creator with F followers and engagement rate E %):
- engagement rate          E                              (as recorded: measured, or imported)
- estimated reach          R = F × (10 % + E)             (core/marketplace/scoring.py ranks by the same figure)
- estimated impressions    I = R × 1.2                    (an account reached sees a post 1.2 times on average)
- estimated engagements    G = F × E / 100
- earned media value       EMV = G × rate                 (rate: IESCP_EMV_RATE_CENTS_PER_ENGAGEMENT, default 10¢)
For a campaign, over its accepted/completed deals and their live posts (deliverables live or confirmed):
- cost                     fees (sum of agreed payments: measured) + gifted products (core/crm/products.py)
- impressions, engagements the sums of I and G over every live post (estimated)
- CPM = cost / impressions × 1,000;  CPE = cost / engagements;  EMV = engagements × rate   (all estimated)
A campaign without live posts has no impressions yet: those metrics are unavailable, and say so.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from core import permissions
from core.crm import products
from core.errors import NotFound
from core.models import COMMITTED_AD_REQUEST_STATUSES, AdRequest, Deliverable, InfluencerProfile
from core.permissions import Actor
from core.platform.timeutil import today

log = logging.getLogger("iescp.crm.metrics")

KINDS = ("measured", "estimated", "imported", "unavailable")
BASELINE_VIEW_SHARE = 0.10  # share of followers that sees an average post regardless of engagement
IMPRESSIONS_PER_REACHED = 1.2
DEFAULT_EMV_RATE_CENTS = 10
EMV_ENV = "IESCP_EMV_RATE_CENTS_PER_ENGAGEMENT"
LIVE_DELIVERABLE_STATUSES = ("live_submitted", "confirmed")
ORIGINS = {"profile": ("measured", "Entered by the creator on their profile"), "import": ("imported", "Creator import")}


@dataclass(frozen=True)
class Metric:
    """One figure with where it came from; value is None exactly when kind is 'unavailable'."""

    value: float | int | None
    label: str
    kind: str
    source: str
    as_of: dt.date | None
    unit: str = "count"  # count, percent or cents: how a page formats the value

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if (self.value is None) != (self.kind == "unavailable"):
            raise ValueError("an unavailable metric has no value, and every other metric has one")


def unavailable(label: str, why: str, unit: str = "count") -> Metric:
    return Metric(None, label, "unavailable", why, None, unit)


def emv_rate_cents() -> int:
    """Cents of earned media value per engagement: IESCP_EMV_RATE_CENTS_PER_ENGAGEMENT, read on every call."""
    raw = os.environ.get(EMV_ENV, "").strip()
    if not raw:
        return DEFAULT_EMV_RATE_CENTS
    if raw.isdigit() and 0 < int(raw) <= 100_000:
        return int(raw)
    log.warning("%s must be a whole number of cents from 1 to 100000; using %d.", EMV_ENV, DEFAULT_EMV_RATE_CENTS)
    return DEFAULT_EMV_RATE_CENTS


# ---- the formulas --------------------------------------------------------------------------------------------


def reach_per_post(followers: int, engagement_rate: float) -> int:
    """R = F × (10 % + E): the expected audience of one post."""
    return int(round(followers * (BASELINE_VIEW_SHARE + engagement_rate / 100.0)))


def impressions_per_post(followers: int, engagement_rate: float) -> int:
    """I = R × 1.2."""
    return int(round(reach_per_post(followers, engagement_rate) * IMPRESSIONS_PER_REACHED))


def engagements_per_post(followers: int, engagement_rate: float) -> int:
    """G = F × E / 100."""
    return int(round(followers * engagement_rate / 100.0))


def cpm_cents(cost_cents: int, impressions: int) -> int | None:
    """Cost per thousand impressions, in cents (None without impressions)."""
    return int(round(cost_cents * 1000 / impressions)) if impressions > 0 else None


def cpe_cents(cost_cents: int, engagements: int) -> int | None:
    """Cost per engagement, in cents (None without engagements)."""
    return int(round(cost_cents / engagements)) if engagements > 0 else None


def emv_cents(engagements: int, rate_cents: int | None = None) -> int:
    """EMV = engagements × rate."""
    return engagements * (emv_rate_cents() if rate_cents is None else rate_cents)


# ---- a creator -----------------------------------------------------------------------------------------------


def profile_metrics(
    followers: int | None, engagement_rate: float | None, *, origin: str = "profile", as_of: dt.date | None = None
) -> dict[str, Metric]:
    """A creator's figures: followers and engagement as recorded, then the per-post estimates built on them.

    origin says who recorded followers and engagement: 'profile' (the creator: measured) or 'import' (imported).
    as_of is when they were recorded, when known; estimates are as of today.
    """
    kind, source = ORIGINS[origin]
    out: dict[str, Metric] = {}
    if not followers:
        why = "No followers recorded on this profile."
        out["followers"] = unavailable("Followers", why)
        out["engagement_rate"] = unavailable("Engagement rate", why, "percent")
    else:
        out["followers"] = Metric(int(followers), "Followers", kind, source, as_of)
        if engagement_rate is None:
            out["engagement_rate"] = unavailable("Engagement rate", "No engagement rate recorded.", "percent")
        else:
            out["engagement_rate"] = Metric(float(engagement_rate), "Engagement rate", kind, source, as_of, "percent")
    if out["engagement_rate"].kind == "unavailable" or not followers:
        why = "Needs followers and an engagement rate."
        for key, label, unit in (
            ("reach", "Reach / post", "count"),
            ("impressions", "Impressions / post", "count"),
            ("engagements", "Engagements / post", "count"),
            ("emv", "EMV / post", "cents"),
        ):
            out[key] = unavailable(label, why, unit)
        return out
    er, now = float(engagement_rate or 0.0), today()
    engagements = engagements_per_post(int(followers), er)
    out["reach"] = Metric(
        reach_per_post(int(followers), er), "Reach / post", "estimated", "followers × (10 % + ER)", now
    )
    out["impressions"] = Metric(
        impressions_per_post(int(followers), er), "Impressions / post", "estimated", "reach × 1.2", now
    )
    out["engagements"] = Metric(engagements, "Engagements / post", "estimated", "followers × ER", now)
    rate = emv_rate_cents()
    out["emv"] = Metric(emv_cents(engagements, rate), "EMV / post", "estimated", f"engagements × {rate}¢", now, "cents")
    return out


# ---- a campaign ----------------------------------------------------------------------------------------------


@functools.cache
def _deals_statement():
    """campaign_metrics()'s deals with their creator's figures and live-post counts, built once per process with
    the campaign id bound."""
    live_posts = (
        select(Deliverable.ad_request_id, func.count().label("posts"))
        .where(Deliverable.status.in_(LIVE_DELIVERABLE_STATUSES))
        .group_by(Deliverable.ad_request_id)
        .subquery()
    )
    return (
        select(
            AdRequest.payment_cents,
            InfluencerProfile.followers,
            InfluencerProfile.engagement_rate,
            func.coalesce(live_posts.c.posts, 0),
        )
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .outerjoin(live_posts, live_posts.c.ad_request_id == AdRequest.id)
        .where(
            AdRequest.campaign_id == bindparam("campaign_id"),
            AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES),
        )
    )


def campaign_metrics(session: Session, *, actor: Actor, campaign_id: int) -> dict[str, Metric]:
    """Cost, impressions, engagements, CPM, CPE and EMV of a campaign's deals (members of its org, or an admin).

    Two queries: the deals with their creator's figures and live-post counts, and the gifted product value.
    """
    org_id = None if actor is not None and actor.is_admin else permissions.require_member(actor, "crm.view")
    owner = permissions.campaign_organization(session, campaign_id)
    if owner is None or (org_id is not None and owner[0] != org_id):
        raise NotFound("That campaign does not exist or is not your organization's.")
    deals = session.execute(_deals_statement(), {"campaign_id": campaign_id}).all()
    gifted = products.gifted_value_by_campaign(session, actor=actor, campaign_ids=[campaign_id]).get(campaign_id, 0)
    return summarize(
        [(int(p), int(f or 0), float(e or 0.0), int(n)) for p, f, e, n in deals], gifted_cents=gifted, as_of=today()
    )


def summarize(deals: list[tuple[int, int, float, int]], *, gifted_cents: int, as_of: dt.date) -> dict[str, Metric]:
    """Campaign metrics from (payment_cents, followers, engagement_rate, live_posts) per deal (pure: see module doc)."""
    fees = sum(d[0] for d in deals)
    cost = fees + gifted_cents
    posts = sum(d[3] for d in deals)
    impressions = sum(impressions_per_post(f, e) * n for _, f, e, n in deals)
    engagements = sum(engagements_per_post(f, e) * n for _, f, e, n in deals)
    out = {
        "fees": Metric(fees, "Fees", "measured", "Agreed payments of accepted deals", as_of, "cents"),
        "gifted": Metric(
            gifted_cents, "Gifted products", "measured", "Products attached to the campaign", as_of, "cents"
        ),
        "cost": Metric(cost, "Total cost", "measured", "Fees + gifted products", as_of, "cents"),
        "live_posts": Metric(posts, "Live posts", "measured", "Deliverables live or confirmed", as_of),
    }
    if not deals:
        why = "No accepted deals yet."
    elif posts == 0:
        why = "No live posts yet."
    elif engagements == 0 and impressions == 0:
        why = "The creators of the live posts have no followers recorded."
    else:
        why = ""
    if why:
        out["impressions"] = unavailable("Impressions", why)
        out["engagements"] = unavailable("Engagements", why)
        out["cpm"] = unavailable("CPM", why, "cents")
        out["cpe"] = unavailable("CPE", why, "cents")
        out["emv"] = unavailable("EMV", why, "cents")
        return out
    rate = emv_rate_cents()
    out["impressions"] = Metric(impressions, "Impressions", "estimated", "Σ reach × 1.2 per live post", as_of)
    out["engagements"] = Metric(engagements, "Engagements", "estimated", "Σ followers × ER per live post", as_of)
    cpm, cpe = cpm_cents(cost, impressions), cpe_cents(cost, engagements)
    out["cpm"] = (
        Metric(cpm, "CPM", "estimated", "cost ÷ impressions × 1,000", as_of, "cents")
        if cpm is not None
        else unavailable("CPM", "No impressions.", "cents")
    )
    out["cpe"] = (
        Metric(cpe, "CPE", "estimated", "cost ÷ engagements", as_of, "cents")
        if cpe is not None
        else unavailable("CPE", "No engagements (engagement rates are 0 %).", "cents")
    )
    out["emv"] = Metric(emv_cents(engagements, rate), "EMV", "estimated", f"engagements × {rate}¢", as_of, "cents")
    return out
