"""Concurrent load on real IESCP servers over Streamlit's own protocol, and a bounded memory soak.

    .venv/bin/python -m bench.load sweep --target replicas-1|replicas-3|single [--ks 1,2,4,8,16,32]
    .venv/bin/python -m bench.load soak [--minutes 30]
    .venv/bin/python -m bench.load browser-check

sweep: for each K, K simulated users per role (bench/load_roles.py says what each loop does) run for --warmup
seconds, then --duration seconds are measured: interactions/s, p50/p95 latency, errors and refusals, CPU (cores)
and RSS per process. The sweep stops after the first K whose p95 passes --p95-limit or whose errors pass 2 % (but runs at least
--at-least Ks, so a busy machine still shows the trend).
Targets, all on the 100k PostgreSQL data set: replicas-1 / replicas-3 = deploy.cluster (HAProxy, production
settings, one huey consumer) reached through the proxy; single = one `streamlit run server.py` and one
huey_consumer started as `make run` starts them (development settings), reached directly.
Everything started is stopped at the end, whatever happens (Ctrl+C and SIGTERM too: bench/load_stop.py). Results merge into bench/load-results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.load_stop import exit_status, started

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "load-results.json"
SOAK_RESULTS = ROOT / "bench" / "soak-results.json"
DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/iescp_bench_100k"
STATE = Path(tempfile.gettempdir()) / "iescp-load"
ROLES = ("sponsor", "influencer", "admin")
NOT_INTERACTIONS = {"load", "connect"}  # page loads and reconnects are recorded but not counted as interactions


# ---- pure parts: percentiles, summaries, the stop rule ----------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) with linear interpolation between the closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 1)


def summarize(records: list, start: float, end: float) -> dict:
    """Counts, rate and latency of the interactions that started in [start, end); overall, per role and per step.

    Latency percentiles are over answered interactions (done or refused by the app); errors are counted apart.
    """
    inside = [r for r in records if start <= r.started < end]

    def block(rows: list) -> dict:
        interactions = [r for r in rows if r.step not in NOT_INTERACTIONS and r.outcome != "skipped"]
        answered = [r.seconds for r in interactions if r.outcome in ("ok", "refused")]
        return {
            "interactions": len(interactions),
            "per_s": round(len(interactions) / (end - start), 2) if end > start else None,
            "p50_ms": _ms(percentile(answered, 0.5)),
            "p95_ms": _ms(percentile(answered, 0.95)),
            "max_ms": _ms(max(answered, default=None)),
            "errors": sum(r.outcome == "error" for r in rows),
            "refused": sum(r.outcome == "refused" for r in interactions),
            "skipped": sum(r.outcome == "skipped" for r in rows),
            "page_loads": sum(r.step == "load" for r in rows),
            "why_refused": dict(Counter(r.detail[:90] for r in interactions if r.outcome == "refused").most_common(3)),
            "why_errors": dict(Counter(r.detail[:90] for r in rows if r.outcome == "error").most_common(3)),
        }

    out = block(inside)
    out["by_role"] = {role: block([r for r in inside if r.role == role]) for role in sorted({r.role for r in inside})}
    out["by_step"] = {step: block([r for r in inside if r.step == step]) for step in sorted({r.step for r in inside})}
    return out


def passes_limit(row: dict, p95_limit_ms: float, max_error_share: float) -> bool:
    """True when this K is past what the deployment holds: p95 over the limit, or too many errors."""
    p95 = row.get("p95_ms")
    if p95 is not None and p95 > p95_limit_ms:
        return True
    return row.get("errors", 0) > max_error_share * max(1, row.get("interactions", 0))


def first_k_over(rows: list[dict], p95_limit_ms: float) -> int | None:
    """The smallest K whose p95 passed the limit (None when none did)."""
    over = [row["k"] for row in rows if row.get("p95_ms") is not None and row["p95_ms"] > p95_limit_ms]
    return min(over, default=None)


def slope_per_hour(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) samples, per hour; None with fewer than two distinct times."""
    if len({t for t, _ in samples}) < 2:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    covariance = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    variance = sum((t - mean_t) ** 2 for t, _ in samples)
    return 3600 * covariance / variance


