"""Influencer tiers by followers: nano / micro / mid / macro / mega, with configurable thresholds.

A creator with fewer followers than the first threshold is nano, fewer than the second micro, and so on;
at or above the last threshold, mega. Defaults: nano < 10k ≤ micro < 100k ≤ mid < 500k ≤ macro < 1M ≤ mega.
IESCP_TIER_THRESHOLDS="10000,100000,500000,1000000" changes them (four increasing whole numbers, read on
every call so a test or an operator can change it without a restart). A malformed value is logged as a
warning and the defaults are used: a typo in a setting must not take search down.
"""

from __future__ import annotations

import logging
import os

from sqlalchemy import ColumnElement, case

from core.errors import InvalidInput

log = logging.getLogger("iescp.crm.tiers")

TIERS = ("nano", "micro", "mid", "macro", "mega")
DEFAULT_THRESHOLDS = (10_000, 100_000, 500_000, 1_000_000)
ENV = "IESCP_TIER_THRESHOLDS"
LABELS = {"nano": "Nano", "micro": "Micro", "mid": "Mid-tier", "macro": "Macro", "mega": "Mega"}


def parse_thresholds(raw: str) -> tuple[int, int, int, int]:
    """Four increasing positive whole numbers separated by commas, or InvalidInput saying what is wrong."""
    parts = [p.strip().replace("_", "") for p in raw.split(",")]
    if len(parts) != len(TIERS) - 1 or not all(p.isdigit() for p in parts):
        raise InvalidInput(f"{ENV} must be four whole numbers separated by commas, like 10000,100000,500000,1000000.")
    values = tuple(int(p) for p in parts)
    if values[0] < 1 or any(b <= a for a, b in zip(values, values[1:])):
        raise InvalidInput(f"{ENV} must be positive and strictly increasing, like 10000,100000,500000,1000000.")
    return values[0], values[1], values[2], values[3]


def thresholds() -> tuple[int, int, int, int]:
    """The thresholds in force: IESCP_TIER_THRESHOLDS when valid, else the defaults (with a logged warning)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_THRESHOLDS
    try:
        return parse_thresholds(raw)
    except InvalidInput as error:
        log.warning("%s Using the defaults %s.", error.message, ",".join(map(str, DEFAULT_THRESHOLDS)))
        return DEFAULT_THRESHOLDS


def tier_of(followers: int | None) -> str:
    """The tier of a follower count (None or negative counts as 0: nano)."""
    count = max(int(followers or 0), 0)
    for tier, limit in zip(TIERS, thresholds()):
        if count < limit:
            return tier
    return TIERS[-1]


def followers_range(tier: str) -> tuple[int, int | None]:
    """The followers a tier covers as [low, high) (high None for mega): search filters on it with the indexes."""
    if tier not in TIERS:
        raise InvalidInput(f"Tier must be one of: {', '.join(TIERS)}.")
    bounds = (0, *thresholds(), None)
    index = TIERS.index(tier)
    low, high = bounds[index], bounds[index + 1]
    return int(low or 0), high


def tier_case(column) -> ColumnElement[str]:
    """A SQL CASE giving the tier name of a followers column, for queries that group or show by tier."""
    limits = thresholds()
    return case(*[(column < limit, tier) for tier, limit in zip(TIERS, limits)], else_=TIERS[-1])


def label(tier: str) -> str:
    return LABELS.get(tier, tier)
