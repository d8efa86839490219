"""One rule for "on hold": the thread shows exactly why a step would fail, in the words the service raises."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core import standing
from core.errors import Conflict
from core.marketplace import accounts, ad_requests, campaigns
from core.models import AdRequest, Campaign
from core.platform.timeutil import today
from tests import factories as f


def _hold(database, problem: str, campaign_id: int, sponsor, influencer) -> None:
    """Put the negotiation on hold the way `problem` says (time passing is a direct row update)."""
    admin = f.admin(database)
    if problem == "flagged campaign":
        f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="Fake"))
    elif problem == "ended campaign":
        f.write(
            database,
            lambda s: s.execute(
                update(Campaign).where(Campaign.id == campaign_id).values(end_date=today() - dt.timedelta(days=1))
            ),
        )
    elif problem == "flagged sponsor":
        f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=sponsor.id, reason="Spam"))
    elif problem == "flagged influencer":
        f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=influencer.id, reason="Bots"))


@pytest.mark.parametrize("problem", ["flagged campaign", "ended campaign", "flagged sponsor", "flagged influencer"])
def test_the_thread_says_why_a_frozen_negotiation_refuses_in_the_services_own_words(database, problem):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.ask(database, influencer, campaign_id)  # the sponsor's turn
    _hold(database, problem, campaign_id, sponsor, influencer)
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=sponsor, ad_request_id=request_id))
    assert thread["frozen"] and thread["blocked_reason"]
    assert (thread["can_accept"], thread["can_counter"], thread["can_decline"]) == (False, False, True)
    with pytest.raises(Conflict) as refused:
        f.write(
            database,
            lambda s: ad_requests.counter_offer(
                s,
                actor=sponsor,
                ad_request_id=request_id,
                expected_version=thread["version"],
                payment_cents=5_000,
                message="Lower?",
            ),
        )
    assert str(refused.value) == thread["blocked_reason"]
    # The SQL twin the reminders use agrees that the negotiation is not open.
    is_open = f.read(
        database,
        lambda s: s.scalar(
            select(standing.negotiation_open(AdRequest.influencer_id))
            .select_from(AdRequest)
            .join(Campaign, Campaign.id == AdRequest.campaign_id)
            .where(AdRequest.id == request_id)
        ),
    )
    assert not is_open


def test_a_flagged_campaigns_reason_is_in_the_refusal_and_decline_stays_possible(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)  # the influencer's turn
    f.write(
        database,
        lambda s: campaigns.flag_campaign(s, actor=f.admin(database), campaign_id=campaign_id, reason="Fake reviews"),
    )
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=influencer, ad_request_id=request_id))
    assert "Fake reviews" in thread["blocked_reason"] and "decline or withdraw" in thread["blocked_reason"]
    with pytest.raises(Conflict, match="Fake reviews"):
        f.write(
            database,
            lambda s: ad_requests.accept(
                s, actor=influencer, ad_request_id=request_id, expected_version=thread["version"]
            ),
        )
    f.write(
        database,
        lambda s: ad_requests.reject(s, actor=influencer, ad_request_id=request_id, expected_version=thread["version"]),
    )


def test_an_accepted_deal_on_a_flagged_campaign_offers_no_completion_and_says_why(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    f.write(
        database,
        lambda s: campaigns.flag_campaign(s, actor=f.admin(database), campaign_id=campaign_id, reason="Fake"),
    )
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=sponsor, ad_request_id=request_id))
    assert not thread["can_complete"] and "deals are on hold" in thread["blocked_reason"]
    with pytest.raises(Conflict) as refused:
        f.write(
            database,
            lambda s: ad_requests.mark_completed(
                s, actor=sponsor, ad_request_id=request_id, expected_version=thread["version"]
            ),
        )
    assert str(refused.value) == thread["blocked_reason"]


def test_an_open_negotiation_in_good_standing_offers_every_answer(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    request_id = f.ask(database, influencer, f.campaign(database, sponsor))
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=sponsor, ad_request_id=request_id))
    assert thread["blocked_reason"] is None and not thread["frozen"]
    assert (thread["can_accept"], thread["can_counter"], thread["can_decline"]) == (True, True, True)
