"""Fixtures for the job tests: a real SMTP server, a closed port, the outbox, tasks bound to the test database,
and a real huey_consumer process."""

from __future__ import annotations

import email
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from core.models import ExportJob
from core.platform.config import PROJECT_ROOT, get_settings, reset_settings

# Importing `tasks` builds the queue from the environment: make that an in-memory immediate queue so
# collecting these tests never creates a queue file in the project's data folder.
_previous = os.environ.get("IESCP_HUEY_IMMEDIATE")
os.environ["IESCP_HUEY_IMMEDIATE"] = "1"
import tasks  # noqa: E402,F401
from tasks.queue import make_huey  # noqa: E402

if _previous is None:
    os.environ.pop("IESCP_HUEY_IMMEDIATE")
else:
    os.environ["IESCP_HUEY_IMMEDIATE"] = _previous


def free_port() -> int:
    """A TCP port nobody listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


class SmtpSink:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be started late (to model a server coming back)."""

    def __init__(self, port: int):
        self.port = port
        self.sink = SmtpSink()
        self._controller = None

    def start(self) -> None:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.sink.messages


def use_smtp(monkeypatch, port: int) -> None:
    monkeypatch.setenv("IESCP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("IESCP_SMTP_PORT", str(port))
    reset_settings()


@pytest.fixture
def smtp_server(monkeypatch):
    """A running SMTP server that the settings point at."""
    server = SmtpServer(free_port())
    server.start()
    use_smtp(monkeypatch, server.port)
    yield server
    server.stop()


@pytest.fixture
def smtp_down(monkeypatch):
    """Settings point at a port where no SMTP server listens (yet); start() brings one up there."""
    server = SmtpServer(free_port())
    use_smtp(monkeypatch, server.port)
    yield server
    server.stop()


@pytest.fixture
def outbox():
    """The .eml files written when no SMTP host is configured (the default)."""

    class Outbox:
        @property
        def messages(self) -> list[EmailMessage]:
            folder = get_settings().outbox_dir
            if not folder.exists():
                return []
            return [
                email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))
            ]

    return Outbox()


@pytest.fixture
def bound_tasks(database, monkeypatch):
    """The task modules running inline (immediate mode) against the test database."""
    from tasks.queue import huey

    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(database))
    reset_settings()
    previous = huey.immediate
    huey.immediate = True
    yield database
    huey.immediate = previous


# ---- a real huey_consumer process (tests/tasks/test_consumer.py, test_worker_heartbeats.py) ----------------------

CONSUMER = Path(sys.executable).parent / "huey_consumer"
REDIS_URL = os.environ.get("IESCP_TEST_REDIS_URL")
BROKERS = [
    "sqlite",
    pytest.param(
        "redis", marks=[pytest.mark.redis, pytest.mark.skipif(not REDIS_URL, reason="IESCP_TEST_REDIS_URL is not set")]
    ),
]


def consumer_env(monkeypatch, database, broker: str) -> dict[str, str]:
    """This process's settings and a consumer's environment, both on database and broker (a queue of its own)."""
    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(database))
    if broker == "redis":
        monkeypatch.setenv("IESCP_REDIS_URL", REDIS_URL)
        monkeypatch.setenv("IESCP_HUEY_NAME", f"iescp-test-{uuid.uuid4().hex[:10]}")  # never share a queue
    reset_settings()
    return {k: v for k, v in os.environ.items() if k != "IESCP_HUEY_IMMEDIATE"}


@contextmanager
def start_consumer(env: dict[str, str], log: Path, *flags: str) -> Iterator[subprocess.Popen]:
    """A real `huey_consumer tasks.huey *flags` writing to log; stopped (TERM, KILL after 15 s) and its Redis
    queue emptied when the block ends."""
    with open(log, "wb") as log_file:
        consumer = subprocess.Popen(
            [str(CONSUMER), "tasks.huey", *flags], cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        yield consumer
    finally:
        consumer.terminate()
        try:
            consumer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
        if env.get("IESCP_REDIS_URL"):
            make_huey(immediate=False).storage.flush_all()


def enqueue_export_elsewhere(env: dict[str, str], job_id: int) -> None:
    """Enqueue export job_id from another process, as the page does."""
    subprocess.run(
        [sys.executable, "-c", "import sys, tasks; tasks.exports.enqueue_export(int(sys.argv[1]))", str(job_id)],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        timeout=60,
    )


def wait_for(database, check, consumer: subprocess.Popen, log: Path, what: str, timeout: float = 60):
    """check(session)'s first truthy answer; fails with the consumer's log if it exits or nothing comes in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database.ReadSession.begin() as s:
            found = check(s)
        if found:
            return found
        if consumer.poll() is not None:
            pytest.fail(f"the consumer exited with {consumer.returncode}:\n{log.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"{what} not seen after {timeout} s; consumer log:\n{log.read_text()}")


def finished_job(job_id: int):
    """A wait_for check: the export job once it is done or failed."""

    def check(session) -> ExportJob | None:
        job = session.get(ExportJob, job_id)
        return job if job.status in ("done", "failed") else None

    return check
