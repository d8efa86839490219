"""The caching layer: hits, misses, TTL, cross-process invalidation, per-viewer scope, Redis and its outage."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update

from core.errors import PermissionDenied
from core.marketplace import accounts, ad_requests, cached_reads, campaigns, organizations, search, stats
from core.models import Campaign
from core.platform import cache
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("IESCP_TEST_REDIS_URL")


@pytest.fixture
def memory_cache():
    """A fresh in-process cache for this test only."""
    fresh = cache.build(None)
    cache.use(fresh)
    yield fresh
    cache.use(None)


@pytest.fixture
def redis_cache():
    """A cache on the real Redis (keys of this test's databases only), or skip without one."""
    if not REDIS_URL:
        pytest.skip("IESCP_TEST_REDIS_URL is not set")
    fresh = cache.build(REDIS_URL)
    cache.use(fresh)
    yield fresh
    cache.use(None)


def _rename_behind_the_cache(db, campaign_id: int, name: str) -> None:
    """Change a row without bumping any generation (what a cache cannot see)."""
    with db.Session.begin() as s:
        s.execute(update(Campaign).where(Campaign.id == campaign_id).values(name=name))


def _names(dashboard: dict) -> list[str]:
    return list(dashboard["campaigns"]["name"])


def test_a_repeated_read_is_served_from_the_cache_until_a_write_bumps_its_generation(database, memory_cache):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, name="Spring Launch")
    first = cached_reads.sponsor_dashboard(database, actor=sponsor)
    _rename_behind_the_cache(database, campaign_id, "Renamed Quietly")
    second = cached_reads.sponsor_dashboard(database, actor=sponsor)
    assert _names(second) == ["Spring Launch"] and second["as_of"] == first["as_of"]

    f.campaign(database, sponsor, name="Summer Drop")  # a service write bumps the sponsor's generation
    third = cached_reads.sponsor_dashboard(database, actor=sponsor)
    assert sorted(_names(third)) == ["Renamed Quietly", "Summer Drop"]
    assert third["as_of"] >= first["as_of"]


def test_cached_reads_return_what_the_core_reads_return(database, memory_cache):
    sponsor = f.sponsor(database)
    yogi = f.influencer(database, name="Maya Yoga", bio="Morning yoga flows")
    f.influencer(database, name="Leo Runs", category="Sports", niche="running")
    campaign_id = f.campaign(database, sponsor, name="Yoga Mats", description="yoga gear")
    f.request(database, sponsor, campaign_id, yogi)
    admin = f.admin(database)
    for _ in range(2):  # the miss and then the hit
        page = cached_reads.search_influencers(database, actor=sponsor, text="yoga")
        campaign_page = cached_reads.search_campaigns(database, actor=yogi, text="yoga")
        dashboard = cached_reads.sponsor_dashboard(database, actor=sponsor)
        figures = cached_reads.admin_statistics(database, actor=admin)
        facets = cached_reads.influencer_facets(database, actor=sponsor)
        campaign_facets = cached_reads.campaign_facets(database, actor=yogi)
        with database.ReadSession.begin() as s:
            expected_page = search.search_influencers(s, actor=sponsor, text="yoga")
            expected_campaigns = search.search_campaigns(s, actor=yogi, text="yoga")
            expected_table = campaigns.list_sponsor_campaigns(s, actor=sponsor)
            expected_burn = campaigns.budget_burn(s, actor=sponsor)
            expected_figures = stats.admin_statistics(s, actor=admin)
            expected_facets = search.influencer_facets(s, actor=sponsor)
            expected_campaign_facets = search.campaign_facets(s, actor=yogi)
        assert page.rows.equals(expected_page.rows) and page.total == expected_page.total == 1
        assert page.next_cursor == expected_page.next_cursor
        assert campaign_page.rows.equals(expected_campaigns.rows)
        assert campaign_page.rows["already_requested"].tolist() == [True]
        assert dashboard["campaigns"].equals(expected_table) and dashboard["burn"].equals(expected_burn)
        assert dashboard["summary"] == campaigns.sponsor_summary(expected_table)
        assert figures["ad_requests"] == expected_figures["ad_requests"]
        assert figures["users"] == expected_figures["users"]
        assert {k: v for k, v in facets.items() if k != "as_of"} == expected_facets
        assert {k: v for k, v in campaign_facets.items() if k != "as_of"} == expected_campaign_facets
        assert page.as_of is not None and facets["as_of"] is not None


