"""A real cluster for the tests in this folder: `deploy.cluster` on a fresh PostgreSQL database and a private Redis.

One cluster per test session (3 Streamlit replicas, 2 huey consumers, HAProxy), on the demo data plus a bulk set
big enough that an export takes a few seconds. The Redis is the test's own (`redis-server` on a free port, with an
append-only file like a production Redis), so stopping it for the outage test touches nothing else on the machine.
Everything started here is stopped at the end, whatever happens.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from playwright.sync_api import Browser, Page, sync_playwright

from deploy import cluster as deployment
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, page_factory

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)
ARTIFACTS = ROOT / "artifacts" / "cluster"
POSTGRES_URL = os.environ.get("IESCP_TEST_POSTGRES_URL")
REDIS_SERVER = shutil.which("redis-server")
BULK = ["--influencers", "500", "--campaigns", "1500", "--sponsors", "5", "--requests", "100000", "--seed", "7"]
DEMO_ADMIN = ("admin", "Admin-demo-1")

MISSING = [
    what
    for what, ok in [
        ("IESCP_TEST_POSTGRES_URL", POSTGRES_URL),
        ("redis-server", REDIS_SERVER),
        ("haproxy (apt-get install haproxy)", shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()),
    ]
    if not ok
]


def pytest_collection_modifyitems(config, items) -> None:
    """Skip the cluster tests (each module is marked `cluster`) when a service they need is missing."""
    for item in items:
        if MISSING and item.get_closest_marker("cluster"):
            item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(MISSING)}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], what: str, timeout: float = 120.0, every: float = 0.2):
    """Poll condition until it returns something truthy; that value, or a failure naming what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, with an append-only file (jobs queued before a stop survive it)."""

    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        command += ["--appendonly", "yes", "--save", "", "--daemonize", "no"]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self.answers, f"redis on port {self.port}", timeout=30)

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits, as `systemctl stop redis` does."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@dataclass
class Cluster:
    """The running cluster: its plan, its processes, its database and Redis, and the settings to reach them."""

    plan: deployment.Plan
    database_url: str
    redis: PrivateRedis

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.plan.proxy_port}"

    def replica_url(self, index: int) -> str:
        """Replica index (1-based) directly, bypassing the proxy: a user pinned to that process."""
        return f"http://127.0.0.1:{self.plan.app_port(index)}"

    def processes(self, kind: str | None = None) -> list[deployment.Process]:
        return [p for p in deployment.recorded(self.plan.state_dir) if kind in (None, p.kind)]

    def process(self, name: str) -> deployment.Process:
        return next(p for p in self.processes() if p.name == name)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a cluster process has (development mode: for test-side seeding and helpers)."""
        env = deployment.process_env(self.plan, deployment.shared_secrets(self.plan.state_dir), "test")
        env.update(IESCP_ENV="development", IESCP_BCRYPT_ROUNDS="4", **extra)
        return env

    def run(self, *args: str, timeout: float = 300, **extra_env: str) -> str:
        """`python <args>` with the cluster's settings; its stdout (a failure shows its output)."""
        done = subprocess.run(
            [str(PYTHON), *args], cwd=ROOT, env=self.env(**extra_env), capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def sql(self, statement: str, **params) -> list[tuple]:
        """Rows of one SQL statement on the cluster's database (read-side checks; writes commit)."""
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    """3 replicas + 2 workers + HAProxy on a fresh PostgreSQL database and a private Redis."""
    folder = tmp_path_factory.mktemp("cluster")
    name = f"iescp_cluster_{secrets.token_hex(4)}"
    database_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    redis = PrivateRedis(free_port(), folder)
    plan = deployment.Plan(
        state_dir=folder / "state",
        replicas=3,
        workers=2,
        proxy_port=free_port(),
        first_app_port=_consecutive_free_ports(3),
        stats_port=free_port(),
        database_url=database_url,
        redis_url=redis.url,
        check_interval="1s",
        extra_env={"IESCP_BCRYPT_ROUNDS": "4"},
    )
    plan.state_dir.mkdir(parents=True)
    running = Cluster(plan, database_url, redis)
    try:
        redis.start()
        deployment.ensure_database(database_url)
        # Data first (the demo, then a bulk set), so replicas start on a settled database and warm caches are right.
        running.run("-m", "core.demo.seed")
        running.run("-m", "core.demo.seed_bulk", *BULK)
        deployment.start(plan, log=lambda _m: None)
        yield running
    finally:
        deployment.stop(plan.state_dir, log=print)
        redis.stop()
        _keep_logs(plan.state_dir)
        _drop_database(database_url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run (a real browser, not many: see the issue on browsers' cost)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(request, browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Factory: a page in a fresh browser context (own cookies) on base_url; saved as a screenshot if the test fails."""
    with page_factory(request, browser, ARTIFACTS / "failures") as make:
        yield make


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _consecutive_free_ports(count: int) -> int:
    """The first of count consecutive free ports (replicas listen on first, first+1, …)."""
    for _ in range(50):
        first = free_port()
        if first + count < 65535 and all(deployment._port_free("127.0.0.1", first + i) for i in range(count)):
            return first
    raise RuntimeError("no run of free ports")


def _keep_logs(state_dir: Path) -> None:
    logs = state_dir / "logs"
    if logs.exists():
        shutil.rmtree(ARTIFACTS / "logs", ignore_errors=True)
        shutil.copytree(logs, ARTIFACTS / "logs")


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        server.dispose()
