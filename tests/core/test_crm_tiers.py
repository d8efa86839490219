"""Tiers: boundaries, configurable thresholds, a bad setting, and the SQL twin of tier_of."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import literal, select

from core.crm import tiers
from core.errors import InvalidInput
from core.models import InfluencerProfile
from tests import factories as f


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (0, "nano"),
        (None, "nano"),
        (9_999, "nano"),
        (10_000, "micro"),
        (99_999, "micro"),
        (100_000, "mid"),
        (499_999, "mid"),
        (500_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
        (250_000_000, "mega"),
    ],
)
def test_each_tier_starts_exactly_at_its_threshold(followers, tier):
    assert tiers.tier_of(followers) == tier


def test_thresholds_come_from_the_environment_on_every_call(monkeypatch):
    monkeypatch.setenv("IESCP_TIER_THRESHOLDS", "1000, 5000, 20000, 50000")
    assert [tiers.tier_of(n) for n in (999, 1_000, 5_000, 20_000, 50_000)] == list(tiers.TIERS)
    assert tiers.followers_range("micro") == (1_000, 5_000)
    monkeypatch.delenv("IESCP_TIER_THRESHOLDS")
    assert tiers.tier_of(5_000) == "nano"


@pytest.mark.parametrize("raw", ["10k,100k,500k,1M", "1,2,3", "100,50,500,1000", "0,10,20,30", "10,20,20,30"])
def test_a_bad_threshold_setting_falls_back_to_the_defaults_with_a_warning(monkeypatch, caplog, raw):
    monkeypatch.setenv("IESCP_TIER_THRESHOLDS", raw)
    with caplog.at_level(logging.WARNING, logger="iescp.crm.tiers"):
        assert tiers.thresholds() == tiers.DEFAULT_THRESHOLDS
    assert "IESCP_TIER_THRESHOLDS must be" in caplog.text and "Using the defaults" in caplog.text


def test_parsing_a_bad_threshold_setting_says_what_is_expected():
    with pytest.raises(InvalidInput, match="four whole numbers separated by commas"):
        tiers.parse_thresholds("10000;100000")
    with pytest.raises(InvalidInput, match="strictly increasing"):
        tiers.parse_thresholds("5,4,3,2")


def test_a_tier_covers_a_half_open_followers_range_and_mega_is_unbounded():
    assert tiers.followers_range("nano") == (0, 10_000)
    assert tiers.followers_range("mid") == (100_000, 500_000)
    assert tiers.followers_range("mega") == (1_000_000, None)
    with pytest.raises(InvalidInput, match="Tier must be one of: nano, micro, mid, macro, mega"):
        tiers.followers_range("giga")


def test_the_sql_tier_expression_agrees_with_tier_of(database):
    counts = [0, 9_999, 10_000, 100_000, 499_999, 500_000, 999_999, 1_000_000, 7_000_000]
    f.influencers(database, [{"followers": n} for n in counts])
    rows = f.read(
        database,
        lambda s: s.execute(
            select(InfluencerProfile.followers, tiers.tier_case(InfluencerProfile.followers)).order_by(
                InfluencerProfile.followers
            )
        ).all(),
    )
    assert [(n, tier) for n, tier in rows] == [(n, tiers.tier_of(n)) for n in counts]
    assert f.read(database, lambda s: s.scalar(select(tiers.tier_case(literal(10_000))))) == "micro"
