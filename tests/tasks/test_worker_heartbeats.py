"""A real `huey_consumer tasks.huey` records its heartbeat, its tasks and its periodic runs; healthz reads them."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from core.models import PeriodicTaskRun, WorkerHeartbeat
from core.platform.config import PROJECT_ROOT, reset_settings
from core.reporting import exports
from tests import factories as f
from tests.tasks.conftest import (
    BROKERS,
    consumer_env,
    database_url,
    enqueue_export_elsewhere,
    finished_job,
    start_consumer,
    wait_for,
)


def _healthz(env: dict[str, str], *args: str) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "tasks.healthz", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("broker", BROKERS)
def test_a_real_consumer_records_its_heartbeat_tasks_and_periodic_runs_and_healthz_reports_it(
    sqlite_database, tmp_path, monkeypatch, broker
):
    db = sqlite_database
    monkeypatch.setenv("IESCP_LOG_FORMAT", "json")
    monkeypatch.setenv("IESCP_REPLICA", "worker-7")
    env = consumer_env(monkeypatch, db, broker)

    code, report = _healthz(env)
    assert (code, report["healthy"], report["problems"]) == (
        1,
        False,
        ["no worker is running against this database (none started, or all stopped)"],
    )

    sponsor = f.sponsor(db)
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=sponsor, kind="campaigns")

    log = tmp_path / "consumer.log"
    # Periodic tasks on: the scheduler enqueues the due ones (worker_heartbeat always) as it starts.
    with start_consumer(env, log, "--workers", "2", "--worker-type", "thread", "--delay", "0.05") as consumer:
        enqueue_export_elsewhere(env, job_id)
        assert wait_for(db, finished_job(job_id), consumer, log, f"export {job_id} finishing").status == "done"
        run = wait_for(
            db,
            lambda s: s.get(PeriodicTaskRun, "worker_heartbeat") if _finished(s) else None,
            consumer,
            log,
            "the worker_heartbeat periodic run",
        )
        worker = wait_for(
            db,
            lambda s: s.query(WorkerHeartbeat).filter(WorkerHeartbeat.tasks_done >= 2).one_or_none(),
            consumer,
            log,
            "2 tasks",
        )
        code, report = _healthz(env)
        alone_code, _ = _healthz(env, "--worker", "nobody:1")

    with db.ReadSession.begin() as s:
        left = s.get(WorkerHeartbeat, worker.name)
    # A clean stop removes the row; a crash would leave it stale. The log says which stop happened.
    assert left is None, log.read_text()
    assert (worker.name, worker.pid, worker.replica, worker.tasks_failed) == (
        f"worker-7:{consumer.pid}",
        consumer.pid,
        "worker-7",
        0,
    )
    assert (run.last_status, run.worker_name, run.last_error) == ("ok", worker.name, None)
    assert (code, report["healthy"], report["workers_alive"]) == (0, True, 1), report
    assert report["periodic"]["worker_heartbeat"]["status"] == "ok" and report["queue_depth"] == 0
    assert alone_code == 1  # --worker names one consumer that is not alive
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    started = [e for e in lines if e["msg"] == f"worker {worker.name} started"]
    assert started and started[0]["kind"] == "worker" and started[0]["replica"] == "worker-7"


def _finished(session) -> bool:
    run = session.get(PeriodicTaskRun, "worker_heartbeat")
    return run is not None and run.last_status != "running"


def test_the_heartbeat_thread_touches_until_a_clean_stop_and_never_brings_the_row_back(sqlite_database, monkeypatch):
    import threading

    from tasks import queue

    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(sqlite_database))
    reset_settings()
    monkeypatch.setattr(queue, "HEARTBEAT_SECONDS", 0.01)  # beat as fast as it can: the touches race the stop
    monkeypatch.setattr(queue, "_worker", None)
    queue._start_heartbeat()
    worker = queue.current_worker()
    beat = next(t for t in threading.enumerate() if t.name == "iescp-heartbeat" and t.is_alive())

    def seen_at():
        with sqlite_database.ReadSession.begin() as s:
            row = s.get(WorkerHeartbeat, worker.name)
            return None if row is None else row.last_seen_at

    first = seen_at()
    deadline = time.monotonic() + 30
    while seen_at() == first and time.monotonic() < deadline:  # a touch that hung would never move it
        time.sleep(0.02)
    assert seen_at() != first, "the heartbeat thread never touched its row"

    queue._worker_stopped()
    beat.join(timeout=10)
    assert not beat.is_alive()
    time.sleep(0.1)  # longer than several beats: a late touch would have re-created the row by now
    assert seen_at() is None


def test_a_second_stop_waits_for_the_first_stops_delete_so_the_process_never_exits_with_its_row_behind(
    sqlite_database, monkeypatch
):
    import threading

    from core.platform import worker_health
    from tasks import queue

    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(sqlite_database))
    reset_settings()
    monkeypatch.setattr(queue, "HEARTBEAT_SECONDS", 3600)  # no touches: only the two stops act
    monkeypatch.setattr(queue, "_worker", None)
    queue._start_heartbeat()
    worker = queue.current_worker()
    deleting, release = threading.Event(), threading.Event()
    remove = worker_health.remove_worker

    def slow_remove(session, identity):
        deleting.set()
        release.wait(10)  # a worker thread's delete still in flight when the main thread reaches its exit hook
        remove(session, identity)

    monkeypatch.setattr(worker_health, "remove_worker", slow_remove)
    first = threading.Thread(target=queue._worker_stopped, name="huey-worker-1")
    first.start()
    assert deleting.wait(10)
    second = threading.Thread(target=queue._worker_stopped, name="atexit")
    second.start()
    second.join(0.3)
    still_waiting = second.is_alive()
    release.set()
    first.join(10)
    second.join(10)

    with sqlite_database.ReadSession.begin() as s:
        assert (still_waiting, s.get(WorkerHeartbeat, worker.name)) == (True, None)


def test_the_periodic_heartbeat_task_never_brings_a_stopped_workers_row_back(sqlite_database, monkeypatch):
    from tasks import health, queue

    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(sqlite_database))
    reset_settings()
    monkeypatch.setattr(queue, "HEARTBEAT_SECONDS", 3600)
    monkeypatch.setattr(queue, "_worker", None)
    queue._start_heartbeat()
    worker = queue.current_worker()
    real_current_worker = queue.current_worker

    def read_then_stopped():
        """The task reads its worker, then the consumer stops cleanly before the task touches the row."""
        found = real_current_worker()
        monkeypatch.setattr(queue, "current_worker", real_current_worker)
        queue._worker_stopped()
        return found

    monkeypatch.setattr(queue, "current_worker", read_then_stopped)
    health.worker_heartbeat.call_local()

    with sqlite_database.ReadSession.begin() as s:
        assert s.get(WorkerHeartbeat, worker.name) is None
