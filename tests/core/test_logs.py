"""Structured logs: one JSON object per line with the fields a log shipper indexes, plain text otherwise."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from core.platform.config import PROJECT_ROOT, get_settings, reset_settings
from core.platform.logs import JsonFormatter, make_formatter


def _record(msg: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("iescp.test", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_a_json_line_has_time_level_logger_message_kind_pid_and_replica():
    line = JsonFormatter("worker", "worker-2").format(_record("sent %d reminders to %s", 3, "ana"))
    entry = json.loads(line)
    assert "\n" not in line
    assert {k: entry[k] for k in ("level", "logger", "msg", "kind", "pid", "replica")} == {
        "level": "WARNING",
        "logger": "iescp.test",
        "msg": "sent 3 reminders to ana",
        "kind": "worker",
        "pid": os.getpid(),
        "replica": "worker-2",
    }
    assert entry["ts"].endswith("+00:00") and "T" in entry["ts"]


def test_the_replica_field_is_left_out_when_no_replica_name_is_set():
    assert "replica" not in json.loads(JsonFormatter("app").format(_record("hello")))


def test_an_exception_travels_inside_the_same_json_line():
    try:
        raise ValueError("the disk is full")
    except ValueError:
        record = _record("export failed", exc_info=sys.exc_info())
    line = JsonFormatter("worker").format(record)
    entry = json.loads(line)
    assert line.count("\n") == 0
    assert "Traceback" in entry["exc"] and "ValueError: the disk is full" in entry["exc"]


def test_a_message_with_quotes_newlines_and_non_json_arguments_stays_one_valid_line():
    line = JsonFormatter("app").format(_record('name "%s"\nnext line %s', 'Ana "the" Trail', PROJECT_ROOT))
    assert json.loads(line)["msg"] == f'name "Ana "the" Trail"\nnext line {PROJECT_ROOT}'


@pytest.mark.parametrize("fmt, expected", [("json", JsonFormatter), ("text", logging.Formatter)])
def test_the_formatter_follows_iescp_log_format(monkeypatch, fmt, expected):
    monkeypatch.setenv("IESCP_LOG_FORMAT", fmt)
    reset_settings()
    assert type(make_formatter("app", get_settings())) is expected


def test_setup_logging_routes_a_process_through_one_json_handler_adopting_a_library_handler(monkeypatch):
    """In a fresh process (the root logger is global): huey's own handler is adopted, nothing is written twice."""
    script = (
        "import logging, sys\n"
        "lib = logging.getLogger('huey'); lib.addHandler(logging.StreamHandler(sys.stdout)); lib.setLevel('INFO')\n"
        "from core.platform import logs\n"
        "logs.setup_logging('worker', adopt=('huey',))\n"
        "logs.setup_logging('worker', adopt=('huey',))\n"  # the startup hook runs once per worker thread
        "logging.getLogger('huey').info('consumer started')\n"
        "logging.getLogger('iescp.worker').info('worker %s started', 'w1')\n"
    )
    env = {**os.environ, "IESCP_LOG_FORMAT": "json", "IESCP_REPLICA": "worker-1"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(e["logger"], e["msg"], e["kind"], e["replica"]) for e in entries] == [
        ("huey", "consumer started", "worker", "worker-1"),
        ("iescp.worker", "worker w1 started", "worker", "worker-1"),
    ]
    assert done.stderr == ""


def test_the_served_app_writes_streamlits_own_log_lines_as_json_too():
    script = (
        "import server, streamlit.logger as st_logger\n"
        "st_logger.get_logger('streamlit.runtime.test').warning('a %s line', 'streamlit')\n"
        "import logging; logging.getLogger('iescp.pages').warning('a product line')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env |= {"IESCP_LOG_FORMAT": "json", "IESCP_REPLICA": "app-3"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(e["logger"], e["msg"], e["kind"], e["replica"]) for e in entries] == [
        ("streamlit.runtime.test", "a streamlit line", "app", "app-3"),
        ("iescp.pages", "a product line", "app", "app-3"),
    ]
