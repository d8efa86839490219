"""Worker health: heartbeats the consumers write, and the read model /healthz and the System health page share.

Writes take a Session and no actor: only the worker process (tasks/queue.py, tasks/health.py) calls them.
Reads for a person go through system_health_for(actor=...), which admits admins only; the CLI check
(tasks/healthz.py) is an operator's tool run on the server and reads system_health() directly.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import permissions
from core.errors import PermissionDenied
from core.models import ExportJob, ImportRun, MonthlyReport, PeriodicTaskRun, ReminderDelivery, WorkerHeartbeat
from core.permissions import Actor
from core.platform.timeutil import utcnow

ALIVE_WITHIN = dt.timedelta(minutes=2)  # heartbeats come every 30 s: four missed beats make a worker stale
STUCK_AFTER = dt.timedelta(minutes=10)  # queued work and no task finished for this long: the queue is stuck
FORGET_AFTER = dt.timedelta(days=7)  # rows of workers gone this long are deleted when a worker starts
FAILURE_WINDOW = dt.timedelta(hours=24)
RECENT_FAILURES = 10
ERROR_CHARS = 500  # a stored traceback is cut here: the page and the JSON show the gist


@dataclass(frozen=True)
class WorkerIdentity:
    """Who this consumer process is: name is '<IESCP_REPLICA or host>:<pid>' (unique while it runs)."""

    name: str
    host: str
    pid: int
    replica: str | None


def this_worker(replica: str | None = None) -> WorkerIdentity:
    """The identity of the calling process."""
    host, pid = socket.gethostname(), os.getpid()
    return WorkerIdentity(f"{replica or host}:{pid}", host, pid, replica)


def _no_wait_for_disk(session: Session) -> None:
    """On PostgreSQL, commit this transaction without waiting for the WAL flush: a heartbeat lost in a crash is
    harmless (the next one replaces it), and every task's commit would otherwise wait on the disk once more."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _upsert(session: Session, table, values: dict, keys: tuple[str, ...], updates: dict) -> None:
    """INSERT … ON CONFLICT DO UPDATE on SQLite and PostgreSQL (one statement: no read-then-write race)."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table).values(**values)
    session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates))


def register_worker(session: Session, worker: WorkerIdentity, *, now: dt.datetime | None = None) -> None:
    """A consumer started: (re)create its row with fresh counters and forget workers gone for a week."""
    _no_wait_for_disk(session)
    now = now or utcnow()
    fresh = {"started_at": now, "last_seen_at": now, "last_task_at": None, "tasks_done": 0, "tasks_failed": 0}
    _upsert(
        session,
        WorkerHeartbeat,
        {"name": worker.name, "host": worker.host, "pid": worker.pid, "replica": worker.replica, **fresh},
        ("name",),
        fresh,
    )
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_at < now - FORGET_AFTER))


def touch_worker(session: Session, worker: WorkerIdentity, *, now: dt.datetime | None = None) -> None:
    """The consumer is alive (its row comes back if someone deleted it)."""
    _no_wait_for_disk(session)
    now = now or utcnow()
    values = {"name": worker.name, "host": worker.host, "pid": worker.pid, "replica": worker.replica}
    _upsert(
        session, WorkerHeartbeat, {**values, "started_at": now, "last_seen_at": now}, ("name",), {"last_seen_at": now}
    )


def remove_worker(session: Session, worker: WorkerIdentity) -> None:
    """A consumer stopped cleanly: drop its row (a crashed one keeps its row and shows as stale)."""
    _no_wait_for_disk(session)
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == worker.name))


def record_task(session: Session, worker: WorkerIdentity, *, ok: bool, now: dt.datetime | None = None) -> None:
    """One task finished on this worker (atomic increments: the consumer's threads share the row)."""
    _no_wait_for_disk(session)
    now = now or utcnow()
    counter = WorkerHeartbeat.tasks_done if ok else WorkerHeartbeat.tasks_failed
    session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.name == worker.name)
        .values({counter: counter + 1, "last_seen_at": now, "last_task_at": now})
    )


def record_periodic_start(
    session: Session, task_name: str, worker: WorkerIdentity, *, now: dt.datetime | None = None
) -> None:
    """A periodic task began on worker."""
    _no_wait_for_disk(session)
    now = now or utcnow()
    changes = {"worker_name": worker.name, "last_started_at": now, "last_status": "running"}
    _upsert(session, PeriodicTaskRun, {"task_name": task_name, **changes}, ("task_name",), changes)


