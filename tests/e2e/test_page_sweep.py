"""Every page of every role, at desktop (1400 px) and phone (390 px) width: no traceback, no error box, no
literal "None"/"nan", no console error or failed request; a screenshot of each is kept under
artifacts/e2e/sweep/ for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from pages.common.navigation import ACCOUNT_PAGE, ROLE_PAGES
from tests.e2e.conftest import ADMIN, ARTIFACTS, CHROMIUM, DEADLINE_MS, INFLUENCER, SPONSOR, goto, login, wait_idle

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (CI installs it)"),
]

LOGINS = {"admin": ADMIN, "sponsor": SPONSOR, "influencer": INFLUENCER}
WIDTHS = {"desktop": 1400, "phone": 390}
SWEEP = ARTIFACTS / "sweep"
# A whole cell or text node that is a missing value printed raw (not "None of these", not "Nanette").
RAW_MISSING = re.compile(r"^(None|nan|NaN|NaT|null|undefined)$")
# The grid's cells are drawn on a canvas; its accessible copy (role=gridcell) holds their text.
VISIBLE_TEXT_JS = """
() => {
  const root = document.querySelector('[data-testid="stMain"]') || document.body;
  const texts = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) texts.push(walker.currentNode.textContent.trim());
  for (const cell of root.querySelectorAll('[role="gridcell"]')) texts.push(cell.textContent.trim());
  return texts.filter(t => t.length);
}
"""


# A metric whose figure does not fit its box is cut with an ellipsis ("791…"): the number is lost.
CUT_METRICS_JS = """
() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
  .filter(v => [v, ...v.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
  .map(v => v.textContent.trim())
"""


def url_paths(role: str) -> list[tuple[str, str]]:
    """(title, url path) of every page in the role's navigation; the first is the default page at '/'."""
    pages = [entry for section in ROLE_PAGES[role].values() for entry in section] + [ACCOUNT_PAGE]
    paths = []
    for index, (path, title, _icon) in enumerate(pages):
        url = "account" if path.startswith("account/") else f"{role}-{Path(path).stem.replace('_', '-')}"
        paths.append((title, "/" if index == 0 else f"/{url}"))
    return paths


def problems_on(page: Page) -> list[str]:
    """What a user must never see: a traceback, an error box, or a raw missing value."""
    found = []
    if page.get_by_test_id("stException").count():
        found.append("traceback: " + page.get_by_test_id("stException").first.inner_text()[:300])
    errors = page.locator('[data-testid="stAlertContentError"]')
    for i in range(errors.count()):
        found.append("error box: " + errors.nth(i).inner_text()[:200])
    raw = sorted({t for t in page.evaluate(VISIBLE_TEXT_JS) if RAW_MISSING.match(t)})
    if raw:
        found.append(f"raw missing values shown: {raw}")
    cut = page.evaluate(CUT_METRICS_JS)
    if cut:
        found.append(f"figures cut off by their box: {cut}")
    return found


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", list(LOGINS))
def test_every_page_renders_cleanly_at_desktop_and_phone_width(browser: Browser, app_url: str, role: str, width: str):
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 1800}, base_url=app_url)
    context.set_default_timeout(DEADLINE_MS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.on(
        "response",
        lambda response: console.append(f"HTTP {response.status} {response.url}") if response.status >= 400 else None,
    )
    SWEEP.mkdir(parents=True, exist_ok=True)
    report: dict[str, list[str]] = {}
    try:
        login(page, *LOGINS[role])
        for title, path in url_paths(role):
            console.clear()
            goto(page, path, reload=width == "phone")  # the phone's sidebar is folded away: open by address
            wait_idle(page)
            name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
            page.screenshot(path=str(SWEEP / f"{role}-{name}-{width}.png"), full_page=True)
            found = problems_on(page) + [f"console: {line}" for line in console]
            if found:
                report[title] = found
    finally:
        context.close()
    assert report == {}, "\n".join(f"{title}: {problem}" for title, found in report.items() for problem in found)
