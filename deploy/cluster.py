"""`make cluster`: migrations once, N Streamlit replicas and M huey consumers on PostgreSQL + Redis behind HAProxy.

    .venv/bin/python -m deploy.cluster start|stop|status

Every process it starts is recorded in <state dir>/pids.json (pid + kernel start time), so `stop` signals exactly
those processes and nothing else, even after a reboot reused their pids. Settings come from the environment
(see `Plan.from_env`); secrets nobody gave are generated once into <state dir>/secrets.env (mode 600).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEMPLATE = Path(__file__).with_name("haproxy.cfg.j2")
PROXY_COOKIE = "IESCP_REPLICA"
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Plan:
    """What one cluster consists of: sizes, ports, engines and where its state lives."""

    state_dir: Path
    replicas: int = 3
    workers: int = 2
    proxy_port: int = 8500
    first_app_port: int = 8601
    stats_port: int = 8599
    bind: str = "127.0.0.1"
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/iescp"
    redis_url: str = "redis://127.0.0.1:6379/1"
    threads_per_worker: int = 2
    check_interval: str = "2s"
    demo: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ = os.environ) -> Plan:
        """REPLICAS, WORKERS, PROXY_PORT, APP_PORT, STATS_PORT, HOST, DEMO and IESCP_DATABASE_URL/REDIS_URL/DATA_DIR."""
        state = environ.get("CLUSTER_DIR") or str(ROOT / "data" / "cluster")
        return cls(
            state_dir=Path(state).resolve(),
            replicas=int(environ.get("REPLICAS") or 3),
            workers=int(environ.get("WORKERS") or 2),
            proxy_port=int(environ.get("PROXY_PORT") or 8500),
            first_app_port=int(environ.get("APP_PORT") or 8601),
            stats_port=int(environ.get("STATS_PORT") or 8599),
            bind=environ.get("HOST") or "127.0.0.1",
            database_url=environ.get("IESCP_DATABASE_URL") or cls.database_url,
            redis_url=environ.get("IESCP_REDIS_URL") or cls.redis_url,
            demo=(environ.get("DEMO") or "").lower() in {"1", "true", "yes"},
        )

    @property
    def proxy_url(self) -> str:
        host = "localhost" if self.bind in {"0.0.0.0", "::", ""} else self.bind
        return f"http://{host}:{self.proxy_port}"

    def app_port(self, index: int) -> int:
        """Port of replica index (1-based)."""
        return self.first_app_port + index - 1


# ---- processes: started in their own session, recorded with their kernel start time ---------------------------


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), None when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[19]) if fields[0] not in {"Z", "X"} else None


@dataclass
class Process:
    """One started process as recorded in pids.json."""

    name: str
    kind: str  # app | worker | proxy
    pid: int
    started: int
    log: str
    port: int | None = None

    def alive(self) -> bool:
        """True while the very process we started runs (a reused pid has another start time)."""
        return _start_time(self.pid) == self.started


def _pids_file(state_dir: Path) -> Path:
    return state_dir / "pids.json"


def recorded(state_dir: Path) -> list[Process]:
    """The processes a previous start recorded (empty when none)."""
    path = _pids_file(state_dir)
    if not path.exists():
        return []
    return [Process(**item) for item in json.loads(path.read_text())]


def _record(state_dir: Path, processes: list[Process]) -> None:
    path = _pids_file(state_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps([asdict(p) for p in processes], indent=2))
    temporary.replace(path)


def _spawn(
    name: str, kind: str, command: list[str], env: dict[str, str], logs: Path, port: int | None = None
) -> Process:
    log_path = logs / f"{name}.log"
    with open(log_path, "ab") as log:
        # Own session: Ctrl+C in the shell that ran `make cluster` does not reach the cluster; `stop` does.
        child = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    started = _start_time(child.pid)
    return Process(name, kind, child.pid, started or 0, str(log_path), port)


# ---- settings every process shares ------------------------------------------------------------------------------


def shared_secrets(state_dir: Path, environ: dict[str, str] | os._Environ = os.environ) -> dict[str, str]:
    """IESCP_COOKIE_KEY and IESCP_ADMIN_PASSWORD: from the environment, else generated once into secrets.env."""
    path = state_dir / "secrets.env"
    stored: dict[str, str] = {}
    if path.exists():
        stored = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    wanted = {
        # One key for every replica: a login cookie signed by one replica must open a session on any other.
        "IESCP_COOKIE_KEY": environ.get("IESCP_COOKIE_KEY")
        or stored.get("IESCP_COOKIE_KEY")
        or secrets.token_urlsafe(48),
        "IESCP_ADMIN_PASSWORD": environ.get("IESCP_ADMIN_PASSWORD")
        or stored.get("IESCP_ADMIN_PASSWORD")
        or secrets.token_urlsafe(12) + "7a",
    }
    generated = {k: v for k, v in wanted.items() if not environ.get(k)}
    if generated != {k: stored.get(k) for k in generated}:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(f"{k}={v}\n" for k, v in generated.items()))
    return wanted


def process_env(plan: Plan, keys: dict[str, str], name: str) -> dict[str, str]:
    """The environment of one cluster process: production settings, shared engines and key, its own name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IESCP_", "STREAMLIT_"))}
    env.update(
        IESCP_ENV="production",
        IESCP_LOG_FORMAT="json",
        IESCP_REPLICA=name,
        IESCP_DATABASE_URL=plan.database_url,
        IESCP_REDIS_URL=plan.redis_url,
        IESCP_COOKIE_KEY=keys["IESCP_COOKIE_KEY"],
        IESCP_BASE_URL=plan.proxy_url,
        # Outbox and export files: one folder every process sees (a shared volume across machines).
        IESCP_DATA_DIR=str(plan.state_dir / "data"),
        PYTHONUNBUFFERED="1",
    )
    env.update({k: v for k, v in os.environ.items() if k.startswith("IESCP_") and k not in env})
    env.update(plan.extra_env)
    return env


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in url when the server has none by that name."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("postgresql"):
        return
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        server.dispose()