def record_periodic_end(
    session: Session,
    task_name: str,
    worker: WorkerIdentity,
    *,
    error: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """A periodic task finished on worker, with the error text when it failed."""
    _no_wait_for_disk(session)
    now = now or utcnow()
    changes: dict = {
        "worker_name": worker.name,
        "last_finished_at": now,
        "last_status": "ok" if error is None else "failed",
    }
    if error is not None:
        changes |= {"last_error": error[:ERROR_CHARS], "last_failed_at": now}
    _upsert(
        session, PeriodicTaskRun, {"task_name": task_name, "last_started_at": now, **changes}, ("task_name",), changes
    )


# ---- the read model -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerStatus:
    """One consumer as the page and /healthz show it."""

    name: str
    host: str
    pid: int
    replica: str | None
    started_at: dt.datetime
    last_seen_at: dt.datetime
    last_task_at: dt.datetime | None
    tasks_done: int
    tasks_failed: int
    alive: bool


@dataclass(frozen=True)
class PeriodicStatus:
    """The last run of one periodic task."""

    task_name: str
    worker_name: str
    last_started_at: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_status: str
    last_error: str | None
    last_failed_at: dt.datetime | None


@dataclass(frozen=True)
class Failure:
    """One failed job of the last 24 hours."""

    kind: str  # export, reminder, report email, import, periodic task
    ref: str
    at: dt.datetime | None
    error: str


@dataclass(frozen=True)
class SystemHealth:
    """Workers, queue and failures at one moment; healthy is what /healthz exits with."""

    checked_at: dt.datetime
    workers: list[WorkerStatus]
    queue_depth: int | None  # None: the broker could not be asked (queue_error says why)
    queue_error: str | None
    periodic: list[PeriodicStatus]
    failed_last_24h: dict[str, int]
    recent_failures: list[Failure]
    problems: list[str] = field(default_factory=list)

    @property
    def alive(self) -> list[WorkerStatus]:
        return [w for w in self.workers if w.alive]

    @property
    def stale(self) -> list[WorkerStatus]:
        return [w for w in self.workers if not w.alive]

    @property
    def never_ran(self) -> bool:
        """No worker row at all: none started yet, or every one stopped cleanly (a crashed one stays, stale)."""
        return not self.workers

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        """JSON-ready (timestamps as ISO strings, naive UTC)."""

        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {
            "healthy": self.healthy,
            "problems": self.problems,
            "checked_at": iso(self.checked_at),
            "queue_depth": self.queue_depth,
            "queue_error": self.queue_error,
            "workers_alive": len(self.alive),
            "workers_stale": len(self.stale),
            "workers": [
                {
                    "name": w.name,
                    "host": w.host,
                    "pid": w.pid,
                    "replica": w.replica,
                    "alive": w.alive,
                    "started_at": iso(w.started_at),
                    "last_seen_at": iso(w.last_seen_at),
                    "last_task_at": iso(w.last_task_at),
                    "tasks_done": w.tasks_done,
                    "tasks_failed": w.tasks_failed,
                }
                for w in self.workers
            ],
            "periodic": {
                p.task_name: {
                    "status": p.last_status,
                    "worker": p.worker_name,
                    "last_started_at": iso(p.last_started_at),
                    "last_finished_at": iso(p.last_finished_at),
                    "last_failed_at": iso(p.last_failed_at),
                    "last_error": p.last_error,
                }
                for p in self.periodic
            },
            "failed_last_24h": self.failed_last_24h,
        }


def _workers(session: Session, now: dt.datetime) -> list[WorkerStatus]:
    rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.last_seen_at.desc())).all()
    return [
        WorkerStatus(
            r.name,
            r.host,
            r.pid,
            r.replica,
            r.started_at,
            r.last_seen_at,
            r.last_task_at,
            r.tasks_done,
            r.tasks_failed,
            alive=r.last_seen_at >= now - ALIVE_WITHIN,
        )
        for r in rows
    ]


def _periodic(session: Session) -> list[PeriodicStatus]:
    rows = session.scalars(select(PeriodicTaskRun).order_by(PeriodicTaskRun.task_name)).all()
    return [
        PeriodicStatus(
            r.task_name,
            r.worker_name,
            r.last_started_at,
            r.last_finished_at,
            r.last_status,
            r.last_error,
            r.last_failed_at,
        )
        for r in rows
    ]


