"""SQLite's plan for the big export: requests first, by primary key, no sort (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text

from core.models import AdRequest
from core.reporting import export_queries
from tests import factories as f

REQUESTS_FIRST = [
    "SCAN ad_requests",
    "SEARCH campaigns USING INTEGER PRIMARY KEY (rowid=?)",
    "SEARCH organizations USING INTEGER PRIMARY KEY (rowid=?)",
    "SEARCH influencer_profiles USING INTEGER PRIMARY KEY (rowid=?)",
]


def plan(database, stmt) -> list[str]:
    """The detail column of EXPLAIN QUERY PLAN for stmt, outermost loop first."""
    compiled = stmt.compile(dialect=database.engine.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    with database.engine.connect() as conn:
        return [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(params))]


@pytest.fixture
def marketplace(sqlite_database):
    """Two sponsors with a few campaigns each and a few hundred closed requests."""
    sponsors = [f.sponsor(sqlite_database) for _ in range(2)]
    campaigns = [f.campaign(sqlite_database, s) for s in sponsors for _ in range(5)]
    influencers = [f.influencer(sqlite_database).id for _ in range(10)]
    with sqlite_database.Session.begin() as s:
        s.execute(
            insert(AdRequest),
            [
                {
                    "campaign_id": c,
                    "influencer_id": i,
                    "initiated_by": "sponsor",
                    "payment_cents": 100,
                    "status": "rejected",
                }
                for c in campaigns
                for i in influencers
                for _ in range(3)
            ],
        )
    return {"db": sqlite_database, "sponsor": sponsors[0]}


@pytest.mark.parametrize("analyzed", [False, True], ids=["no-statistics", "after-ANALYZE"])
def test_a_whole_table_export_walks_ad_requests_in_id_order_and_looks_the_rest_up_by_key(marketplace, analyzed):
    db = marketplace["db"]
    if analyzed:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))

    assert plan(db, export_queries.ad_requests_query(None, {})) == REQUESTS_FIRST


def test_a_sponsors_export_starts_from_their_campaigns_not_from_every_request(marketplace):
    scoped = plan(marketplace["db"], export_queries.ad_requests_query(marketplace["sponsor"].organization_id, {}))

    assert scoped[0] != "SCAN ad_requests"
    assert any("ix_ad_requests_campaign_rollup (campaign_id=?)" in step for step in scoped)


def test_one_range_of_a_parallel_export_seeks_its_ids_by_primary_key_with_the_same_lookups(marketplace):
    ranged = plan(marketplace["db"], export_queries.ad_requests_query(None, {}, ids=(10, 200)))

    assert ranged == ["SEARCH ad_requests USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)", *REQUESTS_FIRST[1:]]


@pytest.mark.parametrize("analyzed", [False, True], ids=["no-statistics", "after-ANALYZE"])
def test_the_name_lookup_export_scans_ad_requests_alone_in_id_order(marketplace, analyzed):
    db = marketplace["db"]
    if analyzed:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))

    assert plan(db, export_queries.ad_request_rows_query({})) == ["SCAN ad_requests"]
    assert plan(db, export_queries.influencer_names_query()) == ["SCAN influencer_profiles"]
