"""Creator import of a generated 200,000-row CSV through core/crm/imports.py's job (target ≤ 60 s).

Run: python -m bench.import_bench [--rows 200000] [--url URL]   (default: a fresh SQLite file in a temp folder).
Imports the file twice: a first import (every row created) and a re-import (every row updated), and prints
one JSON line per run with wall time, rows/s and the run log's counts. A few rows are deliberately bad.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

PLATFORMS = ("instagram", "youtube", "tiktok", "x", "twitch")
CATEGORIES = ("Fitness", "Food", "Tech", "Travel", "Beauty", "Fashion", "Gaming", "Finance")


def generate_csv(rows: int, seed: int = 7) -> bytes:
    """rows creator profiles like a scraping tool exports them; every 1,000th row is bad."""
    rng = random.Random(seed)
    lines = ["platform,handle,platform_id,name,profile_url,followers,engagement_rate,bio,email,category,niche,country"]
    for i in range(rows):
        platform = PLATFORMS[i % len(PLATFORMS)]
        handle = f"creator_{i}"
        followers = f"{rng.randint(1, 9999) / 10:.1f}K" if i % 3 else str(rng.randint(1_000, 5_000_000))
        bad = i % 1000 == 999
        lines.append(
            ",".join(
                (
                    platform,
                    handle,
                    str(10_000_000 + i),
                    "=cmd()" if bad else f"Creator {i}",
                    f"https://example.com/{platform}/{handle}",
                    followers,
                    f"{rng.uniform(0.5, 9):.2f}%",
                    f"Posts about {CATEGORIES[i % len(CATEGORIES)].lower()} and daily life",
                    f"{handle}@mail.example",
                    CATEGORIES[i % len(CATEGORIES)],
                    "general",
                    "Germany",
                )
            )
        )
    return ("\n".join(lines) + "\n").encode()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="iescp-import-bench-"))
    os.environ["IESCP_DATA_DIR"] = str(folder)
    os.environ.setdefault("IESCP_BCRYPT_ROUNDS", "4")
    os.environ.setdefault("IESCP_ADMIN_PASSWORD", "Admin-pass-1")
    from core.crm import imports
    from core.platform import bootstrap
    from core.platform.db import connect
    from tests import factories as f

    db = connect(args.url or f"sqlite:///{folder / 'bench.sqlite3'}")
    bootstrap.init_database(db)
    owner = f.sponsor(db, name="Bench Org")
    started = time.perf_counter()
    data = generate_csv(args.rows)
    generated = time.perf_counter() - started
    for label in ("first import", "re-import"):
        clock, cpu = time.perf_counter(), time.process_time()
        load_before = os.getloadavg()[0]
        with db.Session.begin() as s:
            run_pk = imports.start_import(s, actor=owner, file_name="bench.csv", data=data)
        upload = time.perf_counter() - clock
        status = imports.run_import(db, run_pk)
        wall, cpu_used = time.perf_counter() - clock, time.process_time() - cpu
        with db.ReadSession.begin() as s:
            run = imports.get_run(s, actor=owner, run_pk=run_pk)
        print(
            json.dumps(
                {
                    "run": label,
                    "rows": args.rows,
                    "bytes": len(data),
                    "status": status,
                    "wall_s": round(wall, 2),
                    "upload_check_s": round(upload, 2),
                    "cpu_s": round(cpu_used, 2),  # this process's CPU: steadier than wall on a shared machine
                    "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                    "rows_per_s": round(args.rows / wall),
                    "created": run["rows_created"],
                    "updated": run["rows_updated"],
                    "rejected": run["rows_rejected"],
                    "generate_s": round(generated, 2),
                    "backend": db.engine.dialect.name,
                }
            )
        )
    db.dispose()


if __name__ == "__main__":
    main()
