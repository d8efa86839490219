"""The floor on admin statistics: under steady writes they are recomputed at most once per floor, in all
processes, and never hide the reading admin's own last write."""

from __future__ import annotations

import os
import time

import dogpile.cache.region as dogpile_region
import pytest

from core.marketplace import accounts, cached_reads
from core.platform import cache
from core.platform.timeutil import utcnow
from tests import factories as f

REDIS_URL = os.environ.get("IESCP_TEST_REDIS_URL")
FLOOR = 60.0


class _Clock:
    """dogpile's clock, moved by the test: entries' ages are measured with it."""

    def __init__(self):
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch):
    fake = _Clock()
    monkeypatch.setattr(dogpile_region, "time", fake)
    return fake


def _use(built: cache.Cache):
    cache.use(built)
    return built


@pytest.fixture
def floored_cache():
    """An in-process cache whose entries live an hour, with a one-minute floor on admin statistics."""
    yield _use(cache.build(None, ttls={"stats": 3600}, min_ages={"stats": FLOOR}))
    cache.use(None)


def _pending(database, admin, **kwargs) -> int:
    return cached_reads.admin_statistics(database, actor=admin, **kwargs)["users"]["pending_sponsors"]


def test_others_writes_reach_admin_statistics_only_once_the_floor_has_passed(database, floored_cache, clock):
    admin = f.admin(database)
    first = cached_reads.admin_statistics(database, actor=admin)
    assert first["users"]["pending_sponsors"] == 0

    f.sponsor(database, approved=False)  # a sign-up: bumps the statistics' scope
    f.sponsor(database, approved=False)
    clock.offset = FLOOR - 5
    again = cached_reads.admin_statistics(database, actor=admin)
    assert again["as_of"] == first["as_of"] and again["users"]["pending_sponsors"] == 0

    clock.offset = FLOOR + 5
    assert _pending(database, admin) == 2


def test_without_writes_admin_statistics_stay_cached_after_the_floor(database, floored_cache, clock):
    admin = f.admin(database)
    first = cached_reads.admin_statistics(database, actor=admin)
    clock.offset = FLOOR + 5
    assert cached_reads.admin_statistics(database, actor=admin)["as_of"] == first["as_of"]


def test_an_admins_own_write_shows_in_statistics_at_once_despite_the_floor(database, floored_cache, clock):
    admin = f.admin(database)
    pending = f.sponsor(database, approved=False)
    assert _pending(database, admin) == 1

    f.write(database, lambda s: accounts.approve_sponsor(s, actor=admin, user_id=pending))
    approved_at = utcnow()

    assert _pending(database, admin) == 1  # another admin's view: within the floor
    assert _pending(database, admin, fresh_after=approved_at) == 0  # hers: at once
    assert _pending(database, admin) == 0  # and what she caused to be computed is everyone's newest value


def test_the_default_floor_applies_to_admin_statistics_only():
    built = cache.build(None)
    assert built.min_age("stats") == cached_reads.ADMIN_STATISTICS_FLOOR_S > 0
    assert all(built.min_age(kind) == 0 for kind in ("dashboard", "search", "facets"))


@pytest.mark.redis
def test_the_floor_is_shared_by_processes_through_redis(database, clock):
    if not REDIS_URL:
        pytest.skip("IESCP_TEST_REDIS_URL is not set")
    admin = f.admin(database)
    try:
        _use(cache.build(REDIS_URL, ttls={"stats": 3600}, min_ages={"stats": FLOOR}))
        first = cached_reads.admin_statistics(database, actor=admin)
        f.sponsor(database, approved=False)

        _use(cache.build(REDIS_URL, ttls={"stats": 3600}, min_ages={"stats": FLOOR}))  # another replica
        assert cached_reads.admin_statistics(database, actor=admin)["as_of"] == first["as_of"]
        clock.offset = FLOOR + 5
        assert _pending(database, admin) == 1
    finally:
        cache.use(None)
