"""The name-lookup export's rows on a raw sqlite3 cursor, and its second process (standard library only).

export_lookup compiles the statements and runs the lower id range itself; the upper range runs here,
started as `python -I lookup_rows.py` so that it imports nothing of the app (a few MB, not the
worker's ~150). The child reads a JSON spec on stdin, makes its first read while the parent holds
SQLite's write lock (so both see one snapshot), prints "ready MIN MAX" (the span it sees), writes its
CSV rows to an inherited file descriptor and prints its running row count after every batch. A
parent that dies closes the pipe, and the child's next count write ends it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable
from typing import BinaryIO

Statement = tuple[str, list]  # (SQL text, positional parameters)
NameMap = list | dict

# A map is a list indexed by id when the ids are dense enough (a third of the memory of a dict and
# faster to index), else a dict.
DENSE_FACTOR = 2
BATCH = 2000  # rows per fetch, file write and progress call: export_stream.YIELD_PER, which this module cannot import


class _Missing:
    """An id with no row in a list map: formatting it raises, so the batch takes the filtering path."""

    def __format__(self, spec: str) -> str:
        raise LookupError("no such row")


MISSING = _Missing()


def name_map(cursor: sqlite3.Cursor, span: Statement, names: Statement) -> NameMap:
    """names' (id, fields) rows as a map from id to fields; span is their SELECT min(id), max(id), count(*)."""
    low, high, count = cursor.execute(*span).fetchone()
    if count and low >= 0 and high < DENSE_FACTOR * count + 1024:
        table: list = [MISSING] * (high + 1)
        for key, fields in cursor.execute(*names):
            table[key] = fields
        return table
    return dict(cursor.execute(*names))


def _has(table: NameMap, key: int) -> bool:
    try:
        return table[key] is not MISSING
    except LookupError:  # a dict without key, or past a list's end
        return False


def write_rows(
    cursor: sqlite3.Cursor,
    campaigns: NameMap,
    influencers: NameMap,
    rows: Statement,
    out: BinaryIO,
    on_rows: Callable[[int], None],
) -> int:
    """Every (id, campaign id, influencer id, tail fields) row of rows as a CSV row with its names; returns the count.

    A request whose campaign or profile is missing from the maps is left out, as the joined query's
    inner join leaves it out.
    """
    cursor.execute(*rows)
    count = 0
    while batch := cursor.fetchmany(BATCH):
        try:
            lines = [f"{r},{c},{campaigns[c]},{influencers[i]},{tail}\r\n" for r, c, i, tail in batch]
        except LookupError:  # rare: a row the inner join would drop; filter this batch the slow way
            lines = [
                f"{r},{c},{campaigns[c]},{influencers[i]},{tail}\r\n"
                for r, c, i, tail in batch
                if _has(campaigns, c) and _has(influencers, i)
            ]
        out.write("".join(lines).encode("utf-8"))
        count += len(lines)
        on_rows(count)
    return count


def spec(database: str, span: Statement, maps: list[Statement], rows: Statement, fd: int) -> bytes:
    """The child's stdin: which database, its first read, the two maps' (span, names) statements, its rows, its file."""
    return json.dumps({"database": database, "span": span, "maps": maps, "rows": rows, "fd": fd}).encode()


def _child() -> int:
    """Run one range as described on stdin (see the module docstring); the exit status says how it went."""
    job = json.load(sys.stdin)
    connection = sqlite3.connect(job["database"], isolation_level=None)
    connection.execute("PRAGMA query_only=ON")
    connection.execute("PRAGMA busy_timeout=5000")  # a reader waits only while a checkpoint or recovery runs
    cursor = connection.cursor()
    cursor.execute("BEGIN")
    low, high = cursor.execute(*job["span"]).fetchone()  # the first read fixes this reader's snapshot
    print("ready", low, high, flush=True)
    (campaign_span, campaign_names), (influencer_span, influencer_names) = job["maps"]
    campaigns = name_map(cursor, campaign_span, campaign_names)
    influencers = name_map(cursor, influencer_span, influencer_names)
    with os.fdopen(job["fd"], "wb", buffering=1024 * 1024) as out:
        write_rows(cursor, campaigns, influencers, job["rows"], out, lambda count: print(count, flush=True))
    connection.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(_child())