def check_redis(url: str) -> None:
    """Fail early, with the address, when Redis does not answer."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis at {url} does not answer ({error}); start it or set IESCP_REDIS_URL.") from error


def render_proxy_config(plan: Plan) -> Path:
    """haproxy.cfg for plan in its state folder, checked by `haproxy -c`."""
    import jinja2

    template = jinja2.Template(TEMPLATE.read_text(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    replicas = [{"name": f"app-{i}", "port": plan.app_port(i)} for i in range(1, plan.replicas + 1)]
    text = template.render(
        state_dir=plan.state_dir, pidfile=None, bind=plan.bind, port=plan.proxy_port, cookie=PROXY_COOKIE,
        check_interval=plan.check_interval, replicas=replicas, stats_port=plan.stats_port,
    )  # fmt: skip
    path = plan.state_dir / "haproxy.cfg"
    path.write_text(text)
    check = subprocess.run([haproxy_binary(), "-c", "-q", "-f", str(path)], capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(f"haproxy rejected {path}:\n{check.stdout}{check.stderr}")
    return path


def haproxy_binary() -> str:
    """The haproxy executable (Debian's package `haproxy`)."""
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if not found:
        raise SystemExit("HAProxy is not installed: sudo apt-get install haproxy (Debian/Ubuntu)")
    return found


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _port_free(bind: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind, port))
        except OSError:
            return False
    return True


