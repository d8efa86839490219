"""End-to-end flows through a real browser: sign-up and approval, negotiation, asking to join, moderation.

Each flow makes its own names (random suffix) so the flows do not depend on each other or on order.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    ADMIN,
    CHROMIUM,
    INFLUENCER,
    SPONSOR,
    choose,
    goto,
    login,
    logout,
    select_row,
    shot,
    wait_idle,
)

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def form_with(page: Page, text: str):
    """The st.form whose content includes `text`."""
    return page.get_by_test_id("stForm").filter(has_text=text)


def create_campaign(
    page: Page, name: str, *, budget: str = "6000", category: str = "Tech", niche: str = "audio gear"
) -> None:
    """As a logged-in sponsor: create a public, active campaign on the Campaigns page."""
    goto(page, "/sponsor-campaigns")
    page.get_by_role("tab", name="New campaign").click()
    form = page.get_by_role("tabpanel", name="New campaign").get_by_test_id("stForm")
    form.get_by_label("Campaign name", exact=True).fill(name)
    form.get_by_label("Category", exact=True).fill(category)
    form.get_by_label("Niche (optional)", exact=True).fill(niche)
    form.get_by_label("Budget ($)", exact=True).fill(budget)
    form.get_by_label("Description", exact=True).fill(
        f"{name}: honest reviews of our newest product for your audience."
    )
    form.get_by_label("Goals (optional)", exact=True).fill("Reach 50k people and drive sign-ups.")
    form.get_by_role("button", name="Create campaign").click()
    expect(page.get_by_text("Campaign created").first).to_be_visible()
    wait_idle(page)


def flag_campaign(admin: Page, campaign: str, reason: str) -> None:
    """As the logged-in admin: find campaign on the Campaigns page and flag it with reason."""
    goto(admin, "/admin-campaigns")
    search = admin.get_by_role("textbox", name="Search", exact=True)
    search.fill(campaign)
    search.press("Enter")
    wait_idle(admin)
    choose(admin, "Open a campaign from this page", campaign)
    moderate = form_with(admin, "Reason for the flag (required)")
    moderate.get_by_label("Reason for the flag (required)", exact=True).fill(reason)
    moderate.get_by_role("button", name="Flag campaign").click()
    expect(admin.get_by_text("Campaign flagged").first).to_be_visible()


def test_sponsor_signs_up_gets_approved_hires_an_influencer_and_accepts_her_counter_offer(new_page, suffix):
    sponsor_user, sponsor_pw, company = f"acme{suffix}", "Acme-pass-1", f"Acme Audio {suffix}"
    campaign = f"Acme launch {suffix}"

    # A new sponsor signs up and cannot log in before an administrator approves them.
    sponsor = new_page()
    goto(sponsor, "/")
    shot(sponsor, "00-logged-out")
    sponsor.get_by_role("tab", name="Join as sponsor").click()
    form = form_with(sponsor, "Join as a sponsor")
    form.get_by_label("Username", exact=True).fill(sponsor_user)
    form.get_by_label("Email", exact=True).fill(f"{sponsor_user}@example.com")
    form.get_by_label("Password", exact=True).fill(sponsor_pw)
    form.get_by_label("Company or your name", exact=True).fill(company)
    form.get_by_label("Industry", exact=True).fill("Consumer electronics")
    form.get_by_label("Total marketing budget ($)", exact=True).fill("50000")
    form.get_by_role("button", name="Request sponsor account").click()
    expect(sponsor.get_by_text("awaiting approval by an administrator").first).to_be_visible()
    shot(sponsor, "01-sponsor-signed-up")
    login(sponsor, sponsor_user, sponsor_pw, expect_ok=False)
    expect(sponsor.get_by_text("Your sponsor account is awaiting approval").first).to_be_visible()
    expect(sponsor.get_by_role("button", name="Log out")).to_have_count(0)

    # The admin approves them from the Approvals page.
    admin = new_page()
    login(admin, *ADMIN)
    expect(admin.get_by_role("heading", name="Platform dashboard")).to_be_visible()
    shot(admin, "admin-dashboard")
    goto(admin, "/admin-approvals")
    card = form_with(admin, f"@{sponsor_user}")
    expect(card).to_be_visible()
    shot(admin, "02-admin-approvals")
    card.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text(f"Approved {company}").first).to_be_visible()
    expect(form_with(admin, f"@{sponsor_user}")).to_have_count(0)
    logout(admin)

    # The sponsor logs in, creates a campaign and offers it to Maya from Find influencers.
    login(sponsor, sponsor_user, sponsor_pw)
    create_campaign(sponsor, campaign)
    goto(sponsor, "/sponsor-find-influencers")
    filters = form_with(sponsor, "Minimum engagement rate")
    filters.get_by_label("Search", exact=True).fill("Maya Chen")
    filters.get_by_role("button", name="Search").click()
    wait_idle(sponsor)
    select_row(sponsor, "Maya Chen")  # the results row itself picks who to contact
    offer = form_with(sponsor, "Payment offered ($)")
    choose(offer, "Campaign", campaign)
    offer.get_by_label("Requirements", exact=True).fill("One review video and two stories during launch week.")
    offer.get_by_label("Payment offered ($)", exact=True).fill("700")
    offer.get_by_label("Message (optional)", exact=True).fill("We love your gadget reviews!")
    shot(sponsor, "03-sponsor-sends-offer")
    offer.get_by_role("button", name="Send ad request").click()
    expect(sponsor.get_by_text("Ad request sent").first).to_be_visible()

    # Maya finds the offer in her Inbox and counters.
    maya = new_page()
    login(maya, *INFLUENCER)
    expect(maya.get_by_role("heading", name="Inbox")).to_be_visible()
    choose(maya, "Open a request", campaign)
    expect(maya.get_by_test_id("stChatMessage").filter(has_text="We love your gadget reviews!")).to_be_visible()
    maya.get_by_role("tab", name="Counter-offer").click()
    counter = form_with(maya, "Why this amount?")
    counter.get_by_label("Your amount ($)", exact=True).fill("850")
    counter.get_by_label("Why this amount?", exact=True).fill("Launch week is busy; 850 covers an extra story.")
    counter.get_by_role("button", name="Send counter-offer").click()
    expect(maya.get_by_text("Counter-offer sent.").first).to_be_visible()
    shot(maya, "04-influencer-countered")

    # The sponsor accepts the counter-offer on the campaign's page.
    goto(sponsor, "/sponsor-campaigns")
    choose(sponsor, "Manage a campaign", campaign)
    expect(sponsor.get_by_test_id("stChatMessage").filter(has_text="Launch week is busy")).to_be_visible()
    answer = form_with(sponsor, "Your turn to answer.")
    answer.get_by_role("button", name="Accept $850.00").click()
    expect(sponsor.get_by_text("Accepted for $850.00").first).to_be_visible()
    expect(sponsor.get_by_test_id("stMetric").filter(has_text="Committed")).to_contain_text("$850.00")
    thread = sponsor.get_by_test_id("stChatMessage")
    expect(thread.last).to_contain_text("You accepted $850.00")
    shot(sponsor, "05-sponsor-accepted")

    # Both sides now see the deal as accepted.
    goto(maya, "/")  # her Inbox, the influencer's default page
    choose(maya, "Open a request", campaign)
    expect(maya.get_by_text("Deal agreed").first).to_be_visible()
    shot(maya, "06-influencer-deal-accepted")


def test_new_influencer_asks_to_join_a_public_campaign_and_the_sponsor_sees_the_ask(new_page, suffix):
    username, password, name = f"nia{suffix}", "Nia-pass-12", f"Nia Okafor {suffix}"
    campaign = "Wave Pro launch"  # a public, running BrightWave campaign in the demo data

    influencer = new_page()
    goto(influencer, "/")
    influencer.get_by_role("tab", name="Join as influencer").click()
    form = form_with(influencer, "Join as an influencer")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Email", exact=True).fill(f"{username}@example.com")
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_label("Display name", exact=True).fill(name)
    form.get_by_label("Niche", exact=True).fill("audio gear")
    form.get_by_label("Followers", exact=True).fill("42000")
    form.get_by_label("Bio", exact=True).fill("Honest headphone reviews from a tiny flat.")
    form.get_by_role("button", name="Create influencer account").click()
    expect(influencer.get_by_text("Welcome aboard!").first).to_be_visible()

    login(influencer, username, password)
    expect(influencer.get_by_text("Nothing waiting for you").first).to_be_visible()
    goto(influencer, "/influencer-find-campaigns")
    filters = form_with(influencer, "Budget from ($)")
    filters.get_by_label("Search", exact=True).fill(campaign)
    filters.get_by_role("button", name="Search").click()
    wait_idle(influencer)
    choose(influencer, "Open a campaign", campaign)
    ask = form_with(influencer, "Ask to join")
    ask.get_by_label("Your price ($)", exact=True).fill("900")
    ask.get_by_label("Message to the sponsor", exact=True).fill(f"Hi, {name} here — my audience buys headphones.")
    ask.get_by_label("What you'll deliver (optional)", exact=True).fill("One unboxing video and a follow-up review.")
    shot(influencer, "10-influencer-asks-to-join")
    ask.get_by_role("button", name="Send request").click()
    expect(influencer.get_by_text("Request sent").first).to_be_visible()
    expect(influencer.get_by_text("You already have a live request on this campaign").first).to_be_visible()

    sponsor = new_page()
    login(sponsor, *SPONSOR)
    expect(sponsor.get_by_role("heading", name="Dashboard")).to_be_visible()
    shot(sponsor, "sponsor-dashboard")
    goto(sponsor, "/sponsor-campaigns")
    choose(sponsor, "Manage a campaign", campaign)
    choose(sponsor, "Open a negotiation", name)
    thread = sponsor.get_by_test_id("stChatMessage").filter(has_text=name)
    expect(thread.first).to_contain_text("asked to join for $900.00")
    expect(thread.first).to_contain_text("my audience buys headphones")
    expect(form_with(sponsor, "Your turn to answer.")).to_be_visible()
    shot(sponsor, "11-sponsor-sees-the-ask")


def test_flagged_campaign_disappears_from_the_influencers_campaign_search(new_page, suffix):
    campaign = f"Cold brew club {suffix}"

    sponsor = new_page()
    login(sponsor, "greenleaf", "Demo-pass-1")
    create_campaign(sponsor, campaign, category="Food", niche="coffee")

    maya = new_page()
    login(maya, *INFLUENCER)
    shot(maya, "influencer-inbox")
    goto(maya, "/influencer-find-campaigns")
    filters = form_with(maya, "Budget from ($)")
    filters.get_by_label("Search", exact=True).fill(campaign)
    filters.get_by_role("button", name="Search").click()
    expect(maya.get_by_role("combobox", name="Open a campaign")).to_have_value(re.compile(re.escape(campaign)))

    admin = new_page()
    login(admin, *ADMIN)
    flag_campaign(admin, campaign, "Unverifiable health claims in the brief.")
    expect(form_with(admin, "Unflag campaign")).to_be_visible()
    shot(admin, "20-admin-flagged-campaign")

    filters.get_by_role("button", name="Search").click()
    expect(maya.get_by_text("No public campaigns match these filters").first).to_be_visible()
    expect(maya.get_by_role("combobox", name="Open a campaign")).to_have_count(0)
    shot(maya, "21-influencer-search-after-flag")


def test_logged_in_user_stays_logged_in_across_reloads_until_logging_out(page):
    login(page, *INFLUENCER)
    goto(page, "/influencer-find-campaigns", reload=True)  # a new browser session: the auth cookie logs her in
    expect(page.get_by_role("heading", name="Find campaigns")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("@maya")).to_be_visible()
    logout(page)
    goto(page, "/influencer-inbox", reload=True)  # the cookie is gone: back to the login screen
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
