"""One deal's whole life in a real browser: send → accept → draft → changes → approved → live → invoice → paid → reviews."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, INFLUENCER, SPONSOR, choose, goto, login, select_row, shot, wait_idle
from tests.e2e.test_flows import create_campaign, form_with

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def send_offer(sponsor: Page, campaign: str, influencer_name: str, amount: str) -> None:
    """From Find influencers: offer the campaign to the influencer."""
    goto(sponsor, "/sponsor-find-influencers")
    filters = form_with(sponsor, "Minimum engagement rate")
    filters.get_by_label("Search", exact=True).fill(influencer_name)
    filters.get_by_role("button", name="Search").click()
    wait_idle(sponsor)
    select_row(sponsor, influencer_name)  # the results row itself picks who to contact
    offer = form_with(sponsor, "Payment offered ($)")
    choose(offer, "Campaign", campaign)
    offer.get_by_label("Requirements", exact=True).fill("One reel with the product #ad #wavepro @brightwave")
    offer.get_by_label("Payment offered ($)", exact=True).fill(amount)
    offer.get_by_role("button", name="Send ad request").click()
    expect(sponsor.get_by_text("Ad request sent").first).to_be_visible()
    wait_idle(sponsor)


def open_row(page: Page, path: str, filter_label: str, text: str) -> None:
    """Go to a deals page, narrow its table to `text` and select the first row."""
    goto(page, path)
    pick(page, filter_label, text)


def pick(page: Page, filter_label: str, text: str) -> None:
    """Narrow the page's table to `text` and select its first row (clicking the row's selection cell)."""
    page.get_by_label(filter_label, exact=True).fill(text)
    page.get_by_label(filter_label, exact=True).press("Enter")
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    # Coming back to a page can restore the row selected on the last visit; clicking it again would
    # unselect it. Click only while the page still asks for a selection.
    if page.get_by_text(re.compile(r"^Select an? ")).count():
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell, below the header
        wait_idle(page)
    expect(page.get_by_text(re.compile(r"^Select an? "))).to_have_count(0)


def section(page: Page, name: str) -> None:
    page.get_by_test_id("stButtonGroup").get_by_text(name).first.click()
    wait_idle(page)


def rate(page: Page, stars: int, text: str) -> None:
    """Fill the review form: click the n-th star, write, save."""
    form = form_with(page, "Save review")
    form.get_by_role("radio", name=f"{stars} out of 5 stars").click()
    form.locator("textarea").fill(text)
    form.get_by_role("button", name="Save review").click()
    expect(page.get_by_text(re.compile("review is saved|Review updated")).first).to_be_visible()
    wait_idle(page)


def test_one_deal_goes_from_offer_to_payment_and_reviews_in_the_browser(new_page, suffix):
    campaign = f"Wave Pro reel {suffix}"
    sponsor = new_page()
    login(sponsor, *SPONSOR)
    create_campaign(sponsor, campaign)
    send_offer(sponsor, campaign, "Maya Chen", "700")

    # Maya accepts in her Inbox: the deal starts with a purchase order and a planned deliverable.
    maya = new_page()
    login(maya, *INFLUENCER)
    choose(maya, "Open a request", campaign)
    maya.get_by_role("button", name=re.compile(r"Accept \$700\.00")).click()
    expect(maya.get_by_text("Deal accepted").first).to_be_visible()
    wait_idle(maya)

    # A first draft without the disclosure; the sponsor asks for changes.
    open_row(maya, "/influencer-deliverables", "Find by campaign or title", campaign)
    maya.get_by_label("Caption", exact=True).fill("My new favourite headphones! #wavepro @brightwave")
    maya.get_by_role("button", name="Submit draft for review").click()
    expect(maya.get_by_text("Draft submitted").first).to_be_visible()
    open_row(sponsor, "/sponsor-content-approvals", "Find by campaign or title", campaign)
    expect(sponsor.get_by_text(re.compile("❌ Disclosure")).first).to_be_visible()
    shot(sponsor, "20-sponsor-reviews-a-draft")
    sponsor.get_by_role("tab", name=re.compile("Request changes")).click()
    sponsor.get_by_label("What should change?", exact=True).fill("Please start the caption with #ad.")
    sponsor.get_by_role("button", name="Request changes").click()
    expect(sponsor.get_by_text("Changes requested").first).to_be_visible()

    # Maya resubmits; the sponsor approves; the live post goes up and is confirmed.
    open_row(maya, "/influencer-deliverables", "Find by campaign or title", campaign)
    expect(maya.get_by_text("Please start the caption with #ad.").first).to_be_visible()
    maya.get_by_label("Caption", exact=True).fill("#ad My new favourite headphones! #wavepro @brightwave")
    maya.get_by_role("button", name="Submit draft for review").click()
    expect(maya.get_by_text("Draft submitted").first).to_be_visible()
    open_row(sponsor, "/sponsor-content-approvals", "Find by campaign or title", campaign)
    shot(sponsor, "21-sponsor-sees-two-versions")
    sponsor.get_by_role("button", name="Approve draft").click()
    expect(sponsor.get_by_text("Draft approved").first).to_be_visible()
    open_row(maya, "/influencer-deliverables", "Find by campaign or title", campaign)
    maya.get_by_label("Live post URL", exact=True).fill(f"https://www.instagram.com/p/{suffix}")
    maya.get_by_role("button", name="Submit live post").click()
    expect(maya.get_by_text("Live post submitted").first).to_be_visible()
    open_row(sponsor, "/sponsor-content-approvals", "Find by campaign or title", campaign)
    sponsor.get_by_role("button", name="Confirm live post").click()
    expect(sponsor.get_by_text("Live post confirmed").first).to_be_visible()

    # Maya invoices the purchase order; the sponsor approves and pays with the test card.
    open_row(maya, "/influencer-invoices", "Find by number, campaign or name", campaign)
    maya.get_by_label("Payment details (IBAN or account)", exact=True).fill("IBAN GB33 BUKB 2020 1555 5555 55")
    maya.get_by_role("button", name="Send invoice").click()
    expect(maya.get_by_text("Invoice sent for approval").first).to_be_visible()
    shot(maya, "22-influencer-invoiced")
    goto(sponsor, "/sponsor-finance")
    section(sponsor, "To approve")
    pick(sponsor, "Find by number, campaign or name", campaign)
    sponsor.get_by_role("button", name="Approve", exact=True).click()
    expect(sponsor.get_by_text("Approved.").first).to_be_visible()
    section(sponsor, "Pay")
    pick(sponsor, "Find by number, campaign or name", campaign)
    sponsor.get_by_label("Card number", exact=True).fill("4242 4242 4242 4242")
    sponsor.get_by_label("Expiry (MM/YY)", exact=True).fill("12/39")
    sponsor.get_by_label("CVC", exact=True).fill("123")
    sponsor.get_by_label("Name on card", exact=True).fill("BrightWave Audio Ltd")
    sponsor.get_by_role("button", name="Pay $700.00").click()
    expect(sponsor.get_by_text("paid with the card ending 4242").first).to_be_visible()
    shot(sponsor, "23-sponsor-paid")

    # Both sides review the completed deal.
    goto(sponsor, "/sponsor-content-approvals")
    sponsor.get_by_text("Show every deliverable").click()
    wait_idle(sponsor)
    pick(sponsor, "Find by campaign or title", campaign)
    rate(sponsor, 5, "On brief and on time.")
    open_row(maya, "/influencer-deliverables", "Find by campaign or title", campaign)
    rate(maya, 4, "Clear brief, quick approvals, paid the same day.")
    shot(maya, "24-influencer-reviewed")
