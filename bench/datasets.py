"""Bench data sets: generated once per (backend, scale, seed, schema head) and kept in bench/data/.

SQLite sets are files bench/data/sqlite-<scale>-seed<seed>.sqlite3; PostgreSQL sets are databases
iescp_bench_<scale>. bench/data/manifest.json remembers what each was built from (schema head,
generator version, seed) and how long the load took; a mismatch rebuilds the set. bench/data/ is
git-ignored. Benchmarks that write run on scratch_copy(), so a kept set stays as generated.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.demo import seed_bulk
from core.platform import bootstrap
from core.platform.db import connect

DATA = Path(__file__).resolve().parent / "data"
MANIFEST = DATA / "manifest.json"
GENERATOR_VERSION = 7  # bump when core/demo/seed_bulk.py changes what it generates or how it loads


@dataclass(frozen=True)
class Scale:
    name: str
    influencers: int
    campaigns: int
    requests: int


SCALES = {
    "10k": Scale("10k", 10_000, 5_000, 100_000),
    "100k": Scale("100k", 100_000, 50_000, 1_000_000),
    "1m": Scale("1m", 1_000_000, 500_000, 10_000_000),
}


def _head() -> str:
    """The schema head and a fingerprint of every migration file (an edited revision rebuilds too)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(bootstrap.alembic_config()).get_current_head()
    digest = hashlib.sha1()
    for path in sorted((bootstrap.MIGRATIONS / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"{head}:{digest.hexdigest()[:10]}"


def _manifest() -> dict:
    if MANIFEST.exists():
        return json.loads(MANIFEST.read_text())
    return {}


def _save_manifest(manifest: dict) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True))


def url_for(backend: str, scale: Scale, seed: int, pg_server_url: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{DATA / f'sqlite-{scale.name}-seed{seed}.sqlite3'}"
    return make_url(pg_server_url).set(database=f"iescp_bench_{scale.name}").render_as_string(hide_password=False)


def _exists(backend: str, url: str) -> bool:
    parsed = make_url(url)
    if backend == "sqlite":
        return Path(parsed.database).exists()
    with _server(parsed) as conn:
        return bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).scalar())


def _recreate(backend: str, url: str) -> None:
    parsed = make_url(url)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    with _server(parsed) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))


def ensure(
    backend: str, scale: Scale, *, seed: int, pg_server_url: str, rebuild: bool = False, log=print
) -> tuple[str, dict]:
    """The URL of a ready data set for backend/scale, building it if needed; and its load record."""
    url = url_for(backend, scale, seed, pg_server_url)
    key = f"{backend}:{scale.name}:{seed}"
    manifest = _manifest()
    wanted = {
        "head": _head(),
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "counts": [scale.influencers, scale.campaigns, scale.requests],
    }
    record = manifest.get(key)
    if not rebuild and record and all(record.get(k) == v for k, v in wanted.items()) and _exists(backend, url):
        log(f"[{key}] reusing the data set built {record['built_at']}")
        return url, record
    log(
        f"[{key}] building: {scale.influencers:,} influencers, {scale.campaigns:,} campaigns, "
        f"{scale.requests:,} ad requests ..."
    )
    _recreate(backend, url)
    os.environ.setdefault("IESCP_ADMIN_PASSWORD", "Bench-admin-1")
    database = connect(url)
    try:
        started = time.perf_counter()
        bootstrap.init_database(database)
        migrate_s = time.perf_counter() - started
        summary = seed_bulk.seed_bulk(
            database,
            influencers=scale.influencers,
            campaigns=scale.campaigns,
            requests=scale.requests,
            seed=seed,
            log=lambda m: log(f"[{key}]   {m}"),
        )
    finally:
        database.dispose()
    record = {
        **wanted,
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "migrate_seconds": round(migrate_s, 2),
        "load": summary.as_dict(),
    }
    manifest = _manifest()
    manifest[key] = record
    _save_manifest(manifest)
    log(f"[{key}] loaded in {summary.seconds['total']:.1f} s (cpu {summary.cpu_seconds:.1f} s)")
    return url, record


@contextlib.contextmanager
def scratch_copy(backend: str, url: str, log=print) -> Iterator[str]:
    """The URL of a throwaway copy of the data set at url, dropped afterwards: for benchmarks that write.

    Each send of the write benchmark added a pipeline card and a request to the busiest sponsor of the kept set,
    so the page benchmark of every later run measured a bigger board (150 cards grew to 1,454 in one session).
    PostgreSQL copies the database as a template (nobody may be connected to it meanwhile); SQLite copies the
    file with the backup API, which is consistent even while the source is open.
    """
    parsed = make_url(url)
    started = time.perf_counter()
    suffix = f"scratch_{os.getpid()}"  # two runs on one data set at once each get their own copy
    if backend == "sqlite":
        copy = Path(parsed.database).with_name(f"{suffix}-{Path(parsed.database).name}")
        name = str(copy)
    else:
        name = f"{parsed.database}_{suffix}"
    try:
        if backend == "sqlite":
            # Read-only: a missing data set is an error, not a new empty file to benchmark.
            source = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            with _server(parsed) as conn:  # STRATEGY needs PostgreSQL 15 or later (this machine runs 15)
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}" STRATEGY FILE_COPY'))
        log(f"  scratch copy of {parsed.database} in {time.perf_counter() - started:.1f} s")
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        if backend == "sqlite":
            for end in ("", "-wal", "-shm"):
                Path(f"{copy}{end}").unlink(missing_ok=True)
        else:
            with _server(parsed) as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def _server(parsed):
    """An autocommit connection to the server's postgres database (CREATE/DROP DATABASE run outside transactions)."""
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            yield conn
    finally:
        server.dispose()
