"""End to end: a real `huey_consumer tasks.huey` process runs an export enqueued by another process."""

from __future__ import annotations

import pytest

from core.platform.config import get_settings
from core.reporting import exports
from tests import factories as f
from tests.tasks.conftest import (
    BROKERS,
    consumer_env,
    enqueue_export_elsewhere,
    finished_job,
    start_consumer,
    wait_for,
)

FAST_ONE_WORKER = (
    "--workers",
    "1",
    "--worker-type",
    "thread",
    "--no-periodic",
    "--delay",
    "0.05",
    "--max-delay",
    "0.5",
)


@pytest.mark.parametrize("broker", BROKERS)
def test_a_real_consumer_process_runs_an_enqueued_export(sqlite_database, tmp_path, monkeypatch, broker):
    db = sqlite_database
    env = consumer_env(monkeypatch, db, broker)
    sponsor = f.sponsor(db, name="Acme Outdoor")
    f.request(db, sponsor, f.campaign(db, sponsor, name="=Spring"), f.influencer(db, name="Ana Trails"))
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=sponsor, kind="ad_requests")

    log = tmp_path / "consumer.log"
    with start_consumer(env, log, *FAST_ONE_WORKER) as consumer:
        enqueue_export_elsewhere(env, job_id)  # the page's side: another process commits the job and enqueues it
        job = wait_for(db, finished_job(job_id), consumer, log, f"export {job_id} finishing")

    assert (job.status, job.row_count, job.error) == ("done", 1, None)
    assert broker != "sqlite" or get_settings().huey_sqlite_path.exists()
    with db.ReadSession.begin() as s:
        _, path = exports.open_export(s, actor=sponsor, job_id=job_id)
    text = path.read_text()
    assert "'=Spring,Acme Outdoor,Ana Trails" in text
