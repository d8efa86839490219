"""CSV export of every ad request with names: core/reporting/exports.py's job against its floors.

Modes, each run in a fresh subprocess so that its peak RSS is its own and not the bench's:
- core: the export job (run_export), as a worker runs it;
- bare: the same joins, filters and order with the unformatted columns, fetched and dropped (no CSV):
  the cost of the query plan alone (SQLite's stepping cursor, PostgreSQL's server-side cursor);
- raw: those rows streamed into csv.writer with no conversions (the floor bench.run has always shown);
- copy: PostgreSQL only, COPY of the unformatted columns straight to a file;
- cells: the formatted cells through csv.writer on one connection (SQLite's path before its rows were
  built in the SELECT), no job bookkeeping;
- joined: SQLite, the joined query's CSV rows built in the SELECT (the path before export_lookup), no job;
- lbare: SQLite, the bare fetch of export_lookup's plan: the unformatted names of every campaign and
  profile, then every request's unformatted columns by one scan, fetched and dropped (rows = all three).
`python -m bench.export MODE URL OUT_DIR` prints one JSON line; `python -m bench.export compare URL
OUT_DIR [REPS] [MODES]` runs the modes (comma-separated; core1 = the job on one stream) interleaved REPS
times and prints each run, its load average, and the medians with their ratios to bare and copy.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: on Linux that carries the
    parent's high-water mark across fork/exec, so a child would report the bench's own memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_cpu() -> float:
    """CPU seconds of this process's ended children (the split export's range processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _ChildMemory(threading.Thread):
    """Samples the summed resident memory of this process's children every 20 ms; .peak_mb after stop()."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        tasks = Path(f"/proc/{os.getpid()}/task")
        own = Path("/proc/self/cmdline").read_bytes()
        while not self._done.wait(0.02):
            total = 0.0
            for children in tasks.glob("*/children"):
                for pid in children.read_text().split():
                    try:
                        if Path(f"/proc/{pid}/cmdline").read_bytes() == own:
                            continue  # forked, not yet exec'd: it still shares (and shows) this process's pages
                        status = Path(f"/proc/{pid}/status").read_text()
                    except OSError:  # ended between the reads
                        continue
                    total += next((int(line.split()[1]) / 1024 for line in status.splitlines()
                                   if line.startswith("VmRSS:")), 0.0)  # fmt: skip
            self.peak_mb = max(self.peak_mb, total)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak_mb


def _measured(seconds: float, cpu: float, rows: int, size: int, baseline: float, **extra) -> dict:
    """One run's result line: times, rows, bytes and memory (peak read now, at the end of the run)."""
    return {
        "status": "done",
        **extra,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": rows,
        "bytes": size,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _rss_mb(),
    }


def _core(url: str, out_dir: str) -> dict:
    os.environ["IESCP_DATA_DIR"] = out_dir
    os.environ["IESCP_EXPORTS_DIR"] = str(Path(out_dir) / "exports")
    from sqlalchemy import select, update

    from core.marketplace import accounts
    from core.models import ExportJob, User
    from core.platform.db import connect
    from core.reporting import exports

    db = connect(url)
    with db.Session.begin() as s:
        admin = accounts.load_actor(s, s.scalar(select(User.id).where(User.role == "admin").order_by(User.id)))
        assert admin is not None, "the bench set has an admin"
        # A bench run killed half-way leaves its job 'running'; do not let it count against the limit.
        s.execute(
            update(ExportJob)
            .where(ExportJob.owner_id == admin.id, ExportJob.status.in_(("queued", "running")))
            .values(status="failed", error="abandoned bench run")
        )
        job_id = exports.start_export(s, actor=admin, kind="ad_requests", filters={})
    streams = exports.export_streams(db.engine.dialect.name)
    baseline = _rss_mb()
    children = _ChildMemory()
    children.start()
    started, cpu, children_cpu = time.perf_counter(), time.process_time(), _children_cpu()
    status = exports.run_export(db, job_id)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    children_cpu, children_mb = _children_cpu() - children_cpu, children.stop()
    with db.ReadSession.begin() as s:
        job = s.get(ExportJob, job_id)
        rows, size, name, error = job.row_count, job.size_bytes, job.file_name, job.error
    if name:
        (Path(out_dir) / "exports" / name).unlink(missing_ok=True)
    db.dispose()
    return _measured(
        seconds, cpu, rows, size, baseline, status=status, error=error, streams=streams,
        children_cpu_seconds=children_cpu, children_peak_rss_mb=children_mb,
    )  # fmt: skip


