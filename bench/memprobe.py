"""Where a running app server's memory goes: tracemalloc snapshots of a real `streamlit run server.py` under load.

    .venv/bin/python -m bench.memprobe run [--minutes 12] [--first-snapshot 4]

Starts `make run`'s two processes on the 100k PostgreSQL set (bench.load's "single" target), the app under
`python -m bench.memprobe serve`, which turns tracemalloc on before Streamlit starts and writes a snapshot on
SIGUSR1. The soak's users (2 sponsors searching, opening profiles and sending; an influencer in her inbox; an admin
on the dashboard) run for --minutes; snapshots are taken at --first-snapshot minutes and at the end, each after a
full gc.collect(), and the largest growth between them is printed by allocating line (and by traceback for the top
ones). tracemalloc slows the server down: this finds what grows, it does not time anything.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import time
import tracemalloc
from pathlib import Path

FRAMES = 12


def serve(argv: list[str]) -> None:
    """Run the Streamlit CLI with argv, tracemalloc on; SIGUSR1 writes a snapshot into $IESCP_MEMPROBE_DIR."""
    out = Path(os.environ["IESCP_MEMPROBE_DIR"])
    tracemalloc.start(FRAMES)
    taken = [0]

    def dump(signum, frame) -> None:
        gc.collect()  # what is still reachable, not garbage waiting for a collection
        taken[0] += 1
        path = out / f"snapshot-{taken[0]}.tracemalloc"
        tracemalloc.take_snapshot().dump(str(path))
        path.with_suffix(".done").write_text(str(tracemalloc.get_traced_memory()))

    signal.signal(signal.SIGUSR1, dump)
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *argv]
    streamlit_main()


def _snapshot(pid: int, out: Path, n: int, timeout: float = 300) -> tracemalloc.Snapshot:
    os.kill(pid, signal.SIGUSR1)
    done = out / f"snapshot-{n}.done"
    deadline = time.monotonic() + timeout
    while not done.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the server wrote no snapshot")
        time.sleep(0.5)
    return tracemalloc.Snapshot.load(str(out / f"snapshot-{n}.tracemalloc"))


def report(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, top: int = 25) -> str:
    """The lines whose live memory grew most between the snapshots, and the tracebacks of the top five."""
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
    ]
    first, last = first.filter_traces(ignore), last.filter_traces(ignore)
    lines = ["## growth by line"]
    for stat in last.compare_to(first, "lineno")[:top]:
        lines.append(f"{stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+8d} blocks  {stat.traceback[0]}")
    lines.append("## growth by traceback (top 5)")
    for stat in last.compare_to(first, "traceback")[:5]:
        lines.append(f"{stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+8d} blocks")
        lines += [f"    {frame}" for frame in stat.traceback.format()[-2 * FRAMES :]]
    return "\n".join(lines)


def run(args) -> int:
    """Start the single target with the probing app, drive the soak's users, snapshot twice, print the growth."""
    from bench.load import BIN, Target, drive, make_pools, prepare_environment
    from bench.load_roles import Settings
    from bench.load_stop import started

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("snapshot-*"):
        old.unlink()
    os.environ["IESCP_MEMPROBE_DIR"] = str(out)
    prepare_environment(hold_reports=True)
    target = Target("single-memprobe", 1, (0, 8731, 0), args.redis_url)
    target.app_launcher = [str(BIN / "python"), "-m", "bench.memprobe", "serve"]
    mix = {"sponsor": 2, "influencer": 1, "admin": 1}
    pools = make_pools(mix, influencer_pool=2000)
    settings = Settings(think=1.0, jitter=0.3, send_every=3)
    snapshots: list[tracemalloc.Snapshot] = []

    def tick(elapsed: float, snap: dict, records: list) -> None:
        app = next(p for p in snap.values() if p["kind"] == "app")
        print(f"t={elapsed:5.0f}s app RSS {app['rss']:.0f} MB, {len(records)} interactions", flush=True)
        if not snapshots and elapsed >= 60 * args.first_snapshot:
            snapshots.append(_snapshot(app["pid"], out, 1))

    with started(target):  # stopped on a normal end, an error, Ctrl+C or SIGTERM alike
        asyncio.run(drive(target, pools, mix, settings, 30.0, 60 * args.minutes, tick=tick))
        app_pid = next(pid for _name, kind, pid in target.processes if kind == "app")
        snapshots.append(_snapshot(app_pid, out, len(snapshots) + 1))
    if len(snapshots) == 2:
        text = report(*snapshots)
        (out / "growth.txt").write_text(text + "\n")
        print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        serve(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    probe = commands.add_parser("run")
    probe.add_argument("--minutes", type=float, default=12.0)
    probe.add_argument("--first-snapshot", type=float, default=4.0, help="minutes after the warm-up")
    probe.add_argument("--out", default=str(Path(__file__).resolve().parent / "data" / "memprobe"))
    probe.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    run_args = parser.parse_args(argv)
    return run(run_args)


if __name__ == "__main__":
    sys.exit(main())
