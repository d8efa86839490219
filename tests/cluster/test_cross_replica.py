"""What one replica writes, every other replica shows at once: cache invalidation across processes, not a TTL.

Three people, each pinned to a different replica (their browsers talk to that process directly): the sponsor on
replica 1, the influencer on replica 2, the admin on replica 3. Every read below happens after the same page was
already rendered (and cached) on the reading replica, so a stale cache would show the old state.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import choose, goto, login, wait_idle
from tests.e2e.test_flows import create_campaign, flag_campaign, form_with

pytestmark = [pytest.mark.cluster]
SPONSOR = ("greenleaf", "Demo-pass-1")
INFLUENCER = ("maya", "Demo-pass-1")
ADMIN = ("admin", "Admin-demo-1")


def search_campaigns(page: Page, text: str) -> None:
    """As the influencer: run a campaign search for text on Find campaigns."""
    goto(page, "/influencer-find-campaigns")
    filters = form_with(page, "Budget from ($)")
    filters.get_by_label("Search", exact=True).fill(text)
    filters.get_by_role("button", name="Search").click()
    wait_idle(page)


def test_a_campaign_an_accepted_deal_and_a_flag_made_on_one_replica_show_on_another_at_once(cluster, open_page):
    campaign = f"Cluster cold brew {cluster.plan.proxy_port}"
    sponsor, maya, admin = (open_page(cluster.replica_url(i)) for i in (1, 2, 3))
    login(sponsor, *SPONSOR)
    login(maya, *INFLUENCER)
    login(admin, *ADMIN)

    # Replica 2 renders (and caches) the search before the campaign exists.
    search_campaigns(maya, campaign)
    expect(maya.get_by_text("No public campaigns match these filters").first).to_be_visible()

    # A new campaign on replica 1 is found on replica 2 by the next search.
    create_campaign(sponsor, campaign, category="Food", niche="coffee")
    search_campaigns(maya, campaign)
    expect(maya.get_by_role("combobox", name="Open a campaign")).to_have_value(re.compile(re.escape(campaign)))

    # Maya asks to join on replica 2; the sponsor accepts on replica 1; replica 2 shows the deal agreed.
    goto(maya, "/")  # her Inbox renders (and caches) before the deal exists
    search_campaigns(maya, campaign)
    ask = form_with(maya, "Ask to join")
    ask.get_by_label("Your price ($)", exact=True).fill("900")
    ask.get_by_label("Message to the sponsor", exact=True).fill("Coffee is my whole feed.")
    ask.get_by_role("button", name="Send request").click()
    expect(maya.get_by_text("Request sent").first).to_be_visible()

    goto(sponsor, "/sponsor-campaigns")
    sponsor.get_by_role("tab", name="My campaigns").click()
    choose(sponsor, "Manage a campaign", campaign)
    answer = form_with(sponsor, "Your turn to answer.")
    answer.get_by_role("button", name="Accept $900.00").click()
    expect(sponsor.get_by_text("Accepted for $900.00").first).to_be_visible()

    goto(maya, "/")
    choose(maya, "Open a request", campaign)
    expect(maya.get_by_text("Deal agreed").first).to_be_visible()

    # The admin flags it on replica 3; replica 2's next search no longer lists it.
    flag_campaign(admin, campaign, "Unverifiable health claims.")

    search_campaigns(maya, campaign)
    expect(maya.get_by_text("No public campaigns match these filters").first).to_be_visible()
    # And the sponsor, on replica 1, sees the flag on the campaign at once.
    goto(sponsor, "/sponsor-find-influencers")
    goto(sponsor, "/sponsor-campaigns")
    choose(sponsor, "Manage a campaign", campaign)
    expect(
        sponsor.get_by_text("Flagged by an administrator: Unverifiable health claims. It is hidden").first
    ).to_be_visible()