def _raw(url: str, out_dir: str, *, write_csv: bool = True) -> dict:
    """The export's rows, unformatted, through the driver alone: into csv.writer, or just fetched."""
    from sqlalchemy.engine import make_url

    from core.platform.db import connect
    from core.reporting import export_queries

    db = connect(url)
    compiled = export_queries.ad_requests_query(None, {}, raw=True).compile(dialect=db.engine.dialect)
    sql, params = str(compiled), compiled.params
    db.dispose()
    parsed = make_url(url)
    target = Path(out_dir) / "raw-export.csv"
    baseline = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(export_queries.AD_REQUEST_HEADER)
        if parsed.get_backend_name() == "sqlite":
            import sqlite3

            lite = sqlite3.connect(str(parsed.database))
            cursor = lite.execute(sql, [params[k] for k in compiled.positiontup] if compiled.positiontup else ())
            while batch := cursor.fetchmany(5000):
                if write_csv:
                    writer.writerows(batch)
                rows += len(batch)
            lite.close()
        else:
            import psycopg

            with psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
                with conn.cursor(name="raw_export") as server:  # server-side cursor: streamed
                    server.itersize = 5000
                    server.execute(sql, params)
                    while batch := server.fetchmany(5000):
                        if write_csv:
                            writer.writerows(batch)
                        rows += len(batch)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    size = target.stat().st_size
    target.unlink()
    return _measured(seconds, cpu, rows, size, baseline)


def _cells(url: str, out_dir: str) -> dict:
    """The formatted cells through csv.writer on one connection: SQLite's export path before CSV rows in SQL."""
    return _one_connection(url, out_dir, "cells", lines=False)


def _joined(url: str, out_dir: str) -> dict:
    """SQLite: the joined line query (the export's path before export_lookup) on one connection, no job."""
    return _one_connection(url, out_dir, "joined", lines=True)


def _one_connection(url: str, out_dir: str, name: str, *, lines: bool) -> dict:
    """The whole-table ad request query written on one connection with no job: CSV lines built in SQL (lines), or
    the formatted cells through csv.writer."""
    from core.platform.db import connect
    from core.reporting import export_queries, export_stream

    db = connect(url)
    target = Path(out_dir) / f"{name}-export.csv"
    write = export_stream.write_csv if lines else export_stream.cursor_csv
    baseline = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with open(target, "wb") as handle, db.ReadSession.begin() as session:
        stmt = export_queries.ad_requests_query(None, {}, lines=lines)
        rows = write(session.connection(), stmt, export_queries.AD_REQUEST_HEADER, handle, lambda rows: None)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    size = target.stat().st_size
    target.unlink()
    db.dispose()
    return _measured(seconds, cpu, rows, size, baseline)


def _lookup_bare(url: str, out_dir: str) -> dict:
    """SQLite: the bare fetch of the name-lookup plan (core/reporting/export_lookup.py): the campaigns' and
    profiles' unformatted names, then every request's unformatted columns by a scan, fetched and dropped."""
    import sqlite3

    from sqlalchemy.engine import make_url

    from core.platform.db import connect
    from core.reporting import export_queries as q

    db = connect(url)
    statements = [
        stmt.compile(dialect=db.engine.dialect)
        for stmt in (
            q.campaign_names_query(raw=True),
            q.influencer_names_query(raw=True),
            q.ad_request_rows_query({}, raw=True),
        )
    ]
    db.dispose()
    baseline = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(str(make_url(url).database), isolation_level=None)
    conn.execute("BEGIN")  # one snapshot, as the export reads it
    rows = 0
    for compiled in statements:
        cursor = conn.execute(str(compiled), [compiled.params[k] for k in compiled.positiontup or ()])
        while batch := cursor.fetchmany(5000):
            rows += len(batch)
    conn.rollback()
    conn.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return _measured(seconds, cpu, rows, 0, baseline)


