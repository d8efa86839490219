"""bench.datasets.scratch_copy: benchmarks that write get a throwaway copy, and the kept data set stays as it was."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import datasets

POSTGRES_URL = os.environ.get("IESCP_TEST_POSTGRES_URL")


def _rows(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [x for (x,) in conn.execute(text("SELECT x FROM t ORDER BY x"))]
    finally:
        engine.dispose()


def _write(url: str, x: int) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": x})
    finally:
        engine.dispose()


def test_a_sqlite_scratch_copy_takes_the_writes_and_is_deleted_afterwards(tmp_path):
    kept = tmp_path / "kept.sqlite3"
    with sqlite3.connect(kept) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (1)")
    url = f"sqlite:///{kept}"
    with datasets.scratch_copy("sqlite", url, log=lambda _: None) as scratch:
        assert scratch != url and _rows(scratch) == [1]
        _write(scratch, 2)
        assert _rows(scratch) == [1, 2]
        copy = make_url(scratch).database
    assert _rows(url) == [1]  # the kept set never saw the write
    assert not os.path.exists(copy)


@pytest.mark.skipif(not POSTGRES_URL, reason="IESCP_TEST_POSTGRES_URL is not set")
def test_a_postgres_scratch_copy_takes_the_writes_and_is_dropped_afterwards():
    name = f"iescp_scratch_src_{os.getpid()}"
    server = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x integer)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        engine.dispose()
        with datasets.scratch_copy("postgres", url, log=lambda _: None) as scratch:
            _write(scratch, 2)
            assert _rows(scratch) == [1, 2]
            copy = make_url(scratch).database
        assert _rows(url) == [1]
        with server.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": copy}).scalar() == 0
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_a_missing_sqlite_data_set_is_an_error_and_leaves_no_file_behind(tmp_path):
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(sqlite3.OperationalError):
        with datasets.scratch_copy("sqlite", f"sqlite:///{missing}", log=lambda _: None):
            pass
    assert list(tmp_path.iterdir()) == []  # neither an empty "kept" set nor a partial copy
