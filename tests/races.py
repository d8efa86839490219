"""Deterministic interleavings on PostgreSQL: hold a lock in one transaction, let another queue behind it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from core.errors import DomainError


def postgres_only(database) -> None:
    """These interleavings need two open write transactions, which SQLite's BEGIN IMMEDIATE never allows."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises write transactions (BEGIN IMMEDIATE): this interleaving cannot happen there")


def wait_until_blocked_or_done(database, thread: threading.Thread, timeout: float = 30) -> None:
    """Return once some transaction of this test database waits for a lock, or the thread has finished.

    A poll for a condition (not a sleep that hopes): the caller then releases the lock it holds, knowing
    the other transaction is queued behind it, or learns (thread finished) that it never waited.
    """
    deadline = time.monotonic() + timeout
    with database.engine.connect() as conn:
        while thread.is_alive() and time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            if waiting:
                return
            time.sleep(0.01)


def in_thread(job) -> tuple[threading.Thread, list[str]]:
    """Start job() in a thread; the list receives "ok", the DomainError's message, or the repr of anything else."""
    outcome: list[str] = []

    def run():
        try:
            job()
            outcome.append("ok")
        except DomainError as error:
            outcome.append(error.message)
        except BaseException as error:  # a bug: shown in the test's assertion
            outcome.append(repr(error))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome
