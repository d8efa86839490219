"""Admin statistics under steady writes, with and without the floor (core/platform/cache.py MIN_AGE_SECONDS).

    .venv/bin/python -m bench.stats_floor [--url URL] [--seconds 60] [--write-every 0.5]

A writer thread bumps the statistics' scope every --write-every seconds (what a send, accept or flag does to them);
an admin reads the statistics through the shared cache (Redis) in a loop with 0.2 s between reads. Each mode runs
for --seconds on its own fresh cache namespace: "generations only" (floor 0, the behaviour before) and "floor"
(the shipped MIN_AGE_SECONDS). Reports how often the statistics were computed and the read times.
"""

from __future__ import annotations

import argparse
import statistics as pystats
import threading
import time
import uuid

from sqlalchemy import select

from core.marketplace import accounts, cached_reads, stats
from core.models import User
from core.platform import cache, cachegen
from core.platform.db import connect


def _measure(db, admin, min_age: float, redis_url: str, seconds: float, write_every: float) -> dict:
    cache.use(cache.build(redis_url, namespace=f"floorbench-{uuid.uuid4().hex[:8]}", min_ages={"stats": min_age}))
    computed = [0]
    original = stats.admin_statistics

    def counting(*args, **kwargs):
        computed[0] += 1
        return original(*args, **kwargs)

    stats.admin_statistics = counting
    stop = threading.Event()

    def writer() -> None:
        while not stop.wait(write_every):
            with db.Session.begin() as s:
                cachegen.bump(s, cachegen.STATS)

    thread = threading.Thread(target=writer, daemon=True)
    reads: list[float] = []
    try:
        cached_reads.admin_statistics(db, actor=admin)  # warm: the first computation is not the steady state
        computed[0] = 0
        thread.start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            cached_reads.admin_statistics(db, actor=admin)
            reads.append(time.perf_counter() - started)
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join()
        stats.admin_statistics = original
        cache.use(None)
    ordered = sorted(reads)
    return {
        "floor_s": min_age,
        "reads": len(reads),
        "computations": computed[0],
        "read_p50_ms": round(1000 * pystats.median(ordered), 1),
        "read_p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1),
        "read_mean_ms": round(1000 * pystats.mean(ordered), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/iescp_bench_100k")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--write-every", type=float, default=0.5)
    args = parser.parse_args(argv)
    db = connect(args.url)
    with db.ReadSession.begin() as s:
        admin = accounts.load_actor(s, s.scalar(select(User.id).where(User.role == "admin").order_by(User.id)))
    for min_age in (0.0, cache.MIN_AGE_SECONDS["stats"]):
        print(_measure(db, admin, min_age, args.redis_url, args.seconds, args.write_every), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
