"""Count the statements (round trips to the database) a block of code sends, and which ones.

Every cursor execute is one round trip on PostgreSQL (psycopg sends each statement, BEGIN and COMMIT
apart): what a guarded transition costs beyond its one write is what this counts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Trips:
    """The statements one block sent, in order (first words of each)."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def summary(self) -> list[str]:
        """Each statement shortened to its verb and table, for reading a count at a glance."""
        return [" ".join(s.split()[:6]) for s in self.statements]


@contextlib.contextmanager
def counted(engine: Engine | type = Engine) -> Iterator[Trips]:
    """Record every statement sent through engine (default: every engine) while the block runs."""
    trips = Trips()

    def listener(conn, cursor, statement, parameters, context, executemany):
        trips.statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield trips
    finally:
        event.remove(engine, "before_cursor_execute", listener)
