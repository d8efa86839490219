"""SQLite's whole-table export split over processes: the single process's bytes, one snapshot, failures end it all."""

from __future__ import annotations

import io
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from core.models import Campaign
from core.reporting import export_lookup, export_queries
from tests.core.test_export_csv import NASTY_NAMES, lookup_bytes, nasty  # noqa: F401 (nasty is a fixture)

HEADER = export_queries.AD_REQUEST_HEADER


@pytest.fixture
def sqlite_only(database):
    if not database.is_sqlite:
        pytest.skip("the split name lookup is SQLite's whole-table path")
    return database


@pytest.fixture
def spool(tmp_path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


def split_bytes(database, spool: Path, processes: int, filters=None, on_rows=lambda rows: None, min_span=1) -> bytes:
    out = io.BytesIO()
    export_lookup.lookup_csv_split(
        database.engine, filters or {}, HEADER, out, on_rows, processes=processes, min_span=min_span, spool_dir=spool
    )
    return out.getvalue()


@pytest.fixture
def started(monkeypatch) -> list:
    """Every range process the export starts, to look at after it ended."""
    seen: list = []
    real = export_lookup._RangeProcess

    def spy(*args):
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(export_lookup, "_RangeProcess", spy)
    return seen


@pytest.mark.parametrize("processes", [2, 3])
def test_ranges_written_by_other_processes_give_exactly_the_single_process_bytes(
    sqlite_only,
    nasty,  # noqa: F811
    spool,
    started,
    processes,
):
    for filters in ({}, {"status": "pending"}):
        single = lookup_bytes(sqlite_only, filters)

        assert split_bytes(sqlite_only, spool, processes, filters) == single
    assert len(started) == 2 * (processes - 1)
    assert lookup_bytes(sqlite_only, {}).count(b"\r\n") > len(NASTY_NAMES)
    assert list(spool.iterdir()) == []  # the spool files are gone


def test_a_span_under_the_minimum_is_written_by_this_process_alone(sqlite_only, nasty, spool, started):  # noqa: F811
    got = split_bytes(sqlite_only, spool, 2, min_span=10**9)

    assert got == lookup_bytes(sqlite_only, {})
    assert started == []


def test_progress_adds_up_every_process_and_ends_at_the_total(sqlite_only, nasty, spool):  # noqa: F811
    seen: list[int] = []

    split_bytes(sqlite_only, spool, 3, on_rows=seen.append)

    assert seen[-1] == len(NASTY_NAMES) and seen == sorted(seen)


def rename(database, campaign_id: int) -> None:
    """Commit a new name for the campaign (BEGIN IMMEDIATE: waits while an export holds the lock)."""
    with database.Session.begin() as s:
        s.execute(update(Campaign).where(Campaign.id == campaign_id).values(name="Renamed"))


def test_every_process_reads_the_snapshot_taken_before_a_rename_committed_meanwhile(
    sqlite_only,
    nasty,  # noqa: F811
    spool,
    monkeypatch,
):
    before = lookup_bytes(sqlite_only, {})
    real = export_lookup._statements

    def rename_then_statements(connection, filters, ids):
        # The first range's statements are built after every process took its snapshot and the lock is gone.
        if ids is not None and ids[0] == nasty["request_ids"][0]:
            rename(sqlite_only, nasty["campaign_id"])
        return real(connection, filters, ids)

    monkeypatch.setattr(export_lookup, "_statements", rename_then_statements)

    got = split_bytes(sqlite_only, spool, 3)

    assert got == before and b"Renamed" not in got
    assert b"Renamed" in lookup_bytes(sqlite_only, {})


def test_a_commit_tried_while_the_processes_take_their_snapshots_waits_and_reaches_none_of_them(
    sqlite_only,
    nasty,  # noqa: F811
    spool,
    monkeypatch,
):
    before = lookup_bytes(sqlite_only, {})
    real = export_lookup._RangeProcess
    writers: list[threading.Thread] = []

    def start_with_a_writer(*args):
        # This process has read; the child has not yet. Without the lock the rename would land in between.
        writers.append(threading.Thread(target=rename, args=(sqlite_only, nasty["campaign_id"])))
        writers[-1].start()
        time.sleep(0.2)  # give the writer time to commit if nothing stops it
        return real(*args)

    monkeypatch.setattr(export_lookup, "_RangeProcess", start_with_a_writer)

    got = split_bytes(sqlite_only, spool, 2)
    for writer in writers:
        writer.join()

    assert got == before and b"Renamed" not in got
    assert b"Renamed" in lookup_bytes(sqlite_only, {})


def child_script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "child.py"
    script.write_text("import sys, json\njob = json.load(sys.stdin)\n" + body)
    return str(script)


def test_a_range_process_that_fails_fails_the_export_with_its_error_and_leaves_no_spool(
    sqlite_only,
    nasty,  # noqa: F811
    spool,
    tmp_path,
    monkeypatch,
):
    low, high = min(nasty["request_ids"]), max(nasty["request_ids"])
    body = f"print('ready', {low}, {high}, flush=True)\nraise SystemExit('disk full while writing the range')\n"
    monkeypatch.setattr(export_lookup, "CHILD", child_script(tmp_path, body))

    with pytest.raises(RuntimeError, match="second process failed: disk full while writing the range"):
        split_bytes(sqlite_only, spool, 2)

    assert list(spool.iterdir()) == []


def test_a_range_process_that_never_gets_ready_fails_the_export_with_a_clear_message(
    sqlite_only,
    nasty,  # noqa: F811
    spool,
    tmp_path,
    monkeypatch,
):
    monkeypatch.setattr(export_lookup, "CHILD", child_script(tmp_path, "raise SystemExit('no such database')\n"))

    with pytest.raises(RuntimeError, match="did not start: no such database"):
        split_bytes(sqlite_only, spool, 2)


def test_a_range_process_that_saw_other_data_is_refused(sqlite_only, nasty, spool, tmp_path, monkeypatch):  # noqa: F811
    body = "print('ready', 1, 2, flush=True)\nimport time; time.sleep(60)\n"
    monkeypatch.setattr(export_lookup, "CHILD", child_script(tmp_path, body))

    with pytest.raises(RuntimeError, match="saw other data"):
        split_bytes(sqlite_only, spool, 2)


def test_when_this_process_fails_the_range_processes_are_ended(sqlite_only, nasty, spool, started, monkeypatch):  # noqa: F811
    def refuse(rows: int) -> None:
        raise RuntimeError("progress write failed")

    with pytest.raises(RuntimeError, match="progress write failed"):
        split_bytes(sqlite_only, spool, 3, on_rows=refuse)

    assert len(started) == 2
    assert all(child.process.returncode is not None for child in started)  # ended and reaped, none left running
    assert list(spool.iterdir()) == []


def test_the_range_process_imports_nothing_of_the_app():
    source = Path(export_lookup.CHILD).read_text()

    imported = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}

    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
