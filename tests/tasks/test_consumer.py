"""End to end: a real `huey_consumer tasks.huey` process runs an export enqueued by another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from core.models import ExportJob
from core.platform.config import PROJECT_ROOT, get_settings, reset_settings
from core.reporting import exports
from tasks.queue import make_huey
from tests import factories as f
from tests.tasks.conftest import database_url

CONSUMER = Path(sys.executable).parent / "huey_consumer"
REDIS_URL = os.environ.get("IESCP_TEST_REDIS_URL")
BROKERS = [
    "sqlite",
    pytest.param(
        "redis", marks=[pytest.mark.redis, pytest.mark.skipif(not REDIS_URL, reason="IESCP_TEST_REDIS_URL is not set")]
    ),
]


def wait_for_job(db, job_id: int, consumer: subprocess.Popen, log: Path, timeout: float = 60) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.ReadSession.begin() as s:
            job = s.get(ExportJob, job_id)
        if job.status in ("done", "failed"):
            return job
        if consumer.poll() is not None:
            pytest.fail(f"the consumer exited with {consumer.returncode}:\n{log.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"export {job_id} still {job.status} after {timeout} s; consumer log:\n{log.read_text()}")


@pytest.mark.parametrize("broker", BROKERS)
def test_a_real_consumer_process_runs_an_enqueued_export(sqlite_database, tmp_path, monkeypatch, broker):
    db = sqlite_database
    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(db))
    if broker == "redis":
        monkeypatch.setenv("IESCP_REDIS_URL", REDIS_URL)
        monkeypatch.setenv("IESCP_HUEY_NAME", f"iescp-test-{uuid.uuid4().hex[:10]}")  # never share a queue
    reset_settings()
    env = {k: v for k, v in os.environ.items() if k != "IESCP_HUEY_IMMEDIATE"}
    sponsor = f.sponsor(db, name="Acme Outdoor")
    f.request(db, sponsor, f.campaign(db, sponsor, name="=Spring"), f.influencer(db, name="Ana Trails"))
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=sponsor, kind="ad_requests")

    log = tmp_path / "consumer.log"
    with open(log, "wb") as log_file:
        consumer = subprocess.Popen(
            [
                str(CONSUMER),
                "tasks.huey",
                "--workers",
                "1",
                "--worker-type",
                "thread",
                "--no-periodic",
                "--delay",
                "0.05",
                "--max-delay",
                "0.5",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        # The page's side: another process commits the job and enqueues it.
        subprocess.run(
            [sys.executable, "-c", "import sys, tasks; tasks.exports.enqueue_export(int(sys.argv[1]))", str(job_id)],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        job = wait_for_job(db, job_id, consumer, log)
    finally:
        consumer.terminate()
        try:
            consumer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
        if broker == "redis":
            make_huey(immediate=False).storage.flush_all()

    assert (job.status, job.row_count, job.error) == ("done", 1, None)
    assert broker != "sqlite" or get_settings().huey_sqlite_path.exists()
    with db.ReadSession.begin() as s:
        _, path = exports.open_export(s, actor=sponsor, job_id=job_id)
    text = path.read_text()
    assert "'=Spring,Acme Outdoor,Ana Trails" in text
