"""What the core-versus-floor micro benches share: options, timing, the statements a call runs, and their floor.

A "floor" is the same SQL sent straight through the driver (no ORM, no session): what the core call cannot beat.
Used by bench/health_bench.py and bench/users_bench.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from core.platform.db import Database, connect


def open_database(description: str, *, reps: int) -> tuple[argparse.Namespace, Database]:
    """Parse --url, --build and --reps (default reps) and connect; the bootstrap admin gets a bench password."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", required=True)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--reps", type=int, default=reps)
    args = parser.parse_args()
    os.environ.setdefault("IESCP_ADMIN_PASSWORD", "Bench-admin-1")
    return args, connect(args.url)


def median_ms(fn: Callable[[], Any], reps: int) -> tuple[float, float]:
    """Median and p95 wall time of reps calls of fn, in ms."""
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def captured(db: Database, call: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
    """call()'s result and the (statement, parameters) it sent, in order (transaction control included)."""
    statements: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return result, statements


def floor(db: Database, statements: list[tuple[str, Any]]) -> None:
    """Run statements straight through the driver; writes in one committed transaction, as the core's are."""
    writes = any(sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for sql, _ in statements)
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        if writes and db.is_sqlite:
            raw.execute("BEGIN IMMEDIATE")  # what Database.Session does on SQLite
        for statement, parameters in statements:
            cur = raw.cursor()
            cur.execute(statement, parameters)
            if cur.description:
                cur.fetchall()
        raw.commit()
