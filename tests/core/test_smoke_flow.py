"""End-to-end use of the core services in one negotiation."""

from core.marketplace import ad_requests, campaigns, search, stats
from tests import factories as f


def test_a_sponsor_and_an_influencer_can_negotiate_to_an_accepted_deal(database):
    sponsor = f.sponsor(database)
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=50_000)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=20_000)
    with database.Session.begin() as s:
        ad_requests.counter_offer(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            payment_cents=25_000,
            message="I'd need a bit more",
        )
    with database.Session.begin() as s:
        ad_requests.accept(
            s, actor=sponsor, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    with database.ReadSession.begin() as s:
        thread = ad_requests.get_thread(s, actor=influencer, ad_request_id=request_id)
        mine = campaigns.list_sponsor_campaigns(s, actor=sponsor)
        page = search.search_influencers(s, actor=sponsor, text="influencer")
        figures = stats.admin_statistics(s, actor=f.admin(database))
    assert thread["status"] == "accepted"
    assert [e["action"] for e in thread["events"]] == ["sent", "countered", "accepted"]
    assert mine.loc[0, "committed_cents"] == 25_000 and mine.loc[0, "remaining_cents"] == 25_000
    assert page.total == 1
    assert figures["ad_requests"]["accepted"] == 1
