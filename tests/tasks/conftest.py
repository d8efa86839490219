"""Fixtures for the job tests: a real SMTP server, a closed port, the outbox, and tasks bound to the test database."""

from __future__ import annotations

import email
import os
import socket
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from core.platform.config import get_settings, reset_settings

# Importing `tasks` builds the queue from the environment: make that an in-memory immediate queue so
# collecting these tests never creates a queue file in the project's data folder.
_previous = os.environ.get("IESCP_HUEY_IMMEDIATE")
os.environ["IESCP_HUEY_IMMEDIATE"] = "1"
import tasks  # noqa: E402,F401

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
