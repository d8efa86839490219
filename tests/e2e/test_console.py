"""A page opened directly by its URL (a bookmark, a reload) loads without console errors or failed requests."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from tests.e2e.conftest import ADMIN, CHROMIUM, goto, login

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def watch(page: Page) -> list[str]:
    """Every console error and every 4xx/5xx response of page from now on, as readable lines."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    return problems


def test_the_login_page_loads_without_console_errors(page: Page):
    problems = watch(page)

    goto(page, "/")

    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    assert problems == []


def test_a_page_opened_directly_by_its_url_loads_without_console_errors_or_404s(page: Page):
    login(page, *ADMIN)
    problems = watch(page)

    goto(page, "/admin-reports", reload=True)  # a new session from the URL, logged in again from the cookie

    expect(page.get_by_role("heading", name="Reports & reminders")).to_be_visible()
    assert problems == []
