"""Fault fixtures: real processes (huey_consumer, a private redis-server) started and stopped by the test."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import redis

from core.platform.config import PROJECT_ROOT
from tests.pages.conftest import app_db  # noqa: F401 (fixture reused here)
from tests.tasks.conftest import free_port, outbox, smtp_down, smtp_server  # noqa: F401 (fixtures reused here)

T = TypeVar("T")
CONSUMER = Path(sys.executable).parent / "huey_consumer"


def wait_until(check: Callable[[], T], *, timeout: float, what: str, every: float = 0.05) -> T:
    """Poll check() until it returns something truthy; fail with `what` after timeout seconds (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def stop_process(process: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a child we started (by its own pid), escalating to SIGKILL."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


class Consumer:
    """A real `huey_consumer tasks.huey` subprocess with its log in a file."""

    def __init__(self, env: dict, log: Path, *, periodic: bool = False):
        self.log = log
        args = [str(CONSUMER), "tasks.huey", "--workers", "1", "--worker-type", "thread"]
        args += ["--delay", "0.05", "--max-delay", "0.5"]
        if not periodic:
            args.append("--no-periodic")
        self._log_file = open(log, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup, no finally blocks, exactly like an OOM kill or a pulled plug."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        stop_process(self.process)
        self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def consumers():
    """Start consumers with consumers(env, log); every one still running is stopped at the end."""
    started: list[Consumer] = []

    def start(env: dict, log: Path, **kwargs) -> Consumer:
        consumer = Consumer(env, log, **kwargs)
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        consumer.stop()


def child_env() -> dict:
    """The test's environment for a child process (tasks queued for real, not inline)."""
    return {k: v for k, v in os.environ.items() if k != "IESCP_HUEY_IMMEDIATE"}


class PrivateRedis:
    """A redis-server of our own on a free port (never the machine's shared one): killable and freezable."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
                "--dir", str(self._workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, timeout=20, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
            stop_process(self.process)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