def test_an_entry_expires_after_its_kinds_ttl(database):
    cache.use(cache.build(None, ttls={"dashboard": 0.4}))
    try:
        sponsor = f.sponsor(database)
        campaign_id = f.campaign(database, sponsor, name="Before")
        cached_reads.sponsor_dashboard(database, actor=sponsor)
        _rename_behind_the_cache(database, campaign_id, "After")
        assert _names(cached_reads.sponsor_dashboard(database, actor=sponsor)) == ["Before"]
        time.sleep(0.6)
        assert _names(cached_reads.sponsor_dashboard(database, actor=sponsor)) == ["After"]
    finally:
        cache.use(None)


WRITER = """
import sys
from core.marketplace import accounts, campaigns
from core.platform.db import connect
from core.platform.timeutil import today
db = connect(sys.argv[1])
with db.Session.begin() as s:
    actor = accounts.load_actor(s, int(sys.argv[2]))
    campaigns.create_campaign(s, actor=actor, name="Written Elsewhere", category="Food", start_date=today(),
                              end_date=today(), budget_cents=5000)
db.dispose()
"""


def test_a_write_committed_by_another_process_makes_the_next_read_fresh(database, memory_cache):
    sponsor = f.sponsor(database)
    f.campaign(database, sponsor, name="Mine")
    assert _names(cached_reads.sponsor_dashboard(database, actor=sponsor)) == ["Mine"]
    url = database.engine.url.render_as_string(hide_password=False)
    subprocess.run(
        [sys.executable, "-c", WRITER, url, str(sponsor.id)],
        cwd=ROOT,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert sorted(_names(cached_reads.sponsor_dashboard(database, actor=sponsor))) == ["Mine", "Written Elsewhere"]


def test_two_sponsors_asking_the_same_question_never_see_each_others_campaigns(database, memory_cache):
    alice, bob = f.sponsor(database, name="Alice Co"), f.sponsor(database, name="Bob Co")
    f.campaign(database, alice, name="Alice Campaign")
    f.campaign(database, bob, name="Bob Campaign")
    assert _names(cached_reads.sponsor_dashboard(database, actor=alice)) == ["Alice Campaign"]
    assert _names(cached_reads.sponsor_dashboard(database, actor=bob)) == ["Bob Campaign"]
    assert list(cached_reads.list_sponsor_campaigns(database, actor=bob)["name"]) == ["Bob Campaign"]
    assert list(cached_reads.list_sponsor_campaigns(database, actor=alice)["name"]) == ["Alice Campaign"]


def test_a_shared_campaign_search_page_carries_each_viewers_own_requests(database, memory_cache):
    sponsor = f.sponsor(database)
    asked, other = f.influencer(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, name="Open Call")
    f.request(database, sponsor, campaign_id, asked)
    first = cached_reads.search_campaigns(database, actor=asked)
    second = cached_reads.search_campaigns(database, actor=other)
    assert second.as_of == first.as_of  # one shared entry...
    assert first.rows["already_requested"].tolist() == [True]  # ...with per-viewer flags
    assert second.rows["already_requested"].tolist() == [False]


def test_admins_see_unlisted_influencers_in_their_own_entry_and_sponsors_never_do(database, memory_cache):
    admin, sponsor = f.admin(database), f.sponsor(database)
    f.influencer(database, name="Public Person")
    f.influencer(database, name="Private Person", is_public=False)
    everyone = cached_reads.search_influencers(database, actor=admin, include_unlisted=True)
    listed = cached_reads.search_influencers(database, actor=sponsor, include_unlisted=True)
    assert sorted(everyone.rows["display_name"]) == ["Private Person", "Public Person"]
    assert list(listed.rows["display_name"]) == ["Public Person"]


def test_filter_options_are_cached_per_viewer_scope_and_never_leak_unlisted_values(database, memory_cache):
    admin, sponsor = f.admin(database), f.sponsor(database)
    f.influencer(database, category="Fitness")
    f.influencer(database, category="Hidden Talent", is_public=False)
    everything = cached_reads.influencer_facets(database, actor=admin, include_unlisted=True)
    listed = cached_reads.influencer_facets(database, actor=sponsor, include_unlisted=True)
    assert everything["categories"] == ["Fitness", "Hidden Talent"]
    assert listed["categories"] == ["Fitness"]
    assert cached_reads.influencer_facets(database, actor=admin)["categories"] == ["Fitness"]


def test_permission_is_checked_before_a_cached_answer_is_given(database, memory_cache):
    admin, influencer = f.admin(database), f.influencer(database)
    cached_reads.admin_statistics(database, actor=admin)
    with pytest.raises(PermissionDenied):
        cached_reads.admin_statistics(database, actor=influencer)
    with pytest.raises(PermissionDenied):
        cached_reads.sponsor_dashboard(database, actor=influencer)
    with pytest.raises(PermissionDenied):
        cached_reads.influencer_facets(database, actor=influencer)


def test_changing_a_returned_frame_does_not_change_what_the_next_reader_gets(database, memory_cache):
    sponsor = f.sponsor(database)
    f.campaign(database, sponsor, name="Original")
    mine = cached_reads.sponsor_dashboard(database, actor=sponsor)
    mine["campaigns"].loc[0, "name"] = "Scribbled"
    assert _names(cached_reads.sponsor_dashboard(database, actor=sponsor)) == ["Original"]


def _concurrent_cold_reads(database, admin, threads: int = 6) -> list:
    results, errors = [], []
    barrier = threading.Barrier(threads)

    def read():
        try:
            barrier.wait()
            results.append(cached_reads.admin_statistics(database, actor=admin)["as_of"])
        except Exception as error:  # surfaced below
            errors.append(error)

    workers = [threading.Thread(target=read) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not errors
    return results


def test_concurrent_cold_reads_of_admin_statistics_compute_them_once(database, memory_cache):
    admin = f.admin(database)
    results = _concurrent_cold_reads(database, admin)
    assert len(results) == 6 and len(set(results)) == 1


@pytest.mark.redis
def test_redis_backed_cache_is_shared_between_processes_and_follows_generations(database, redis_cache):
    import redis

    sponsor = f.sponsor(database)
    f.campaign(database, sponsor, name="Shared")
    first = cached_reads.sponsor_dashboard(database, actor=sponsor)
    replica = cache.build(REDIS_URL)  # another app process: its own region, the same Redis
    cache.use(replica)
    assert cached_reads.sponsor_dashboard(database, actor=sponsor)["as_of"] == first["as_of"]
    client = redis.Redis.from_url(REDIS_URL)
    namespace = replica.namespace
    assert client.keys(f"iescp:{namespace}:v{cache.KEY_VERSION}:{cache.database_identity(database)}:dashboard:*")
    f.campaign(database, sponsor, name="Another")
    assert sorted(_names(cached_reads.sponsor_dashboard(database, actor=sponsor))) == ["Another", "Shared"]


DEPLOYMENT = """
import json, sys
from core.marketplace import cached_reads
from core.platform import bootstrap
from core.platform.config import get_settings
from core.platform.db import connect
from tasks.queue import queue_name
from tests import factories as f

db = connect(get_settings().database_url)
bootstrap.migrate(db.engine)
bootstrap.init_database(db)
sponsor = f.sponsor(db, name=sys.argv[1])
f.campaign(db, sponsor, name=sys.argv[1] + " Launch")
influencer = f.influencer(db)
print(json.dumps({
    "search": list(cached_reads.search_campaigns(db, actor=influencer).rows["sponsor"]),
    "dashboard": list(cached_reads.sponsor_dashboard(db, actor=sponsor)["campaigns"]["name"]),
    "queue": queue_name(),
}))
db.dispose()
"""


def _run_deployment(folder: Path, brand: str, **settings: str) -> dict:
    """One deployment in folder, as its own process: the same relative data paths as every other one."""
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IESCP_")}
    env.update(
        PYTHONPATH=str(ROOT),
        IESCP_DATA_DIR="data",
        IESCP_DATABASE_URL="sqlite:///data/iescp.sqlite3",
        IESCP_REDIS_URL=REDIS_URL,
        IESCP_HUEY_IMMEDIATE="1",
        IESCP_BCRYPT_ROUNDS="4",
        IESCP_ADMIN_PASSWORD="Admin-pass-1",
        **settings,
    )
    (folder / "data").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", DEPLOYMENT, brand], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.redis
def test_two_deployments_in_two_folders_sharing_one_redis_never_read_each_others_data(tmp_path):
    if not REDIS_URL:
        pytest.skip("IESCP_TEST_REDIS_URL is not set")
    first = _run_deployment(tmp_path / "first", "Alpha")
    second = _run_deployment(tmp_path / "second", "Beta")

    assert (first["search"], first["dashboard"]) == (["Alpha"], ["Alpha Launch"])
    assert (second["search"], second["dashboard"]) == (["Beta"], ["Beta Launch"])
    assert first["queue"] != second["queue"]


@pytest.mark.redis
def test_processes_that_set_the_same_namespace_share_its_queue_and_key_prefix(tmp_path):
    import redis

    if not REDIS_URL:
        pytest.skip("IESCP_TEST_REDIS_URL is not set")
    shared = f"replicas-{uuid.uuid4().hex[:8]}"
    first = _run_deployment(tmp_path / "first", "Alpha", IESCP_NAMESPACE=shared)
    second = _run_deployment(tmp_path / "second", "Beta", IESCP_NAMESPACE=shared)

    assert first["queue"] == second["queue"] == shared
    assert redis.Redis.from_url(REDIS_URL).keys(f"iescp:{shared}:v{cache.KEY_VERSION}:*")


def test_the_default_namespace_differs_between_folders_even_with_the_same_relative_database_url(tmp_path, monkeypatch):
    from core.platform.config import load_settings

    monkeypatch.setenv("IESCP_DATA_DIR", "data")
    monkeypatch.setenv("IESCP_DATABASE_URL", "sqlite:///data/iescp.sqlite3")
    namespaces = []
    for folder in ("first", "second", "first"):
        (tmp_path / folder).mkdir(exist_ok=True)
        monkeypatch.chdir(tmp_path / folder)
        namespaces.append(load_settings().namespace)
    assert namespaces[0] == namespaces[2] != namespaces[1]
    assert all(n.startswith("iescp-") for n in namespaces)


def test_an_explicit_namespace_wins_and_a_malformed_one_is_refused(monkeypatch):
    from core.platform.config import load_settings

    monkeypatch.setenv("IESCP_NAMESPACE", "shop-eu.prod")
    assert load_settings().namespace == "shop-eu.prod"
    assert cache.build(None).namespace == "shop-eu.prod"
    monkeypatch.setenv("IESCP_NAMESPACE", "shop eu:*")
    with pytest.raises(ValueError, match="IESCP_NAMESPACE"):
        load_settings()


@pytest.mark.redis
def test_redis_lock_lets_one_of_many_concurrent_readers_compute_admin_statistics(database, redis_cache):
    admin = f.admin(database)
    results = _concurrent_cold_reads(database, admin)
    assert len(results) == 6 and len(set(results)) == 1


def test_with_redis_down_reads_still_work_uncached_and_one_warning_is_logged(database, caplog):
    cache.use(cache.build("redis://127.0.0.1:1/0"))  # nothing listens on port 1
    try:
        sponsor = f.sponsor(database)
        f.campaign(database, sponsor, name="Still Works")
        with caplog.at_level(logging.WARNING, logger="iescp.cache"):
            for _ in range(3):
                assert _names(cached_reads.sponsor_dashboard(database, actor=sponsor)) == ["Still Works"]
            page = cached_reads.search_influencers(database, actor=sponsor)
        assert page.total == 0
        warnings = [r for r in caplog.records if r.name == "iescp.cache" and r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
    finally:
        cache.use(None)


def test_the_cache_follows_the_redis_setting(monkeypatch):
    from core.platform.config import reset_settings

    cache.use(None)
    assert cache.get_cache().backend == "memory"
    monkeypatch.setenv("IESCP_REDIS_URL", f"redis://127.0.0.1:1/{uuid.uuid4().int % 16}")
    reset_settings()
    assert cache.get_cache().backend == "redis"
    cache.use(None)


# ---- writes in one scope refresh what other scopes show (table in docs/decisions/cache.md) -------------------


@pytest.fixture
def long_lived_cache():
    """Entries that would live an hour and no floor: only a generation bump can make a read fresh.

    These tests prove which writes bump which scopes; the floor on top of that has its own tests
    (test_cache_floor.py)."""
    fresh = cache.build(None, ttls={kind: 3600 for kind in cache.TTL_SECONDS}, min_ages={"stats": 0})
    cache.use(fresh)
    yield fresh
    cache.use(None)


def test_an_influencer_sees_an_organizations_new_name_in_campaign_search_right_after_the_rename(
    database, long_lived_cache
):
    sponsor, influencer = f.sponsor(database, name="Old Name Co"), f.influencer(database)
    f.campaign(database, sponsor, name="Spring Launch")
    assert list(cached_reads.search_campaigns(database, actor=influencer).rows["sponsor"]) == ["Old Name Co"]

    f.write(
        database,
        lambda s: organizations.update_organization(s, actor=sponsor, name="New Name Co"),
    )

    assert list(cached_reads.search_campaigns(database, actor=influencer).rows["sponsor"]) == ["New Name Co"]


def test_an_admin_sees_a_login_in_the_active_user_count_right_after_it(database, long_lived_cache):
    admin, influencer = f.admin(database), f.influencer(database)
    before = cached_reads.admin_statistics(database, actor=admin)["users"]["logged_in_30d"]

    result = f.write(database, lambda s: accounts.authenticate(s, username=influencer.username, password=f.PASSWORD))
    assert result.actor is not None

    assert cached_reads.admin_statistics(database, actor=admin)["users"]["logged_in_30d"] == before + 1


def test_a_second_login_within_the_window_keeps_the_admins_cached_statistics(database, long_lived_cache):
    admin, influencer = f.admin(database), f.influencer(database)
    login = lambda s: accounts.authenticate(s, username=influencer.username, password=f.PASSWORD)  # noqa: E731
    f.write(database, login)
    first = cached_reads.admin_statistics(database, actor=admin)

    f.write(database, login)  # she was already counted: nothing the admin sees has changed

    assert cached_reads.admin_statistics(database, actor=admin)["as_of"] == first["as_of"]


def test_an_admin_sees_an_influencers_new_category_in_statistics_right_after_the_edit(database, long_lived_cache):
    admin, influencer = f.admin(database), f.influencer(database, category="Fitness")
    before = cached_reads.admin_statistics(database, actor=admin)["influencer_categories"]
    assert list(before["category"]) == ["Fitness"]

    f.write(
        database,
        lambda s: accounts.update_influencer_profile(
            s,
            actor=influencer,
            display_name="Maya",
            category="Cooking",
            platform="instagram",
            followers=50_000,
            engagement_rate=4.0,
        ),
    )

    after = cached_reads.admin_statistics(database, actor=admin)["influencer_categories"]
    assert list(after["category"]) == ["Cooking"]


def test_an_admin_sees_a_new_sign_up_and_an_approval_in_statistics_right_away(database, long_lived_cache):
    admin = f.admin(database)
    assert cached_reads.admin_statistics(database, actor=admin)["users"]["pending_sponsors"] == 0
    pending = f.sponsor(database, approved=False)
    assert cached_reads.admin_statistics(database, actor=admin)["users"]["pending_sponsors"] == 1
    f.write(database, lambda s: accounts.approve_sponsor(s, actor=admin, user_id=pending))
    assert cached_reads.admin_statistics(database, actor=admin)["users"]["pending_sponsors"] == 0


def test_a_sponsor_sees_an_influencers_acceptance_on_the_dashboard_right_after_it(database, long_lived_cache):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, name="Spring Launch", budget_cents=100_000)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=25_000)
    before = cached_reads.sponsor_dashboard(database, actor=sponsor)
    assert before["summary"]["accepted"] == 0 and before["burn"].empty

    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )

    after = cached_reads.sponsor_dashboard(database, actor=sponsor)
    assert after["summary"]["accepted"] == 1 and after["summary"]["committed_cents"] == 25_000
    assert list(after["burn"]["cumulative_cents"]) == [25_000]


