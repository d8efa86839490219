"""SQLite's whole-table ad requests export: the requests scanned alone, the names joined from two maps.

The joined query looks every request's campaign, organization and profile up by primary key; at a
million requests those lookups miss SQLite's small page cache and cost more than everything else
(bench/analysis.md). Here one read transaction first reads each campaign's "campaign,sponsor" and
each profile's "influencer,platform" CSV fields (built by the SQL, export_queries) into dicts, then
scans ad_requests in id order with the remaining fields built by the SQL, and Python puts each row
together. Same bytes as the joined query: a request whose campaign or profile the join would drop is
dropped here too.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy.engine import Connection

from core.reporting import export_queries, export_stream
from core.reporting.export_stream import Progress, execute_positional, header_bytes


# A map is a list indexed by id when the ids are dense enough (a third of the memory of a dict and
# faster to index), else a dict.
DENSE_FACTOR = 2


class _Missing:
    """An id with no row in a list map: formatting it raises, so the batch takes the filtering path."""

    def __format__(self, spec: str) -> str:
        raise LookupError("no such row")


MISSING = _Missing()
NameMap = list | dict


def _name_map(cursor, connection: Connection, stmt) -> NameMap:
    """stmt's (id, fields) rows as a map from id to fields."""
    low, high, count = execute_positional(cursor, connection, export_queries.names_span(stmt)).fetchone()
    if count and low >= 0 and high < DENSE_FACTOR * count + 1024:
        table: list = [MISSING] * (high + 1)
        for key, fields in execute_positional(cursor, connection, stmt):
            table[key] = fields
        return table
    return dict(execute_positional(cursor, connection, stmt))


def _has(table: NameMap, key: int) -> bool:
    try:
        return table[key] is not MISSING
    except LookupError:  # a dict without key, or past a list's end
        return False


def lookup_csv(connection: Connection, filters: dict, header: list[str], out: BinaryIO, on_rows: Progress) -> int:
    """Write header and every ad request (filters: status at most, see looks_names_up) to out; returns the rows.

    connection must be inside a transaction, so that the names and the requests come from one snapshot.
    """
    raw = connection.connection.dbapi_connection
    assert raw is not None  # a live connection inside the caller's transaction
    cursor = raw.cursor()
    out.write(header_bytes(header))
    rows = 0
    try:
        campaigns = _name_map(cursor, connection, export_queries.campaign_names_query())
        influencers = _name_map(cursor, connection, export_queries.influencer_names_query())
        execute_positional(cursor, connection, export_queries.ad_request_rows_query(filters))
        while batch := cursor.fetchmany(export_stream.YIELD_PER):
            try:
                lines = [f"{r},{c},{campaigns[c]},{influencers[i]},{tail}\r\n" for r, c, i, tail in batch]
            except LookupError:  # rare: a row the inner join would drop; filter this batch the slow way
                lines = [
                    f"{r},{c},{campaigns[c]},{influencers[i]},{tail}\r\n"
                    for r, c, i, tail in batch
                    if _has(campaigns, c) and _has(influencers, i)
                ]
            out.write("".join(lines).encode("utf-8"))
            rows += len(lines)
            on_rows(rows)
    finally:
        cursor.close()
    return rows
