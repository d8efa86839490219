"""The one Huey instance (SqliteHuey by default, RedisHuey when IESCP_REDIS_URL is set) and the worker's Database.

Run the worker with:  huey_consumer tasks.huey -w 2 -k thread
Durable job state lives in our own tables (export_jobs, reminder_deliveries, monthly_reports);
Huey's result store is switched off, nothing reads task results.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
import time

from huey import Huey, RedisHuey, SqliteHuey, signals
from huey.api import PeriodicTask
from huey.consumer_options import ConsumerConfig

from core.platform import worker_health
from core.platform.config import InsecureConfiguration, Settings, check_production, get_settings
from core.platform.db import Database, connect
from core.reporting import pdf_child

log = logging.getLogger("iescp.worker")
HEARTBEAT_SECONDS = 30.0  # worker_health.ALIVE_WITHIN allows four missed beats
EX_CONFIG = 78  # sysexits.h: a configuration error (systemd: RestartPreventExitStatus=78 stops a restart loop)


def queue_name(settings: Settings | None = None) -> str:
    """IESCP_HUEY_NAME, else the deployment namespace (IESCP_NAMESPACE): deployments sharing one Redis never
    take each other's jobs."""
    return os.environ.get("IESCP_HUEY_NAME", "").strip() or (settings or get_settings()).namespace


def immediate_from_env() -> bool:
    """IESCP_HUEY_IMMEDIATE=1 runs tasks inline in the caller (tests, single-process demos)."""
    return os.environ.get("IESCP_HUEY_IMMEDIATE", "").strip().lower() in {"1", "true", "yes", "on"}


def make_huey(settings: Settings | None = None, *, immediate: bool | None = None, name: str | None = None) -> Huey:
    """Build a Huey for settings: RedisHuey on settings.redis_url, else SqliteHuey on settings.huey_sqlite_path."""
    settings = settings or get_settings()
    name = name or queue_name(settings)
    immediate = immediate_from_env() if immediate is None else immediate
    common = {"results": False, "utc": True, "immediate": immediate}
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, **common)
    if not immediate:  # immediate mode keeps its queue in memory and never touches the file
        settings.huey_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.huey_sqlite_path), **common)


# Production refuses a missing cookie key or a per-machine SQLite behind Redis before the consumer loads a task.
if get_settings().production:
    check_production()

huey = make_huey()


# ---- the worker's database: one engine per process, created on first use ---------------------------------

_lock = threading.Lock()
# Held by a heartbeat touch (check + write) and by the stop while it retires this worker: a touch already past its
# check finishes before the stop deletes the row, and none starts after. Taken before _lock, never inside it
# (a write calls get_database, which takes _lock).
_touch_lock = threading.Lock()
_database: Database | None = None
_database_key: tuple[str, int] | None = None


def get_database() -> Database:
    """The process-wide Database for settings.database_url (re-created after a fork or a settings change)."""
    global _database, _database_key
    key = (get_settings().database_url, os.getpid())
    with _lock:
        if _database_key != key:
            if _database is not None and _database_key[1] == os.getpid():
                _database.dispose()
            _database = connect(key[0])
            _database_key = key
        return _database


def utc_timestamp(value: str | dt.datetime | None) -> dt.datetime | None:
    """Tasks take an optional ISO timestamp (naive UTC) so schedules can be replayed deterministically."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


# ---- the consumer's start and its heartbeat (core/platform/worker_health.py) --------------------------------

_worker: worker_health.WorkerIdentity | None = None  # set once this process runs as a consumer


def _then_our_logging(setup_logger):
    """huey_consumer installs its text handler and logs its banner before any startup hook runs: adopt the
    handler right there, so a consumer's every line (banner included) has our format (JSON in production)."""

    def setup_then_adopt(self, logger=None):
        setup_logger(self, logger)
        from core.platform import logs

        logs.setup_logging("worker", adopt=("huey",))

    return setup_then_adopt


ConsumerConfig.setup_logger = _then_our_logging(ConsumerConfig.setup_logger)  # type: ignore[method-assign]


