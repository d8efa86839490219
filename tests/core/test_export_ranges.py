"""Parallel exports: id ranges read at once on one snapshot write the single-stream bytes, and stop together."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import update

from core.errors import InvalidInput
from core.models import Campaign, ExportJob
from core.platform.db import connect
from core.reporting import export_queries, export_stream, exports
from tests import factories as f
from tests.core.test_export_csv import NASTY_NAMES, export_bytes, nasty  # noqa: F401 (nasty is a fixture)

HEADER = export_queries.AD_REQUEST_HEADER


@pytest.fixture
def spool(tmp_path) -> Path:
    """An empty folder for the spooled ranges (tmp_path also holds the SQLite test database)."""
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


def ranged_export(database, tmp_path: Path, streams: int, ranged=None, on_rows=lambda rows: None) -> bytes:
    """The ad requests export through write_csv_ranges, on SQLite as CSV rows built by the SELECT (as run_export)."""
    lines = database.is_sqlite
    out = io.BytesIO()
    export_stream.write_csv_ranges(
        database.engine,
        ranged or (lambda first, last: export_queries.ad_requests_query(None, {}, ids=(first, last), lines=lines)),
        export_queries.id_span("ad_requests"),
        HEADER,
        out,
        on_rows,
        streams=streams,
        spool_dir=tmp_path,
    )
    return out.getvalue()


@pytest.mark.parametrize(("first", "last", "parts"), [(1, 10, 3), (5, 5, 4), (1, 1_000_003, 2), (7, 20, 14)])
def test_id_ranges_cover_the_span_once_in_order(first, last, parts):
    ranges = export_stream.split_ids(first, last, parts)

    assert ranges[0][0] == first and ranges[-1][1] == last
    assert all(lo <= hi for lo, hi in ranges)
    assert all(prev[1] + 1 == nxt[0] for prev, nxt in zip(ranges, ranges[1:], strict=False))
    assert len(ranges) == min(parts, last - first + 1)
    assert max(hi - lo for lo, hi in ranges) - min(hi - lo for lo, hi in ranges) <= 1  # even parts


@pytest.mark.parametrize("streams", [2, 3, 8])
def test_ranges_read_at_once_write_exactly_the_single_stream_bytes(database, nasty, spool, streams):  # noqa: F811
    single = export_bytes(database, export_queries.ad_requests_query(None, {}), HEADER)

    assert ranged_export(database, spool, streams) == single
    assert single.count(b"\r\n") > len(NASTY_NAMES)
    assert list(spool.iterdir()) == []  # the spooled ranges are gone


def test_progress_counts_every_range_and_ends_at_the_total(database, nasty, spool):  # noqa: F811
    seen: list[int] = []

    ranged_export(database, spool, 3, on_rows=seen.append)

    assert seen[-1] == len(NASTY_NAMES) and seen == sorted(seen)


def test_every_range_reads_the_same_snapshot_even_when_a_commit_lands_meanwhile(database, nasty, spool):  # noqa: F811
    before = export_bytes(database, export_queries.ad_requests_query(None, {}), HEADER)
    calls: list[tuple[int, int]] = []

    def rename_then_query(first: int, last: int):
        # Runs once the readers hold their snapshot: a rename committed now must reach no range.
        if not calls:
            with database.Session.begin() as s:
                s.execute(update(Campaign).where(Campaign.id == nasty["campaign_id"]).values(name="Renamed"))
        calls.append((first, last))
        return export_queries.ad_requests_query(None, {}, ids=(first, last))

    got = ranged_export(database, spool, 2, ranged=rename_then_query)

    assert len(calls) == 2
    assert got == before and b"Renamed" not in got
    assert b"Renamed" in export_bytes(database, export_queries.ad_requests_query(None, {}), HEADER)


def test_a_failing_range_fails_the_export_and_leaves_no_spool(database, nasty, spool):  # noqa: F811
    def broken_second_range(first: int, last: int):
        if first != nasty["request_ids"][0]:
            raise RuntimeError("range broke")
        return export_queries.ad_requests_query(None, {}, ids=(first, last))

    with pytest.raises(RuntimeError, match="range broke"):
        ranged_export(database, spool, 2, ranged=broken_second_range)

    assert list(spool.iterdir()) == []


def test_failing_progress_stops_every_range(database, nasty, spool, monkeypatch):  # noqa: F811
    monkeypatch.setattr(export_stream, "YIELD_PER", 1)

    def refuse(rows: int) -> None:
        raise RuntimeError("progress write failed")

    with pytest.raises(RuntimeError, match="progress write failed"):
        ranged_export(database, spool, 2, on_rows=refuse)

    assert list(spool.iterdir()) == []


def test_a_parallel_export_job_writes_the_same_file_and_count_as_a_single_stream_one(
    database,
    nasty,  # noqa: F811
    monkeypatch,
):
    admin = f.admin(database)
    monkeypatch.setattr(exports, "PARALLEL_MIN_SPAN", 1)
    files = {}
    for streams in ("1", "3"):
        monkeypatch.setenv("IESCP_EXPORT_STREAMS", streams)
        with database.Session.begin() as s:
            job_id = exports.start_export(s, actor=admin, kind="ad_requests", filters={})
        assert exports.run_export(database, job_id) == "done"
        with database.ReadSession.begin() as s:
            files[streams] = exports.open_export(s, actor=admin, job_id=job_id)[1].read_bytes()
            assert s.get(ExportJob, job_id).row_count == len(NASTY_NAMES)

    assert files["3"] == files["1"]


@pytest.mark.parametrize("value", ["0", "17", "two"])
def test_a_bad_export_streams_setting_is_refused_with_a_clear_message(monkeypatch, value):
    monkeypatch.setenv("IESCP_EXPORT_STREAMS", value)

    with pytest.raises(InvalidInput, match="IESCP_EXPORT_STREAMS"):
        exports.export_streams()


def test_export_streams_default_to_two_on_both_engines(monkeypatch):
    monkeypatch.delenv("IESCP_EXPORT_STREAMS", raising=False)

    assert exports.export_streams("postgresql") == 2
    assert exports.export_streams("sqlite") == 2
    monkeypatch.setenv("IESCP_EXPORT_STREAMS", "4")
    assert exports.export_streams("sqlite") == 4


def test_on_sqlite_a_writer_holding_the_lock_makes_the_export_read_one_range_instead_of_failing(
    sqlite_database,
    spool,
):
    sponsor = f.sponsor(sqlite_database)
    f.request(sqlite_database, sponsor, f.campaign(sqlite_database, sponsor), f.influencer(sqlite_database))
    impatient = connect(sqlite_database.engine.url.render_as_string(), sqlite_busy_timeout_ms=50)
    single = export_bytes(impatient, export_queries.ad_requests_query(None, {}), HEADER)
    writer = sqlite3.connect(sqlite_database.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a long write transaction elsewhere
    try:
        got = ranged_export(impatient, spool, 2)
    finally:
        writer.rollback()
        writer.close()
        impatient.dispose()

    assert got == single and got.count(b"\r\n") == 2
