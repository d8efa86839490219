"""Time the worker-health writes (per task) and the System health read, each beside its raw-SQL floor.

    .venv/bin/python -m bench.health_bench --url sqlite:////tmp/health-bench/health.sqlite3 --build

--build migrates an empty database and fills the tables the health read scans for failures with a busy
deployment's history: 10k influencers and 200 sponsors (seed_bulk), 1M reminder deliveries (100 days x 10k
users, 2 % failed), 20k export jobs, 5k import runs and 4.8k monthly reports (2 % failed each), 8 workers and
14 periodic tasks. Prints one line per operation: median and p95 of the core call, median of its floor.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import insert, select

from bench.floor_bench import captured, floor, median_ms, open_database
from core.demo import seed_bulk
from core.models import ExportJob, ImportRun, MonthlyReport, Organization, ReminderDelivery, User
from core.platform import bootstrap
from core.platform import worker_health as wh
from core.platform.db import Database
from core.platform.timeutil import utcnow

DAYS = 100
CHUNK = 20_000


def _insert(db: Database, model, rows) -> None:
    rows = list(rows)
    for start in range(0, len(rows), CHUNK):
        with db.Session.begin() as s:
            s.execute(insert(model), rows[start : start + CHUNK])


def build(db: Database, now: dt.datetime) -> None:
    """A busy deployment's job history (failed one in fifty) and its workers."""
    bootstrap.init_database(db)
    seed_bulk.seed_bulk(db, influencers=10_000, campaigns=0, requests=0, sponsors=200, events=False, log=print)
    with db.ReadSession.begin() as s:
        users = s.scalars(select(User.id).where(User.role == "influencer")).all()
        sponsors = s.scalars(select(User.id).where(User.role == "sponsor")).all()
        orgs = s.scalars(select(Organization.id)).all()
    status = lambda i: "failed" if i % 50 == 0 else "sent"  # noqa: E731
    for day in range(DAYS):  # one day at a time: 10k rows
        when = now - dt.timedelta(days=DAYS - 1 - day)
        _insert(
            db,
            ReminderDelivery,
            (
                {"user_id": u, "day": when.date(), "channel": "email", "status": status(i), "created_at": when}
                for i, u in enumerate(users)
            ),
        )
    hours = lambda i: now - dt.timedelta(hours=i % (24 * DAYS))  # noqa: E731
    _insert(
        db,
        ExportJob,
        (
            {
                "owner_id": sponsors[i % len(sponsors)],
                "kind": "campaigns",
                "status": "failed" if i % 50 == 0 else "done",
                "error": "disk full" if i % 50 == 0 else None,
                "created_at": hours(i),
                "finished_at": hours(i),
            }
            for i in range(20_000)
        ),
    )
    _insert(
        db,
        ImportRun,
        (
            {
                "run_id": f"IMP-BENCH-{i:06d}",
                "organization_id": orgs[i % len(orgs)],
                "status": "FAILED" if i % 50 == 0 else "SUCCEEDED",
                "created_at": hours(i),
                "finished_at": hours(i),
            }
            for i in range(5_000)
        ),
    )
    months = [(now.date().replace(day=1) - dt.timedelta(days=31 * m)).replace(day=1) for m in range(24)]
    _insert(
        db,
        MonthlyReport,
        (
            {
                "sponsor_id": sponsor,
                "month": month,
                "html": "",
                "email_status": "failed" if (i + m) % 50 == 0 else "sent",
                "created_at": dt.datetime.combine(month, dt.time()),
            }
            for i, sponsor in enumerate(sponsors)
            for m, month in enumerate(months)
        ),
    )
    with db.Session.begin() as s:
        for n in range(8):
            worker = wh.WorkerIdentity(f"worker-{n}:{1000 + n}", "bench", 1000 + n, f"worker-{n}")
            wh.register_worker(s, worker, now=now - dt.timedelta(minutes=n))
        for n in range(14):
            wh.record_periodic_start(s, f"periodic_{n}", worker, now=now)
            wh.record_periodic_end(s, f"periodic_{n}", worker, error="boom" if n == 3 else None, now=now)


def _statements(db: Database, call) -> list:
    """What call sends, without transaction control (the floor adds its own)."""
    _result, statements = captured(db, call)
    return [item for item in statements if not item[0].startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE"))]


def main() -> None:
    args, db = open_database(__doc__.splitlines()[0], reps=50)
    if args.build:
        started = time.perf_counter()
        build(db, utcnow())
        print(f"built in {time.perf_counter() - started:.1f} s")
    worker = wh.WorkerIdentity("worker-0:1000", "bench", 1000, "worker-0")

    def read():
        with db.ReadSession.begin() as s:
            return wh.system_health(s, queue_depth=3)

    def finished_task():
        with db.Session.begin() as s:
            wh.record_task(s, worker, ok=True)

    def periodic_run():
        with db.Session.begin() as s:
            wh.record_periodic_start(s, "periodic_0", worker)
        with db.Session.begin() as s:
            wh.record_periodic_end(s, "periodic_0", worker)

    def heartbeat():
        with db.Session.begin() as s:
            wh.touch_worker(s, worker)

    health = read()
    print(
        f"{db.engine.dialect.name}: failed in 24 h {health.failed_last_24h}, "
        f"{len(health.workers)} workers, {len(health.periodic)} periodic tasks"
    )
    for name, call in (
        ("system_health read", read),
        ("record_task (per task)", finished_task),
        ("periodic start+end", periodic_run),
        ("heartbeat touch", heartbeat),
    ):
        statements = _statements(db, call)
        core_med, core_p95 = median_ms(call, args.reps)
        floor_med, _ = median_ms(lambda statements=statements: floor(db, statements), args.reps)
        print(
            f"{name:24} {len(statements)} stmt  core {core_med:6.2f} ms (p95 {core_p95:6.2f})  "
            f"floor {floor_med:6.2f} ms  ratio {core_med / floor_med:4.2f}"
        )
    db.dispose()


if __name__ == "__main__":
    main()
