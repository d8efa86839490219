"""One logging setup per process (app or worker): JSON lines under IESCP_LOG_FORMAT=json, plain text otherwise."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import threading

from core.platform.config import Settings, get_settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PROCESS_KINDS = ("app", "worker", "cli")

_lock = threading.Lock()
_configured_kind: str | None = None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, kind, pid, replica when set, exc when there is one."""

    def __init__(self, kind: str, replica: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.replica = replica

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "kind": self.kind,
            "pid": record.process,
        }
        if self.replica:
            entry["replica"] = self.replica
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a message argument that is not JSON (a Path, a datetime) must never lose the line.
        return json.dumps(entry, ensure_ascii=False, default=str)


def make_formatter(kind: str, settings: Settings | None = None) -> logging.Formatter:
    """The formatter IESCP_LOG_FORMAT asks for."""
    settings = settings or get_settings()
    if settings.log_format == "json":
        return JsonFormatter(kind, settings.replica)
    return logging.Formatter(TEXT_FORMAT)


def setup_logging(kind: str, settings: Settings | None = None, *, adopt: tuple[str, ...] = ()) -> None:
    """Route the process's logs through one root handler with our formatter (idempotent per process).

    adopt: loggers that installed their own handlers before us (huey_consumer's "huey" logger, with --logfile):
    their handlers move to the root with our formatter, so every line goes to the same place, once.
    A root logger someone else configured (pytest, a program embedding ours) is left as it is.
    """
    global _configured_kind
    if kind not in PROCESS_KINDS:
        raise ValueError(f"kind must be one of {PROCESS_KINDS}")
    formatter = make_formatter(kind, settings)
    key = f"{kind}:{os.getpid()}"  # a forked child configures itself again
    with _lock:
        if _configured_kind == key:
            return
        _configured_kind = key
        root = logging.getLogger()
        if any(not getattr(h, "_iescp", False) for h in root.handlers):
            return  # the host configured logging already (pytest, an embedding program): theirs wins
        handlers = [h for name in adopt for h in logging.getLogger(name).handlers]
        for name in adopt:
            for handler in list(logging.getLogger(name).handlers):
                logging.getLogger(name).removeHandler(handler)
        if not handlers:
            handlers = [logging.StreamHandler(sys.stderr)]
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            handler.setFormatter(formatter)
            handler._iescp = True  # type: ignore[attr-defined]
            root.addHandler(handler)
        if root.level == logging.WARNING:  # Python's default: our INFO lines (startup, refusals) must show
            root.setLevel(logging.INFO)
