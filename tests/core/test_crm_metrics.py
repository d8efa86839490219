"""Metrics with provenance: each formula on known numbers, the kind of every value, and why one is unavailable."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from core.crm import metrics, products
from core.errors import NotFound, PermissionDenied
from core.marketplace import ad_requests, scoring
from core.models import Deliverable
from tests import factories as f

DAY = dt.date(2026, 11, 1)


# ---- formulas on known numbers --------------------------------------------------------------------------------


def test_reach_impressions_and_engagements_per_post_follow_the_documented_formulas():
    # 50,000 followers at 4 %: reach 50,000 × 14 % = 7,000; impressions 7,000 × 1.2 = 8,400; engagements 2,000.
    assert metrics.reach_per_post(50_000, 4.0) == 7_000
    assert metrics.impressions_per_post(50_000, 4.0) == 8_400
    assert metrics.engagements_per_post(50_000, 4.0) == 2_000


def test_search_ranks_by_the_same_reach_formula():
    assert scoring.estimated_reach(123_456, 3.3) == metrics.reach_per_post(123_456, 3.3)


def test_cpm_cpe_and_emv_on_known_numbers():
    assert metrics.cpm_cents(100_000, 8_400) == 11_905  # $1,000 ÷ 8,400 × 1,000 = $119.05
    assert metrics.cpe_cents(100_000, 2_000) == 50  # $1,000 ÷ 2,000 = $0.50
    assert metrics.emv_cents(2_000, 10) == 20_000  # 2,000 × 10¢ = $200
    assert metrics.cpm_cents(100_000, 0) is None and metrics.cpe_cents(100_000, 0) is None


def test_the_emv_rate_is_read_from_the_environment_on_every_call(monkeypatch, caplog):
    assert metrics.emv_rate_cents() == metrics.DEFAULT_EMV_RATE_CENTS == 10
    monkeypatch.setenv("IESCP_EMV_RATE_CENTS_PER_ENGAGEMENT", "25")
    assert metrics.emv_cents(2_000) == 50_000
    monkeypatch.setenv("IESCP_EMV_RATE_CENTS_PER_ENGAGEMENT", "ten cents")
    with caplog.at_level(logging.WARNING, logger="iescp.crm.metrics"):
        assert metrics.emv_rate_cents() == 10
    assert "IESCP_EMV_RATE_CENTS_PER_ENGAGEMENT must be a whole number of cents" in caplog.text


# ---- provenance ------------------------------------------------------------------------------------------------


def test_a_creators_own_figures_are_measured_and_what_is_built_on_them_estimated():
    figures = metrics.profile_metrics(50_000, 4.0, as_of=DAY)
    assert {k: m.kind for k, m in figures.items()} == {
        "followers": "measured",
        "engagement_rate": "measured",
        "reach": "estimated",
        "impressions": "estimated",
        "engagements": "estimated",
        "emv": "estimated",
    }
    assert figures["followers"].source == "Entered by the creator on their profile"
    assert figures["followers"].as_of == DAY
    assert (figures["reach"].value, figures["emv"].value, figures["emv"].unit) == (7_000, 20_000, "cents")


def test_figures_from_a_creator_import_are_labelled_imported():
    figures = metrics.profile_metrics(50_000, 4.0, origin="import")
    assert figures["followers"].kind == figures["engagement_rate"].kind == "imported"
    assert figures["followers"].source == "Creator import"
    assert figures["reach"].kind == "estimated"


def test_without_followers_every_figure_is_unavailable_and_says_why():
    figures = metrics.profile_metrics(0, 4.0)
    assert {m.kind for m in figures.values()} == {"unavailable"}
    assert all(m.value is None and m.source for m in figures.values())
    assert figures["followers"].source == "No followers recorded on this profile."


def test_without_an_engagement_rate_the_estimates_are_unavailable_but_followers_stay_measured():
    figures = metrics.profile_metrics(12_000, None)
    assert figures["followers"].kind == "measured"
    assert figures["engagement_rate"].kind == "unavailable"
    assert figures["reach"].source == "Needs followers and an engagement rate."


def test_a_metric_refuses_an_unknown_kind_or_a_value_that_contradicts_its_kind():
    with pytest.raises(ValueError):
        metrics.Metric(1, "x", "guessed", "", None)
    with pytest.raises(ValueError):
        metrics.Metric(None, "x", "measured", "", None)
    with pytest.raises(ValueError):
        metrics.Metric(5, "x", "unavailable", "why", None)


# ---- a campaign ------------------------------------------------------------------------------------------------


def test_campaign_metrics_from_known_deals_and_posts():
    # Two deals: $600 with 2 live posts by 50k @ 4 %, $400 with 1 post by 10k @ 2 %; $200 of gifted products.
    out = metrics.summarize([(60_000, 50_000, 4.0, 2), (40_000, 10_000, 2.0, 1)], gifted_cents=20_000, as_of=DAY)
    impressions = 2 * 8_400 + 1_440  # 10k × 12 % = 1,200 reach × 1.2
    engagements = 2 * 2_000 + 200
    assert (out["fees"].value, out["gifted"].value, out["cost"].value) == (100_000, 20_000, 120_000)
    assert (out["impressions"].value, out["engagements"].value, out["live_posts"].value) == (impressions, 4_200, 3)
    assert out["cpm"].value == round(120_000 * 1000 / impressions)
    assert out["cpe"].value == round(120_000 / engagements)
    assert out["emv"].value == engagements * 10
    assert {k: out[k].kind for k in ("cost", "impressions", "cpm", "cpe", "emv")} == {
        "cost": "measured",
        "impressions": "estimated",
        "cpm": "estimated",
        "cpe": "estimated",
        "emv": "estimated",
    }


@pytest.mark.parametrize(
    ("deals", "why"),
    [([], "No accepted deals yet."), ([(50_000, 50_000, 4.0, 0)], "No live posts yet.")],
)
def test_campaign_metrics_without_live_posts_are_unavailable_and_say_why(deals, why):
    out = metrics.summarize(deals, gifted_cents=0, as_of=DAY)
    for key in ("impressions", "engagements", "cpm", "cpe", "emv"):
        assert out[key].kind == "unavailable" and out[key].source == why


def test_campaign_cpe_is_unavailable_when_engagement_rates_are_zero():
    out = metrics.summarize([(50_000, 50_000, 0.0, 1)], gifted_cents=0, as_of=DAY)
    assert out["cpm"].kind == "estimated"
    assert out["cpe"].kind == "unavailable" and out["emv"].value == 0


def _live_deal(db, sponsor, campaign_id, influencer, *, payment_cents, posts):
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=payment_cents)
    version = f.read(db, lambda s: ad_requests.current_version(s, request_id))
    f.write(db, lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=request_id, expected_version=version))
    f.write(
        db,
        lambda s: s.add_all(
            Deliverable(
                ad_request_id=request_id,
                title=f"Post {i}",
                platform="instagram",
                due_date=DAY,
                status="live_submitted",
                live_url="https://example.com/p",
            )
            for i in range(posts)
        ),
    )


def test_campaign_metrics_read_the_campaigns_deals_posts_and_gifted_products(database):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=500_000)
    big, small = f.influencer(database, followers=50_000, engagement_rate=4.0), f.influencer(database, followers=10_000)
    _live_deal(database, sponsor, campaign_id, big, payment_cents=60_000, posts=2)
    _live_deal(database, sponsor, campaign_id, small, payment_cents=40_000, posts=0)
    f.request(database, sponsor, campaign_id, f.influencer(database))  # pending: not a deal, not a cost
    product_id = f.write(
        database, lambda s: products.create_product(s, actor=sponsor, name="Mug", sku="M", price_cents=10_000)
    )
    f.write(
        database,
        lambda s: products.attach_product(s, actor=sponsor, campaign_id=campaign_id, product_id=product_id, quantity=2),
    )
    out = f.read(database, lambda s: metrics.campaign_metrics(s, actor=sponsor, campaign_id=campaign_id))
    assert (out["fees"].value, out["gifted"].value, out["cost"].value) == (100_000, 20_000, 120_000)
    assert (out["live_posts"].value, out["impressions"].value, out["engagements"].value) == (2, 16_800, 4_000)
    assert out["cpe"].value == 30 and out["emv"].value == 40_000


def test_campaign_metrics_are_for_the_campaigns_organization_and_admins_only(database):
    sponsor, stranger = f.sponsor(database), f.sponsor(database)
    campaign_id = f.campaign(database, sponsor)
    with pytest.raises(NotFound):
        f.read(database, lambda s: metrics.campaign_metrics(s, actor=stranger, campaign_id=campaign_id))
    with pytest.raises(PermissionDenied):
        f.read(database, lambda s: metrics.campaign_metrics(s, actor=f.influencer(database), campaign_id=campaign_id))
    admin_view = f.read(
        database, lambda s: metrics.campaign_metrics(s, actor=f.admin(database), campaign_id=campaign_id)
    )
    assert admin_view["cpm"].source == "No accepted deals yet."
