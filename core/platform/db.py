"""Engine and session factories; SQLite gets WAL, foreign keys and write-safe transactions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from core.errors import InvalidInput

READ_ONLY_OPTION = "iescp_read_only"
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


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


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take over transaction control from the driver so "begin" below decides the mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
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


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for url; creates the folder of a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
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
