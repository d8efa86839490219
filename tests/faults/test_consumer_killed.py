"""A real huey_consumer killed with SIGKILL in the middle of an export or a report: recovered, never stuck."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from core.demo import seed_bulk
from sqlalchemy import select

from core.models import ExportJob, MonthlyReport
from core.platform.config import PROJECT_ROOT, get_settings, reset_settings
from core.platform.timeutil import utcnow
from core.reporting import export_leases, exports
from tasks.queue import make_huey
from tests import factories as f
from tests.faults.conftest import child_env, wait_until
from tests.tasks.conftest import database_url

pytestmark = pytest.mark.timeout(240)
ROWS = 150_000  # about two seconds of streaming: long enough to be killed half-way


def _run_in_child(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _job(db, job_id: int) -> ExportJob:
    with db.ReadSession.begin() as s:
        return s.get(ExportJob, job_id)


def test_an_export_killed_mid_way_is_requeued_by_the_sweeper_and_finished_by_another_worker(
    sqlite_database, tmp_path, monkeypatch, consumers
):
    db = sqlite_database
    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(db))
    reset_settings()
    seed_bulk.seed_bulk(db, influencers=2000, campaigns=200, requests=ROWS, events=False, analyze=False)
    admin = f.admin(db)
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=admin, kind="ad_requests")

    first = consumers(child_env(), tmp_path / "first.log")
    _run_in_child("import sys, tasks; tasks.exports.enqueue_export(int(sys.argv[1]))", str(job_id))
    wait_until(lambda: _job(db, job_id).status != "queued", timeout=90, what="the worker to claim the export")
    assert _job(db, job_id).status == "running", first.output()
    first.kill()

    # Without the sweeper this is where the job stayed for ever: "running", with nobody running it.
    assert _job(db, job_id).status == "running"
    later = (utcnow() + export_leases.LEASE * 2).isoformat()
    swept = _run_in_child(
        "import sys, tasks; print(tasks.recovery.reclaim_lost_jobs.call_local(now=sys.argv[1]))", later
    )
    assert "'exports_requeued': 1" in swept
    assert _job(db, job_id).status == "queued"

    second = consumers(child_env(), tmp_path / "second.log")
    job = wait_until(
        lambda: (j := _job(db, job_id)).status in ("done", "failed") and j,
        timeout=120,
        what=f"the export to finish after the restart; worker log:\n{(tmp_path / 'second.log')}",
    )
    assert (job.status, job.row_count, job.attempts, job.error) == ("done", ROWS, 1, None), second.output()
    leftovers = [p.name for p in get_settings().exports_dir.iterdir() if p.name.endswith(".part")]
    assert leftovers == []  # the killed worker's half-written file was removed by the sweep
    assert isinstance(job.finished_at, dt.datetime)


def test_a_report_killed_mid_way_is_archived_and_emailed_once_by_the_catch_up_run(
    sqlite_database, tmp_path, monkeypatch, consumers, outbox
):
    db = sqlite_database
    monkeypatch.setenv("IESCP_DATABASE_URL", database_url(db))
    reset_settings()
    sponsor = f.sponsor(db)
    campaign_id = f.campaign(db, sponsor)
    for _ in range(3):
        f.request(db, sponsor, campaign_id, f.influencer(db))
    now = utcnow()
    month = f"{now:%Y-%m}"
    report_day = (dt.date(now.year, now.month, 28) + dt.timedelta(days=4)).replace(day=1)  # the 1st of next month
    catch_up_at = dt.datetime.combine(report_day, dt.time(9, 20)).isoformat()

    first = consumers(child_env(), tmp_path / "first.log")
    _run_in_child(
        "import sys, tasks; tasks.reports.sponsor_report(int(sys.argv[1]), sys.argv[2])", str(sponsor.id), month
    )
    queue = make_huey(immediate=False)
    wait_until(lambda: queue.pending_count() == 0, timeout=90, what="the worker to take the report task")
    first.kill()  # mid-report: rendering, archiving or mailing; Huey does not give the task back

    # The catch-up (hourly after the report day) queues every sponsor whose report or email is missing; the
    # sweeper first turns a claimed-but-unsent email into a retryable failure.
    _run_in_child(
        "import sys, tasks; tasks.recovery.reclaim_lost_jobs.call_local(now=sys.argv[1]); "
        "print(tasks.reports.monthly_reports_catch_up.call_local(now=sys.argv[1]))",
        catch_up_at,  # days later: any claim the killed worker made is long past its lease
    )
    second = consumers(child_env(), tmp_path / "second.log")

    def settled():
        with db.ReadSession.begin() as s:
            rows = s.execute(select(MonthlyReport.email_status).where(MonthlyReport.sponsor_id == sponsor.id)).all()
        return rows if rows and rows[0].email_status == "sent" else None

    rows = wait_until(settled, timeout=120, what=f"the report to be archived and sent\n{second.output()}")
    assert len(rows) == 1  # archived once, whatever the kill interrupted
    assert len(outbox.messages) >= 1
