"""The Pipeline page's script time as the busiest sponsor's board grows, each size on a scratch copy of the data set.

The page benchmark measures the board as bench/ui_data.py leaves it (150 cards); a brand working with thousands of
creators has more. This runs the same AppTest measurement (bench/pages.py) on boards of several sizes:

    .venv/bin/python -m bench.big_board --backend postgres --cards 150,1500
"""

from __future__ import annotations

import argparse
import json
import os

from bench import datasets, ui_data
from bench.pages import bench_pages
from bench.scenarios import Context
from core.platform.db import connect

PAGE = ("pages/sponsor/pipeline.py", "busy_sponsor", "page")


def measure(backend: str, url: str, cards: int, *, redis_url: str | None, log=print) -> dict:
    """The pipeline page's figures with the busiest sponsor's board filled to `cards` cards (on a scratch copy)."""
    with datasets.scratch_copy(backend, url, log=log) as scratch_url:
        db = connect(scratch_url)
        try:
            ctx = Context.load(db)
            added = ui_data.add_cards(ctx, wanted=cards)
            log(f"  board of {cards:,} cards ({added:,} added)")
            page = bench_pages(
                ctx,
                scratch_url,
                redis_url=redis_url,
                min_reps=20,
                max_reps=60,
                budget_s=6.0,
                log=log,
                pages=[PAGE],
            )
        finally:
            db.dispose()
    return {"cards": cards, **page[PAGE[0]], "empty_page_ms": page["(empty page: AppTest + Streamlit overhead)"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="postgres", choices=("sqlite", "postgres"))
    parser.add_argument("--scale", default="100k")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cards", default="150,1500", help="comma-separated board sizes")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args(argv)
    url = datasets.url_for(args.backend, datasets.SCALES[args.scale], args.seed, args.pg_url)
    redis_url = args.redis_url if args.backend == "postgres" else None
    os.environ.setdefault("IESCP_ADMIN_PASSWORD", "Bench-admin-1")
    out = [measure(args.backend, url, int(n), redis_url=redis_url) for n in args.cards.split(",")]
    print(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
