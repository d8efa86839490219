"""Stream an export SELECT into a CSV file: PostgreSQL's COPY, SQLite's rows built by the SELECT, or csv.writer.

All three write the same bytes: a header row, then one row per result row, fields quoted only when they
hold a comma, a quote or a line break (quotes doubled), NULL as an empty field, UTF-8, rows ended by
CRLF (csv.writer's default, which the exports have always used; COPY ends rows with LF, so each of
its rows gets its terminator swapped as it streams). Every cell arrives already formatted by the SQL
(core/reporting/export_queries.py), so no path runs Python code per cell. write_csv_ranges reads
one export as several id ranges at once, on one snapshot, and writes the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import Connection, Engine

from core.platform.db import READ_ONLY_OPTION, DatabaseBusy
from core.reporting.export_queries import LINE

YIELD_PER = 2000  # rows per fetch on the cursor path, and per file write and progress call on the COPY path;
# small enough that two ranges fetching at once stay within the memory budget (~5 MB of rows each)
CR, LF = 13, 10  # the bytes of a CRLF row end
COPY_BUFFER = 1024 * 1024  # bytes per read when a spooled range is appended

Progress = Callable[[int], None]


def header_bytes(header: list[str]) -> bytes:
    """The header row exactly as csv.writer writes it."""
    text = io.StringIO(newline="")
    csv.writer(text).writerow(header)
    return text.getvalue().encode("utf-8")


def write_csv(connection: Connection, stmt, header: list[str] | None, out: BinaryIO, on_rows: Progress) -> int:
    """Write header and stmt's rows to out on the engine's fastest path; returns the row count.

    on_rows(rows so far) is called after every batch, also while a COPY streams.
    """
    if connection.dialect.name == "postgresql":
        return copy_csv(connection, stmt, header, out, on_rows)
    if list(stmt.selected_columns.keys()) == [LINE]:
        return line_csv(connection, stmt, header, out, on_rows)
    return cursor_csv(connection, stmt, header, out, on_rows)


def copy_csv(connection: Connection, stmt, header: list[str] | None, out: BinaryIO, on_rows: Progress) -> int:
    """PostgreSQL: COPY (stmt) TO STDOUT WITH CSV, streamed to out in batches; never holds the result.

    header None: rows only (a later id range of a parallel export).
    """
    import psycopg  # only the PostgreSQL path needs the driver

    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    raw: psycopg.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    # COPY takes no server-side parameters: bind them client-side, with the driver's own quoting.
    query = psycopg.ClientCursor(raw).mogrify(str(compiled), compiled.params)
    if header is not None:
        out.write(header_bytes(header))
    rows = 0
    buffer = bytearray()
    with raw.cursor() as cursor:
        # timestamp_text is a timestamp's text output, whose form DateStyle sets: pin it for this transaction.
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            # The server sends one CopyData message per row, so each chunk is one row ending in b"\n":
            # its last byte becomes b"\r" and b"\n" follows (line breaks inside quoted cells stay as stored).
            for chunk in copy:
                buffer += chunk
                buffer[-1] = CR
                buffer.append(LF)
                rows += 1
                if rows % YIELD_PER == 0:
                    out.write(buffer)
                    buffer.clear()
                    on_rows(rows)
        out.write(buffer)
        # The job records the server's own count (the "COPY n" tag); the chunks count only for progress.
        rows = cursor.rowcount
    on_rows(rows)
    return rows


def cursor_csv(connection: Connection, stmt, header: list[str] | None, out: BinaryIO, on_rows: Progress) -> int:
    """Any engine: rows from the driver's own streaming cursor, YIELD_PER at a time, through csv.writer.

    The DB-API cursor, not a SQLAlchemy Result: the cells are plain text and integers already, and
    building a Row per result row cost about as much as the query itself at a million rows.
    """
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    raw = connection.connection.dbapi_connection
    assert raw is not None  # a live connection inside the caller's transaction
    if connection.dialect.name == "postgresql":
        cursor = raw.cursor(name="export_rows")  # server-side: streamed, never the whole result
    else:
        cursor = raw.cursor()  # SQLite steps through the result as rows are fetched
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text)
    if header is not None:
        writer.writerow(header)
    rows = 0
    try:
        if compiled.positional:
            cursor.execute(str(compiled), [params[name] for name in compiled.positiontup or ()])
        else:
            cursor.execute(str(compiled), params)
        while batch := cursor.fetchmany(YIELD_PER):
            writer.writerows(batch)
            rows += len(batch)
            on_rows(rows)
    finally:
        cursor.close()
    text.flush()
    text.detach()  # leave out open for the caller
    return rows


def positional(connection: Connection, stmt) -> tuple[str, list]:
    """stmt as SQL text and its parameters in order, for a raw DB-API cursor (SQLite's positional style)."""
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    return str(compiled), [params[name] for name in compiled.positiontup or ()]


def execute_positional(cursor, connection: Connection, stmt):
    """Run stmt on a raw DB-API cursor of connection (SQLite's positional parameters); returns the cursor."""
    return cursor.execute(*positional(connection, stmt))


def line_csv(connection: Connection, stmt, header: list[str] | None, out: BinaryIO, on_rows: Progress) -> int:
    """SQLite: a line query's rows (each already one CSV row, export_queries.csv_line) joined with CRLF.

    Python touches one string per row; the quoting and formatting run inside sqlite3_step, where the
    driver releases the GIL (measured: ~14 % less CPU than csv.writer over the cells).
    """
    raw = connection.connection.dbapi_connection
    assert raw is not None  # a live connection inside the caller's transaction
    cursor = raw.cursor()
    if header is not None:
        out.write(header_bytes(header))
    rows = 0
    try:
        execute_positional(cursor, connection, stmt)
        while batch := cursor.fetchmany(YIELD_PER):
            out.write(("\r\n".join([line for (line,) in batch]) + "\r\n").encode("utf-8"))
            rows += len(batch)
            on_rows(rows)
    finally:
        cursor.close()
    return rows


# ---- several id ranges at once -------------------------------------------------------------------------------

Ranged = Callable[[int, int], object]  # (first id, last id) -> the export SELECT limited to those ids
POLL_SECONDS = 0.2  # how often the coordinating thread reports progress while the ranges stream


class _Stopped(Exception):
    """Another range failed (or progress could not be recorded): this range stops at its next batch."""


def split_ids(first: int, last: int, parts: int) -> list[tuple[int, int]]:
    """[first, last] cut into at most parts contiguous, non-empty, ascending (lo, hi) ranges, both ends included."""
    parts = max(1, min(parts, last - first + 1))
    step, extra = divmod(last - first + 1, parts)
    ranges, lo = [], first
    for i in range(parts):
        hi = lo + step - 1 + (1 if i < extra else 0)
        ranges.append((lo, hi))
        lo = hi + 1
    return ranges


def _open_snapshot(engine: Engine, streams: int, span) -> tuple[list[Connection], tuple[int, int] | None]:
    """streams read-only connections that all see one snapshot, and span's (min id, max id) in it.

    PostgreSQL: the first transaction exports its snapshot and the others import it
    (SET TRANSACTION SNAPSHOT), all REPEATABLE READ. SQLite has no snapshot hand-over: a WAL reader's
    view is fixed by its first read, so every reader makes its first read while this export holds
    the write lock (BEGIN IMMEDIATE on a separate connection, a few milliseconds): no commit can land
    between them.
    """
    connections: list[Connection] = []
    try:
        if engine.dialect.name == "postgresql":
            options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            first = engine.connect().execution_options(**options)
            connections.append(first)
            snapshot = first.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            bounds = first.execute(span).one()
            for _ in range(streams - 1):
                other = engine.connect().execution_options(**options)
                connections.append(other)
                other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        else:
            reader = engine.execution_options(**{READ_ONLY_OPTION: True})
            try:
                with engine.connect() as lock:
                    lock.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE (core.platform.db): writers wait
                    for _ in range(streams):
                        connections.append(reader.connect())
                        bounds = connections[-1].execute(span).one()  # the first read fixes this reader's view
                    lock.rollback()
            except DatabaseBusy:  # a writer held the lock for the whole busy timeout: one reader needs none
                for connection in connections:
                    connection.close()
                connections = [reader.connect()]
                bounds = connections[0].execute(span).one()
        return connections, (None if bounds[0] is None else (int(bounds[0]), int(bounds[1])))
    except BaseException:
        for connection in connections:
            connection.close()
        raise


def write_csv_ranges(
    engine: Engine,
    ranged: Ranged,
    span,
    header: list[str],
    out: BinaryIO,
    on_rows: Progress,
    *,
    streams: int,
    spool_dir: Path,
) -> int:
    """Write header and the export's rows to out, its id span cut into streams ranges read at once.

    Each range runs in its own thread on its own connection (COPY on PostgreSQL: one server process
    each; the SQLite cursor releases the GIL while it steps, where the joins and formatting run), all on
    one snapshot. The first range streams straight into out; the others spool to unlinked temporary
    files in spool_dir and are appended in order, so the bytes are those of the single-stream export.
    span: SELECT min(id), max(id) over the export's own table. Returns the row count.
    """
    connections, bounds = _open_snapshot(engine, streams, span)
    try:
        if bounds is None:  # nothing to export
            return write_csv(connections[0], ranged(0, -1), header, out, on_rows)
        ranges = split_ids(*bounds, len(connections))
        counts = [0] * len(ranges)
        stop = threading.Event()

        def run(index: int, sink: BinaryIO) -> int:
            def count(rows: int) -> None:
                if stop.is_set():
                    raise _Stopped
                counts[index] = rows

            lo, hi = ranges[index]
            return write_csv(connections[index], ranged(lo, hi), None, sink, count)

        out.write(header_bytes(header))
        with contextlib.ExitStack() as spools, ThreadPoolExecutor(len(ranges), "export-range") as pool:
            sinks = [out] + [spools.enter_context(tempfile.TemporaryFile(dir=spool_dir)) for _ in ranges[1:]]
            futures = [pool.submit(run, index, sink) for index, sink in enumerate(sinks)]
            try:
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
                    for future in done:
                        future.result()  # a failed range raises here
                    on_rows(sum(counts))
            except BaseException:
                stop.set()  # the other ranges end at their next batch; the pool waits for them
                raise
            rows = [future.result() for future in futures]
            for spool in sinks[1:]:
                spool.seek(0)
                shutil.copyfileobj(spool, out, COPY_BUFFER)
        total = sum(rows)
        on_rows(total)
        return total
    finally:
        for connection in connections:
            connection.close()  # rolls the read-only transaction back
