"""Find-similar at scale: build the neighbours index over N bulk influencers, then time answering similar_to.

    .venv/bin/python -m bench.similar_bench --influencers 100000 [--url URL] [--answers 300]

Uses a fresh SQLite file under bench/data/ unless --url is given (the database must be empty: the bulk
generator appends). Prints a JSON summary; the numbers go into bench/RESULTS.md by hand ("Find similar").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

from sqlalchemy import func, select

from bench.datasets import DATA
from core.crm import similar
from core.demo.seed_bulk import seed_bulk
from core.marketplace import accounts
from core.models import InfluencerProfile, OrgMember, SimilarInfluencer
from core.platform import bootstrap
from core.platform.db import connect


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--influencers", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=300, help="similar_to calls to time")
    parser.add_argument("--url", help="an empty database (default: a fresh SQLite file in bench/data/)")
    args = parser.parse_args(argv)
    url = args.url
    if url is None:
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"similar-{args.influencers}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{path}{suffix}"):
                os.remove(f"{path}{suffix}")
        url = f"sqlite:///{path}"
    db = connect(url)
    bootstrap.init_database(db, admin_password="Bench-admin-1")
    started = time.perf_counter()
    seed_bulk(db, influencers=args.influencers, campaigns=50, requests=0, sponsors=2, log=print)
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    with db.Session.begin() as session:
        built = similar.build_index(session)
    build_s = time.perf_counter() - started  # the build itself and the commit of the neighbours

    with db.ReadSession.begin() as session:
        listed = list(session.scalars(select(InfluencerProfile.user_id).where(InfluencerProfile.listed.is_(True))))
        stored = session.scalar(select(func.count()).select_from(SimilarInfluencer))
        sponsor_id = session.scalar(select(OrgMember.user_id).limit(1))
    with db.Session.begin() as session:
        actor = accounts.load_actor(session, sponsor_id)
    picks = random.Random(7).sample(listed, min(args.answers, len(listed)))
    timings, sizes = [], []
    for influencer_id in picks:  # one read transaction per answer, as a page does
        t0 = time.perf_counter()
        with db.ReadSession.begin() as session:
            results = similar.similar_to(session, actor=actor, influencer_id=influencer_id)
        timings.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(results))
    summary = {
        "backend": db.engine.dialect.name,
        "influencers": args.influencers,
        "listed": len(listed),
        "bulk_load_s": round(load_s, 1),
        "build": built.as_dict(),
        "build_with_commit_s": round(build_s, 1),
        "neighbours_stored": stored,
        "answer_ms_median": round(statistics.median(timings), 2),
        "answer_ms_p95": round(_percentile(timings, 0.95), 2),
        "answer_ms_max": round(max(timings), 2),
        "results_median": statistics.median(sizes),
    }
    print(json.dumps(summary, indent=2))
    db.dispose()
    return summary


if __name__ == "__main__":
    main()