@huey.on_startup()
def _prepare_worker() -> None:
    """Logging, the schema at head, the production checks, then this consumer's heartbeat (once per process)."""
    from core.platform import bootstrap, logs

    logs.setup_logging("worker", adopt=("huey",))
    engine = get_database().engine
    bootstrap.migrate(engine)  # idempotent; serialised across processes
    try:
        bootstrap.check_admin_available(engine)
    except InsecureConfiguration as problem:
        log.critical("refusing to start: %s", problem)
        logging.shutdown()
        os._exit(EX_CONFIG)  # before any task: nothing is half done
    _start_heartbeat()
    pdf_child.use_child_process()  # report PDFs in a recycled child: WeasyPrint's memory never stays in the worker


@huey.on_shutdown()
def _worker_stopped() -> None:
    """A clean stop removes this consumer's row: only a crashed worker shows as stale.

    Huey runs shutdown hooks on a graceful stop (SIGINT); on SIGTERM it abandons its worker threads and the
    process exits normally, so the same function also runs at exit (registered when the worker starts).
    """
    global _worker
    # The removal happens under the lock: the first worker thread to stop speaks for the process, and a later
    # caller (the main thread's exit) waits for its delete instead of exiting while the daemon thread writes.
    with _touch_lock:
        with _lock:
            worker, _worker = current_worker(), None
        if worker is not None:
            _write(worker_health.remove_worker, worker)
            log.info("worker %s stopped", worker.name)
    pdf_child.shutdown()  # idempotent: later stopping threads (and the exit) find nothing left to stop


def current_worker() -> worker_health.WorkerIdentity | None:
    """This consumer's identity, or None outside a consumer (the app, immediate mode)."""
    return _worker if _worker is not None and _worker.pid == os.getpid() else None


def _start_heartbeat() -> None:
    global _worker
    with _lock:
        if _worker is not None and _worker.pid == os.getpid():
            return  # another worker thread of this process got here first
        _worker = worker_health.this_worker(get_settings().replica)
    _write(worker_health.register_worker, _worker)
    atexit.register(_worker_stopped)
    log.info("worker %s started", _worker.name)
    threading.Thread(target=_beat, args=(_worker,), name="iescp-heartbeat", daemon=True).start()


def _beat(worker: worker_health.WorkerIdentity) -> None:
    """Touch this consumer's row every HEARTBEAT_SECONDS: alive means the process runs, even with no work."""
    while True:  # a daemon thread: it ends with the process, or when the consumer stops cleanly
        time.sleep(HEARTBEAT_SECONDS)
        if not touch_heartbeat(worker, quiet=True):
            return  # stopped: touching now would bring the deleted row back


def touch_heartbeat(worker: worker_health.WorkerIdentity, *, quiet: bool) -> bool:
    """Touch worker's row unless it has stopped; False once stopped. quiet logs a failed write instead of raising.

    The stop takes the same lock, so a touch already past its check finishes before the delete and none starts
    after it: no touch brings a cleanly stopped worker's row back.
    """
    with _touch_lock:
        if current_worker() != worker:
            return False
        if quiet:
            _write(worker_health.touch_worker, worker)
        else:
            with get_database().Session.begin() as session:
                worker_health.touch_worker(session, worker)
        return True


def _write(fn, *args, **kwargs) -> None:
    """One heartbeat write in its own transaction; a failure is logged, never raised into a task."""
    try:
        with get_database().Session.begin() as session:
            fn(session, *args, **kwargs)
    except Exception:  # the database being away must not fail the job this signal is about
        log.warning("could not record worker health (%s)", getattr(fn, "__name__", fn), exc_info=True)


@huey.signal(signals.SIGNAL_EXECUTING)
def _task_started(signal: str, task) -> None:
    worker = current_worker()
    if worker is not None and isinstance(task, PeriodicTask):
        _write(worker_health.record_periodic_start, task.name, worker)


@huey.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR)
def _task_finished(signal: str, task, exc: BaseException | None = None) -> None:
    worker = current_worker()
    if worker is None:  # immediate mode in the app or a test: not a consumer
        return
    _write(worker_health.record_task, worker, ok=signal == signals.SIGNAL_COMPLETE)
    if isinstance(task, PeriodicTask):
        error = None if exc is None else f"{type(exc).__name__}: {exc}"
        _write(worker_health.record_periodic_end, task.name, worker, error=error)


def pending_jobs() -> tuple[int | None, str | None]:
    """(queue depth, None), or (None, why) when the broker cannot be asked (Redis down, file unreadable)."""
    try:
        return huey.pending_count(), None
    except Exception as error:  # the health check reports a dead broker instead of crashing
        return None, f"{type(error).__name__}: {error}"
