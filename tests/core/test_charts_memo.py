"""Built figures are reused while their data is unchanged and rebuilt after a change, whichever process made it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types
from pathlib import Path

import dogpile.cache.region as dogpile_region
import pandas as pd
import pytest

from core.marketplace import cached_reads
from core.platform import cache
from core.reporting.charts import admin as admin_charts
from core.reporting.charts import memo
from core.reporting.charts import sponsor as sponsor_charts
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_caches():
    """This test's own in-process data cache and no figure built by another test."""
    memo.clear()
    cache.use(cache.build(None))
    yield
    cache.use(None)
    memo.clear()


def _register_influencer_elsewhere(database) -> None:
    """Register an influencer from a separate Python process (its commit bumps the 'stats' generation)."""
    url = database.engine.url.render_as_string(hide_password=False)
    code = "import sys; from core.platform.db import connect; from tests import factories as f; f.influencer(connect(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", code, url], cwd=ROOT, env=dict(os.environ), check=True, timeout=120)


def _roles(figures: dict) -> dict:
    pie = figures["roles"].data[0]
    return dict(zip(pie.labels, pie.values))


def test_the_admin_figures_are_built_once_while_the_statistics_are_unchanged(database):
    admin = f.admin(database)
    f.influencer(database)
    first = admin_charts.dashboard_figures(cached_reads.admin_statistics(database, actor=admin))
    builds = memo.stats["builds"]
    again = admin_charts.dashboard_figures(cached_reads.admin_statistics(database, actor=admin))
    assert again is first
    assert memo.stats["builds"] == builds


def test_a_write_committed_by_another_process_rebuilds_the_admin_figures_on_the_next_read(database, monkeypatch):
    admin = f.admin(database)
    f.influencer(database)
    before = admin_charts.dashboard_figures(cached_reads.admin_statistics(database, actor=admin))
    assert _roles(before)["influencer"] == 1
    _register_influencer_elsewhere(database)
    # Past the statistics' floor (tests/core/test_cache_floor.py): the next read recomputes them.
    later = time.time() + cached_reads.ADMIN_STATISTICS_FLOOR_S + 1
    monkeypatch.setattr(dogpile_region, "time", types.SimpleNamespace(time=lambda: later))
    after = admin_charts.dashboard_figures(cached_reads.admin_statistics(database, actor=admin))
    assert after is not before
    assert _roles(after)["influencer"] == 2
    assert _roles(before)["influencer"] == 1  # the figure other sessions may still hold was not changed in place


def test_statistics_recomputed_with_equal_figures_reuse_the_built_charts(database):
    admin = f.admin(database)
    first = admin_charts.dashboard_figures(cached_reads.admin_statistics(database, actor=admin))
    cache.get_cache().invalidate()  # recomputed: a new as_of, the same numbers
    recomputed = cached_reads.admin_statistics(database, actor=admin)
    assert admin_charts.dashboard_figures(recomputed) is first


def test_a_sponsor_chart_follows_a_renamed_campaign():
    frame = pd.DataFrame(
        {"id": [1, 2], "name": ["Spring", "Summer"], "budget_cents": [50_000, 90_000]}
        | {"committed_cents": [10_000, 0], "remaining_cents": [40_000, 90_000]}
    )
    before = sponsor_charts.campaign_budget_figure(frame)
    assert sponsor_charts.campaign_budget_figure(frame.copy()) is before
    renamed = sponsor_charts.campaign_budget_figure(frame.assign(name=["Spring", "Autumn"]))
    assert list(renamed.data[0].y) == ["Spring (#1)", "Autumn (#2)"]
    assert list(before.data[0].y) == ["Spring (#1)", "Summer (#2)"]


def test_inputs_that_cannot_be_pickled_are_built_every_time():
    calls = []

    @memo.memoized
    def build(value):
        calls.append(value)
        return object()

    unpicklable = lambda: None  # noqa: E731 - a lambda is what pickle refuses
    assert build(unpicklable) is not build(unpicklable)
    assert len(calls) == 2
    assert build(1) is build(1)
    assert len(calls) == 3
