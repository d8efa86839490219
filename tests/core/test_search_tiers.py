"""Influencer search by tier: a followers range on the existing indexes, shown per row, part of the cache key."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.errors import InvalidInput
from core.marketplace import cached_reads, search
from core.platform import cache
from tests import factories as f

COUNTS = [500, 9_999, 10_000, 99_999, 100_000, 499_999, 500_000, 999_999, 1_000_000, 5_000_000]


@pytest.fixture
def spread(database):
    """Two creators at each edge of every tier."""
    ids = f.influencers(database, [{"followers": n, "display_name": f"C{n}"} for n in COUNTS])
    return dict(zip(COUNTS, ids))


def names(page) -> set[str]:
    return set(page.rows["display_name"])


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("nano", {500, 9_999}),
        ("micro", {10_000, 99_999}),
        ("mid", {100_000, 499_999}),
        ("macro", {500_000, 999_999}),
        ("mega", {1_000_000, 5_000_000}),
    ],
)
def test_the_tier_filter_returns_exactly_the_creators_of_that_tier(database, spread, tier, expected):
    sponsor = f.sponsor(database)
    page = f.read(database, lambda s: search.search_influencers(s, actor=sponsor, tier=tier))
    assert names(page) == {f"C{n}" for n in expected}
    assert page.total == 2
    assert set(page.rows["tier"]) == {tier}


def test_the_tier_filter_combines_with_a_followers_range(database, spread):
    sponsor = f.sponsor(database)
    page = f.read(database, lambda s: search.search_influencers(s, actor=sponsor, tier="micro", min_followers=50_000))
    assert names(page) == {"C99999"}


def test_every_result_row_says_its_tier(database, spread):
    sponsor = f.sponsor(database)
    page = f.read(database, lambda s: search.search_influencers(s, actor=sponsor, sort="followers"))
    assert dict(zip(page.rows["display_name"], page.rows["tier"]))["C10000"] == "micro"
    assert list(page.rows.columns)[-1] == "tier"
    empty = f.read(database, lambda s: search.search_influencers(s, actor=sponsor, text="nobody-matches-this"))
    assert "tier" in empty.rows.columns and empty.rows.empty


def test_an_unknown_tier_is_refused_with_the_list_of_tiers(database):
    sponsor = f.sponsor(database)
    with pytest.raises(InvalidInput, match="Tier must be one of: nano, micro, mid, macro, mega"):
        f.read(database, lambda s: search.search_influencers(s, actor=sponsor, tier="giga"))


def test_the_tier_filter_uses_the_followers_index_on_sqlite(sqlite_database):
    with sqlite_database.ReadSession.begin() as s:
        plan = " ".join(
            str(row[-1])
            for row in s.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT count(*) FROM influencer_profiles "
                    "WHERE listed = 1 AND followers >= 10000 AND followers < 100000"
                )
            )
        )
    assert "ix_influencer_listed_followers" in plan or "ix_influencer_listed_category_cover" in plan


@pytest.fixture
def memory_cache():
    """A fresh in-process cache for this test only."""
    fresh = cache.build(None)
    cache.use(fresh)
    yield fresh
    cache.use(None)


def test_cached_search_keys_include_the_tier(database, spread, memory_cache):
    sponsor = f.sponsor(database)
    micro = cached_reads.search_influencers(database, actor=sponsor, tier="micro")
    mega = cached_reads.search_influencers(database, actor=sponsor, tier="mega")
    everyone = cached_reads.search_influencers(database, actor=sponsor)
    assert names(micro) == {"C10000", "C99999"}
    assert names(mega) == {"C1000000", "C5000000"}
    assert everyone.total == len(COUNTS)
    again = cached_reads.search_influencers(database, actor=sponsor, tier="micro")  # a hit: same entry
    assert names(again) == names(micro) and again.as_of == micro.as_of