def _copy(url: str, out_dir: str) -> dict:
    """PostgreSQL: COPY of the unformatted rows to a file, the engine's own floor for the COPY path."""
    import psycopg
    from sqlalchemy.engine import make_url

    from core.platform.db import connect
    from core.reporting import export_queries

    db = connect(url)
    compiled = export_queries.ad_requests_query(None, {}, raw=True).compile(dialect=db.engine.dialect)
    db.dispose()
    target = Path(out_dir) / "copy-export.csv"
    baseline = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, open(target, "wb") as handle:
        query = psycopg.ClientCursor(conn).mogrify(str(compiled), compiled.params)
        with conn.cursor() as cursor:
            with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    handle.write(chunk)
            rows = cursor.rowcount  # the server's own count ("COPY n"), not the chunks psycopg yielded
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    size = target.stat().st_size
    target.unlink()
    return _measured(seconds, cpu, rows, size, baseline)


def run_once(mode: str, url: str, out_dir: Path, env: dict | None = None) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.export", mode, url, str(out_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"export {mode} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(url: str, out_dir: Path, reps: int, modes: list[str] | None = None) -> dict:
    """Every mode REPS times, interleaved (a busy machine slows them alike); prints runs and medians.

    core1 / core2 are the export job with IESCP_EXPORT_STREAMS=1 / 2; core uses the engine's default.
    """
    modes = modes or ["core", "core1", "bare", "raw"] + (["copy"] if url.startswith("postgresql") else [])
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    for _ in range(reps):
        for mode in modes:
            if mode in ("core1", "core2"):
                result = run_once("core", url, out_dir, env={"IESCP_EXPORT_STREAMS": mode[-1]})
            else:
                result = run_once(mode, url, out_dir)
            result["load_average"] = os.getloadavg()[0]
            runs[mode].append(result)
            children = (
                f" (+ children {result['children_cpu_seconds']:.2f} s cpu, {result['children_peak_rss_mb']:.0f} MB)"
                if result.get("children_cpu_seconds") else ""
            )  # fmt: skip
            print(
                f"{mode:5} {result['seconds']:6.2f} s wall {result['cpu_seconds']:6.2f} s cpu "
                f"{result['peak_rss_mb']:5.0f} MB peak{children} {result['rows']:,} rows {result['bytes']:,} bytes "
                f"load {result['load_average']:.1f}",
                flush=True,
            )
    keys = ("seconds", "cpu_seconds", "peak_rss_mb", "load_average")
    medians = {mode: {key: statistics.median(r[key] for r in done) for key in keys} for mode, done in runs.items()}
    floors = [floor for floor in ("bare", "lbare", "copy") if floor in medians]
    for mode, m in medians.items():
        ratios = " ".join(f"{m['seconds'] / medians[floor]['seconds']:.2f}x {floor}" for floor in floors)
        print(f"median {mode:5} {m['seconds']:6.2f} s wall ({ratios}) {m['cpu_seconds']:6.2f} s cpu "
              f"{m['peak_rss_mb']:5.0f} MB, load {m['load_average']:.1f}")  # fmt: skip
    return {"runs": runs, "medians": medians}


MODES = {
    "core": _core,
    "cells": _cells,
    "raw": _raw,
    "bare": lambda url, out: _raw(url, out, write_csv=False),
    "copy": _copy,
    "lbare": _lookup_bare,
    "joined": _joined,
}

if __name__ == "__main__":
    mode, url, out = sys.argv[1:4]
    if mode == "compare":
        reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
        compare(url, Path(out), reps, sys.argv[5].split(",") if len(sys.argv) > 5 else None)
    else:
        print(json.dumps(MODES[mode](url, out)))
