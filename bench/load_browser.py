"""One real browser against the protocol client: the same search on Find influencers, timed both ways, interleaved.

Browser: Debian's Chromium through Playwright, logged in with the same minted cookie; the time runs from just
before the click on "Search" to the moment the app's script state first turns back to notRunning, and (kept too)
to the last such turn when the page runs again by itself; an observer in the page records the transitions. Protocol client: bench/st_client.py's rerun with the same widget states, from
BackMsg sent to script_finished. Both on one `make run`-style server on the 100k PostgreSQL set.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time

from bench.load import DATABASE_URL, RESULTS, Target, percentile, prepare_environment
from bench.load_roles import PAGES, SEARCHES, mint_cookies, pick_accounts
from bench.load_stop import started

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
_MARKS_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__marks = [];
  new MutationObserver(() => window.__marks.push([app.getAttribute('data-test-script-state'), performance.now()]))
    .observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
}
"""


def _settle(page, seconds: float = 1.0, timeout: float = 60.0) -> None:
    """Wait until the script is idle and has stayed idle for seconds (the cookie component reruns once after load)."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        idle = page.locator(IDLE).count() == 1
        idle_since = (idle_since or time.monotonic()) if idle else None
        if idle_since and time.monotonic() - idle_since >= seconds:
            return
        time.sleep(0.05)
    raise TimeoutError("the page did not settle")


def _browser_click(page, term: str) -> tuple[float, float, int, float]:
    """Seconds from the click on Search to the first and the last return to idle, the runs, and seconds to 'running'."""
    page.locator('input[aria-label="Search"]').fill(term)
    page.evaluate("window.__marks = []")
    clicked = page.evaluate("performance.now()")
    page.get_by_role("button", name="🔎 Search", exact=True).click()
    _settle(page)
    marks = page.evaluate("window.__marks")
    idle_at = [t for state, t in marks if state == "notRunning" and t >= clicked]
    if not idle_at:
        raise RuntimeError(f"no rerun seen after the click: {marks}")
    running_at = [t for state, t in marks if state == "running" and t >= clicked]
    to_running = (running_at[0] - clicked) / 1000 if running_at else float("nan")
    return (idle_at[0] - clicked) / 1000, (idle_at[-1] - clicked) / 1000, len(idle_at), to_running


class _ClientThread:
    """A protocol client living on its own event loop (Playwright's sync API owns this thread)."""

    def __init__(self, base_url: str, cookie: str):
        from bench.st_client import StreamlitClient

        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.client = StreamlitClient(base_url, cookie=cookie)
        self._call(self.client.__aenter__())
        self._call(self.client.load(PAGES["sponsor"]))

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(120)

    def search(self, term: str) -> float:
        return self._call(self.client.rerun({"f-text": term, "f-submit": None})).seconds

    def close(self) -> None:
        self._call(self.client.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)


def browser_check(args, rounds: int = 8) -> int:
    """Time the search both ways, alternating, and record both in the results file."""
    import os

    from playwright.sync_api import sync_playwright

    prepare_environment(hold_reports=True)
    accounts = pick_accounts(DATABASE_URL, {"sponsor": 1})
    pools = mint_cookies(accounts, cookie_name="iescp_auth", key=os.environ["IESCP_COOKIE_KEY"])
    username, cookie = pools.take("sponsor")
    target = Target("single-browser", 1, (0, 8730, 0), "redis://127.0.0.1:6379/5")
    browser_s, browser_last, browser_runs, browser_start, client_s = [], [], [], [], []
    with started(target):
        name, token = cookie.split("=", 1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1400})
            context.add_cookies([{"name": name, "value": token, "url": target.base_url}])
            page = context.new_page()
            # From "/" through the sidebar, as a user does. (A direct load of the page URL with the cookie used to
            # show Streamlit's "Page not found" dialog; fixed in server.py and pages/common/auth.py.)
            page.goto(target.base_url)
            _settle(page, 1.5, 120)
            page.get_by_role("link", name="Find influencers").click()
            _settle(page, 1.5, 120)
            page.evaluate(_MARKS_JS)
            client = _ClientThread(target.base_url, cookie)
            try:
                for i in range(rounds + 1):  # the first round of each is a warm-up
                    term = SEARCHES[i % len(SEARCHES)]
                    (b, last, runs, starting), c = _browser_click(page, term), client.search(term)
                    if i:
                        browser_s.append(b)
                        browser_last.append(last)
                        browser_runs.append(runs)
                        browser_start.append(starting)
                        client_s.append(c)
                    print(
                        f"{term:<8} browser {1000 * b:7.1f} ms (to running {1000 * starting:6.1f}, {runs} runs)"
                        f"   protocol client {1000 * c:7.1f} ms",
                        flush=True,
                    )
            finally:
                client.close()
                browser.close()

    def stats(values: list[float]) -> dict:
        return {
            "median_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * percentile(values, 0.95), 1),
            "all_ms": [round(1000 * v, 1) for v in values],
        }

    check = {
        "what": "one search on Find influencers (type a term, click Search), as sponsor "
        f"{username}, on a make-run-style server on the 100k PostgreSQL set; browser and protocol client alternate",
        "browser": stats(browser_s),
        "browser_until_last_idle": stats(browser_last),
        "browser_runs_per_click": browser_runs,
        "browser_click_to_running": stats(browser_start),
        "protocol_client": stats(client_s),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    existing = json.loads(args.output.read_text()) if args.output.exists() else {}
    args.output.write_text(json.dumps({**existing, "browser_check": check}, indent=1) + "\n")
    print(json.dumps({k: v for k, v in check.items() if k in ("browser", "protocol_client")}))
    return 0


__all__ = ["browser_check", "RESULTS"]
