"""The admin's System health page: an empty state before any worker, then workers, periodic runs and failures."""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import ExportJob
from core.platform import worker_health as wh
from core.platform.timeutil import utcnow
from pages.common import navigation
from tests import factories as f
from tests.pages.conftest import app_test

PAGE = "pages/admin/system.py"
W1 = wh.WorkerIdentity("worker-1:4242", "host-a", 4242, "worker-1")


def _clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_with_no_worker_running_the_page_says_how_to_start_one(app_db):
    at = app_test(PAGE, f.admin(app_db).id).run()
    _clean(at)
    assert at.title[0].value == "System health"
    assert any("No job worker is running" in i.value for i in at.info)
    assert not at.dataframe and not at.error
    assert at.metric[0].value == "0" and at.metric[1].value == "0"  # workers alive, jobs waiting


def test_the_page_lists_workers_periodic_runs_and_the_last_days_failures(app_db):
    now = utcnow()
    admin, sponsor = f.admin(app_db), f.sponsor(app_db)
    with app_db.Session.begin() as s:
        wh.register_worker(s, W1, now=now - dt.timedelta(minutes=5))
        wh.record_task(s, W1, ok=True, now=now)
        wh.record_periodic_start(s, "send_reminders", W1, now=now)
        wh.record_periodic_end(s, "send_reminders", W1, error="SMTPError: 554 rejected", now=now)
        s.add(ExportJob(owner_id=sponsor.id, kind="campaigns", status="failed", error="disk full", finished_at=now))
    at = app_test(PAGE, admin.id).run()
    _clean(at)
    assert any("Workers are alive" in s.value for s in at.success)
    assert [m.value for m in at.metric] == ["1", "0", "1", "2"]  # alive, waiting, periodic tasks, failures
    workers, periodic, failures = (d.value for d in at.dataframe)
    assert workers[["state", "worker", "done", "failed"]].values.tolist() == [["alive", W1.name, 1, 0]]
    assert periodic[["task", "status", "error"]].values.tolist() == [
        ["send_reminders", "failed", "SMTPError: 554 rejected"]
    ]
    assert sorted(failures[["kind", "error"]].values.tolist()) == [
        ["export", "disk full"],
        ["periodic task", "SMTPError: 554 rejected"],
    ]


def test_a_stale_worker_is_shown_as_a_problem(app_db):
    with app_db.Session.begin() as s:
        wh.register_worker(s, W1, now=utcnow() - dt.timedelta(minutes=30))
    at = app_test(PAGE, f.admin(app_db).id).run()
    _clean(at)
    assert [e.value for e in at.error] == ["No worker seen in the last 2 minutes"]
    assert at.dataframe[0].value["state"].tolist() == ["stale"]


@pytest.mark.parametrize("role", ["sponsor", "influencer"])
def test_sponsors_and_influencers_are_refused_the_page(app_db, role):
    actor = f.sponsor(app_db) if role == "sponsor" else f.influencer(app_db)
    at = app_test(PAGE, actor.id).run()
    _clean(at)
    assert [e.value for e in at.error] == ["This page is not available for your account."]
    assert not at.dataframe and not at.metric


def test_the_page_is_in_the_admin_navigation_only():
    def files(role: str) -> list[str]:
        return [path for section in navigation.ROLE_PAGES[role].values() for path, _, _ in section]

    assert "admin/system.py" in files("admin")
    assert all("admin/system.py" not in files(role) for role in ("sponsor", "influencer"))
