"""Browser tests: Debian's Chromium (through Playwright) against a real `streamlit run server.py` on 127.0.0.1.

One server per test session, on a seeded demo database in a temporary data folder; every test gets a
fresh browser context (no cookies), so each flow logs in through the app's own login form.
Set E2E_BASE_URL to drive an already running server instead (debugging).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path("/usr/bin/chromium")  # test modules skip themselves when it is missing (CI installs it)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
PYTHON = Path(sys.executable)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Streamlit scrolls inside its own container, so a "full page" screenshot is only the viewport: make it tall.
VIEWPORT = {"width": 1400, "height": 2200}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

ADMIN = ("admin", "Admin-demo-1")
SPONSOR = ("brightwave", "Demo-pass-1")
INFLUENCER = ("maya", "Demo-pass-1")

# Waits end on the app's own state (idle and staying idle), so these deadlines only bound a broken run: they are
# generous because a loaded machine (CI, parallel engineers) can make one rerun take many seconds.
DEADLINE_MS = int(float(os.environ.get("E2E_DEADLINE_SECONDS", "120")) * 1000)
SETTLE_SECONDS = 1.0  # idle for this long in a row = settled (the auth cookie component triggers a late rerun)
expect.set_options(timeout=DEADLINE_MS)

# Runs in the page: a MutationObserver on stApp's data-test-script-state records when the script last became
# idle ("notRunning"); any other state (running, rerunRequested, ...) clears it. Settled = idle for settle_ms,
# counted from the start of this wait at the earliest.
_SETTLED_JS = """
([settleMs, callId]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const idleNow = () => app.getAttribute('data-test-script-state') === 'notRunning';
  let watch = window.__iescpIdleWatch;
  if (!watch || watch.app !== app) {
    watch = { app, since: idleNow() ? performance.now() : null };
    watch.observer = new MutationObserver(() => { watch.since = idleNow() ? performance.now() : null; });
    watch.observer.observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
    window.__iescpIdleWatch = watch;
  }
  if (watch.callId !== callId) {  // each wait counts from its own start: a click's rerun may not have shown yet
    watch.callId = callId;
    watch.since = idleNow() ? performance.now() : null;
  }
  if (!idleNow()) { watch.since = null; return false; }
  if (watch.since === null) watch.since = performance.now();
  return performance.now() - watch.since >= settleMs;
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(data_dir: Path) -> dict[str, str]:
    """The test process's environment without any IESCP_* setting, plus a private data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IESCP_")}
    env.update(IESCP_DATA_DIR=str(data_dir), IESCP_BCRYPT_ROUNDS="4", PYTHONUNBUFFERED="1")
    return env


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = DEADLINE_MS / 1000) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> Iterator[str]:
    """Base URL of a real Streamlit server on a freshly seeded demo database."""
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = _server_env(data_dir)
    seeded = subprocess.run(
        [str(PYTHON), "-m", "core.demo.seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert seeded.returncode == 0, f"seeding failed:\n{seeded.stdout}\n{seeded.stderr}"
    port = _free_port()
    log = data_dir / "streamlit.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(PYTHON),
                "-m",
                "streamlit",
                "run",
                "server.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # The job worker, as `make run` starts it: imports and exports run there, not in the page.
    worker_log = data_dir / "worker.log"
    with worker_log.open("w") as out:
        worker = subprocess.Popen(
            [str(PYTHON.parent / "huey_consumer"), "tasks.huey", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        for child in (process, worker):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "worker.log").write_text(worker_log.read_text())
        server_log = log.read_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "streamlit.log").write_text(server_log)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    shutil.rmtree(ARTIFACTS / "failures", ignore_errors=True)  # screenshots of an earlier run's failures
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_configure(config) -> None:
    # Registered here too, so that runs with `-p no:xdist` do not trip --strict-markers.
    config.addinivalue_line("markers", "xdist_group(name): run in one xdist worker with the rest of its group")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@contextmanager
def page_factory(request, browser: Browser, folder: Path) -> Iterator[Callable[[str], Page]]:
    """Pages in FRESH browser contexts (own cookies) on a base URL; when the test fails each is saved in folder."""
    contexts = []

    def make(base_url: str) -> Page:
        context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
        context.set_default_timeout(DEADLINE_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            folder.mkdir(parents=True, exist_ok=True)
            for number, context in enumerate(contexts, start=1):
                for page in context.pages:
                    try:
                        page.screenshot(path=str(folder / f"{request.node.name}-{number}.png"), timeout=5_000)
                    except Exception as error:  # a crashed page must not hide the test's own failure
                        print(f"could not save a screenshot of page {number}: {error}")
        for context in contexts:
            context.close()


@pytest.fixture
def new_page(request, browser: Browser, app_url: str) -> Iterator[Callable[[], Page]]:
    """Factory of pages, each in a FRESH browser context (own cookies) — one per person in a flow.

    When the test fails, every page it opened is saved under artifacts/e2e/failures/.
    """
    with page_factory(request, browser, ARTIFACTS / "failures") as make:
        yield lambda: make(app_url)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def suffix() -> str:
    """A random suffix that keeps each flow's names apart from the others' and from earlier runs."""
    return secrets.token_hex(3)


# ---- helpers ------------------------------------------------------------------------------------------------


def wait_idle(page: Page, settle: float = SETTLE_SECONDS) -> None:
    """Wait until the Streamlit script is idle and has stayed idle for `settle` seconds in a row.

    Driven by the app's own state (see _SETTLED_JS), not by sleeping: on a fast machine this returns
    `settle` seconds after the last rerun, on a loaded one whenever the reruns are really over.
    """
    call_id = secrets.token_hex(4)
    try:
        page.wait_for_function(_SETTLED_JS, arg=[int(settle * 1000), call_id], polling=50, timeout=DEADLINE_MS)
    except PlaywrightTimeoutError:
        state = page.evaluate(
            "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
        )
        raise AssertionError(
            f"{page.url}: the app did not stay idle for {settle} s within {DEADLINE_MS / 1000:.0f} s "
            f"(script state now: {state!r})"
        ) from None


def goto(page: Page, url_path: str = "/", *, reload: bool = False) -> None:
    """Open a page of the app by its URL path (e.g. '/sponsor-campaigns') and wait for it to settle.

    Like a user, this clicks the page's link in the sidebar when there is one (same browser session);
    otherwise, or with reload=True, it loads the URL (a new session, logged in again from the cookie).
    A role's default page (the first in its sidebar) lives at "/".
    """
    url_path = url_path if url_path.startswith("/") else f"/{url_path}"
    link = page.get_by_test_id("stSidebarNav").locator(f'a[href$="{url_path}"]')
    if not reload and link.count():
        link.first.click()
        page.wait_for_url(re.compile(re.escape(url_path) + r"/?$"))
    else:
        page.goto(url_path)
    wait_idle(page)


def login(page: Page, username: str, password: str, *, expect_ok: bool = True) -> None:
    """Log in with the app's own form (on the 'Log in' tab of the logged-out screen)."""
    goto(page, "/")
    submit_login(page, username, password)
    if expect_ok:
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        expect(page.get_by_test_id("stSidebar").get_by_text(f"@{username}", exact=False)).to_be_visible()
    wait_idle(page)


def submit_login(page: Page, username: str, password: str) -> None:
    """Fill and send the login form shown at the current URL, and wait until its run is over."""
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Log in", exact=True))
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Log in", exact=True).click()
    wait_idle(page)  # the login run (and the cookie component's rerun) are over before anything is asserted


def logout(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    wait_idle(page)


def choose(page: Page | Locator, label: str, option: str) -> None:
    """Pick the option containing `option` in the selectbox labelled `label`."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    root = page.page if isinstance(page, Locator) else page
    root.get_by_role("option").filter(has_text=re.compile(re.escape(option))).first.click()
    expect(box).to_have_value(re.compile(re.escape(option)))
    wait_idle(root)


def select_row(page: Page, text: str, *, table: Locator | None = None) -> None:
    """Tick the selection box of the first row of a table (st.dataframe) whose first cell is `text`.

    The grid draws on a canvas; its accessible copy (role=row) says which row holds the text, and the click
    lands on that row's selection box at the left edge (rows are 35 px, under a 35 px header)."""
    grid = table or page.get_by_test_id("stDataFrame").first
    rows = grid.locator('[role="row"]')
    expect(rows.filter(has_text=text).first).to_be_attached()
    firsts = [rows.nth(i).locator('[role="gridcell"]').first for i in range(rows.count())]
    position = next(i for i, cell in enumerate(firsts) if cell.count() and cell.inner_text().strip() == text)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 * position + 17)
    wait_idle(page)


def shot(page: Page, name: str) -> Path:
    """Save a screenshot of the current viewport under artifacts/e2e/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    wait_idle(page, settle=0.5)
    page.screenshot(path=str(path), full_page=True)
    return path
