"""SQLite's whole-table ad requests export: the requests scanned alone, the names joined from two maps.

The joined query looks every request's campaign, organization and profile up by primary key; at a
million requests those lookups miss SQLite's small page cache and cost more than everything else
(bench/analysis.md). Here one read transaction first reads each campaign's "campaign,sponsor" and
each profile's "influencer,platform" CSV fields (built by the SQL, export_queries) into maps, then
scans ad_requests in id order with the remaining fields built by the SQL, and Python puts each row
together (lookup_rows). Same bytes as the joined query: a request whose campaign or profile the join
would drop is dropped here too.

A big export is split by id range over processes (lookup_csv_split): SQLite formats its rows inside
sqlite3_step, so the formatting of two ranges runs on two cores. Threads do not: the driver takes the
GIL back after every row, and two threads fighting for it doubled the CPU (bench/analysis.md).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, cast

from sqlalchemy.engine import Connection, Engine

from core.platform.db import READ_ONLY_OPTION, DatabaseBusy
from core.reporting import export_queries, lookup_rows
from core.reporting.export_stream import COPY_BUFFER, POLL_SECONDS, Progress, header_bytes, positional, split_ids

CHILD = str(Path(lookup_rows.__file__).resolve())
log = logging.getLogger("iescp.exports")
READY_SECONDS = 30  # how long a range's process may take to make its first read (Python's start-up, a busy disk)


def _statements(connection: Connection, filters: dict, ids: tuple[int, int] | None) -> dict:
    """The lookup's statements as (SQL, parameters): both maps' (span, names), and the rows of ids (None: all)."""
    maps = []
    for names in (export_queries.campaign_names_query(), export_queries.influencer_names_query()):
        maps.append((positional(connection, export_queries.names_span(names)), positional(connection, names)))
    rows = positional(connection, export_queries.ad_request_rows_query(filters, ids=ids))
    return {"maps": maps, "rows": rows}


def _write_range(connection: Connection, statements: dict, out: BinaryIO, on_rows: Progress) -> int:
    """The rows of statements on connection (inside its transaction), names from maps read there too."""
    raw = connection.connection.dbapi_connection
    assert raw is not None  # a live connection inside the caller's transaction
    cursor = cast(sqlite3.Cursor, raw.cursor())  # this path runs on SQLite only (exports._write)
    try:
        (campaign_span, campaign_names), (influencer_span, influencer_names) = statements["maps"]
        campaigns = lookup_rows.name_map(cursor, campaign_span, campaign_names)
        influencers = lookup_rows.name_map(cursor, influencer_span, influencer_names)
        return lookup_rows.write_rows(cursor, campaigns, influencers, statements["rows"], out, on_rows)
    finally:
        cursor.close()


def lookup_csv(connection: Connection, filters: dict, header: list[str], out: BinaryIO, on_rows: Progress) -> int:
    """Write header and every ad request (filters: status at most, see looks_names_up) to out; returns the rows.

    connection must be inside a transaction, so that the names and the requests come from one snapshot.
    """
    out.write(header_bytes(header))
    return _write_range(connection, _statements(connection, filters, None), out, on_rows)


class _RangeProcess:
    """One upper id range written by a child process (lookup_rows) into an unlinked spool file."""

    def __init__(self, database: str, span: tuple[str, list], statements: dict, spool: BinaryIO):
        self.spool = spool
        self.rows = 0
        self.process = subprocess.Popen(
            [sys.executable, "-I", CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(spool.fileno(),),
        )
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(
            lookup_rows.spec(database, span, statements["maps"], statements["rows"], spool.fileno())
        )
        self.process.stdin.close()
        self.process.stdin = None  # written: communicate() must not flush it again

    def ready(self) -> tuple[int, int]:
        """Wait for the child's first read; returns the (min id, max id) it sees."""
        timer = threading.Timer(READY_SECONDS, self.process.kill)  # a child stuck before its first read
        timer.start()
        try:
            line = self.process.stdout.readline().split()  # type: ignore[union-attr]
        finally:
            timer.cancel()
        if len(line) != 3 or line[0] != b"ready":
            raise RuntimeError(f"The export's second process did not start: {self.error()}")
        return int(line[1]), int(line[2])

    def follow(self) -> None:
        """Keep self.rows at the child's running count until it closes its output (run in a thread)."""
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.rows = int(line)

    def finish(self) -> int:
        """Wait for the child; its row count, or RuntimeError with its last error line."""
        if self.process.wait() != 0:
            raise RuntimeError(f"The export's second process failed: {self.error()}")
        return self.rows

    def error(self) -> str:
        """The child's last line on stderr (its exception), once it has ended."""
        self.process.kill()
        _, err = self.process.communicate()
        lines = err.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {self.process.returncode}"

    def stop(self) -> None:
        """End the child whatever it is doing (the export failed elsewhere)."""
        self.process.kill()
        self.process.wait()


