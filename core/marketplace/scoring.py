"""Reach and relevance score of an influencer: defined here, documented in docs/decisions.md."""

from __future__ import annotations

import math

from core.crm import metrics

BASELINE_VIEW_SHARE = metrics.BASELINE_VIEW_SHARE  # share of followers that sees an average post regardless
REACH_POINTS = 60  # reach 1,000,000 or more earns all of these
ENGAGEMENT_POINTS = 40  # engagement rate 10 % or more earns all of these
FULL_REACH_LOG10 = 6.0
FULL_ENGAGEMENT_RATE = 10.0
# Ratings: a Bayesian average pulls few reviews toward PRIOR_MEAN as if PRIOR_WEIGHT average reviews were
# already there (one 5-star review → 4.17, twenty 4.8-star ones → 4.64), then every 0.1 star above or below
# the prior moves the score by one point, at most RATING_POINTS either way.
PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 5
RATING_POINTS = 10


def estimated_reach(followers: int, engagement_rate: float) -> int:
    """Expected audience of one post: followers x (10 % baseline + engagement rate); one formula, in core/crm/metrics.py."""
    return metrics.reach_per_post(followers, engagement_rate)


def score_parts(reach: int, engagement_rate: float) -> dict[str, int]:
    """The two parts of the relevance score, each rounded to whole points."""
    reach_part = REACH_POINTS * min(1.0, math.log10(1 + max(reach, 0)) / FULL_REACH_LOG10)
    engagement_part = ENGAGEMENT_POINTS * min(1.0, max(engagement_rate, 0.0) / FULL_ENGAGEMENT_RATE)
    return {"reach": int(round(reach_part)), "engagement": int(round(engagement_part))}


def bayesian_rating(average: float | None, count: int) -> float | None:
    """The rating search ranks by; None without reviews."""
    if not count or average is None:
        return None
    return (PRIOR_MEAN * PRIOR_WEIGHT + average * count) / (PRIOR_WEIGHT + count)


def rating_points(average: float | None, count: int) -> int:
    """-10..+10 points from sponsors' reviews (0 without any)."""
    rating = bayesian_rating(average, count)
    if rating is None:
        return 0
    return max(-RATING_POINTS, min(RATING_POINTS, int(round((rating - PRIOR_MEAN) * 10))))


def relevance_score(reach: int, engagement_rate: float, rating_avg: float | None = None, rating_count: int = 0) -> int:
    """0-100: up to 60 points for reach (log scale), up to 40 for engagement, ±10 for sponsors' ratings."""
    base = min(100, sum(score_parts(reach, engagement_rate).values()))
    return max(0, min(100, base + rating_points(rating_avg, rating_count)))


def explain_score(reach: int, engagement_rate: float, rating_avg: float | None = None, rating_count: int = 0) -> str:
    """Human-readable reasons for a score, shown beside search results."""
    parts = score_parts(reach, engagement_rate)
    reasons = (
        f"reach {reach:,} → {parts['reach']}/{REACH_POINTS}; "
        f"engagement {engagement_rate:.1f}% → {parts['engagement']}/{ENGAGEMENT_POINTS}"
    )
    if rating_count:
        points = rating_points(rating_avg, rating_count)
        reviews = f"{rating_count} review{'s' if rating_count != 1 else ''}"
        reasons += f"; rated {rating_avg:.1f}★ in {reviews} → {points:+d}"
    return reasons
