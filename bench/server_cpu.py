"""Server CPU per interaction of a real `streamlit run server.py`, driven by bench/st_client.py.

    .venv/bin/python -m bench.server_cpu [--scale 10k|demo] [--n 30] [--set runner.postScriptGC=false ...]

Seeds a data folder once (the demo seed, plus the bulk 10k set on top; kept in bench/data/, git-ignored), starts
the server on it, logs in each role with a minted cookie, loads its main page, warms up, then times N interactions:
sponsor = a search on Find influencers, influencer = a status filter on Inbox, admin = a rerun of Dashboard.
CPU is the server process's utime+stime delta from /proc/<pid>/stat (all its threads); latency is the wall time from
the BackMsg sent to script_finished received. The server is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
PYTHON = sys.executable
TICK = os.sysconf("SC_CLK_TCK")
SEARCHES = ["fitness", "travel", "food", "beauty", "tech", "gaming", "music", "fashion"]
ROLES = {  # role: (username, page url path, interactions cycling over these widget states)
    "sponsor": ("brightwave", "sponsor-find-influencers", [{"f-text": t, "f-submit": None} for t in SEARCHES]),
    "influencer": ("maya", "influencer-inbox", [{"inbox_awaiting": True}, {"inbox_awaiting": False}]),
    "admin": ("admin", "admin-dashboard", [{}]),
}


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of proc(5), counted after the ')'


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IESCP_")}
    env.update(IESCP_DATA_DIR=str(data_dir), IESCP_BCRYPT_ROUNDS="4", PYTHONUNBUFFERED="1")
    return env


def ensure_data(scale: str) -> Path:
    """A seeded data folder for scale ('demo', or 'demo' + the bulk '10k' set), built once.

    bench/data is shared between worktrees: a lock makes a second run wait for the first one's seeding.
    """
    data_dir = DATA / f"server-cpu-{scale}"
    done = data_dir / ".seeded"
    if done.exists():
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    with (DATA / f".server-cpu-{scale}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            _seed(data_dir, scale)
    return data_dir


def _seed(data_dir: Path, scale: str) -> None:
    done = data_dir / ".seeded"
    env = _env(data_dir)
    subprocess.run([PYTHON, "-m", "core.demo.seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    if scale == "10k":
        bulk = ["--influencers", "10000", "--campaigns", "5000", "--requests", "100000"]
        subprocess.run([PYTHON, "-m", "core.demo.seed_bulk", *bulk], cwd=ROOT, env=env, check=True)
    done.write_text("ok\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, options: list[str]) -> tuple[subprocess.Popen, str]:
    """A `streamlit run server.py` on data_dir with extra --option=value flags; waits until healthy."""
    port = _free_port()
    flags = [f"--{option}" for option in options]
    command = [PYTHON, "-m", "streamlit", "run", "server.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", *flags]
    log = (data_dir / "streamlit.log").open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=_env(data_dir), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: see {data_dir / 'streamlit.log'}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError("streamlit did not become healthy in 120 s")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL after 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def drive_role(url: str, pid: int, role: str, n: int, warmup: int, settle: float) -> dict:
    """Load role's page, warm up, then time n interactions; CPU and latency per interaction."""
    from bench.st_client import StreamlitClient, login_cookie

    username, page, steps = ROLES[role]
    cpu, wall, errors = [], [], []
    async with StreamlitClient(url, cookie=login_cookie(username)) as client:
        first = await client.load(page)
        errors += first.exceptions
        page_hash = client.page_script_hash
        rss_start = rss_mb(pid)
        if not client.widgets and steps[0]:
            raise RuntimeError(f"{role}: {page} rendered no keyed widgets (not logged in?)")
        for i in range(warmup + n):
            before = cpu_seconds(pid)
            result = await client.rerun(steps[i % len(steps)])
            await asyncio.sleep(settle)  # the post-run GC and cleanup run after script_finished is sent
            spent = cpu_seconds(pid) - before
            errors += result.exceptions
            if client.page_script_hash != page_hash:  # a rerun that landed elsewhere measures the wrong page
                errors.append(f"rerun {i} left {page}")
            if i == warmup:
                rss_start = rss_mb(pid)
            if i >= warmup:
                cpu.append(spent)
                wall.append(result.seconds)
    rss = (rss_start, rss_mb(pid))  # after warm-up and at the end: a soak (large --n) shows any growth
    return {"role": role, "page": page, "cpu": cpu, "wall": wall, "errors": errors, "rss": rss}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(result: dict, idle_cpu_per_s: float, settle: float) -> str:
    """One line: mean server CPU per interaction (idle share subtracted), wall p50/p95."""
    cpu_ms = 1000 * (statistics.mean(result["cpu"]) - idle_cpu_per_s * (statistics.mean(result["wall"]) + settle))
    wall = result["wall"]
    return (
        f"{result['role']:<10} {result['page']:<26} n={len(wall):<3} cpu/interaction {cpu_ms:6.1f} ms   "
        f"wall p50 {1000 * _pct(wall, 0.5):6.1f} ms  p95 {1000 * _pct(wall, 0.95):6.1f} ms   "
        f"RSS {result['rss'][0]:.0f} -> {result['rss'][1]:.0f} MB"
        + (f"   errors: {result['errors'][:2]}" if result["errors"] else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["demo", "10k"], default="10k")
    parser.add_argument("--n", type=int, default=30, help="timed interactions per role")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--settle", type=float, default=0.1, help="seconds to wait after each run")
    parser.add_argument("--roles", default="sponsor,influencer,admin")
    parser.add_argument("--set", action="append", default=[], help="streamlit option, e.g. runner.postScriptGC=false")
    args = parser.parse_args(argv)
    data_dir = ensure_data(args.scale)
    os.environ.update({k: v for k, v in _env(data_dir).items() if k.startswith("IESCP_")})  # for login_cookie
    process, url = start_server(data_dir, args.set)
    try:
        time.sleep(1.0)
        before = cpu_seconds(process.pid)
        time.sleep(2.0)
        idle = (cpu_seconds(process.pid) - before) / 2.0
        print(f"server {url} pid {process.pid}, options {args.set or 'as configured'}, scale {args.scale}")
        print(f"idle server CPU {1000 * idle:.1f} ms/s (subtracted)")
        for role in args.roles.split(","):
            result = asyncio.run(drive_role(url, process.pid, role, args.n, args.warmup, args.settle))
            print(summarize(result, idle, args.settle), flush=True)
    finally:
        stop_server(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
