"""A logged-in user opens a page URL in a new tab or reloads it: that page shows, with no "Page not found" dialog.

The new tab shares the browser's cookies, so its first run logs in from the login cookie (a new Streamlit
session); before the fix that run registered the pages too late and Streamlit reported the URL's page missing.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, SPONSOR, goto, login, submit_login, wait_idle

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def assert_no_page_not_found(page: Page) -> None:
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_page_url_opened_in_a_new_tab_and_reloaded_shows_that_page_without_page_not_found(page):
    login(page, *SPONSOR)
    tab = page.context.new_page()  # same cookies, new Streamlit session: logged in from the cookie
    goto(tab, "/sponsor-find-influencers", reload=True)
    expect(tab.get_by_role("heading", name="Find influencers")).to_be_visible()
    expect(tab.get_by_role("button", name="Log out")).to_be_visible()
    assert_no_page_not_found(tab)
    assert tab.url.endswith("/sponsor-find-influencers")

    tab.reload()  # F5
    wait_idle(tab)
    expect(tab.get_by_role("heading", name="Find influencers")).to_be_visible()
    assert_no_page_not_found(tab)
    assert tab.url.endswith("/sponsor-find-influencers")


def test_a_deep_link_to_a_campaign_opened_in_a_new_tab_selects_that_campaign(page):
    login(page, *SPONSOR)
    goto(page, "/sponsor-campaigns")
    box = page.get_by_role("combobox", name="Manage a campaign", exact=True)
    shown = box.input_value()
    box.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    # Another campaign than the one selected by default, named "<name> (#<id>)" in the picker.
    other = next(o.strip() for o in options if o.strip() != shown and re.search(r"\(#\d+\)$", o.strip()))
    campaign_id = re.search(r"\(#(\d+)\)$", other).group(1)

    tab = page.context.new_page()
    goto(tab, f"/sponsor-campaigns?campaign={campaign_id}", reload=True)
    expect(tab.get_by_role("combobox", name="Manage a campaign", exact=True)).to_have_value(other)
    assert_no_page_not_found(tab)
    assert re.search(r"/sponsor-campaigns(\?|$)", tab.url)


def test_a_page_link_opened_while_logged_out_shows_the_login_and_then_that_page(page):
    goto(page, "/sponsor-campaigns?campaign=1", reload=True)  # a link from a mail, in a browser with no login
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    assert_no_page_not_found(page)

    submit_login(page, *SPONSOR)

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("combobox", name="Manage a campaign", exact=True)).to_be_visible()
    assert_no_page_not_found(page)
    assert re.search(r"/sponsor-campaigns(\?|$)", page.url)


def test_another_roles_page_link_opened_while_logged_out_lands_on_the_users_own_default_page(page):
    goto(page, "/admin-audit", reload=True)
    assert_no_page_not_found(page)
    submit_login(page, *SPONSOR)

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    assert "/admin-audit" not in page.url