def memory_trend(series: dict[str, list[tuple[float, float]]], settle_s: float) -> dict[str, dict]:
    """Per process: RSS at start, end, max, and its slope (MB/h) over the whole run and after settle_s."""
    out = {}
    for name, samples in series.items():
        if not samples:
            continue
        values = [v for _, v in samples]
        settled = [(t, v) for t, v in samples if t >= settle_s]
        whole, late = slope_per_hour(samples), slope_per_hour(settled)
        out[name] = {
            "start_mb": round(values[0], 1),
            "end_mb": round(values[-1], 1),
            "max_mb": round(max(values), 1),
            "slope_mb_per_h": None if whole is None else round(whole, 1),
            "slope_after_settle_mb_per_h": None if late is None else round(late, 1),
            "samples": len(values),
        }
    return out


def merge_results(existing: dict, key: str, value: dict) -> dict:
    """existing with value under runs[key] (other targets' runs kept)."""
    merged = dict(existing)
    merged["runs"] = {**existing.get("runs", {}), key: value}
    return merged


# ---- the servers under load ------------------------------------------------------------------------------------


class Target:
    """Servers started for one run; base_url is where users connect; stop() ends exactly what start() started."""

    def __init__(self, name: str, replicas: int, ports: tuple[int, int, int], redis_url: str):
        self.name, self.replicas, self.ports, self.redis_url = name, replicas, ports, redis_url
        self.state_dir = STATE / name
        self.base_url = ""
        self.processes: list = []  # (name, kind, pid)
        self._popen: list[subprocess.Popen] = []
        self.app_launcher = [
            str(BIN / "streamlit")
        ]  # single targets: what runs `run server.py …` (bench.memprobe wraps it)

    def start(self) -> None:
        from deploy import cluster

        self.state_dir.mkdir(parents=True, exist_ok=True)
        proxy_port, first_app_port, stats_port = self.ports
        if self.name.startswith("single"):
            self._start_single(first_app_port)
            return
        plan = cluster.Plan(
            state_dir=self.state_dir, replicas=self.replicas, workers=1, proxy_port=proxy_port,
            first_app_port=first_app_port, stats_port=stats_port, database_url=DATABASE_URL, redis_url=self.redis_url,
        )  # fmt: skip
        started = cluster.start(plan, log=lambda message: print(message, flush=True))
        self.processes = [(p.name, p.kind, p.pid) for p in started]
        self.base_url = plan.proxy_url

    def _start_single(self, port: int) -> None:
        """`make run`'s two processes (streamlit run server.py, huey_consumer --workers 2), development settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
        env.update(IESCP_DATA_DIR=str(self.state_dir / "data"), IESCP_REDIS_URL=self.redis_url, PYTHONUNBUFFERED="1")
        env.pop("IESCP_ENV", None)
        logs = self.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        app = [*self.app_launcher, "run", "server.py", "--server.port", str(port), "--server.address", "127.0.0.1"]
        app += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
        worker = [str(BIN / "huey_consumer"), "tasks.huey", "--workers", "2"]
        for name, kind, command in (("app-1", "app", app), ("worker-1", "worker", worker)):
            with open(logs / f"{name}.log", "ab") as log:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )  # fmt: skip
            self._popen.append(process)
            self.processes.append((name, kind, process.pid))
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self._popen):
                raise RuntimeError(f"a process of {self.name} exited; see {logs}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not become healthy in 120 s")

    def stop(self) -> None:
        from deploy import cluster

        if not self.name.startswith("single"):
            cluster.stop(self.state_dir, log=lambda message: print(message, flush=True))
            return
        for process in self._popen:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self._popen:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def watched(self) -> list:
        """This target's processes, the PostgreSQL backends of the data set and the load generator itself."""
        from bench.load_procs import Watched, postgres_backends

        own = [Watched(name, kind, pid) for name, kind, pid in self.processes]
        database = DATABASE_URL.rsplit("/", 1)[1]
        return [*own, *postgres_backends(database), Watched("loadgen", "loadgen", os.getpid())]


