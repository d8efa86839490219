"""CSV export of every ad request with names: core/reporting/exports.py's job vs a raw streamed select -> csv.writer.

Each run is a fresh subprocess, so its peak RSS (ru_maxrss) is the export's own and not the
bench's. Run as `python -m bench.export core|raw URL OUT_DIR`; prints one JSON line.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
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
        # A bench run killed half-way leaves its job 'running'; do not let it count against the limit.
        s.execute(
            update(ExportJob)
            .where(ExportJob.owner_id == admin.id, ExportJob.status.in_(("queued", "running")))
            .values(status="failed", error="abandoned bench run")
        )
        job_id = exports.start_export(s, actor=admin, kind="ad_requests", filters={})
    baseline = _rss_mb()
    started = time.perf_counter()
    status = exports.run_export(db, job_id)
    seconds = time.perf_counter() - started
    with db.ReadSession.begin() as s:
        job = s.get(ExportJob, job_id)
        rows, size, name, error = job.row_count, job.size_bytes, job.file_name, job.error
    if name:
        (Path(out_dir) / "exports" / name).unlink(missing_ok=True)
    db.dispose()
    return {
        "status": status,
        "error": error,
        "seconds": seconds,
        "rows": rows,
        "bytes": size,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _rss_mb(),
    }


def _raw(url: str, out_dir: str) -> dict:
    from sqlalchemy.engine import make_url

    from core.platform.db import connect
    from core.reporting import exports

    db = connect(url)
    statement = exports._ad_requests_query(None, {})
    compiled = statement.compile(dialect=db.engine.dialect)
    sql, params = str(compiled), compiled.params
    db.dispose()
    parsed = make_url(url)
    target = Path(out_dir) / "raw-export.csv"
    baseline = _rss_mb()
    started = time.perf_counter()
    rows = 0
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(exports.AD_REQUEST_HEADER)
        if parsed.get_backend_name() == "sqlite":
            import sqlite3

            conn = sqlite3.connect(parsed.database)
            cursor = conn.execute(sql, [params[k] for k in compiled.positiontup] if compiled.positiontup else ())
            while batch := cursor.fetchmany(5000):
                writer.writerows(batch)
                rows += len(batch)
            conn.close()
        else:
            import psycopg

            with psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
                with conn.cursor(name="raw_export") as cursor:  # server-side cursor: streamed
                    cursor.itersize = 5000
                    cursor.execute(sql, params)
                    while batch := cursor.fetchmany(5000):
                        writer.writerows(batch)
                        rows += len(batch)
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    target.unlink()
    return {
        "status": "done",
        "seconds": seconds,
        "rows": rows,
        "bytes": size,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _rss_mb(),
    }


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


if __name__ == "__main__":
    mode, url, out = sys.argv[1:4]
    print(json.dumps(_core(url, out) if mode == "core" else _raw(url, out)))
