"""The bulk generator, at a small scale: the rows it writes keep every invariant the services keep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.demo import seed_bulk
from core.marketplace import accounts, ad_requests, campaigns, listing, scoring, search
from core.models import (
    COMMITTED_AD_REQUEST_STATUSES,
    AdRequest,
    AdRequestEvent,
    Campaign,
    FinancialDocument,
    InfluencerProfile,
    Organization,
    OrgMember,
    User,
)
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(database):
    summary = seed_bulk.seed_bulk(database, influencers=300, campaigns=80, requests=2_000, sponsors=12, seed=7)
    return database, summary


def test_bulk_seeding_inserts_the_requested_numbers_of_rows(seeded):
    db, summary = seeded
    with db.ReadSession.begin() as s:
        count = lambda model: s.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(InfluencerProfile) == summary.influencers == 300
        assert count(Campaign) == summary.campaigns == 80
        assert count(AdRequest) == summary.ad_requests == 2_000
        assert count(AdRequestEvent) == summary.events == 2_000
        assert s.scalar(select(func.count()).where(User.role == "sponsor")) == 12


def test_committed_money_is_the_sum_of_accepted_and_completed_payments_within_budget(seeded):
    db, _ = seeded
    with db.ReadSession.begin() as s:
        sums = dict(
            s.execute(
                select(AdRequest.campaign_id, func.sum(AdRequest.payment_cents))
                .where(AdRequest.status.in_(COMMITTED_AD_REQUEST_STATUSES))
                .group_by(AdRequest.campaign_id)
            ).all()
        )
        rows = s.execute(select(Campaign.id, Campaign.committed_cents, Campaign.budget_cents)).all()
    assert sums, "some requests should be accepted or completed"
    for campaign_id, committed, budget in rows:
        assert committed == sums.get(campaign_id, 0)
        assert committed <= budget


def test_no_campaign_and_influencer_pair_has_two_live_requests_and_states_are_consistent(seeded):
    db, _ = seeded
    with db.ReadSession.begin() as s:
        duplicates = s.execute(
            select(AdRequest.campaign_id, AdRequest.influencer_id)
            .where(AdRequest.status.in_(("pending", "negotiating", "accepted")))
            .group_by(AdRequest.campaign_id, AdRequest.influencer_id)
            .having(func.count() > 1)
        ).all()
        requests = s.execute(
            select(
                AdRequest.status,
                AdRequest.turn,
                AdRequest.accepted_at,
                AdRequest.completed_at,
                Campaign.status.label("campaign_status"),
            ).join(Campaign, Campaign.id == AdRequest.campaign_id)
        ).all()
    assert duplicates == []
    for r in requests:
        assert (r.turn is not None) == (r.status in ("pending", "negotiating"))
        assert (r.accepted_at is not None) == (r.status in ("accepted", "completed"))
        assert (r.completed_at is not None) == (r.status == "completed")
        assert r.campaign_status != "draft"
        if r.campaign_status in ("completed", "cancelled"):
            assert r.status not in ("pending", "negotiating")


def test_reach_score_and_listed_flags_are_what_the_services_would_compute(seeded):
    db, _ = seeded
    with db.ReadSession.begin() as s:
        profiles = s.execute(
            select(
                InfluencerProfile.user_id,
                InfluencerProfile.followers,
                InfluencerProfile.engagement_rate,
                InfluencerProfile.reach,
                InfluencerProfile.score,
            )
        ).all()
        before = {
            "influencers": dict(s.execute(select(InfluencerProfile.user_id, InfluencerProfile.listed)).all()),
            "campaigns": dict(s.execute(select(Campaign.id, Campaign.listed)).all()),
        }
    for p in profiles:
        assert p.reach == scoring.estimated_reach(p.followers, p.engagement_rate)
        assert p.score == scoring.relevance_score(p.reach, p.engagement_rate)
    with db.Session.begin() as s:  # recompute every flag with core/marketplace/listing.py; nothing may change
        for user_id in before["influencers"]:
            listing.refresh_influencer(s, user_id)
        listing.refresh_campaigns(s)
    with db.ReadSession.begin() as s:
        assert (
            dict(s.execute(select(InfluencerProfile.user_id, InfluencerProfile.listed)).all()) == before["influencers"]
        )
        assert dict(s.execute(select(Campaign.id, Campaign.listed)).all()) == before["campaigns"]
    assert any(before["influencers"].values()) and not all(before["influencers"].values())


def test_one_sponsor_owns_far_more_campaigns_than_any_other(seeded):
    db, summary = seeded
    with db.ReadSession.begin() as s:
        counts = s.execute(
            select(Campaign.sponsor_id, func.count()).group_by(Campaign.sponsor_id).order_by(func.count().desc())
        ).all()
    assert counts[0][0] == summary.busiest_sponsor_id
    assert counts[0][1] == summary.busiest_sponsor_campaigns > counts[1][1]


def test_seeded_data_is_searchable_and_new_rows_still_reach_the_full_text_index(seeded):
    db, summary = seeded
    with db.ReadSession.begin() as s:
        sponsor = accounts.load_actor(s, summary.busiest_sponsor_id)
        some = s.execute(
            select(InfluencerProfile.display_name, InfluencerProfile.niche)
            .where(InfluencerProfile.listed.is_(True))
            .limit(1)
        ).one()
        found = search.search_influencers(s, actor=sponsor, text=some.display_name.split()[0])
    assert found.total >= 1
    newcomer = f.influencer(db, name="Zebediah Quokkaworth", bio="unmistakable")
    with db.ReadSession.begin() as s:
        page = search.search_influencers(s, actor=sponsor, text="quokkaworth")
    assert list(page.rows["user_id"]) == [newcomer.id]


def test_seeded_users_can_log_in_and_negotiate_through_the_services(seeded):
    db, summary = seeded
    with db.Session.begin() as s:
        login = accounts.authenticate(
            s, username=f"brand{summary.busiest_sponsor_id}", password=seed_bulk.BULK_PASSWORD
        )
    assert login.ok
    sponsor = login.actor
    campaign_id = f.campaign(db, sponsor, budget_cents=1_000_000)
    newcomer = f.influencer(db)
    request_id = f.request(db, sponsor, campaign_id, newcomer, payment_cents=50_000)
    with db.Session.begin() as s:
        ad_requests.accept(
            s, actor=newcomer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    with db.ReadSession.begin() as s:
        assert s.get(Campaign, campaign_id).committed_cents == 50_000


def test_the_same_seed_generates_the_same_data(sqlite_database, tmp_path):
    from core.platform import bootstrap
    from core.platform.db import connect

    other = connect(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    bootstrap.init_database(other)
    rows = []
    for db in (sqlite_database, other):
        seed_bulk.seed_bulk(db, influencers=50, campaigns=20, requests=200, sponsors=4, seed=3)
        with db.ReadSession.begin() as s:
            rows.append(
                s.execute(
                    text("SELECT campaign_id, influencer_id, status, payment_cents FROM ad_requests ORDER BY id")
                ).all()
            )
    other.dispose()
    assert rows[0] == rows[1]


def test_the_command_line_migrates_an_empty_database_and_loads_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.demo.seed_bulk",
            "--influencers",
            "40",
            "--campaigns",
            "10",
            "--requests",
            "100",
            "--url",
            url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "100 ad requests" in done.stdout


def test_every_bulk_deal_has_one_purchase_order_and_invoices_never_exceed_it(seeded):
    from core.models import FinancialDocument

    db, summary = seeded
    with db.ReadSession.begin() as s:
        deals = set(s.scalars(select(AdRequest.id).where(AdRequest.status.in_(("accepted", "completed")))))
        completed = set(s.scalars(select(AdRequest.id).where(AdRequest.status == "completed")))
        pos = s.execute(
            select(FinancialDocument.ad_request_id, FinancialDocument.id, FinancialDocument.amount_cents).where(
                FinancialDocument.kind == "po"
            )
        ).all()
        invoices = s.execute(
            select(FinancialDocument.ad_request_id, FinancialDocument.po_id, FinancialDocument.amount_cents).where(
                FinancialDocument.kind == "invoice"
            )
        ).all()
    assert sorted(p.ad_request_id for p in pos) == sorted(deals)
    assert {i.ad_request_id for i in invoices} == completed
    po_amount = {p.id: p.amount_cents for p in pos}
    assert all(i.amount_cents <= po_amount[i.po_id] for i in invoices)
    assert summary.documents == len(pos) + len(invoices) > 0


def test_every_bulk_sponsor_owns_an_organization_that_owns_its_campaigns_and_documents(seeded):
    db, summary = seeded
    with db.ReadSession.begin() as s:
        sponsors = s.scalar(select(func.count()).where(User.role == "sponsor"))
        owners = s.scalar(select(func.count()).where(OrgMember.org_role == "owner", OrgMember.status == "active"))
        assert owners == sponsors == s.scalar(select(func.count()).select_from(Organization))
        unowned = s.scalar(
            select(func.count())
            .select_from(Campaign)
            .outerjoin(OrgMember, OrgMember.user_id == Campaign.sponsor_id)
            .where((Campaign.organization_id.is_(None)) | (Campaign.organization_id != OrgMember.organization_id))
        )
        assert unowned == 0
        assert s.scalar(select(func.count()).where(FinancialDocument.organization_id.is_(None))) == 0
    with db.Session.begin() as s:
        busiest = accounts.authenticate(
            s, username=f"brand{summary.busiest_sponsor_id}", password=seed_bulk.BULK_PASSWORD
        )
    with db.ReadSession.begin() as s:
        assert len(campaigns.list_sponsor_campaigns(s, actor=busiest.actor)) == summary.busiest_sponsor_campaigns
