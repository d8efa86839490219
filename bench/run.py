"""IESCP benchmark suite: one command from data generation to bench/RESULTS.md.

    .venv/bin/python -m bench.run --scales 10k,100k --backends sqlite,postgres

For each backend and scale it builds (or reuses, see bench/datasets.py) a generated data set and
measures, with medians and p95 over interleaved repetitions:

- every search/inbox/dashboard/statistics read through the core, beside its floor (the very SQL
  the core sent, replayed with sqlite3/psycopg directly) and its cached version (core/marketplace/cached_reads.py:
  in-process cache on SQLite, Redis on PostgreSQL);
- admin statistics live, cached (hit) and cold through the cache (miss + store);
- one-row writes (send, accept) through the services beside hand-written raw SQL;
- the CSV export of every ad request (core/reporting/exports.py vs a raw streamed select -> csv.writer), time
  and peak RSS, each in a fresh subprocess;
- the server-side script time of the main pages with streamlit.testing.v1.AppTest.

Results go to bench/results.json (raw) and bench/RESULTS.md (tables + bench/analysis.md).
The machine is shared: medians, p95 and especially core/floor ratios matter more than absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS_JSON = BENCH / "results.json"


def _environment() -> dict:
    import sqlalchemy

    info = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        info["git_head"] = rev.stdout.strip()
    except OSError:  # pragma: no cover
        pass
    return info


def _reads(ctx, url: str, args, log) -> dict:
    """Core vs raw-SQL floor vs cached, for every read scenario."""
    from bench import scenarios
    from bench.measure import RawConnection, captured_selects, interleaved
    from core.deals import cached as deals_cached
    from core.marketplace import cached_reads
    from core.platform import cache

    raw = RawConnection(url)
    cached = _cached_reads(ctx, cached_reads)
    results = {}
    for name, fn in scenarios.core_reads(ctx).items():
        if args.reads_matching and not any(part in name for part in args.reads_matching):
            continue
        with captured_selects(ctx.db.engine) as statements:
            fn()
        statements = list(statements)
        fns = {"core": fn, "floor": lambda st=statements: raw.replay(st)}
        if name in cached:
            cached[name]()  # fill the entry; the timed calls are hits
            fns["cached"] = cached[name]
        heavy = name.startswith("admin statistics") or name == "filter facets"
        stats = interleaved(
            fns,
            min_reps=7 if heavy else args.min_reps,
            max_reps=args.max_reps,
            budget_s=args.budget * (2 if heavy else 1),
        )
        results[name] = {k: v.as_dict() for k, v in stats.items()}
        results[name]["queries"] = len(statements)
        ratio = stats["core"].median_ms / max(stats["floor"].median_ms, 1e-6)
        log(
            f"    {name}: core {stats['core'].median_ms:.2f} ms, floor {stats['floor'].median_ms:.2f} ms "
            f"(x{ratio:.1f})" + (f", cached {stats['cached'].median_ms:.2f} ms" if "cached" in stats else "")
        )

    # Admin statistics through the cache when it must recompute (the first view after a write).
    def cold():
        cache.get_cache().invalidate()
        cached_reads.admin_statistics(ctx.db, actor=ctx.admin)

    if "admin statistics (live)" in results:
        stats = interleaved({"cold": cold}, min_reps=5, max_reps=args.max_reps, budget_s=args.budget * 2, warmup=1)
        results["admin statistics (live)"]["cold_cached"] = stats["cold"].as_dict()

    # The admin finance overview through the cache when it must recompute (after any document write).
    def cold_finance():
        cache.get_cache().invalidate()
        deals_cached.finance_overview(ctx.db, actor=ctx.admin)

    if "admin finance overview (live)" in results:
        stats = interleaved(
            {"cold": cold_finance}, min_reps=5, max_reps=args.max_reps, budget_s=args.budget * 2, warmup=1
        )
        results["admin finance overview (live)"]["cold_cached"] = stats["cold"].as_dict()
    raw.close()
    return results


def _cached_reads(ctx, cached_reads) -> dict:
    from bench import scenarios
    from core.deals import cached as deals_cached
    from core.deals import documents

    out = {}
    for name, kwargs in scenarios.search_influencer_kwargs(ctx).items():
        out[name] = (lambda kw: lambda: cached_reads.search_influencers(ctx.db, **kw))(kwargs)
    for name, kwargs in scenarios.search_campaign_kwargs(ctx).items():
        out[name] = (lambda kw: lambda: cached_reads.search_campaigns(ctx.db, **kw))(kwargs)
    out["sponsor dashboard (busiest sponsor)"] = lambda: cached_reads.sponsor_dashboard(ctx.db, actor=ctx.busy_sponsor)
    out["sponsor dashboard (typical sponsor)"] = lambda: cached_reads.sponsor_dashboard(ctx.db, actor=ctx.sponsor)
    out["admin statistics (live)"] = lambda: cached_reads.admin_statistics(ctx.db, actor=ctx.admin)
    out["filter facets"] = lambda: (
        cached_reads.influencer_facets(ctx.db, actor=ctx.sponsor),
        cached_reads.campaign_facets(ctx.db, actor=ctx.influencer),
    )
    # Money views as pages/admin/finance.py and pages/sponsor/finance.py read them: the overview and the budget
    # burn through core/deals/cached.py, the sponsor's list of documents to approve live (it is not cached).
    out["admin finance overview (live)"] = lambda: deals_cached.finance_overview(ctx.db, actor=ctx.admin)
    out["sponsor finance dashboard (busiest sponsor)"] = lambda: (
        deals_cached.budget_burn(ctx.db, actor=ctx.busy_sponsor),
        ctx.read(
            lambda s: documents.list_documents(
                s, actor=ctx.busy_sponsor, kinds=("invoice", "form"), statuses=("pending",)
            )
        ),
    )
    return out


def _export(url: str, backend: str, args, log) -> dict:
    from bench.export import run_once

    runs = {"core": [], "floor": []}
    out_dir = BENCH / "data" / "runtime" / f"export-{backend}"
    for _ in range(args.export_reps):
        runs["core"].append(run_once("core", url, out_dir))
        runs["floor"].append(run_once("raw", url, out_dir))
        log(
            f"    export: core {runs['core'][-1]['seconds']:.1f} s / {runs['core'][-1]['peak_rss_mb']:.0f} MB, "
            f"raw {runs['floor'][-1]['seconds']:.1f} s / {runs['floor'][-1]['peak_rss_mb']:.0f} MB, "
            f"{runs['core'][-1]['rows']:,} rows"
        )
    return runs


def run_one(backend: str, scale_name: str, args, log, previous: dict | None = None) -> dict:
    from bench import datasets, scenarios
    from bench.measure import load_average
    from core.platform import cache
    from core.platform.config import reset_settings
    from core.platform.db import connect

    scale = datasets.SCALES[scale_name]
    url, record = datasets.ensure(
        backend, scale, seed=args.seed, pg_server_url=args.pg_url, rebuild=args.rebuild, log=log
    )
    redis_url = args.redis_url if backend == "postgres" else None
    os.environ.pop("IESCP_REDIS_URL", None)
    if redis_url:
        os.environ["IESCP_REDIS_URL"] = redis_url
    os.environ["IESCP_DATABASE_URL"] = url
    reset_settings()
    cache.use(cache.build(redis_url))
    db = connect(url)
    ctx = scenarios.Context.load(db)
    run = {
        "backend": backend,
        "scale": scale_name,
        "cache": "redis" if redis_url else "in-process",
        "counts": {"influencers": scale.influencers, "campaigns": scale.campaigns, "requests": scale.requests},
        "dataset": record,
        "actors": {
            "busy_sponsor": ctx.busy_sponsor.id,
            "busy_influencer": ctx.busy_influencer.id,
            "sponsor": ctx.sponsor.id,
            "influencer": ctx.influencer.id,
        },
        "deep_rank": ctx.deep_rank,
        "load_average": {"start": load_average()},
    }
    previous = previous or {}
    for part in ("reads", "writes", "export", "pages"):  # parts skipped now keep their last measurement
        if part in args.skip and part in previous:
            run[part] = previous[part]
    if "reads" not in args.skip:
        log(f"[{backend}:{scale_name}] reads")
        run["reads"] = _reads(ctx, url, args, log)
        if args.reads_matching and "reads" in previous:  # a partial run replaces only the reads it measured
            run["reads"] = {**previous["reads"], **run["reads"]}
    run["load_average"]["after_reads"] = load_average()
    if "writes" not in args.skip:
        from bench.writes import bench_writes_on_copy

        log(f"[{backend}:{scale_name}] writes (on a scratch copy: the kept set stays as generated)")
        db.dispose()  # PostgreSQL copies a database only while nobody is connected to it
        run["writes"] = bench_writes_on_copy(
            backend, url, min_reps=args.min_reps, max_reps=min(args.max_reps, 150), budget_s=args.budget, log=log
        )
        for name, v in run["writes"].items():
            log(f"    {name}: service {v['core']['median_ms']:.2f} ms, raw {v['floor']['median_ms']:.2f} ms")
    if "export" not in args.skip and not (scale_name == "1m" and "export-1m" not in args.include):
        log(f"[{backend}:{scale_name}] export")
        run["export"] = _export(url, backend, args, log)
    if "pages" not in args.skip:
        from bench.pages import bench_pages

        log(f"[{backend}:{scale_name}] pages")
        run["pages"] = bench_pages(
            ctx,
            url,
            redis_url=redis_url,
            min_reps=max(5, args.min_reps // 2),
            max_reps=60,
            budget_s=args.budget,
            log=log,
        )
    run["load_average"]["end"] = load_average()
    run["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    db.dispose()
    cache.use(None)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark IESCP at scale (see bench/README.md).")
    parser.add_argument("--scales", default="10k,100k", help="comma-separated: 10k, 100k, 1m")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("IESCP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="any database on the PostgreSQL server; bench databases are created beside it",
    )
    parser.add_argument("--redis-url", default=os.environ.get("IESCP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the data sets even if kept ones match")
    parser.add_argument("--min-reps", type=int, default=15)
    parser.add_argument("--max-reps", type=int, default=300)
    parser.add_argument("--budget", type=float, default=1.5, help="seconds of repetitions per measurement")
    parser.add_argument("--export-reps", type=int, default=3)
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to skip: reads, writes, export, pages (with --merge a skipped "
        "part keeps its previous figures)",
    )
    parser.add_argument(
        "--reads-matching",
        default="",
        help="comma-separated name parts: measure only the reads whose name contains one (e.g. finance); "
        "with --merge the other reads keep their previous figures",
    )
    parser.add_argument("--include", default="", help="export-1m: also export 10M rows at the 1m scale")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep other runs already in bench/results.json (replace same backend+scale)",
    )
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args(argv)
    args.skip = {s for s in args.skip.split(",") if s}
    args.include = {s for s in args.include.split(",") if s}
    args.reads_matching = [s for s in args.reads_matching.split(",") if s]

    sys.path.insert(0, str(ROOT))
    runtime = BENCH / "data" / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    for key in [k for k in os.environ if k.startswith("IESCP_") and not k.startswith("IESCP_BENCH_")]:
        del os.environ[key]
    os.environ["IESCP_DATA_DIR"] = str(runtime)
    os.environ["IESCP_ADMIN_PASSWORD"] = "Bench-admin-1"

    def log(message: str) -> None:
        print(message, flush=True)

    results = {"environment": _environment(), "runs": []}
    if args.merge and RESULTS_JSON.exists():
        results["runs"] = json.loads(RESULTS_JSON.read_text()).get("runs", [])
    for backend in [b for b in args.backends.split(",") if b]:
        for scale in [s for s in args.scales.split(",") if s]:
            previous = next((r for r in results["runs"] if (r["backend"], r["scale"]) == (backend, scale)), None)
            run = run_one(backend, scale, args, log, previous)
            results["runs"] = [r for r in results["runs"] if (r["backend"], r["scale"]) != (backend, scale)] + [run]
            results["environment"]["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
            RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))
    if not args.no_report:
        from bench import report

        report.write(results)
        log(f"wrote {RESULTS_JSON.relative_to(ROOT)} and bench/RESULTS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
