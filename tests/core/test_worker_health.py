"""The worker health read model: alive and stale workers, a stuck queue, periodic runs and the last day's failures."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import PermissionDenied
from core.models import ExportJob, ImportRun, ReminderDelivery
from core.platform import worker_health as wh
from tests import factories as f

NOW = dt.datetime(2026, 11, 29, 12, 0, 0)
W1 = wh.WorkerIdentity("worker-1:101", "host-a", 101, "worker-1")
W2 = wh.WorkerIdentity("host-b:202", "host-b", 202, None)


def _write(db, fn, *args, **kwargs):
    with db.Session.begin() as s:
        fn(s, *args, **kwargs)


def _health(db, *, depth: int | None = 0, now: dt.datetime = NOW, error: str | None = None) -> wh.SystemHealth:
    with db.ReadSession.begin() as s:
        return wh.system_health(s, queue_depth=depth, queue_error=error, now=now)


def test_with_no_worker_running_the_system_is_unhealthy_and_says_so(database):
    health = _health(database)
    assert health.never_ran and not health.healthy
    assert health.problems == ["no worker is running against this database (none started, or all stopped)"]


def test_a_worker_seen_within_two_minutes_is_alive_and_one_seen_earlier_is_stale(database):
    _write(database, wh.register_worker, W1, now=NOW - dt.timedelta(hours=1))
    _write(database, wh.touch_worker, W1, now=NOW - dt.timedelta(seconds=90))
    _write(database, wh.register_worker, W2, now=NOW - dt.timedelta(minutes=3))
    health = _health(database)
    assert [(w.name, w.alive) for w in health.workers] == [(W1.name, True), (W2.name, False)]
    assert health.healthy and health.as_dict()["workers_alive"] == 1


def test_when_every_worker_is_stale_the_system_is_unhealthy(database):
    _write(database, wh.register_worker, W1, now=NOW - dt.timedelta(minutes=5))
    assert _health(database).problems == ["no worker seen in the last 2 minutes"]


def test_finished_tasks_count_per_worker_and_a_restart_starts_the_counts_again(database):
    _write(database, wh.register_worker, W1, now=NOW - dt.timedelta(minutes=1))
    for ok in (True, True, False):
        _write(database, wh.record_task, W1, ok=ok, now=NOW)
    (worker,) = _health(database).workers
    assert (worker.tasks_done, worker.tasks_failed, worker.last_task_at) == (2, 1, NOW)
    _write(database, wh.register_worker, W1, now=NOW)
    (worker,) = _health(database).workers
    assert (worker.tasks_done, worker.tasks_failed, worker.started_at) == (0, 0, NOW)


def test_jobs_waiting_with_no_task_finished_for_ten_minutes_is_a_stuck_queue(database):
    _write(database, wh.register_worker, W1, now=NOW - dt.timedelta(hours=1))
    _write(database, wh.record_task, W1, ok=True, now=NOW - dt.timedelta(minutes=11))
    _write(database, wh.touch_worker, W1, now=NOW)  # alive, but nothing moves
    assert _health(database, depth=0).healthy  # an empty queue is idle, not stuck
    (problem,) = _health(database, depth=4).problems
    assert problem.startswith("the queue is stuck: 4 job(s) waiting")
    _write(database, wh.record_task, W1, ok=True, now=NOW - dt.timedelta(minutes=1))
    assert _health(database, depth=4).healthy


def test_a_broker_that_cannot_be_read_is_a_problem_with_its_reason(database):
    _write(database, wh.register_worker, W1, now=NOW)
    health = _health(database, depth=None, error="ConnectionError: Redis is down")
    assert health.problems == ["the queue cannot be read: ConnectionError: Redis is down"]


def test_each_periodic_task_keeps_its_last_run_and_its_last_failure(database):
    _write(database, wh.record_periodic_start, "send_reminders", W1, now=NOW - dt.timedelta(minutes=3))
    _write(
        database,
        wh.record_periodic_end,
        "send_reminders",
        W1,
        error="SMTPError: 554",
        now=NOW - dt.timedelta(minutes=2),
    )
    _write(database, wh.record_periodic_start, "send_reminders", W2, now=NOW - dt.timedelta(minutes=1))
    _write(database, wh.record_periodic_end, "send_reminders", W2, now=NOW)
    _write(database, wh.record_periodic_start, "take_snapshots", W1, now=NOW)
    runs = {p.task_name: p for p in _health(database).periodic}
    reminders = runs["send_reminders"]
    assert (reminders.last_status, reminders.worker_name, reminders.last_finished_at) == ("ok", W2.name, NOW)
    assert (reminders.last_error, reminders.last_failed_at) == ("SMTPError: 554", NOW - dt.timedelta(minutes=2))
    assert (runs["take_snapshots"].last_status, runs["take_snapshots"].last_finished_at) == ("running", None)


def test_failed_jobs_of_the_last_day_are_counted_from_the_tables_that_record_them(database):
    sponsor = f.sponsor(database)
    recent, old = NOW - dt.timedelta(hours=2), NOW - dt.timedelta(days=2)
    with database.Session.begin() as s:
        s.add_all(
            [
                ExportJob(
                    owner_id=sponsor.id, kind="campaigns", status="failed", error="disk full", finished_at=recent
                ),
                ExportJob(owner_id=sponsor.id, kind="campaigns", status="failed", error="old", finished_at=old),
                ExportJob(owner_id=sponsor.id, kind="campaigns", status="done", finished_at=recent),
                ReminderDelivery(
                    user_id=sponsor.id,
                    day=NOW.date(),
                    channel="email",
                    status="failed",
                    last_error="550",
                    created_at=recent,
                ),
                ImportRun(
                    run_id="IMP-20261129-abc",
                    organization_id=sponsor.organization_id,
                    status="TIMED_OUT",
                    status_message="the worker stopped",
                    finished_at=recent,
                ),
            ]
        )
    _write(database, wh.record_periodic_end, "send_reports", W1, error="boom", now=recent)
    health = _health(database)
    assert health.failed_last_24h == {"export": 1, "reminder": 1, "report email": 0, "import": 1, "periodic task": 1}
    assert sorted((x.kind, x.error) for x in health.recent_failures) == [
        ("export", "disk full"),
        ("import", "the worker stopped"),
        ("periodic task", "boom"),
        ("reminder", "550"),
    ]


def test_workers_gone_for_a_week_are_forgotten_when_a_worker_starts(database):
    _write(database, wh.register_worker, W2, now=NOW - dt.timedelta(days=8))
    _write(database, wh.register_worker, W1, now=NOW)
    assert [w.name for w in _health(database).workers] == [W1.name]


def test_the_admin_sees_the_system_health(database):
    admin = f.admin(database)
    with database.ReadSession.begin() as s:
        assert wh.system_health_for(s, actor=admin, queue_depth=0).never_ran


@pytest.mark.parametrize("who", ["sponsor", "influencer", "nobody"])
def test_anyone_but_an_admin_is_refused_the_system_health(database, who):
    actor = {
        "sponsor": lambda: f.sponsor(database),
        "influencer": lambda: f.influencer(database),
        "nobody": lambda: None,
    }[who]()
    with database.ReadSession.begin() as s, pytest.raises(PermissionDenied):
        wh.system_health_for(s, actor=actor, queue_depth=0)
