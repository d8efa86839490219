"""Timing helpers: interleaved repetitions, medians and p95, raw-driver floors of captured SQL."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url


@dataclass
class Stats:
    median_ms: float
    p95_ms: float
    min_ms: float
    n: int

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


def summarise(samples_ms: list[float]) -> Stats:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, max(0, int(round(0.95 * (len(ordered) - 1)))))]
    return Stats(statistics.median(ordered), p95, ordered[0], len(ordered))


def interleaved(
    fns: dict[str, Callable[[], object]],
    *,
    min_reps: int = 15,
    max_reps: int = 300,
    budget_s: float = 1.5,
    warmup: int = 2,
) -> dict[str, Stats]:
    """Time each fn repeatedly, one of each per round, so they share the machine's noise.

    Stops after min_reps rounds once budget_s is spent (or at max_reps).
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    started = time.perf_counter()
    rounds = 0
    while rounds < max_reps and (rounds < min_reps or time.perf_counter() - started < budget_s):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t0) * 1000)
        rounds += 1
    return {name: summarise(values) for name, values in samples.items()}


@contextlib.contextmanager
def captured_selects(engine: Engine | type = Engine):
    """Collect (statement, parameters) of every SELECT/WITH sent through engine (default: all engines)."""
    statements: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


class RawConnection:
    """A plain sqlite3 / psycopg connection to the bench database: the floor of each query."""

    def __init__(self, url: str):
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            self.conn = sqlite3.connect(parsed.database, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout=15000")
        else:
            import psycopg

            self.conn = psycopg.connect(
                parsed.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
            )

    def replay(self, statements: list[tuple[str, object]]) -> int:
        """Run each captured statement and fetch all its rows; returns how many rows came back."""
        rows = 0
        for statement, parameters in statements:
            cur = self.conn.execute(statement, parameters)
            rows += len(cur.fetchall())
        return rows

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction on the raw connection (BEGIN IMMEDIATE on SQLite, like the app)."""
        if self.dialect == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except Exception:
                self.conn.execute("ROLLBACK")
                raise
        else:
            with self.conn.transaction():
                yield self.conn

    def execute_script(self, statements: list[tuple[str, object]]) -> None:
        """Run statements as one write transaction (the floor of a one-row write)."""
        with self.transaction() as conn:
            for statement, parameters in statements:
                conn.execute(statement, parameters)

    def close(self) -> None:
        self.conn.close()


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return []
