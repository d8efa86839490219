"""The queue: SqliteHuey by default, RedisHuey when configured (checked against a real Redis), immediate mode."""

from __future__ import annotations

import os
import uuid

import pytest
from huey import RedisHuey, SqliteHuey

import tasks
from core.platform.config import get_settings, reset_settings
from tasks.queue import make_huey

REDIS_URL = os.environ.get("IESCP_TEST_REDIS_URL")


def test_the_default_queue_is_a_sqlite_file_in_the_data_folder():
    queue = make_huey(immediate=False)

    assert isinstance(queue, SqliteHuey) and not queue.immediate
    assert queue.storage.filename == str(get_settings().huey_sqlite_path)
    assert get_settings().huey_sqlite_path.is_relative_to(get_settings().data_dir)
    assert queue.results is False  # job state lives in our tables, never in task results


def test_a_redis_url_selects_redis_and_the_queue_name_can_be_set(monkeypatch):
    monkeypatch.setenv("IESCP_REDIS_URL", "redis://127.0.0.1:6399/3")
    monkeypatch.setenv("IESCP_HUEY_NAME", "iescp-staging")
    reset_settings()

    queue = make_huey(immediate=False)

    assert isinstance(queue, RedisHuey) and queue.name == "iescp-staging"
    assert queue.storage.conn.connection_pool.connection_kwargs["port"] == 6399


def test_immediate_mode_from_the_environment_runs_tasks_inline(monkeypatch):
    monkeypatch.setenv("IESCP_HUEY_IMMEDIATE", "1")
    queue = make_huey()

    @queue.task()
    def add(a, b):
        return a + b

    assert queue.immediate
    assert add(2, 3) is None  # results are off: the work happened, nobody reads a return value
    assert queue.pending_count() == 0


def test_the_tasks_package_exposes_the_instance_and_registers_every_task():
    names = {name.rsplit(".", 1)[-1] for name in tasks.huey._registry._registry}

    assert tasks.huey is tasks.queue.huey
    assert names == {
        "run_export",
        "exports_housekeeping",
        "deals_housekeeping",
        "daily_reminders",
        "reminders_catch_up",
        "sponsor_report",
        "monthly_reports",
        "monthly_reports_catch_up",
        "reports_for_month",
        "lockout_notice",
        "invite_email",
        "run_import",
        "imports_housekeeping",
        "send_claim_invite",
        "reclaim_lost_jobs",
        "worker_heartbeat",
        "analytics_snapshots",
        "similar_index",
    }


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="IESCP_TEST_REDIS_URL is not set")
def test_tasks_round_trip_through_a_real_redis(monkeypatch):
    monkeypatch.setenv("IESCP_REDIS_URL", REDIS_URL)
    reset_settings()
    queue = make_huey(immediate=False, name=f"iescp-test-{uuid.uuid4().hex[:10]}")
    seen = []

    @queue.task()
    def remember(value):
        seen.append(value)

    try:
        remember("first")
        remember("second")
        assert queue.pending_count() == 2
        while (task := queue.dequeue()) is not None:
            queue.execute(task)
        assert seen == ["first", "second"] and queue.pending_count() == 0
    finally:
        queue.storage.flush_all()