def test_a_sponsor_sees_an_admins_flag_on_their_campaign_right_after_it(database, long_lived_cache):
    admin, sponsor = f.admin(database), f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, name="Spring Launch")
    assert list(cached_reads.list_sponsor_campaigns(database, actor=sponsor)["flagged"]) == [False]

    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="Misleading"))

    assert list(cached_reads.list_sponsor_campaigns(database, actor=sponsor)["flagged"]) == [True]


def test_a_flagged_influencer_leaves_search_results_and_filter_options_right_away(database, long_lived_cache):
    admin, sponsor = f.admin(database), f.sponsor(database)
    f.influencer(database, name="Stays", category="Fitness")
    leaving = f.influencer(database, name="Leaves", category="Scams")
    assert sorted(cached_reads.search_influencers(database, actor=sponsor).rows["display_name"]) == ["Leaves", "Stays"]
    assert cached_reads.influencer_facets(database, actor=sponsor)["categories"] == ["Fitness", "Scams"]

    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=leaving.id, reason="Spam"))

    assert list(cached_reads.search_influencers(database, actor=sponsor).rows["display_name"]) == ["Stays"]
    assert cached_reads.influencer_facets(database, actor=sponsor)["categories"] == ["Fitness"]


def test_a_flagged_sponsors_campaigns_leave_campaign_search_and_filter_options_right_away(database, long_lived_cache):
    admin, influencer = f.admin(database), f.influencer(database)
    good, bad = f.sponsor(database, name="Good Co"), f.sponsor(database, name="Bad Co")
    f.campaign(database, good, category="Fitness")
    f.campaign(database, bad, category="Crypto")
    assert sorted(cached_reads.search_campaigns(database, actor=influencer).rows["sponsor"]) == ["Bad Co", "Good Co"]
    assert cached_reads.campaign_facets(database, actor=influencer)["categories"] == ["Crypto", "Fitness"]

    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=bad.id, reason="Fraud"))

    assert list(cached_reads.search_campaigns(database, actor=influencer).rows["sponsor"]) == ["Good Co"]
    assert cached_reads.campaign_facets(database, actor=influencer)["categories"] == ["Fitness"]
