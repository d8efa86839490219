"""A flagged campaign, as its sponsor and its influencers see it: the flag and its reason, and only the actions
that can succeed (issue #11, item 3)."""

from __future__ import annotations

from core.marketplace import ad_requests, campaigns
from core.models import AdRequest
from pages.common.widgets import md_escape
from tests import factories as f
from tests.pages.conftest import answer, answer_keys, app_test

REASON = "Misleading health claims"


def _flagged_ask(app_db):
    """An influencer's ask on a campaign an admin then flagged: the sponsor's turn to answer."""
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, name="Detox tea", budget_cents=100_000)
    request_id = f.ask(app_db, influencer, campaign_id, payment_cents=30_000)
    with app_db.Session.begin() as s:
        campaigns.flag_campaign(s, actor=f.admin(app_db), campaign_id=campaign_id, reason=REASON)
    return sponsor, influencer, campaign_id, request_id


def _status(app_db, request_id: int) -> str:
    with app_db.ReadSession.begin() as s:
        return s.get(AdRequest, request_id).status


def test_a_flagged_campaign_offers_its_sponsor_no_accept_or_counter_and_says_why(app_db):
    sponsor, _, campaign_id, request_id = _flagged_ask(app_db)
    at = app_test("pages/sponsor/campaigns.py", sponsor.id).run()
    assert not at.exception and not at.error
    keys = {b.key for b in at.button}
    assert f"accept-{request_id}" not in keys and f"counter-submit-{request_id}" not in keys
    assert f"decline-{request_id}" in keys
    assert any(REASON in w.value and "decline or withdraw" in w.value for w in at.warning)
    at.button(key=f"decline-{request_id}").click().run()
    assert not at.error and _status(app_db, request_id) == "rejected"


def test_an_influencer_sees_why_an_offer_on_a_flagged_campaign_is_on_hold(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, name="Detox tea")
    request_id = f.request(app_db, sponsor, campaign_id, influencer)
    with app_db.Session.begin() as s:
        campaigns.flag_campaign(s, actor=f.admin(app_db), campaign_id=campaign_id, reason=REASON)
    at = app_test("pages/influencer/inbox.py", influencer.id).run()
    assert not at.exception and not at.error
    assert {"accept", "counter"}.isdisjoint(answer_keys(at))
    assert any(REASON in w.value for w in at.warning)
    assert at.dataframe[0].value["waiting_for"].tolist() == ["⏸️ On hold: campaign flagged"]
    answer(at, "reject").click().run()
    assert _status(app_db, request_id) == "rejected"


def test_the_dashboard_counts_a_flagged_campaign_as_flagged_not_active(app_db):
    sponsor, _, _, _ = _flagged_ask(app_db)
    f.campaign(app_db, sponsor, name="Spring run")
    at = app_test("pages/sponsor/dashboard.py", sponsor.id).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Active campaigns"] == "1" and metrics["🚩 Flagged"] == "1"
    assert any("Detox tea" in w.value and REASON in w.value for w in at.warning)
    table = at.dataframe[0].value.set_index("name")
    assert table.loc["Detox tea", "visibility"] == "🚩 flagged"


def test_an_offer_over_the_remaining_budget_is_not_offered_for_acceptance_and_says_why(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, budget_cents=20_000)
    request_id = f.ask(app_db, influencer, campaign_id, payment_cents=10_000)
    with app_db.Session.begin() as s:  # the influencer asks more than the budget allows after a counter
        ad_requests.counter_offer(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            payment_cents=15_000,
            message="Why not",
        )
        ad_requests.counter_offer(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            payment_cents=25_000,
            message="Why not",
        )
    at = app_test("pages/sponsor/campaigns.py", sponsor.id).run()
    assert f"accept-{request_id}" not in {b.key for b in at.button}
    assert f"counter-submit-{request_id}" in {b.key for b in at.button}
    assert any("would exceed the campaign budget" in c.value for c in at.caption)


def test_a_flag_reason_is_shown_as_typed_never_as_a_link(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    f.request(app_db, sponsor, campaign_id, influencer)
    hostile = "See [proof](https://evil.example) ![x](https://evil.example/x.png)"
    with app_db.Session.begin() as s:
        campaigns.flag_campaign(s, actor=f.admin(app_db), campaign_id=campaign_id, reason=hostile)
    at = app_test("pages/influencer/inbox.py", influencer.id).run()
    warnings = [w.value for w in at.warning]
    assert any(md_escape(hostile) in w for w in warnings) and not any("[proof](" in w for w in warnings)
