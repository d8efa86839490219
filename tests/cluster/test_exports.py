"""Exports in a cluster: any worker runs them, any replica serves the file, a worker killed mid-export loses nothing."""

from __future__ import annotations

import csv
import io
import os
import signal

from playwright.sync_api import expect

from tests.cluster.conftest import wait_for
from tests.e2e.conftest import goto, login, wait_idle
from tests.e2e.test_flows import form_with

import pytest

pytestmark = [pytest.mark.cluster]
SPONSOR = ("greenleaf", "Demo-pass-1")


def test_an_export_started_on_replica_1_runs_on_a_worker_and_downloads_from_replica_3(cluster, open_page):
    starter, downloader = open_page(cluster.replica_url(1)), open_page(cluster.replica_url(3))
    login(starter, *SPONSOR)
    login(downloader, *SPONSOR)
    goto(downloader, "/sponsor-downloads")  # rendered before the export exists

    goto(starter, "/sponsor-downloads")
    form_with(starter, "Name contains").get_by_role("button", name="Start export").click()
    expect(starter.get_by_text("Export started").first).to_be_visible()

    goto(downloader, "/sponsor-notifications")
    goto(downloader, "/sponsor-downloads")
    button = downloader.get_by_role("button", name="Download CSV").first
    expect(button).to_be_visible()
    wait_idle(downloader)
    with downloader.expect_download() as download:
        button.click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    expected = cluster.sql(
        "SELECT count(*) FROM ad_requests r JOIN campaigns c ON c.id = r.campaign_id "
        "JOIN org_members m ON m.organization_id = c.organization_id JOIN users u ON u.id = m.user_id "
        "WHERE u.username = :u",
        u=SPONSOR[0],
    )[0][0]
    assert len(rows) - 1 == expected > 0
    sponsor_column = rows[0].index("sponsor")
    assert {row[sponsor_column] for row in rows[1:]} == {"GreenLeaf Foods"}  # hers, and only hers


def _run_export_lines(cluster) -> dict[str, int]:
    """worker name -> how many times its log says it started an export task."""
    return {
        p.name: open(p.log, encoding="utf-8", errors="replace").read().count("Executing tasks.exports.run_export")
        for p in cluster.processes("worker")
    }


def test_a_worker_killed_mid_export_leaves_the_export_retried_or_failed_never_stuck_running(cluster):
    before = _run_export_lines(cluster)
    job_id = int(cluster.run("-m", "tests.cluster.actions", "export", "admin").strip().splitlines()[-1])
    wait_for(
        lambda: cluster.sql("SELECT status FROM export_jobs WHERE id = :j", j=job_id)[0][0] == "running",
        "the export to start running",
        every=0.005,
    )
    taker = wait_for(
        lambda: next((name for name, n in _run_export_lines(cluster).items() if n > before.get(name, 0)), None),
        "the worker that took the export to log it",
        every=0.005,
    )
    status_at_kill = cluster.sql("SELECT status, row_count FROM export_jobs WHERE id = :j", j=job_id)[0]
    os.killpg(cluster.process(taker).pid, signal.SIGKILL)
    assert status_at_kill[0] == "running", f"the export finished before the kill: {status_at_kill}"

    # The lease runs out (60 s without a heartbeat), the sweeper on a surviving worker requeues it, it finishes there.
    final = wait_for(
        lambda: next(
            iter(
                cluster.sql(
                    "SELECT status, row_count, error, attempts FROM export_jobs "
                    "WHERE id = :j AND status IN ('done', 'failed')",
                    j=job_id,
                )
            ),
            None,
        ),
        "the killed export to be retried or failed",
        timeout=300,
        every=1,
    )
    status, row_count, error, attempts = final
    if status == "done":
        assert row_count == cluster.sql("SELECT count(*) FROM ad_requests")[0][0]
        assert attempts >= 1
    else:
        assert error and "worker stopped" in error
    assert not cluster.sql("SELECT id FROM export_jobs WHERE status = 'running'")
