"""Search: influencers for sponsors, public campaigns for influencers; keyset-paginated with totals."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Integer, and_, column, exists, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from core import fulltext, permissions, scoring, validate
from core.errors import InvalidInput
from core.models import PLATFORMS, AdRequest, Campaign, InfluencerProfile, LIVE_AD_REQUEST_STATUSES, SponsorProfile
from core.permissions import Actor
from core.timeutil import today

MAX_PAGE = 200
INFLUENCER_SORTS = {
    "relevance": InfluencerProfile.score,
    "followers": InfluencerProfile.followers,
    "engagement": InfluencerProfile.engagement_rate,
    "reach": InfluencerProfile.reach,
}
INFLUENCER_COLUMNS = ["user_id", "display_name", "category", "niche", "platform", "followers", "engagement_rate",
                      "reach", "score", "profile_url", "bio", "score_reasons"]
CAMPAIGN_COLUMNS = ["id", "name", "sponsor", "category", "niche", "description", "goals", "start_date", "end_date",
                    "budget_cents", "already_requested"]


@dataclass(frozen=True)
class SearchPage:
    """One page of results, the total matching, and the cursor of the next page (None at the end)."""

    rows: pd.DataFrame
    total: int
    next_cursor: str | None


def _cursor_parts(cursor: str | None, value_type):
    if not cursor:
        return None
    try:
        value, key = cursor.rsplit("|", 1)
        return value_type(value), int(key)
    except (ValueError, TypeError):
        raise InvalidInput("That page link is no longer valid; start the search again.") from None


def _limit(limit) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _text_condition(session: Session, table: str, fts_table: str, key_column, query: str):
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        ids = fulltext.matching_ids(dialect, fts_table, query)
        return None if ids is None else key_column.in_(ids.columns(column("rowid", Integer)))
    return fulltext.pg_match(table, query)


def search_influencers(session: Session, *, actor: Actor, text: str = "", category: str | None = None,
                       niche: str | None = None, platform: str | None = None, min_followers: int | None = None,
                       max_followers: int | None = None, min_reach: int | None = None, max_reach: int | None = None,
                       min_engagement: float | None = None, sort: str = "relevance", cursor: str | None = None,
                       limit: int = 50, include_unlisted: bool = False) -> SearchPage:
    """Influencers matching every given filter, best first by the chosen sort.

    Non-admins only ever see listed profiles (public, active, approved, unflagged).
    """
    if actor is None or not (actor.can("influencer.search") or actor.is_admin):
        permissions.require(actor, "influencer.search")
    if sort not in INFLUENCER_SORTS:
        raise InvalidInput(f"Sort must be one of: {', '.join(INFLUENCER_SORTS)}.")
    p = InfluencerProfile
    conditions = []
    if not (include_unlisted and actor.is_admin):
        conditions.append(p.listed.is_(True))
    if category:
        conditions.append(p.category == category)
    if niche:
        conditions.append(p.niche == niche)
    if platform:
        conditions.append(p.platform == validate.choice(platform, "Platform", PLATFORMS))
    for column, low, high, label in ((p.followers, min_followers, max_followers, "followers"),
                                     (p.reach, min_reach, max_reach, "reach")):
        if low is not None:
            conditions.append(column >= validate.whole_number(low, f"Minimum {label}"))
        if high is not None:
            conditions.append(column <= validate.whole_number(high, f"Maximum {label}"))
        if low is not None and high is not None and int(low) > int(high):
            raise InvalidInput(f"Minimum {label} cannot be more than maximum {label}.")
    if min_engagement:
        conditions.append(p.engagement_rate >= validate.percent(min_engagement, "Minimum engagement"))
    if text and text.strip():
        match = _text_condition(session, "influencer_profiles", "influencer_fts", p.user_id, text)
        if match is not None:
            conditions.append(match)

    total = session.scalar(select(func.count()).select_from(p).where(*conditions)) or 0
    sort_column = INFLUENCER_SORTS[sort]
    value_type = float if sort == "engagement" else int
    page_conditions = list(conditions)
    after = _cursor_parts(cursor, value_type)
    if after:
        value, key = after
        # The split form (not a row-value comparison) lets SQLite use the index as a range bound.
        page_conditions.append(and_(sort_column <= value, or_(sort_column < value, p.user_id < key)))
    size = _limit(limit)
    rows = session.execute(
        select(p.user_id, p.display_name, p.category, p.niche, p.platform, p.followers, p.engagement_rate,
               p.reach, p.score, p.profile_url, p.bio)
        .where(*page_conditions)
        .order_by(sort_column.desc(), p.user_id.desc())
        .limit(size + 1)
    ).all()
    has_more = len(rows) > size
    rows = rows[:size]
    frame = pd.DataFrame(rows, columns=INFLUENCER_COLUMNS[:-1])
    frame["score_reasons"] = [scoring.explain_score(r, e) for r, e in zip(frame["reach"], frame["engagement_rate"])]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        sort_value = {"relevance": last.score, "followers": last.followers, "engagement": last.engagement_rate,
                      "reach": last.reach}[sort]
        next_cursor = f"{sort_value}|{last.user_id}"
    return SearchPage(frame, total, next_cursor)


def search_campaigns(session: Session, *, actor: Actor, text: str = "", category: str | None = None,
                     niche: str | None = None, min_budget_cents: int | None = None,
                     max_budget_cents: int | None = None, active_on: dt.date | None = None,
                     starts_after: dt.date | None = None, ends_before: dt.date | None = None,
                     include_ended: bool = False, cursor: str | None = None, limit: int = 50) -> SearchPage:
    """Public campaigns, newest first. Never private, flagged, inactive; never ended unless asked."""
    permissions.require(actor, "campaign.search")
    c = Campaign
    conditions = [c.listed.is_(True)]
    if not include_ended:
        conditions.append(c.end_date >= today())
    if category:
        conditions.append(c.category == category)
    if niche:
        conditions.append(c.niche == niche)
    if min_budget_cents is not None:
        conditions.append(c.budget_cents >= int(min_budget_cents))
    if max_budget_cents is not None:
        conditions.append(c.budget_cents <= int(max_budget_cents))
    if min_budget_cents is not None and max_budget_cents is not None and min_budget_cents > max_budget_cents:
        raise InvalidInput("Minimum budget cannot be more than maximum budget.")
    if active_on is not None:
        day = validate.date(active_on, "Date")
        conditions += [c.start_date <= day, c.end_date >= day]
    if starts_after is not None:
        conditions.append(c.start_date >= validate.date(starts_after, "Starts after"))
    if ends_before is not None:
        conditions.append(c.end_date <= validate.date(ends_before, "Ends before"))
    if text and text.strip():
        match = _text_condition(session, "campaigns", "campaign_fts", c.id, text)
        if match is not None:
            conditions.append(match)
    total = session.scalar(select(func.count()).select_from(c).where(*conditions)) or 0
    page_conditions = list(conditions)
    after = _cursor_parts(cursor, int)
    if after:
        page_conditions.append(c.id < after[1])
    size = _limit(limit)
    already = exists().where(AdRequest.campaign_id == c.id, AdRequest.influencer_id == actor.id,
                             AdRequest.status.in_(LIVE_AD_REQUEST_STATUSES))
    rows = session.execute(
        select(c.id, c.name, SponsorProfile.name.label("sponsor"), c.category, c.niche, c.description, c.goals,
               c.start_date, c.end_date, c.budget_cents, already.label("already_requested"))
        .join(SponsorProfile, SponsorProfile.user_id == c.sponsor_id)
        .where(*page_conditions)
        .order_by(c.id.desc())
        .limit(size + 1)
    ).all()
    has_more = len(rows) > size
    rows = rows[:size]
    frame = pd.DataFrame(rows, columns=CAMPAIGN_COLUMNS)
    frame["already_requested"] = frame["already_requested"].astype(bool)
    next_cursor = f"{rows[-1].id}|{rows[-1].id}" if has_more and rows else None
    return SearchPage(frame, total, next_cursor)


# A loose index scan: hop from one distinct value to the next through the (listed, column, ...)
# index, one seek per value, instead of reading every row (~100 seeks instead of 150k rows).
_NEXT_VALUE = """
WITH RECURSIVE walk(value) AS (
    SELECT (SELECT {column} FROM {table} WHERE listed = :listed AND {column} IS NOT NULL
            ORDER BY {column} LIMIT 1)
    UNION ALL
    SELECT (SELECT {column} FROM {table} WHERE listed = :listed AND {column} > walk.value
            ORDER BY {column} LIMIT 1)
    FROM walk WHERE walk.value IS NOT NULL
)
SELECT value FROM walk WHERE value IS NOT NULL
"""


def _distinct_values(session: Session, table: str, column: str) -> set[str]:
    """Every non-empty value of column in table (listed or not)."""
    statement = sql_text(_NEXT_VALUE.format(table=table, column=column))
    return {v for listed in (False, True) for v in session.scalars(statement, {"listed": listed}) if v}


def facet_values(session: Session) -> dict[str, list[str]]:
    """Distinct categories and niches in use, and the platforms, for filter pickers."""
    categories = _distinct_values(session, "influencer_profiles", "category") | \
        _distinct_values(session, "campaigns", "category")
    niches = _distinct_values(session, "influencer_profiles", "niche") | _distinct_values(session, "campaigns", "niche")
    return {"categories": sorted(categories), "niches": sorted(niches), "platforms": list(PLATFORMS)}
