"""Stream an export SELECT into a CSV file: PostgreSQL's COPY, or a cursor into csv.writer elsewhere.

Both write the same bytes: a header row, then one row per result row, fields quoted only when they
hold a comma, a quote or a line break (quotes doubled), NULL as an empty field, UTF-8, rows ended by
CRLF (csv.writer's default, which the exports have always used; COPY ends rows with LF, so each of
its rows gets its terminator swapped as it streams). Every cell arrives already formatted by the SQL
(core/reporting/export_queries.py), so neither path runs Python code per cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import BinaryIO

from sqlalchemy.engine import Connection

YIELD_PER = 5000  # rows per fetch on the cursor path, and per file write and progress call on the COPY path
CR, LF = 13, 10  # the bytes of a CRLF row end

Progress = Callable[[int], None]


def header_bytes(header: list[str]) -> bytes:
    """The header row exactly as csv.writer writes it."""
    text = io.StringIO(newline="")
    csv.writer(text).writerow(header)
    return text.getvalue().encode("utf-8")


def write_csv(connection: Connection, stmt, header: list[str], out: BinaryIO, on_rows: Progress) -> int:
    """Write header and stmt's rows to out on the engine's fastest path; returns the row count.

    on_rows(rows so far) is called after every batch, also while a COPY streams.
    """
    if connection.dialect.name == "postgresql":
        return copy_csv(connection, stmt, header, out, on_rows)
    return cursor_csv(connection, stmt, header, out, on_rows)


def copy_csv(connection: Connection, stmt, header: list[str], out: BinaryIO, on_rows: Progress) -> int:
    """PostgreSQL: COPY (stmt) TO STDOUT WITH CSV, streamed to out in batches; never holds the result."""
    import psycopg  # only the PostgreSQL path needs the driver

    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    raw: psycopg.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    # COPY takes no server-side parameters: bind them client-side, with the driver's own quoting.
    query = psycopg.ClientCursor(raw).mogrify(str(compiled), compiled.params)
    out.write(header_bytes(header))
    rows = 0
    buffer = bytearray()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
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
    on_rows(rows)
    return rows


def cursor_csv(connection: Connection, stmt, header: list[str], out: BinaryIO, on_rows: Progress) -> int:
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
