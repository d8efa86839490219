"""Reach and relevance score of an influencer: defined here, documented in docs/decisions.md."""

from __future__ import annotations

import math

BASELINE_VIEW_SHARE = 0.10  # share of followers that sees an average post regardless of engagement
REACH_POINTS = 60  # reach 1,000,000 or more earns all of these
ENGAGEMENT_POINTS = 40  # engagement rate 10 % or more earns all of these
FULL_REACH_LOG10 = 6.0
FULL_ENGAGEMENT_RATE = 10.0


def estimated_reach(followers: int, engagement_rate: float) -> int:
    """Expected audience of one post: followers x (10 % baseline + engagement rate)."""
    return int(round(followers * (BASELINE_VIEW_SHARE + engagement_rate / 100.0)))


def score_parts(reach: int, engagement_rate: float) -> dict[str, int]:
    """The two parts of the relevance score, each rounded to whole points."""
    reach_part = REACH_POINTS * min(1.0, math.log10(1 + max(reach, 0)) / FULL_REACH_LOG10)
    engagement_part = ENGAGEMENT_POINTS * min(1.0, max(engagement_rate, 0.0) / FULL_ENGAGEMENT_RATE)
    return {"reach": int(round(reach_part)), "engagement": int(round(engagement_part))}


def relevance_score(reach: int, engagement_rate: float) -> int:
    """0-100: up to 60 points for reach (log scale) plus up to 40 for engagement."""
    return min(100, sum(score_parts(reach, engagement_rate).values()))


def explain_score(reach: int, engagement_rate: float) -> str:
    """Human-readable reasons for a score, shown beside search results."""
    parts = score_parts(reach, engagement_rate)
    return (
        f"reach {reach:,} → {parts['reach']}/{REACH_POINTS}; "
        f"engagement {engagement_rate:.1f}% → {parts['engagement']}/{ENGAGEMENT_POINTS}"
    )
