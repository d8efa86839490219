"""Search: influencers for sponsors, public campaigns for influencers; keyset-paginated with totals."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, Integer, and_, column, exists, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from core import permissions, validate
from core.crm import tiers
from core.errors import InvalidInput
from core.marketplace import scoring
from core.models import LIVE_AD_REQUEST_STATUSES, PLATFORMS, AdRequest, Campaign, InfluencerProfile, Organization
from core.money import MAX_CENTS
from core.permissions import Actor
from core.platform import fulltext
from core.platform.timeutil import today

MAX_PAGE = 200
INFLUENCER_SORTS = {
    "relevance": InfluencerProfile.score,
    "followers": InfluencerProfile.followers,
    "engagement": InfluencerProfile.engagement_rate,
    "reach": InfluencerProfile.reach,
}
INFLUENCER_COLUMNS = [
    "user_id",
    "display_name",
    "category",
    "niche",
    "platform",
    "followers",
    "engagement_rate",
    "reach",
    "score",
    "profile_url",
    "bio",
    "rating_avg",
    "rating_count",
    "score_reasons",
    "tier",
]
CAMPAIGN_COLUMNS = [
    "id",
    "name",
    "sponsor",
    "category",
    "niche",
    "description",
    "goals",
    "start_date",
    "end_date",
    "budget_cents",
    "already_requested",
]


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
    return max(1, min(validate.integer(limit, field="Page size", minimum=-validate.BIGINT_MAX), MAX_PAGE))


def _text_condition(session: Session, table: str, fts_table: str, key_column, query: str):
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        ids = fulltext.matching_ids(dialect, fts_table, query)
        return None if ids is None else key_column.in_(ids.columns(column("rowid", Integer)))
    return fulltext.pg_match(table, query)


def _page_text_condition(session: Session, table: str, key_column, match, total: int, size: int):
    """The text condition for fetching one page, given how many rows match in total.

    On PostgreSQL the planner cannot tell how many rows a prefix query matches, and it often walks
    the sort index testing each row against the text until it has a page: fine when matches are
    dense, a scan of the whole table when they are rare. Knowing the total, take the matching keys
    from the GIN index first (a materialised CTE) when there are few of them, so the page costs at
    most about what the count did. The threshold balances the two: sqrt(rows x page size).
    SQLite's FTS5 subquery is always evaluated first, so it is left as it is.
    """
    if session.get_bind().dialect.name != "postgresql":
        return match
    rows = session.scalar(sql_text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table})
    if total > max(1_000, int(math.sqrt(max(rows or 0, 0) * (size + 1)))):
        return match
    matches = select(key_column).where(match).cte(f"{table}_text_match").prefix_with("MATERIALIZED")
    return key_column.in_(select(matches.c[key_column.key]))


def search_influencers(
    session: Session,
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
) -> SearchPage:
    """Influencers matching every given filter, best first by the chosen sort.

    Non-admins only ever see listed profiles (public, active, approved, unflagged). A tier is a followers
    range (core/crm/tiers.py), so it narrows the same followers indexes as min/max followers do.
    """
    _require_influencer_search(actor)
    if sort not in INFLUENCER_SORTS:
        raise InvalidInput(f"Sort must be one of: {', '.join(INFLUENCER_SORTS)}.")
    p = InfluencerProfile
    conditions: list[ColumnElement[bool]] = []
    if not (include_unlisted and actor.is_admin):
        conditions.append(p.listed.is_(True))
    if category:
        conditions.append(p.category == category)
    if niche:
        conditions.append(p.niche == niche)
    if platform:
        conditions.append(p.platform == validate.choice(platform, "Platform", PLATFORMS))
    for bounded, low, high, label in (
        (p.followers, min_followers, max_followers, "followers"),
        (p.reach, min_reach, max_reach, "reach"),
    ):
        if low is not None:
            conditions.append(bounded >= validate.whole_number(low, f"Minimum {label}"))
        if high is not None:
            conditions.append(bounded <= validate.whole_number(high, f"Maximum {label}"))
        if low is not None and high is not None and int(low) > int(high):
            raise InvalidInput(f"Minimum {label} cannot be more than maximum {label}.")
    if tier:
        low, high = tiers.followers_range(validate.choice(tier, "Tier", tiers.TIERS))
        conditions.append(p.followers >= low)
        if high is not None:
            conditions.append(p.followers < high)
    if min_engagement:
        conditions.append(p.engagement_rate >= validate.percent(min_engagement, "Minimum engagement"))
    match = None
    if text and text.strip():
        match = _text_condition(session, "influencer_profiles", "influencer_fts", p.user_id, text)
        if match is not None:
            conditions.append(match)

    total = session.scalar(select(func.count()).select_from(p).where(*conditions)) or 0
    sort_column = INFLUENCER_SORTS[sort]
    value_type = float if sort == "engagement" else int
    after = _cursor_parts(cursor, value_type)
    size = _limit(limit)
    page_conditions = [c for c in conditions if c is not match]
    if match is not None:
        page_conditions.append(_page_text_condition(session, "influencer_profiles", p.user_id, match, total, size))
    if after:
        value, key = after
        # The split form (not a row-value comparison) lets SQLite use the index as a range bound.
        page_conditions.append(and_(sort_column <= value, or_(sort_column < value, p.user_id < key)))
    rows = (
        []
        if total == 0
        else session.execute(
            select(
                p.user_id,
                p.display_name,
                p.category,
                p.niche,
                p.platform,
                p.followers,
                p.engagement_rate,
                p.reach,
                p.score,
                p.profile_url,
                p.bio,
                p.rating_avg,
                p.rating_count,
            )
            .where(*page_conditions)
            .order_by(sort_column.desc(), p.user_id.desc())
            .limit(size + 1)
        ).all()
    )
    has_more = len(rows) > size
    rows = rows[:size]
    if rows:  # one DataFrame construction (adding a column afterwards costs as much again)
        frame = pd.DataFrame(
            [
                (
                    *r,
                    scoring.explain_score(r.reach, r.engagement_rate, r.rating_avg, r.rating_count),
                    tiers.tier_of(r.followers),
                )
                for r in rows
            ],
            columns=INFLUENCER_COLUMNS,
        )
    else:
        frame = pd.DataFrame(rows, columns=INFLUENCER_COLUMNS[:-2])
        frame["score_reasons"] = []
        frame["tier"] = []
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        sort_value = {
            "relevance": last.score,
            "followers": last.followers,
            "engagement": last.engagement_rate,
            "reach": last.reach,
        }[sort]
        next_cursor = f"{sort_value}|{last.user_id}"
    return SearchPage(frame, total, next_cursor)


def search_campaigns(
    session: Session,
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
) -> SearchPage:
    """Public campaigns, newest first. Never private, flagged, inactive; never ended unless asked."""
    permissions.require(actor, "campaign.search")
    c = Campaign
    conditions: list[ColumnElement[bool]] = [c.listed.is_(True)]
    if not include_ended:
        conditions.append(c.end_date >= today())
    if category:
        conditions.append(c.category == category)
    if niche:
        conditions.append(c.niche == niche)
    if min_budget_cents is not None:
        min_budget_cents = validate.whole_number(min_budget_cents, "Minimum budget", maximum=MAX_CENTS)
        conditions.append(c.budget_cents >= min_budget_cents)
    if max_budget_cents is not None:
        max_budget_cents = validate.whole_number(max_budget_cents, "Maximum budget", maximum=MAX_CENTS)
        conditions.append(c.budget_cents <= max_budget_cents)
    if min_budget_cents is not None and max_budget_cents is not None and min_budget_cents > max_budget_cents:
        raise InvalidInput("Minimum budget cannot be more than maximum budget.")
    if active_on is not None:
        day = validate.date(active_on, "Date")
        conditions += [c.start_date <= day, c.end_date >= day]
    if starts_after is not None:
        conditions.append(c.start_date >= validate.date(starts_after, "Starts after"))
    if ends_before is not None:
        conditions.append(c.end_date <= validate.date(ends_before, "Ends before"))
    match = None
    if text and text.strip():
        match = _text_condition(session, "campaigns", "campaign_fts", c.id, text)
        if match is not None:
            conditions.append(match)
    total = session.scalar(select(func.count()).select_from(c).where(*conditions)) or 0
    after = _cursor_parts(cursor, int)
    size = _limit(limit)
    page_conditions = [condition for condition in conditions if condition is not match]
    if match is not None:
        page_conditions.append(_page_text_condition(session, "campaigns", c.id, match, total, size))
    if after:
        page_conditions.append(c.id < after[1])
    already = exists().where(
        AdRequest.campaign_id == c.id,
        AdRequest.influencer_id == actor.id,
        AdRequest.status.in_(LIVE_AD_REQUEST_STATUSES),
    )
    rows = (
        []
        if total == 0
        else session.execute(
            select(
                c.id,
                c.name,
                Organization.name.label("sponsor"),
                c.category,
                c.niche,
                c.description,
                c.goals,
                c.start_date,
                c.end_date,
                c.budget_cents,
                already.label("already_requested"),
            )
            .join(Organization, Organization.id == c.organization_id)
            .where(*page_conditions)
            .order_by(c.id.desc())
            .limit(size + 1)
        ).all()
    )
    has_more = len(rows) > size
    rows = rows[:size]
    if rows:
        frame = pd.DataFrame([(*r[:-1], bool(r[-1])) for r in rows], columns=CAMPAIGN_COLUMNS)
    else:
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


def _distinct_values(session: Session, table: str, column: str, *, unlisted_too: bool = False) -> set[str]:
    """Every non-empty value of column among listed rows of table (and unlisted ones when asked)."""
    statement = sql_text(_NEXT_VALUE.format(table=table, column=column))
    scopes = (True, False) if unlisted_too else (True,)
    return {v for listed in scopes for v in session.scalars(statement, {"listed": listed}) if v}


def _require_influencer_search(actor: Actor) -> None:
    if actor is None or not (actor.can("influencer.search") or actor.is_admin):
        permissions.require(actor, "influencer.search")


def influencer_facets(session: Session, *, actor: Actor, include_unlisted: bool = False) -> dict[str, list[str]]:
    """Categories and niches of the profiles this viewer's influencer search can return, and the platforms.

    Listed profiles only (never private, flagged or deactivated ones), except for an admin who asks
    for unlisted profiles, as search_influencers does.
    """
    _require_influencer_search(actor)
    everyone = bool(include_unlisted and actor.is_admin)
    return {
        "categories": sorted(_distinct_values(session, "influencer_profiles", "category", unlisted_too=everyone)),
        "niches": sorted(_distinct_values(session, "influencer_profiles", "niche", unlisted_too=everyone)),
        "platforms": list(PLATFORMS),
    }


def campaign_facets(session: Session, *, actor: Actor) -> dict[str, list[str]]:
    """Categories and niches of the campaigns search_campaigns can return: listed ones only.

    Ended listed campaigns count too (search returns them with include_ended); walking only the
    running ones would cost a row lookup per ended campaign instead of one index seek per value.
    """
    permissions.require(actor, "campaign.search")
    return {
        "categories": sorted(_distinct_values(session, "campaigns", "category")),
        "niches": sorted(_distinct_values(session, "campaigns", "niche")),
    }
