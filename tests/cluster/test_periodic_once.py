"""Periodic jobs fire once across consumers: three more real consumers whose schedulers all reach a due minute at once.

The cluster's own two consumers keep running beside them. Each new consumer's scheduler enqueues every periodic
task due at that minute as it starts (their logs prove it), so each job is enqueued three times and taken by
whichever consumers are free; the database claims must turn that into one reminder per user/day/channel, one
report per sponsor/month and one snapshot per day, and one mail each.
"""

from __future__ import annotations

import datetime as dt
import email
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.cluster.conftest import ARTIFACTS, ROOT, wait_for

pytestmark = [pytest.mark.cluster]
CONSUMERS = 3


def start_consumers(cluster, at: dt.datetime, folder: Path) -> list[subprocess.Popen]:
    """CONSUMERS shifted consumers started together, their schedulers at `at` (UTC)."""
    started = []
    for i in range(1, CONSUMERS + 1):
        log = open(folder / f"shifted-{at:%H%M}-{i}.log", "wb")
        command = [sys.executable, "-m", "tests.cluster.shifted_consumer", at.isoformat()]
        env = cluster.env(IESCP_REPLICA=f"shifted-{i}")
        started.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )
    return started


def stop_consumers(consumers: list[subprocess.Popen]) -> None:
    for consumer in consumers:
        consumer.terminate()
    for consumer in consumers:
        try:
            consumer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            consumer.kill()


def enqueued(folder: Path, at: dt.datetime, task: str) -> int:
    """How many of the shifted consumers' schedulers enqueued task."""
    logs = folder.glob(f"shifted-{at:%H%M}-*.log")
    return sum(log.read_text(errors="replace").count(f"Enqueueing periodic task {task}") for log in logs)


def settled(cluster, query: str, seconds: float = 5.0, **params):
    """The query's rows once they have stayed the same for `seconds` (jobs still running change them)."""
    seen: dict = {"rows": None, "since": None}

    def check():
        import time

        rows = cluster.sql(query, **params)
        if rows != seen["rows"]:
            seen.update(rows=rows, since=time.monotonic())
            return None
        return rows if time.monotonic() - seen["since"] >= seconds else None

    return wait_for(check, f"rows of {query!r} to settle", timeout=180, every=0.5)


def outbox_messages(cluster) -> list[tuple[str, str]]:
    """(recipient, subject) of every mail in the shared outbox."""
    folder = cluster.plan.state_dir / "data" / "outbox"
    found = []
    for path in folder.glob("**/*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        found.append((str(message["To"]), str(message["Subject"])))
    return found


@pytest.fixture(scope="module")
def logs() -> Path:
    """The shifted consumers' logs, kept with the cluster's under artifacts/cluster/."""
    folder = ARTIFACTS / "periodic"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def test_reminders_and_reports_fire_once_across_consumers_started_at_the_same_due_minute(cluster, logs):
    today = dt.datetime.utcnow().date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    # What the schedulers will find due: today's reminders and last month's reports, none sent yet.
    cluster.sql("DELETE FROM reminder_deliveries WHERE day = :d", d=today)
    cluster.sql("DELETE FROM monthly_reports WHERE month = :m", m=last_month)
    mails_before = Counter(outbox_messages(cluster))

    due = dt.datetime.combine(today.replace(day=1), dt.time(8, 0))  # report day 1, reminder hour 8 (the defaults)
    consumers = start_consumers(cluster, due, logs)
    try:
        wait_for(
            lambda: enqueued(logs, due, "tasks.reminders.daily_reminders") == CONSUMERS
            and enqueued(logs, due, "tasks.reports.monthly_reports") == CONSUMERS,
            "every shifted scheduler to enqueue the reminders and the reports",
            timeout=120,
        )
        reminders = settled(
            cluster, "SELECT user_id, channel, status FROM reminder_deliveries WHERE day = :d ORDER BY 1, 2", d=today
        )
        reports = settled(cluster, "SELECT sponsor_id FROM monthly_reports WHERE month = :m ORDER BY 1", m=last_month)
    finally:
        stop_consumers(consumers)

    assert reminders, "nobody was reminded: the demo has requests awaiting answers"
    assert len({(user, channel) for user, channel, _ in reminders}) == len(reminders)
    assert reports and len(set(reports)) == len(reports)
    new_mails = Counter(outbox_messages(cluster)) - mails_before
    doubled = {mail: n for mail, n in new_mails.items() if n > 1}
    assert not doubled, f"mails sent more than once: {doubled}"
    mailed_reminders = sum(1 for _user, channel, status in reminders if channel == "email" and status == "sent")
    assert mailed_reminders >= 1
    assert sum(new_mails.values()) >= mailed_reminders  # and the reports' own mails, each once (checked above)


def test_daily_snapshots_fire_once_across_consumers_started_at_the_same_due_minute(cluster, logs):
    yesterday = dt.datetime.utcnow().date() - dt.timedelta(days=1)
    cluster.sql("DELETE FROM analytics_snapshots WHERE day = :d", d=yesterday)
    due = dt.datetime.combine(yesterday + dt.timedelta(days=1), dt.time(0, 50))
    consumers = start_consumers(cluster, due, logs)
    try:
        wait_for(
            lambda: enqueued(logs, due, "tasks.snapshots.analytics_snapshots") == CONSUMERS,
            "every shifted scheduler to enqueue the snapshots",
            timeout=120,
        )
        rows = settled(
            cluster,
            "SELECT coalesce(organization_id, 0) FROM analytics_snapshots WHERE day = :d ORDER BY 1",
            d=yesterday,
        )
    finally:
        stop_consumers(consumers)
    assert rows and len(set(rows)) == len(rows), f"snapshots of {yesterday}: {Counter(rows).most_common(3)}"
    assert (0,) in rows  # the platform-wide row
