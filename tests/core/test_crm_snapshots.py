"""Daily analytics snapshots: exactly once per day with a fixed clock, catch-up, honest numbers, org isolation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, update

from core.crm import pipeline, snapshots
from core.deals import payments
from core.errors import InvalidInput, PermissionDenied
from core.models import AdRequest, AnalyticsSnapshot, Campaign, CrmRecordEvent, FinancialDocument, Organization, Payment
from core.platform.timeutil import today
from tests import factories as f
from tests.core.test_deals import GOOD_CARD, _act, _approved_invoice, _doc

TODAY = today()
# The fixed clock: half past midnight tomorrow, so "today" is the last complete day and everything the test
# wrote (stamped with the real clock) belongs to it.
NOW = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(0, 30))


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


def _rows(db) -> list[tuple]:
    with db.ReadSession.begin() as s:
        return list(
            s.execute(
                select(AnalyticsSnapshot.organization_id, AnalyticsSnapshot.day).order_by(
                    AnalyticsSnapshot.day, AnalyticsSnapshot.organization_id
                )
            )
        )


def _org_count(db) -> int:
    with db.ReadSession.begin() as s:
        return s.scalar(select(func.count()).select_from(Organization))


def _take(db, day=TODAY, now=NOW) -> int:
    return f.write(db, lambda s: snapshots.take_snapshots(s, day=day, now=now))


def test_taking_a_days_snapshots_twice_inserts_them_once(database):
    f.sponsor(database), f.sponsor(database)
    first = _take(database)
    second = _take(database)
    assert first == _org_count(database) + 1  # every organization and the platform
    assert second == 0
    assert len(_rows(database)) == first


def test_two_runs_at_the_same_time_insert_each_snapshot_once(database):
    f.sponsor(database), f.sponsor(database)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def run():
        barrier.wait()
        try:
            outcomes.append(_take(database))
        except BaseException as error:  # shown in the assertion below
            outcomes.append(repr(error))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    expected = _org_count(database) + 1
    assert sorted(outcomes) == [0, expected]
    assert len(_rows(database)) == expected


def test_a_day_that_is_not_over_yet_is_never_snapshotted(database):
    with pytest.raises(InvalidInput):
        _take(database, day=NOW.date())
    result = snapshots.catch_up(database, until=NOW.date() + dt.timedelta(days=3), now=NOW, max_days=2)
    assert result["days"] == [(TODAY - dt.timedelta(days=1)).isoformat(), TODAY.isoformat()]
    assert max(day for _, day in _rows(database)) == TODAY


def test_catch_up_after_a_five_day_gap_fills_exactly_the_five_missing_days(database):
    f.sponsor(database)
    start = TODAY - dt.timedelta(days=10)
    for n in range(5):  # the job ran on days start .. start+4, then the worker was down
        day = start + dt.timedelta(days=n)
        _take(database, day=day, now=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 30)))
    clock = dt.datetime.combine(start + dt.timedelta(days=10), dt.time(0, 30))  # five days later
    result = snapshots.catch_up(database, now=clock, max_days=30)
    expected = [(start + dt.timedelta(days=n)).isoformat() for n in range(5, 10)]
    assert result["days"] == expected
    assert result["rows"] == 5 * (_org_count(database) + 1)
    assert snapshots.catch_up(database, now=clock, max_days=30) == {"days": [], "rows": 0}
    with database.ReadSession.begin() as s:
        late = s.scalar(
            select(AnalyticsSnapshot.meta).where(
                AnalyticsSnapshot.organization_id.is_(None), AnalyticsSnapshot.day == start + dt.timedelta(days=5)
            )
        )
    assert late["late"] is True


def test_snapshot_numbers_equal_the_same_figures_queried_directly(database):
    sponsor, influencer, po_id, invoice_id = _approved_invoice(database)
    _act(
        database,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=_doc(database, invoice_id).version,
        idempotency_key="k1",
        **GOOD_CARD,
    )
    open_campaign = f.campaign(database, sponsor, budget_cents=50_000)
    f.request(database, sponsor, open_campaign, f.influencer(database), payment_cents=7_000)
    f.campaign(database, sponsor, status="draft", budget_cents=30_000)
    _take(database)
    org = sponsor.organization_id
    with database.ReadSession.begin() as s:
        row = s.scalars(select(AnalyticsSnapshot).where(AnalyticsSnapshot.organization_id == org)).one()
        direct_budget = s.scalar(select(func.sum(Campaign.budget_cents)).where(Campaign.organization_id == org))
        direct_active = s.scalar(
            select(func.count()).where(Campaign.organization_id == org, Campaign.status == "active")
        )
        direct_paid = s.scalar(
            select(func.sum(Payment.amount_cents))
            .join(FinancialDocument, FinancialDocument.id == Payment.invoice_id)
            .where(FinancialDocument.organization_id == org, Payment.status == "succeeded")
        )
        direct_committed = s.scalar(
            select(func.sum(AdRequest.payment_cents))
            .join(Campaign, Campaign.id == AdRequest.campaign_id)
            .where(Campaign.organization_id == org, AdRequest.status.in_(("accepted", "completed")))
        )
        platform = s.scalars(select(AnalyticsSnapshot).where(AnalyticsSnapshot.organization_id.is_(None))).one()
    assert row.campaigns_total == 3 and row.budget_cents == direct_budget == 180_000
    assert row.campaigns_active == direct_active == 2
    assert row.revenue_cents == direct_paid == 20_000
    assert row.expenses_cents == direct_committed == 20_000
    assert (row.influencers_cold, row.influencers_active, row.influencers_final) == (0, 1, 1)
    assert platform.revenue_cents == 20_000 and platform.campaigns_total == 3
    assert platform.meta["organizations"] == _org_count(database)


def test_a_past_day_counts_only_what_existed_by_its_end(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    old = f.campaign(database, sponsor, budget_cents=40_000, start=TODAY - dt.timedelta(days=20))
    f.campaign(database, sponsor, budget_cents=60_000)
    request_id = f.request(database, sponsor, old, influencer)
    with database.Session.begin() as s:
        s.execute(update(Campaign).where(Campaign.id == old).values(created_at=NOW - dt.timedelta(days=10)))
        s.execute(update(AdRequest).where(AdRequest.id == request_id).values(created_at=NOW - dt.timedelta(days=10)))
        # The pipeline card the offer created (Cold → Active) moved ten days ago too.
        s.execute(update(CrmRecordEvent).values(at=NOW - dt.timedelta(days=10)))
    past = TODAY - dt.timedelta(days=5)
    figures = f.read(database, lambda s: snapshots.compute_day(s, day=past))[sponsor.organization_id]
    assert (figures["campaigns_total"], figures["budget_cents"], figures["influencers_active"]) == (1, 40_000, 1)
    way_back = f.read(database, lambda s: snapshots.compute_day(s, day=TODAY - dt.timedelta(days=30)))
    assert way_back[sponsor.organization_id] == dict.fromkeys(snapshots.FIGURES, 0)


def test_a_sponsor_sees_only_their_organizations_trend_and_the_admin_the_platforms(database):
    mine, theirs = f.sponsor(database), f.sponsor(database)
    f.campaign(database, mine, budget_cents=11_000)
    f.campaign(database, theirs, budget_cents=99_000)
    f.campaign(database, theirs, budget_cents=1_000)
    snapshots.catch_up(database, now=NOW, max_days=3)

    def trend(actor):
        return f.read(database, lambda s: snapshots.trend(s, actor=actor, until=TODAY))

    frame = trend(mine)
    assert frame["budget_cents"].tolist()[-1] == 11_000 and frame["campaigns_total"].tolist()[-1] == 1
    assert trend(theirs)["budget_cents"].tolist()[-1] == 100_000
    platform = trend(f.admin(database))
    assert platform["budget_cents"].tolist()[-1] == 111_000
    assert len(frame) == len(platform) == 3


def test_someone_without_an_organization_gets_no_trend(database):
    for actor in (f.influencer(database), None):
        with pytest.raises(PermissionDenied):
            f.read(database, lambda s, actor=actor: snapshots.trend(s, actor=actor))


def test_an_empty_trend_is_an_empty_frame_with_the_figures_as_columns(database):
    frame = f.read(database, lambda s: snapshots.trend(s, actor=f.sponsor(database)))
    assert frame.empty and list(frame.columns) == ["day", *snapshots.FIGURES]


def test_a_member_whose_org_role_lacks_crm_view_gets_no_trend(database):
    owner = f.sponsor(database)
    narrowed = dataclasses.replace(owner, permissions=owner.permissions - {"crm.view"})
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: snapshots.trend(s, actor=narrowed))


def test_pipeline_counts_follow_the_cards_stage_as_of_each_days_end(database):
    sponsor = f.sponsor(database)
    creators = [f.influencer(database) for _ in range(3)]
    with database.Session.begin() as s:
        pipeline.add_to_pipeline(s, actor=sponsor, influencer_ids=[c.id for c in creators])
    with database.Session.begin() as s:  # the cards were added ten days ago
        s.execute(update(CrmRecordEvent).values(at=NOW - dt.timedelta(days=10)))
    campaign_id = f.campaign(database, sponsor)
    f.request(database, sponsor, campaign_id, creators[0])  # today: Cold → Active automatically
    org = sponsor.organization_id
    earlier = f.read(database, lambda s: snapshots.pipeline_counts(s, org, day=TODAY - dt.timedelta(days=5)))
    now = f.read(database, lambda s: snapshots.pipeline_counts(s, org, day=TODAY))
    assert earlier[org] == {"cold": 3, "active": 0, "final": 0}
    assert now[org] == {"cold": 2, "active": 1, "final": 0}
