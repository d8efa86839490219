"""The CRM jobs: analytics snapshots due hourly at :50 (each missing day once), find-similar rebuilt at :40."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.models import AnalyticsSnapshot
from core.platform.timeutil import today
from tasks import snapshots as snapshot_tasks
from tasks.queue import huey
from tests import factories as f


def test_the_snapshots_job_is_due_at_minute_50_of_every_hour_only():
    assert "analytics_snapshots" in {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 1, 0, 50))}
    assert "analytics_snapshots" not in {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 1, 0, 51))}


def test_running_the_job_twice_on_the_same_night_stores_each_day_once(bound_tasks):
    f.sponsor(bound_tasks)
    night = dt.datetime.combine(today() + dt.timedelta(days=1), dt.time(0, 50))
    first = snapshot_tasks.analytics_snapshots.call_local(now=night.isoformat())
    again = snapshot_tasks.analytics_snapshots.call_local(now=(night + dt.timedelta(hours=1)).isoformat())
    with bound_tasks.ReadSession.begin() as s:
        stored = s.scalar(select(func.count()).select_from(AnalyticsSnapshot))
        last = s.scalar(select(func.max(AnalyticsSnapshot.day)))
    assert first["days"][-1] == today().isoformat() and first["rows"] == stored
    assert again == {"days": [], "rows": 0}
    assert last == today()


def test_the_find_similar_index_is_rebuilt_hourly_at_minute_40(bound_tasks):
    from tasks import similar as similar_tasks

    assert "similar_index" in {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 1, 3, 40))}
    f.influencers(bound_tasks, [{"niche": "trail running"}, {"niche": "trail running"}])
    assert similar_tasks.similar_index.call_local()["neighbours"] == 2
    assert similar_tasks.similar_index.call_local()["neighbours"] == 2  # a second run replaces, never adds