def lookup_csv_split(
    engine: Engine,
    filters: dict,
    header: list[str],
    out: BinaryIO,
    on_rows: Progress,
    *,
    processes: int,
    min_span: int,
    spool_dir: Path,
) -> int:
    """lookup_csv with the id span cut into processes ranges: this process writes the first, children the others.

    All read one snapshot: each child makes its first read while this export holds SQLite's write lock
    (BEGIN IMMEDIATE on a separate connection, for the child's start-up: ~50 ms); its ranges' rows are
    appended in order, so the bytes are those of lookup_csv. One process writes everything when the id
    span is under min_span (starting a child costs more) or the write lock stays taken for the whole
    busy timeout.
    """
    reader = engine.execution_options(**{READ_ONLY_OPTION: True})
    with reader.connect() as connection, contextlib.ExitStack() as spools:
        children: list[_RangeProcess] = []
        try:
            first = _start_ranges(engine, connection, filters, processes, min_span, spool_dir, spools, children)
            if first is None:
                return lookup_csv(connection, filters, header, out, on_rows)
            return _write_split(connection, filters, first, children, header, out, on_rows)
        except BaseException:
            for child in children:
                child.stop()
            raise


def _start_ranges(
    engine: Engine,
    connection: Connection,
    filters: dict,
    processes: int,
    min_span: int,
    spool_dir: Path,
    spools,
    children,
) -> tuple | None:
    """Take connection's snapshot and start a child per upper range on it (appended to children).

    Returns the first id range, left to this process, or None when this process should write
    everything: one process asked for, a span under min_span, or the write lock taken for the whole
    busy timeout.
    """
    if processes <= 1:
        return None
    span = export_queries.id_span("ad_requests")
    try:
        with engine.connect() as lock:
            lock.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE (core.platform.db): writers wait
            bounds = connection.execute(span).one()  # this reader's snapshot
            low, high = bounds
            if low is None or high - low + 1 < min_span:
                return None
            ranges = split_ids(low, high, processes)
            for ids in ranges[1:]:
                spool = spools.enter_context(tempfile.TemporaryFile(dir=spool_dir))
                statements = _statements(connection, filters, ids)
                database = str(engine.url.database)
                children.append(_RangeProcess(database, positional(connection, span), statements, spool))
            for child in children:
                if child.ready() != tuple(bounds):
                    raise RuntimeError("The export's second process saw other data than the first.")
            lock.rollback()
        log.info("export split over %s processes, ids %s", len(ranges), ", ".join(f"{a}-{b}" for a, b in ranges))
    except DatabaseBusy:  # before any child started: the lock is the first thing taken
        return None
    return ranges[0]


def _write_split(connection, filters, first, children, header, out, on_rows) -> int:
    """Write the first range here while the children write theirs, then append their spools in order."""
    followers = [threading.Thread(target=child.follow, daemon=True) for child in children]
    for follower in followers:
        follower.start()
    report = _combined(on_rows, children)
    out.write(header_bytes(header))
    rows = _write_range(connection, _statements(connection, filters, first), out, report)
    for child in children:
        while child.process.poll() is None:
            report(rows)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(POLL_SECONDS)
    for follower in followers:
        follower.join()
    rows += sum(child.finish() for child in children)
    for child in children:
        child.spool.seek(0)
        shutil.copyfileobj(child.spool, out, COPY_BUFFER)
    on_rows(rows)
    return rows


def _combined(on_rows: Progress, children: list[_RangeProcess]) -> Progress:
    """on_rows called with this process's count plus every child's latest."""

    def report(rows: int) -> None:
        on_rows(rows + sum(child.rows for child in children))

    return report
