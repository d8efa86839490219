"""Engine and session factories; SQLite gets WAL, foreign keys and write-safe transactions."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from core.errors import Conflict, InvalidInput

READ_ONLY_OPTION = "iescp_read_only"
SQLITE_BUSY_TIMEOUT_MS = 15_000  # SQLite's own busy handler retries the lock for this long before giving up
BUSY_MESSAGE = "The database is busy with other changes right now. Nothing was saved; please try again in a moment."
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


class DatabaseBusy(Conflict):
    """SQLite stayed locked by another writer for the whole busy timeout (shown to the user, not a traceback)."""


@dataclass(frozen=True)
class Database:
    """One engine per process with a session factory for writes and one for reads."""

    engine: Engine
    Session: sessionmaker  # read-write; on SQLite starts with BEGIN IMMEDIATE
    ReadSession: sessionmaker  # read-only work (lists, exports); never blocks writers

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take over transaction control from the driver so "begin" below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
        # when another writer committed meanwhile; IMMEDIATE waits for the lock instead,
        # which keeps the budget check and the state change in one serialised step.
        if conn.get_execution_options().get(READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "handle_error")
    def _on_error(context):
        # After busy_timeout of retries the lock is still held: a user-facing DomainError, so pages
        # show a clear message (run_action) and the caller's transaction rolls back as usual.
        original = context.original_exception
        if isinstance(original, sqlite3.OperationalError) and str(original).startswith(
            ("database is locked", "database is busy", "database table is locked")
        ):
            return DatabaseBusy(BUSY_MESSAGE)
        return None


def _refuse_unstorable_parameters(engine: Engine) -> None:
    """A safety net under validate.*: no statement carries an int beyond BIGINT or a str with a NUL byte.

    SQLite's driver raises OverflowError and PostgreSQL a DataError for those (and PostgreSQL rejects
    NUL in any text): an InvalidInput here turns a missed check into a message instead of a crash.
    Bulk statements (executemany) come from our own loaders, not from a user, and are not scanned.
    """

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn, _cursor, _statement, parameters, _context, executemany):
        if executemany or not parameters:
            return
        for value in parameters.values() if isinstance(parameters, dict) else parameters:
            if type(value) is int and not BIGINT_MIN <= value <= BIGINT_MAX:
                raise InvalidInput("That number is too large.")
            if type(value) is str and "\x00" in value:
                raise InvalidInput("Text cannot contain a NUL character; please remove it.")


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs) -> Engine:
    """Create an engine for url; creates the folder of a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
        _refuse_unstorable_parameters(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    _refuse_unstorable_parameters(engine)
    return engine


def connect(url: str, **kwargs) -> Database:
    """Build the Database (engine plus session factories) for url."""
    engine = make_engine(url, **kwargs)
    reader = engine.execution_options(**{READ_ONLY_OPTION: True})
    return Database(
        engine=engine,
        Session=sessionmaker(engine, expire_on_commit=False),
        ReadSession=sessionmaker(reader, expire_on_commit=False),
    )


def affected_rows(result: Result[Unpack[tuple[Any, ...]]]) -> int:
    """How many rows an UPDATE or DELETE run through Session.execute() matched.

    Session.execute() is annotated to return Result for every statement; for DML it really returns a
    CursorResult, the class that has rowcount. The cast is SQLAlchemy's documented way to say so (no runtime effect).
    """
    return cast("CursorResult[Unpack[tuple[Any, ...]]]", result).rowcount