def _failures(session: Session, since: dt.datetime) -> tuple[dict[str, int], list[Failure]]:
    """Counts per kind and the latest few, from the tables that already record each job's outcome."""
    export_at = func.coalesce(ExportJob.finished_at, ExportJob.created_at)
    reminder_at = func.coalesce(ReminderDelivery.claimed_at, ReminderDelivery.created_at)
    report_at = func.coalesce(MonthlyReport.email_claimed_at, MonthlyReport.created_at)
    import_at = func.coalesce(ImportRun.finished_at, ImportRun.created_at)
    sources = {
        "export": (
            ExportJob,
            [ExportJob.status == "failed", export_at >= since],
            (ExportJob.id, export_at, ExportJob.error),
            "export #{}",
        ),
        # day first: reminder_deliveries is indexed on (day, status), and a row of the window has day >= since's.
        "reminder": (
            ReminderDelivery,
            [ReminderDelivery.day >= since.date(), ReminderDelivery.status == "failed", reminder_at >= since],
            (ReminderDelivery.id, reminder_at, ReminderDelivery.last_error),
            "reminder #{}",
        ),
        "report email": (
            MonthlyReport,
            [MonthlyReport.email_status == "failed", report_at >= since],
            (MonthlyReport.id, report_at, MonthlyReport.last_error),
            "report #{}",
        ),
        "import": (
            ImportRun,
            [ImportRun.status.in_(("FAILED", "TIMED_OUT")), import_at >= since],
            (ImportRun.run_id, import_at, ImportRun.status_message),
            "{}",
        ),
        "periodic task": (
            PeriodicTaskRun,
            [PeriodicTaskRun.last_failed_at >= since],
            (PeriodicTaskRun.task_name, PeriodicTaskRun.last_failed_at, PeriodicTaskRun.last_error),
            "{}",
        ),
    }
    counts: dict[str, int] = {}
    recent: list[Failure] = []
    for kind, (table, where, (ref, at, error), label) in sources.items():
        counts[kind] = session.scalar(select(func.count()).select_from(table).where(*where)) or 0
        if counts[kind]:
            rows = session.execute(select(ref, at, error).where(*where).order_by(at.desc()).limit(RECENT_FAILURES))
            recent += [Failure(kind, label.format(r), a, (e or "")[:ERROR_CHARS]) for r, a, e in rows]
    recent.sort(key=lambda f: f.at or dt.datetime.min, reverse=True)
    return counts, recent[:RECENT_FAILURES]


def system_health(
    session: Session,
    *,
    queue_depth: int | None,
    queue_error: str | None = None,
    now: dt.datetime | None = None,
    stuck_after: dt.timedelta = STUCK_AFTER,
) -> SystemHealth:
    """The health of the workers and the queue now (queue_depth comes from the broker: huey.pending_count())."""
    now = now or utcnow()
    workers = _workers(session, now)
    counts, recent = _failures(session, now - FAILURE_WINDOW)
    problems = []
    if not workers:
        problems.append("no worker is running against this database (none started, or all stopped)")
    elif not any(w.alive for w in workers):
        problems.append(f"no worker seen in the last {int(ALIVE_WITHIN.total_seconds() // 60)} minutes")
    if queue_depth is None:
        problems.append(f"the queue cannot be read: {queue_error or 'unknown error'}")
    elif queue_depth > 0 and workers:
        last_task = max((w.last_task_at for w in workers if w.last_task_at), default=None)
        if last_task is None or last_task < now - stuck_after:
            problems.append(
                f"the queue is stuck: {queue_depth} job(s) waiting and no task finished in the last "
                f"{int(stuck_after.total_seconds() // 60)} minutes"
            )
    return SystemHealth(now, workers, queue_depth, queue_error, _periodic(session), counts, recent, problems)


def system_health_for(
    session: Session,
    *,
    actor: Actor | None,
    queue_depth: int | None,
    queue_error: str | None = None,
    now: dt.datetime | None = None,
) -> SystemHealth:
    """system_health for a person: admins only."""
    permissions.require(actor, "stats.view")
    if actor is None or not actor.is_admin:  # sponsors may one day see their own stats; never the workers
        raise PermissionDenied("Only administrators can see the system's health.")
    return system_health(session, queue_depth=queue_depth, queue_error=queue_error, now=now)