def wait_until(condition, what: str, processes: list[Process], timeout: float = START_TIMEOUT) -> None:
    """Poll condition until true; fail at once, naming the log, when one of processes died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        dead = [p for p in processes if not p.alive()]
        if dead:
            raise RuntimeError(f"{dead[0].name} exited while waiting for {what}; see {dead[0].log}")
        time.sleep(0.25)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


# ---- start / stop / status --------------------------------------------------------------------------------------


def start(plan: Plan, *, log=print) -> list[Process]:
    """Start the whole cluster and wait until the proxy serves healthy replicas; returns what was started."""
    running = [p for p in recorded(plan.state_dir) if p.alive()]
    if running:
        raise SystemExit(
            f"a cluster from {plan.state_dir} is already running ({len(running)} processes): stop it first"
        )
    ports = [plan.proxy_port, plan.stats_port, *(plan.app_port(i) for i in range(1, plan.replicas + 1))]
    busy = [port for port in ports if not _port_free("127.0.0.1", port)]
    if busy:
        raise SystemExit(f"ports in use: {busy}; set PROXY_PORT / APP_PORT / STATS_PORT")
    logs = plan.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    keys = shared_secrets(plan.state_dir)
    ensure_database(plan.database_url)
    check_redis(plan.redis_url)
    proxy_config = render_proxy_config(plan)

    log(f"Migrating {plan.database_url.split('@')[-1]} (once, before any replica starts)…")
    env = process_env(plan, keys, "migrate") | {"IESCP_ADMIN_PASSWORD": keys["IESCP_ADMIN_PASSWORD"]}
    seed = [str(BIN / "python"), "-m", "core.demo.seed", *([] if plan.demo else ["--no-demo"])]
    if plan.demo:  # the demo's own logins are a development feature: seed it as development, serve as production
        env["IESCP_ENV"] = "development"
    subprocess.run(seed, cwd=ROOT, env=env, check=True)

    started: list[Process] = []
    try:
        for i in range(1, plan.replicas + 1):
            name, port = f"app-{i}", plan.app_port(i)
            command = [str(BIN / "streamlit"), "run", "server.py", "--server.port", str(port)]
            command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
            command += ["--browser.gatherUsageStats", "false"]
            started.append(_spawn(name, "app", command, process_env(plan, keys, name), logs, port))
            _record(plan.state_dir, started)
        for i in range(1, plan.workers + 1):
            name = f"worker-{i}"
            command = [str(BIN / "huey_consumer"), "tasks.huey", "--workers", str(plan.threads_per_worker)]
            command += ["--worker-type", "thread"]
            started.append(_spawn(name, "worker", command, process_env(plan, keys, name), logs))
            _record(plan.state_dir, started)
        proxy = [haproxy_binary(), "-db", "-f", str(proxy_config)]
        started.append(_spawn("proxy", "proxy", proxy, process_env(plan, keys, "proxy"), logs, plan.proxy_port))
        _record(plan.state_dir, started)

        apps = [p for p in started if p.kind == "app"]
        for app in apps:
            wait_until(lambda app=app: _healthy(f"http://127.0.0.1:{app.port}/_stcore/health"), app.name, started)
        wait_until(lambda: len(proxy_servers_up(plan)) == plan.replicas, "the proxy to see every replica", started)
        wait_until(lambda: _healthy(f"http://127.0.0.1:{plan.proxy_port}/_stcore/health"), "the proxy", started)
    except BaseException:
        stop(plan.state_dir, log=lambda _m: None)
        raise
    return started


def proxy_servers_up(plan: Plan) -> list[str]:
    """Names of the replicas HAProxy currently sends users to (status UP), read from its runtime socket."""
    return [name for name, status in proxy_server_status(plan.state_dir).items() if status == "UP"]


def proxy_server_status(state_dir: Path) -> dict[str, str]:
    """replica name -> HAProxy status (UP, DOWN, MAINT, …) from `show stat` on the admin socket."""
    path = state_dir / "haproxy.sock"
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(str(path))
            sock.sendall(b"show stat\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return {}
    lines = b"".join(chunks).decode().splitlines()
    if not lines:
        return {}
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
    return {r["svname"]: r["status"] for r in rows if r.get("pxname") == "streamlit" and r["svname"].startswith("app-")}


def stop(state_dir: Path, *, timeout: float = 15.0, log=print) -> int:
    """Stop exactly the processes recorded in state_dir (TERM, then KILL after timeout); how many were running."""
    processes = recorded(state_dir)
    alive = [p for p in processes if p.alive()]
    # The proxy first (no new users reach a stopping replica), then the apps, then the workers finish their jobs.
    order = {"proxy": 0, "app": 1, "worker": 2}
    for process in sorted(alive, key=lambda p: order.get(p.kind, 3)):
        _signal(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(p.alive() for p in alive):
        time.sleep(0.1)
    for process in alive:
        if process.alive():
            log(f"{process.name} (pid {process.pid}) did not stop in {timeout:.0f} s: killing it")
            _signal(process, signal.SIGKILL)
    _pids_file(state_dir).unlink(missing_ok=True)
    return len(alive)


def _signal(process: Process, sig: int) -> None:
    """Signal the process's group (its own session: streamlit's or huey's children go too), else the process."""
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(process.pid, sig)
        except ProcessLookupError:
            pass


def status(state_dir: Path) -> list[tuple[Process, bool]]:
    """Every recorded process and whether it still runs."""
    return [(p, p.alive()) for p in recorded(state_dir)]


def main(argv: list[str] | None = None) -> int:
    command = (argv or sys.argv[1:] or ["status"])[0]
    plan = Plan.from_env()
    if command == "start":
        started = start(plan)
        secrets_file = plan.state_dir / "secrets.env"
        print(
            f"\n  IESCP cluster: {plan.proxy_url}  ({plan.replicas} app replicas, {plan.workers} workers, HAProxy)\n"
            f"  proxy stats: http://127.0.0.1:{plan.stats_port}/   logs: {plan.state_dir / 'logs'}\n"
            f"  admin login: {os.environ.get('IESCP_ADMIN_USERNAME', 'admin')} / "
            + ("(IESCP_ADMIN_PASSWORD)" if os.environ.get("IESCP_ADMIN_PASSWORD") else f"see {secrets_file}")
            + f"\n  {len(started)} processes recorded in {_pids_file(plan.state_dir)}; `make cluster-stop` stops them.\n"
        )
        return 0
    if command == "stop":
        count = stop(plan.state_dir)
        print(f"Stopped {count} cluster processes." if count else "No cluster processes were running.")
        return 0
    if command == "status":
        rows = status(plan.state_dir)
        if not rows:
            print("No cluster recorded.")
        proxy = proxy_server_status(plan.state_dir)
        for process, alive in rows:
            extra = f"  proxy: {proxy.get(process.name, '?')}" if process.kind == "app" else ""
            print(f"{process.name:<10} pid {process.pid:<8} {'running' if alive else 'stopped'}{extra}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
