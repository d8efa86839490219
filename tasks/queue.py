"""The one Huey instance (SqliteHuey by default, RedisHuey when IESCP_REDIS_URL is set) and the worker's Database.

Run the worker with:  huey_consumer tasks.huey -w 2 -k thread
Durable job state lives in our own tables (export_jobs, reminder_deliveries, monthly_reports);
Huey's result store is switched off, nothing reads task results.
"""

from __future__ import annotations

import datetime as dt
import os
import threading

from huey import Huey, RedisHuey, SqliteHuey

from core.platform.config import Settings, get_settings
from core.platform.db import Database, connect


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


huey = make_huey()


# ---- the worker's database: one engine per process, created on first use ---------------------------------

_lock = threading.Lock()
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


@huey.on_startup()
def _prepare_worker() -> None:
    """Bring the schema to head before the first task (idempotent; serialised across processes)."""
    from core.platform import bootstrap

    bootstrap.migrate(get_database().engine)
