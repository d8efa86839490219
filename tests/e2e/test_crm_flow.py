"""The brand's CRM in a real browser: the owner invites a manager, who joins through the link and gets to work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, SPONSOR, goto, login, logout, shot, wait_idle
from tests.e2e.test_flows import form_with

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PASSWORD = "Manager-pass-7"


def invite_manager(owner: Page, email: str) -> str:
    """On Organization & team, invite email as manager; returns the link the page shows once."""
    goto(owner, "/sponsor-team")
    owner.get_by_role("tab", name=re.compile("Invitations")).click()
    form = form_with(owner, "Send invitation")
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_role("button", name="Send invitation").click()
    wait_idle(owner)
    expect(owner.get_by_text(f"Invitation for {email} created").first).to_be_visible()
    link = owner.get_by_test_id("stCode").first.inner_text().strip()
    assert "?invite=" in link
    return link


def join_with_link(page: Page, link: str, username: str) -> None:
    """Open the invitation link logged out, choose a login, then log in with it."""
    page.goto("/?" + link.split("?", 1)[1])
    wait_idle(page)
    form = form_with(page, "Accept and create my login")
    expect(page.get_by_text("as manager").first).to_be_visible()
    form.get_by_label("Your name", exact=True).fill("Jamie Rivera")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Accept and create my login").click()
    wait_idle(page)
    expect(page.get_by_text("Welcome to the team").first).to_be_visible()
    login(page, username, PASSWORD)


def test_an_owner_invites_a_manager_who_joins_through_the_link_and_works_in_the_crm(new_page, suffix):
    owner = new_page()
    login(owner, *SPONSOR)
    username = f"jamie.{suffix}"
    link = invite_manager(owner, f"{username}@brightwave.example")
    shot(owner, "crm-01-invitation-link")

    manager = new_page()
    join_with_link(manager, link, username)
    goto(manager, "/sponsor-team")
    expect(manager.get_by_text("You are manager of").first).to_be_visible()
    shot(manager, "crm-02-manager-joined")
    logout(manager)
