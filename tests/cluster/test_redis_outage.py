"""Redis stopped for 20 s under load: pages keep answering from the database, jobs resume when it is back."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

import pytest

from bench.st_client import StreamlitClient
from core.platform import session_tokens
from deploy import cluster as deployment
from tests.cluster.conftest import wait_for

pytestmark = [pytest.mark.cluster]
OUTAGE_SECONDS = 20
FINISHED = {"FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"}
SEARCHES = ["coffee", "travel", "fitness", "beauty"]
LOOPS = {  # username: (page, interactions cycling over these widget states)
    "greenleaf": ("sponsor-find-influencers", [{"f-text": t, "f-submit": None} for t in SEARCHES]),
    "maya": ("influencer-inbox", [{"inbox_awaiting": True}, {"inbox_awaiting": False}]),
    "admin": ("admin-dashboard", [{}]),
}


@dataclass
class Run:
    """One interaction: when it ended, how, and what the page raised."""

    at: float
    status: str
    exceptions: list[str] = field(default_factory=list)


def login_cookie(cluster, username: str) -> str:
    """The login cookie the app would set for username, signed with the cluster's shared key."""
    version = cluster.sql("SELECT session_version FROM users WHERE username = :u", u=username)[0][0]
    key = deployment.shared_secrets(cluster.plan.state_dir)["IESCP_COOKIE_KEY"]
    return f"iescp_auth={session_tokens.issue(username, version, key=key, expiry_days=1)}"


async def _user(url: str, cookie: str, page: str, steps: list[dict], stop: threading.Event, runs: list[Run]) -> None:
    async with StreamlitClient(url, cookie=cookie, timeout=60) as client:
        first = await client.load(page)
        runs.append(Run(time.monotonic(), first.status, first.exceptions))
        i = 0
        while not stop.is_set():
            result = await client.rerun(steps[i % len(steps)])
            runs.append(Run(time.monotonic(), result.status, result.exceptions))
            i += 1
            await asyncio.sleep(0.2)


def _load(cluster, urls: list[str], stop: threading.Event, runs: list[Run], errors: list[BaseException]) -> None:
    async def all_users():
        cookies = {name: login_cookie(cluster, name) for name in LOOPS}
        users = [
            _user(urls[i % len(urls)], cookies[name], page, steps, stop, runs)
            for i, (name, (page, steps)) in enumerate(LOOPS.items())
        ]
        await asyncio.gather(*users)

    try:
        asyncio.run(all_users())
    except BaseException as error:  # reported by the test, not lost in the thread
        errors.append(error)


def test_with_redis_stopped_for_20_seconds_under_load_pages_keep_answering_and_jobs_resume(cluster):
    live = [p for p in cluster.processes("app") if p.alive()]
    workers = [p for p in cluster.processes("worker") if p.alive()]
    urls = [f"http://127.0.0.1:{p.port}" for p in live]
    stop, runs, errors = threading.Event(), [], []
    load = threading.Thread(target=_load, args=(cluster, urls, stop, runs, errors), daemon=True)
    load.start()
    try:
        wait_for(lambda: len(runs) >= 6 or errors, "the load to get going", timeout=120)
        cluster.redis.stop()
        down_at = time.monotonic()
        # An export started while the queue is down is refused with a message, never left "queued" forever.
        refused = int(cluster.run("-m", "tests.cluster.actions", "export", "greenleaf").strip().splitlines()[-1])
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))  # the outage itself is the test's input
        up_at = time.monotonic()
        cluster.redis.start()
        wait_for(lambda: sum(1 for r in runs if r.at > time.monotonic() - 1) >= 3, "interactions after the outage")
    finally:
        stop.set()
        load.join(timeout=120)
    assert not errors, f"a simulated user failed: {errors[0]!r}"
    during = [r for r in runs if down_at < r.at < up_at]
    assert len(during) >= 10, f"only {len(during)} interactions finished while Redis was down"
    broken = [r for r in runs if r.status not in FINISHED or r.exceptions]
    assert not broken, f"{len(broken)} of {len(runs)} interactions failed, e.g. {broken[0]}"

    status, error = cluster.sql("SELECT status, error FROM export_jobs WHERE id = :j", j=refused)[0]
    assert status == "failed" and "queue is unavailable" in error
    # Jobs resume: every consumer survived the outage, and a new export runs to the end.
    assert workers and all(p.alive() for p in workers)
    job = int(cluster.run("-m", "tests.cluster.actions", "export", "greenleaf").strip().splitlines()[-1])
    wait_for(
        lambda: cluster.sql("SELECT status FROM export_jobs WHERE id = :j", j=job)[0][0] == "done",
        "an export queued after the outage to finish",
        timeout=120,
    )