def prepare_environment(*, hold_reports: bool = False) -> None:
    """One cookie key for the servers and the cookies minted here; the data set's database for every process."""
    if hold_reports:
        # The month's report fan-out (one PDF per sponsor, ~1,900 on this set, about a minute and a half each here)
        # starts at :20 past any hour after the report day and keeps the worker busy for hours: not interactive load.
        os.environ.setdefault("IESCP_REPORT_DAY", "31")
    os.environ.setdefault("IESCP_COOKIE_KEY", secrets.token_urlsafe(48))
    os.environ["IESCP_DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("IESCP_ADMIN_PASSWORD", secrets.token_urlsafe(12) + "7a")


def make_pools(mix: dict[str, int], influencer_pool: int):
    """Cookies for real accounts: K sponsors, a pool of influencers (they run out of offers), the admin(s)."""
    from bench.load_roles import mint_cookies, pick_accounts

    counts = {role: (max(n, influencer_pool) if role == "influencer" else n) for role, n in mix.items()}
    accounts = pick_accounts(DATABASE_URL, counts)
    cookie_name = os.environ.get("IESCP_COOKIE_NAME", "iescp_auth")
    return mint_cookies(accounts, cookie_name=cookie_name, key=os.environ["IESCP_COOKIE_KEY"])


# ---- driving the users -----------------------------------------------------------------------------------------


async def drive(target: Target, pools, mix: dict[str, int], settings, warmup: float, duration: float, tick=None):
    """Run the users; measure the window after warm-up. tick(elapsed, snapshot, records) is called every 30 s."""
    from bench.load_procs import snapshot, usage
    from bench.load_roles import INTERACTION_TIMEOUT, User

    records: list = []
    users = [
        # Seeded per run: the same choices every run would make each sponsor re-send yesterday's offers (refusals).
        User(role, target.base_url, pools, settings, records, seed=hash((time.time(), role, i)))
        for role, count in mix.items()
        for i in range(count)
    ]
    tasks = []
    for user in users:  # a staggered arrival, as users do not all click at the same millisecond
        tasks.append(asyncio.create_task(user.run()))
        await asyncio.sleep(min(0.1, 2.0 / len(users)))
    try:
        await asyncio.sleep(warmup)
        start = time.monotonic()
        before = snapshot(target.watched())
        load_before = os.getloadavg()
        if tick is None:
            await asyncio.sleep(duration)
        else:
            while (elapsed := time.monotonic() - start) < duration:
                tick(elapsed, snapshot(target.watched()), records)
                await asyncio.sleep(min(30.0, duration - elapsed))
        end = time.monotonic()
        after = snapshot(target.watched())
        load_after = os.getloadavg()
    finally:
        for user in users:
            user.stopping.set()
        done, pending = await asyncio.wait(tasks, timeout=INTERACTION_TIMEOUT + 5)
        for task in pending:
            task.cancel()
    row = summarize(records, start, end)
    row["processes"] = usage(before, after, end - start)
    row["loadavg_before"] = [round(x, 2) for x in load_before]
    row["loadavg_after"] = [round(x, 2) for x in load_after]
    row["users"] = len(users)
    return row, records


def _print_row(row: dict) -> None:
    apps = sum(p["cpu_cores"] for p in row["processes"].values() if p["kind"] == "app")
    print(
        f"K={row['k']:<3} users={row['users']:<3} {row['per_s']:>6} i/s  p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms"
        f"  errors {row['errors']}  refused {row['refused']}  apps {apps:.2f} cores"
        f"  load {row['loadavg_before'][0]}->{row['loadavg_after'][0]}",
        flush=True,
    )


TARGETS = {  # name: (replicas, (proxy port, first app port, stats port))
    "replicas-1": (1, (8700, 8701, 8699)),
    "replicas-3": (3, (8700, 8701, 8699)),
    "single": (1, (0, 8710, 0)),
    "soak": (1, (8720, 8721, 8719)),
}


def sweep(args) -> int:
    """Run K = args.ks in turn against one target; stop at the first K past the limit; merge into the results."""
    from bench.load_roles import Settings

    prepare_environment(hold_reports=True)
    replicas, ports = TARGETS[args.target]
    target = Target(args.target, replicas, ports, args.redis_url)
    ks = [int(k) for k in args.ks.split(",")]
    roles = args.roles.split(",")
    settings = Settings(think=args.think, jitter=args.jitter, sticky=args.target != "single")
    pools = make_pools({role: max(ks) for role in roles}, influencer_pool=args.influencer_pool)
    rows: list[dict] = []
    meta = {
        "target": args.target,
        "replicas": replicas,
        "workers": 1,
        "database": "PostgreSQL iescp_bench_100k (the 100k bench set)",
        "roles": roles,
        "think_s": [args.think - args.jitter, args.think + args.jitter],
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "p95_limit_ms": args.p95_limit,
        "sticky": "GET / through the proxy first, its IESCP_REPLICA cookie sent on the websocket"
        if settings.sticky
        else "direct to the one server",
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "cpus": os.cpu_count(),
        "report_day": os.environ["IESCP_REPORT_DAY"],
    }
    with started(target):
        print(f"{args.target}: {target.base_url}, processes {target.processes}", flush=True)
        for k in ks:
            mix = {role: k for role in roles}
            row, _records = asyncio.run(drive(target, pools, mix, settings, args.warmup, args.duration))
            row = {"k": k, **row}
            rows.append(row)
            _print_row(row)
            _save(args.target, meta, rows, args.p95_limit, args.output)
            if len(rows) >= args.at_least and passes_limit(row, args.p95_limit, args.max_error_share):
                break
    return 0


def _save(key: str, meta: dict, rows: list[dict], p95_limit: float, output: Path) -> None:
    existing = json.loads(output.read_text()) if output.exists() else {}
    by_role = {
        role: first_k_over([{"k": r["k"], "p95_ms": r["by_role"].get(role, {}).get("p95_ms")} for r in rows], p95_limit)
        for role in meta["roles"]
    }
    value = {
        **meta,
        "rows": rows,
        "first_k_over_p95_limit": first_k_over(rows, p95_limit),
        "first_k_over_p95_limit_by_role": by_role,
    }
    output.write_text(json.dumps(merge_results(existing, key, value), indent=1) + "\n")


def soak(args) -> int:
    """One replica, a few users of every role for args.minutes; RSS of every process every 30 s."""
    from bench.load_roles import Settings

    prepare_environment()
    replicas, ports = TARGETS["soak"]
    target = Target("soak", replicas, ports, args.redis_url)
    mix = {"sponsor": args.sponsors, "influencer": args.influencers, "admin": args.admins}
    pools = make_pools(mix, influencer_pool=args.influencer_pool)
    settings = Settings(think=args.think, jitter=args.jitter, send_every=args.send_every)
    series: dict[str, list[tuple[float, float]]] = {}
    windows: list[dict] = []
    last = {"t": 0.0}

    def tick(elapsed: float, snap: dict, records: list) -> None:
        postgres = sum(p["rss"] for p in snap.values() if p["kind"] == "postgres")
        for name, proc in snap.items():
            if proc["kind"] != "postgres":
                series.setdefault(name, []).append((elapsed, proc["rss"]))
        series.setdefault("postgres (all backends of the set)", []).append((elapsed, postgres))
        now = time.monotonic()
        window = summarize(records, now - (elapsed - last["t"]), now) if elapsed > 0 else None
        last["t"] = elapsed
        windows.append(
            {
                "t_s": round(elapsed),
                "rss_mb": {n: round(p["rss"], 1) for n, p in snap.items() if p["kind"] != "postgres"},
                "interactions": None if window is None else window["interactions"],
                "p95_ms": None if window is None else window["p95_ms"],
                "errors": None if window is None else window["errors"],
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        )
        print(f"soak t={elapsed:6.0f}s {windows[-1]}", flush=True)

    started_at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    with started(target):
        row, _records = asyncio.run(drive(target, pools, mix, settings, args.warmup, 60 * args.minutes, tick=tick))
        tick_end = {n: p for n, p in row["processes"].items()}
    result = {
        "what": "one replica (deploy.cluster, HAProxy, 1 huey consumer) on the 100k PostgreSQL set",
        "users": mix,
        "think_s": [args.think - args.jitter, args.think + args.jitter],
        "sponsor_sends_every_n_loops": args.send_every,
        "started_at": started_at,
        "minutes": args.minutes,
        "sample_every_s": 30,
        "memory": memory_trend(series, settle_s=300),
        "memory_second_half": memory_trend(series, settle_s=30 * args.minutes),
        "totals": {k: v for k, v in row.items() if k != "processes"},
        "cpu_over_run": tick_end,
        "samples": windows,
    }
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["memory"], indent=1))
    return 0


