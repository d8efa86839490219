"""A replica killed mid-session: the proxy takes it out of rotation and its user continues on another, logged in."""

from __future__ import annotations

import os
import signal

import pytest
from playwright.sync_api import expect

from deploy import cluster as deployment
from tests.cluster.conftest import wait_for
from tests.e2e.conftest import goto, login, wait_idle

pytestmark = [pytest.mark.cluster]
INFLUENCER = ("maya", "Demo-pass-1")


def test_a_replica_killed_mid_session_leaves_rotation_and_its_user_reloads_onto_another_still_logged_in(
    cluster, open_page
):
    page = open_page(cluster.proxy_url)
    login(page, *INFLUENCER)
    goto(page, "/influencer-find-campaigns")
    pinned = next(c["value"] for c in page.context.cookies() if c["name"] == deployment.PROXY_COOKIE)
    requests_before = cluster.sql("SELECT count(*) FROM ad_requests")[0][0]

    os.killpg(cluster.process(pinned).pid, signal.SIGKILL)
    wait_for(
        lambda: deployment.proxy_server_status(cluster.plan.state_dir).get(pinned) == "DOWN",
        f"HAProxy to take {pinned} out of rotation",
        timeout=30,
    )

    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Find campaigns")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("@maya")).to_be_visible()
    now_on = next(c["value"] for c in page.context.cookies() if c["name"] == deployment.PROXY_COOKIE)
    assert now_on != pinned
    assert deployment.proxy_server_status(cluster.plan.state_dir)[now_on] == "UP"
    assert cluster.sql("SELECT count(*) FROM ad_requests")[0][0] == requests_before
