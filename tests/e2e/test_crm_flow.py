"""The brand's CRM in a real browser: the owner invites a manager, who joins through the link and gets to work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, DEADLINE_MS, SPONSOR, choose, goto, login, logout, shot, wait_idle
from tests.e2e.test_flows import create_campaign, form_with

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


def creators_csv(folder, suffix: str) -> tuple[str, list[str]]:
    """A small scraping-tool export of three creators with names unique to this run; (path, names)."""
    names = [f"Ava Stone {suffix}", f"Ben Cole {suffix}", f"Cleo Park {suffix}"]
    rows = ["platform,handle,name,followers,engagement_rate,bio,email,category,niche,country"]
    for i, name in enumerate(names):
        handle = f"{name.split()[0].lower()}_{suffix}"
        rows.append(f"instagram,{handle},{name},{(i + 1) * 21_000},3.{i}%,Trail runner,{handle}@mail.example,"
                    "Fitness,running,Portugal")  # fmt: skip
    path = folder / f"creators-{suffix}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path), names


def import_creators(page: Page, path: str) -> None:
    """Creator import: upload the file, start the job, wait for the worker to finish it."""
    goto(page, "/sponsor-imports")
    page.locator("input[type=file]").set_input_files(path)
    wait_idle(page)
    page.get_by_role("button", name="Start import").click()
    wait_idle(page)
    expect(page.get_by_role("combobox", name="Run details")).to_have_value(re.compile("succeeded"), timeout=DEADLINE_MS)
    wait_idle(page)


def shortlist_prospects(page: Page, suffix: str, names: list[str]) -> None:
    """Find influencers → Prospects: find this run's creators and add all three to the pipeline."""
    goto(page, "/sponsor-find-influencers")
    page.get_by_test_id("stButtonGroup").get_by_text("Prospects").first.click()
    wait_idle(page)
    search = page.get_by_label("Search prospects", exact=True)
    search.fill(suffix)
    search.press("Enter")
    wait_idle(page)
    picker = page.get_by_role("combobox", name="Prospects to shortlist", exact=True)
    for name in names:
        picker.click()
        picker.fill(name)
        page.get_by_role("option").filter(has_text=name).first.click()
        wait_idle(page)
    picker.press("Escape")  # close the option list, which would cover the button
    picker.blur()  # and leave the box: a click that only blurs it would not reach the button
    wait_idle(page)
    page.get_by_role("button", name="Add to pipeline (Cold)").click()
    wait_idle(page)
    expect(page.get_by_text("3 added to the pipeline").first).to_be_visible()


def move_a_card_with_one_click(page: Page) -> None:
    """Pipeline: "Active →" on the first Cold card moves it; the page after that one click shows it moved."""
    goto(page, "/sponsor-pipeline")
    header = page.get_by_text(re.compile(r"^Cold · [\d,]+$"))
    cold = int(header.inner_text().split("·")[1].replace(",", ""))
    page.get_by_role("radio", name="Active →").first.click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Moved .+ to Active")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Cold · [\d,]+$"))).to_have_text(f"Cold · {cold - 1:,}")


def move_to_final(page: Page, name: str) -> None:
    """Pipeline: find the card (it may be beyond the first cards of its column), move it to the Final stage."""
    goto(page, "/sponsor-pipeline")
    page.locator("summary").filter(has_text="Find any card").click()  # the expander draws the picker on open
    wait_idle(page)
    choose(page, "Card", name)
    form = form_with(page, "Move to")
    choose(form, "Move to", "Final")
    form.get_by_role("button", name="Move", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Moved (.* )?to Final")).first).to_be_visible()


def attach_product(page: Page, campaign: str) -> None:
    """Campaigns → the new campaign's Gifted products tab: attach a catalogue product."""
    create_campaign(page, campaign)
    page.get_by_role("tab", name=re.compile("Gifted products")).click()
    wait_idle(page)
    form = form_with(page, "Attach product")
    form.get_by_label("Quantity", exact=True).fill("3")
    form.get_by_role("button", name=re.compile("Attach product")).click()
    wait_idle(page)
    expect(page.get_by_text("Product attached").first).to_be_visible()


def test_an_owner_invites_a_manager_who_joins_through_the_link_and_works_in_the_crm(new_page, suffix, tmp_path):
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

    path, names = creators_csv(tmp_path, suffix)
    import_creators(manager, path)
    shot(manager, "crm-03-import-done")
    shortlist_prospects(manager, suffix, names)
    move_a_card_with_one_click(manager)
    move_to_final(manager, names[0])
    shot(manager, "crm-04-card-in-final")
    attach_product(manager, f"Trail pack {suffix}")
    shot(manager, "crm-05-product-attached")
    logout(manager)