def markdown_table(results: dict) -> str:
    """The sweep rows of every target as one Markdown table (the analysis section's)."""
    lines = [
        "| target | K/role | users | i/s | p50 ms | p95 ms | p95 sponsor / influencer / admin | errors | refused | apps CPU (cores) | app CPU ms/i | apps RSS MB "
        "| worker CPU | proxy CPU | PG CPU | loadgen CPU | load avg (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, run in results.get("runs", {}).items():
        for row in run["rows"]:
            procs = row["processes"].values()

            def total(kind: str, field: str = "cpu_cores", procs=procs) -> float:
                return sum(p[field] for p in procs if p["kind"] == kind)

            per_interaction = 1000 * total("app") / row["per_s"] if row["per_s"] else float("nan")
            roles = " / ".join(str(row["by_role"].get(role, {}).get("p95_ms", "–")) for role in ROLES)
            lines.append(
                f"| {name} | {row['k']} | {row['users']} | {row['per_s']} | {row['p50_ms']} | {row['p95_ms']} | {roles} "
                f"| {row['errors']} | {row['refused']} | {total('app'):.2f} | {per_interaction:.0f} | {total('app', 'rss_mb'):.0f} "
                f"| {total('worker'):.2f} | {total('proxy'):.3f} | {total('postgres'):.2f} | {total('loadgen'):.2f} "
                f"| {row['loadavg_before'][0]}→{row['loadavg_after'][0]} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("sweep")
    run.add_argument("--target", choices=["replicas-1", "replicas-3", "single"], required=True)
    run.add_argument("--ks", default="1,2,4,8,16,32")
    run.add_argument("--roles", default=",".join(ROLES))
    run.add_argument("--warmup", type=float, default=15.0)
    run.add_argument("--duration", type=float, default=45.0)
    run.add_argument("--p95-limit", type=float, default=1000.0, help="ms")
    run.add_argument("--max-error-share", type=float, default=0.02)
    run.add_argument("--at-least", type=int, default=3, help="Ks run before the stop rule applies (a busy machine)")
    run.add_argument("--output", type=Path, default=RESULTS)
    run.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    long_run = commands.add_parser("soak")
    long_run.add_argument("--minutes", type=float, default=30.0)
    long_run.add_argument("--sponsors", type=int, default=2)
    long_run.add_argument("--influencers", type=int, default=1)
    long_run.add_argument("--admins", type=int, default=1)
    long_run.add_argument("--send-every", type=int, default=3)
    long_run.add_argument("--warmup", type=float, default=10.0)
    long_run.add_argument("--output", type=Path, default=SOAK_RESULTS)
    long_run.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    for sub in (run, long_run):
        sub.add_argument("--think", type=float, default=1.0)
        sub.add_argument("--jitter", type=float, default=0.3)
        sub.add_argument("--influencer-pool", type=int, default=2000)
    check = commands.add_parser("browser-check")
    check.add_argument("--output", type=Path, default=RESULTS)
    table = commands.add_parser("report")
    table.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.command == "report":
        print(markdown_table(json.loads(args.output.read_text())))
        return 0
    from bench.load_browser import browser_check

    run_command = {"sweep": sweep, "soak": soak, "browser-check": browser_check}[args.command]
    try:
        return run_command(args)
    except KeyboardInterrupt as interrupt:  # Ctrl+C or SIGTERM: bench.load_stop.started stopped the servers
        print(f"{args.command} interrupted ({interrupt or 'SIGINT'}); the servers it started are stopped", flush=True)
        return exit_status(interrupt)


if __name__ == "__main__":
    sys.exit(main())
