"""A real consumer renders a report's PDF in its child process, and a stopped consumer leaves no child behind."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from core.models import MonthlyReport
from core.platform.config import PROJECT_ROOT
from core.platform.timeutil import today
from core.reporting import reports
from tests import factories as f
from tests.tasks.conftest import consumer_env, start_consumer, wait_for

pytestmark = pytest.mark.skipif(not reports.pdf_available(), reason="WeasyPrint/pango not installed")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_real_consumer_renders_the_report_pdf_in_its_child_and_stops_it_with_itself(
    sqlite_database, tmp_path, monkeypatch
):
    db = sqlite_database
    env = consumer_env(monkeypatch, db, "sqlite")
    sponsor = f.sponsor(db, name="Acme Outdoor")
    f.request(db, sponsor, f.campaign(db, sponsor, name="Winter Gear"), f.influencer(db, name="Ana Trails"))
    month = today().isoformat()[:7]
    log = tmp_path / "consumer.log"

    flags = ("--workers", "2", "--worker-type", "thread", "--no-periodic", "--delay", "0.05", "--max-delay", "0.5")
    with start_consumer(env, log, *flags) as consumer:
        subprocess.run(
            [sys.executable, "-c", "import sys, tasks; tasks.reports.sponsor_report(int(sys.argv[1]), sys.argv[2])"]
            + [str(sponsor.id), month],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        pdf = wait_for(
            db,
            lambda s: s.scalar(select(MonthlyReport.pdf).where(MonthlyReport.sponsor_id == sponsor.id)),
            consumer,
            log,
            "the report's PDF",
            timeout=120,
        )
        started = re.search(r"PDF child process (\d+) started", log.read_text())
        assert started, log.read_text()
        child = int(started.group(1))
        assert child != consumer.pid and _alive(child)

    assert pdf.startswith(b"%PDF")
    deadline = time.monotonic() + 15  # the consumer has exited (SIGTERM); its stop hook shut the child down
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), log.read_text()
