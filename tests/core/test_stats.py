"""Admin statistics: every figure checked against a small platform built through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from core.errors import PermissionDenied
from core.marketplace import accounts, ad_requests, campaigns, stats
from core.models import AdRequest, User
from core.platform.timeutil import utcnow
from tests import factories as f
from tests.conftest import ADMIN_PASSWORD


def _login(db, username, password):
    assert f.write(db, lambda s: accounts.authenticate(s, username=username, password=password)).ok


def _backdate(db, model, row_id, **values):
    f.write(db, lambda s: s.execute(update(model).where(model.id == row_id).values(**values)))


def test_admin_statistics_count_users_campaigns_requests_and_money(database):
    admin = f.admin(database)
    s1, s2 = f.sponsor(database), f.sponsor(database)
    s3 = f.sponsor(database, approved=False)
    i1 = f.influencer(database, category="Fitness")
    i2 = f.influencer(database, category="Food")
    i3 = f.influencer(database, category="Fitness")
    i4 = f.influencer(database, category="Fitness")
    _login(database, "admin", ADMIN_PASSWORD)
    _login(database, s1.username, f.PASSWORD)
    _login(database, i1.username, f.PASSWORD)

    c1 = f.campaign(database, s1, budget_cents=100_000, category="Fitness")
    c2 = f.campaign(database, s1, budget_cents=50_000, category="Food", is_public=False)
    f.campaign(database, s1, budget_cents=20_000, category="Fitness", status="draft")
    c4 = f.campaign(database, s1, budget_cents=10_000, category="Travel")
    c5 = f.campaign(database, s1, budget_cents=5_000, category="Fitness")
    c6 = f.campaign(database, s2, budget_cents=30_000, category="Food")
    f.write(database, lambda s: campaigns.set_status(s, actor=s1, campaign_id=c4, status="completed"))
    f.write(database, lambda s: campaigns.set_status(s, actor=s1, campaign_id=c5, status="cancelled"))

    completed = f.request(database, s1, c1, i1, payment_cents=20_000)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=i1, ad_request_id=completed, expected_version=ad_requests.current_version(s, completed)
        ),
    )
    f.write(
        database,
        lambda s: ad_requests.mark_completed(
            s, actor=s1, ad_request_id=completed, expected_version=ad_requests.current_version(s, completed)
        ),
    )
    accepted = f.request(database, s1, c1, i2, payment_cents=15_000)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=i2, ad_request_id=accepted, expected_version=ad_requests.current_version(s, accepted)
        ),
    )
    negotiating = f.request(database, s1, c1, i3, payment_cents=7_000)
    f.write(
        database,
        lambda s: ad_requests.counter_offer(
            s,
            actor=i3,
            ad_request_id=negotiating,
            expected_version=ad_requests.current_version(s, negotiating),
            payment_cents=8_000,
            message="8k?",
        ),
    )
    pending = f.request(database, s1, c2, i1, payment_cents=5_000)
    rejected = f.request(database, s1, c2, i2, payment_cents=4_000)
    f.write(
        database,
        lambda s: ad_requests.reject(
            s, actor=i2, ad_request_id=rejected, expected_version=ad_requests.current_version(s, rejected)
        ),
    )
    withdrawn = f.request(database, s2, c6, i1, payment_cents=3_000)
    f.write(
        database,
        lambda s: ad_requests.withdraw(
            s, actor=s2, ad_request_id=withdrawn, expected_version=ad_requests.current_version(s, withdrawn)
        ),
    )

    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=i3.id, reason="Bots"))
    f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=i4.id, reason="Left"))
    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=c6, reason="Spam"))

    now = utcnow()
    two_months_ago, long_ago = now - dt.timedelta(days=62), now - dt.timedelta(days=490)
    _backdate(database, User, i2.id, created_at=two_months_ago)
    _backdate(database, User, i4.id, created_at=long_ago)
    _backdate(database, AdRequest, pending, created_at=two_months_ago)
    _backdate(database, AdRequest, withdrawn, created_at=long_ago)
    _backdate(database, AdRequest, accepted, accepted_at=two_months_ago)

    figures = f.read(database, lambda s: stats.admin_statistics(s, actor=admin))

    assert figures["users"] == {
        "total": 8,
        "admins": 1,
        "sponsors": 3,
        "influencers": 4,
        "active": 5,
        "pending_sponsors": 1,
        "flagged": 1,
        "deactivated": 1,
        "logged_in_30d": 3,
    }
    assert figures["campaigns"] == {
        "total": 6,
        "public": 5,
        "private": 1,
        "flagged": 1,
        "draft": 1,
        "active": 3,
        "completed": 1,
        "cancelled": 1,
        "budget_cents": 215_000,
        "committed_cents": 35_000,
    }
    assert figures["ad_requests"] == {
        "total": 6,
        "pending": 1,
        "negotiating": 1,
        "accepted": 1,
        "rejected": 1,
        "withdrawn": 1,
        "completed": 1,
        "paid_cents": 0,  # paid means invoices paid (core/deals/earnings.py); none here
    }
    this_month, earlier = now.strftime("%Y-%m"), two_months_ago.strftime("%Y-%m")

    def rows(frame):
        return [tuple(int(v) if not isinstance(v, str) else v for v in row) for row in frame.itertuples(index=False)]

    assert rows(figures["signups_by_month"]) == [
        (earlier, "influencer", 1),
        (this_month, "admin", 1),
        (this_month, "influencer", 2),
        (this_month, "sponsor", 3),
    ]
    assert rows(figures["ad_requests_by_month"]) == [(earlier, 1), (this_month, 4)]
    assert rows(figures["money_by_month"]) == [(earlier, 15_000, 0), (this_month, 20_000, 0)]
    assert rows(figures["top_categories"]) == [("Fitness", 3, 125_000), ("Food", 2, 80_000), ("Travel", 1, 10_000)]
    assert rows(figures["influencer_categories"]) == [("Fitness", 3), ("Food", 1)]
    assert s3 in set(f.read(database, lambda s: accounts.list_pending_sponsors(s, actor=admin))["id"])


def test_admin_statistics_of_an_empty_platform_are_zeros(database):
    admin = f.admin(database)
    figures = f.read(database, lambda s: stats.admin_statistics(s, actor=admin))
    assert figures["users"]["total"] == 1 and figures["users"]["admins"] == 1
    assert set(figures["campaigns"].values()) == {0}
    assert set(figures["ad_requests"].values()) == {0}
    assert figures["money_by_month"].empty and figures["ad_requests_by_month"].empty


@pytest.mark.parametrize("role", ["sponsor", "influencer"])
def test_only_admins_see_statistics(database, role):
    actor = f.sponsor(database) if role == "sponsor" else f.influencer(database)
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: stats.admin_statistics(s, actor=actor))
