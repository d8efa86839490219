"""Redis killed or frozen mid-run (a private redis-server on a free port, never the shared one): the cache degrades
to uncached reads after one warning, no read or enqueue hangs, and the job worker carries on once Redis is back."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid

import pytest

from core.models import ExportJob
from core.platform import cache as cachemod
from core.platform.config import PROJECT_ROOT, reset_settings
from core.reporting import exports
from tests import factories as f
from tests.faults.conftest import child_env, wait_until
from tests.tasks.conftest import database_url

pytestmark = [pytest.mark.timeout(120), pytest.mark.redis]


def _counting_reads(cache: cachemod.Cache, times: int) -> list[int]:
    computed: list[int] = []

    def creator() -> int:
        computed.append(1)
        return 42

    values = [cache.get_or_create("stats", "iescp:test:answer", creator).value for _ in range(times)]
    assert values == [42] * times
    return computed


def _cache_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "iescp.cache" and r.levelno == logging.WARNING]


def test_a_killed_redis_turns_cache_reads_into_uncached_reads_after_one_warning(private_redis, caplog):
    cache = cachemod.build(private_redis.url)
    assert len(_counting_reads(cache, 3)) == 1  # cached while Redis is up

    private_redis.kill()

    assert len(_counting_reads(cache, 5)) == 5  # every read still answers, computed
    warnings = _cache_warnings(caplog)
    assert len(warnings) == 1 and "unreachable" in warnings[0]


def test_a_frozen_redis_does_not_hang_a_read(private_redis, caplog):
    cache = cachemod.build(private_redis.url)
    _counting_reads(cache, 1)

    private_redis.freeze()  # SIGSTOP: the socket accepts, nothing answers (like DEBUG SLEEP)
    try:
        assert len(_counting_reads(cache, 5)) == 5  # the socket timeout ends each wait; pytest-timeout bounds it
    finally:
        private_redis.thaw()
    assert len(_cache_warnings(caplog)) == 1


def _enqueue_in_child(job_id: int) -> subprocess.CompletedProcess:
    """The page's side of an export, in its own process (a hang fails the test instead of blocking it)."""
    return subprocess.run(
        [sys.executable, "-c", "import sys, tasks; tasks.exports.enqueue_export(int(sys.argv[1]))", str(job_id)],
        cwd=PROJECT_ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _job(db, job_id: int) -> ExportJob:
    with db.ReadSession.begin() as s:
        return s.get(ExportJob, job_id)


@pytest.fixture
def redis_queue(sqlite_database, private_redis, monkeypatch):
    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(sqlite_database))
    monkeypatch.setenv("IESCP_REDIS_URL", private_redis.url)
    monkeypatch.setenv("IESCP_HUEY_NAME", f"iescp-faults-{uuid.uuid4().hex[:8]}")
    reset_settings()
    return sqlite_database


def test_enqueueing_on_a_frozen_redis_fails_the_job_with_a_message_instead_of_hanging(redis_queue, private_redis):
    db = redis_queue
    sponsor = f.sponsor(db)
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=sponsor, kind="campaigns")

    private_redis.freeze()
    try:
        done = _enqueue_in_child(job_id)
    finally:
        private_redis.thaw()

    assert done.returncode == 0, done.stderr
    job = _job(db, job_id)
    assert job.status == "failed"
    assert "queue is unavailable" in job.error


def test_the_worker_carries_on_after_redis_is_killed_and_restarted(redis_queue, private_redis, consumers, tmp_path):
    db = redis_queue
    sponsor = f.sponsor(db)
    consumer = consumers(child_env(), tmp_path / "consumer.log")
    with db.Session.begin() as s:
        first = exports.start_export(s, actor=sponsor, kind="campaigns")
    assert _enqueue_in_child(first).returncode == 0
    wait_until(lambda: _job(db, first).status == "done", timeout=60, what="the first export")

    private_redis.kill()
    with db.Session.begin() as s:
        lost = exports.start_export(s, actor=sponsor, kind="campaigns")
    assert _enqueue_in_child(lost).returncode == 0
    assert _job(db, lost).status == "failed"  # Redis down: the user is told at once, nothing waits for ever
    private_redis.start()  # same port, empty (no persistence): like a restarted cache/broker

    with db.Session.begin() as s:
        second = exports.start_export(s, actor=sponsor, kind="campaigns")
    assert _enqueue_in_child(second).returncode == 0
    wait_until(
        lambda: _job(db, second).status == "done", timeout=60, what=f"an export after the restart\n{consumer.output()}"
    )
    assert consumer.alive()
