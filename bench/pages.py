"""Server-side script time of the main pages, run with streamlit.testing.v1.AppTest against a bench database.

Each page script runs once to warm imports and caches, then repeatedly (a rerun, as when a user
clicks); the floor is the raw-SQL replay of every SELECT the script sent during one run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import statistics
import threading
import time
from pathlib import Path

from bench.measure import RawConnection, captured_selects, interleaved
from bench.scenarios import Context

ROOT = Path(__file__).resolve().parent.parent

# (page script, which actor, the target it is checked against)
MAIN_PAGES = [
    ("pages/sponsor/find_influencers.py", "busy_sponsor", "search page"),
    ("pages/influencer/find_campaigns.py", "busy_influencer", "search page"),
    ("pages/influencer/inbox.py", "busy_influencer", "inbox page"),
    ("pages/sponsor/dashboard.py", "busy_sponsor", "sponsor dashboard page"),
    ("pages/sponsor/campaigns.py", "busy_sponsor", "page"),
    ("pages/admin/dashboard.py", "admin", "admin dashboard page"),
    ("pages/admin/users.py", "admin", "page"),
    ("pages/admin/campaigns.py", "admin", "page"),
]
# Every other page (Steps 6-8 and the account pages), with the actor who would open it: the busiest sponsor owns a
# one-member organization in the bulk data, so the team and CRM pages run as its owner. None = logged out.
OTHER_PAGES = [
    ("pages/sponsor/content_approvals.py", "busy_sponsor", "page"),
    ("pages/sponsor/downloads.py", "busy_sponsor", "page"),
    ("pages/sponsor/finance.py", "busy_sponsor", "page"),
    ("pages/sponsor/imports.py", "busy_sponsor", "page"),
    ("pages/sponsor/notifications.py", "busy_sponsor", "page"),
    ("pages/sponsor/pipeline.py", "busy_sponsor", "page"),
    ("pages/sponsor/products.py", "busy_sponsor", "page"),
    ("pages/sponsor/reports.py", "busy_sponsor", "page"),
    ("pages/sponsor/team.py", "busy_sponsor", "page"),
    ("pages/influencer/deliverables.py", "busy_influencer", "page"),
    ("pages/influencer/invoices.py", "busy_influencer", "page"),
    ("pages/influencer/notifications.py", "busy_influencer", "page"),
    ("pages/influencer/profile.py", "busy_influencer", "page"),
    ("pages/admin/approvals.py", "admin", "page"),
    ("pages/admin/audit.py", "admin", "page"),
    ("pages/admin/finance.py", "admin", "page"),
    ("pages/admin/notifications.py", "admin", "page"),
    ("pages/admin/reports.py", "admin", "page"),
    ("pages/admin/system.py", "admin", "page"),
    ("pages/account/my_account.py", "busy_sponsor", "page"),
    ("pages/account/claim.py", None, "page (logged out, no claim link: the invalid-link path)"),
]
ALL_PAGES = MAIN_PAGES + OTHER_PAGES


def bench_pages(
    ctx: Context,
    url: str,
    *,
    redis_url: str | None,
    min_reps: int,
    max_reps: int,
    budget_s: float,
    log=print,
    pages: list[tuple[str, str | None, str]] | None = None,
) -> dict:
    import streamlit as st

    from core.platform import cache
    from core.platform.config import reset_settings

    os.environ["IESCP_DATABASE_URL"] = url
    if redis_url:
        os.environ["IESCP_REDIS_URL"] = redis_url
    else:
        os.environ.pop("IESCP_REDIS_URL", None)
    reset_settings()
    cache.use(None)  # the pages' own configuration decides
    st.cache_resource.clear()
    st.cache_data.clear()
    raw = RawConnection(url)
    results: dict = {}
    in_core = _CoreClock()
    with server_script_cache():
        return _bench_each_page(ctx, raw, results, in_core, min_reps, max_reps, budget_s, log, pages)


@contextlib.contextmanager
def server_script_cache():
    """One ScriptCache for every AppTest run, as a server keeps one for all its sessions.

    AppTest builds a new cache per run, so each rerun would compile the page script again (5-20 ms for the big
    pages, measured in bench/analysis.md 2026-11-30), a cost a server pays once per script and process.
    """
    from unittest import mock

    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    with (
        mock.patch.object(app_test, "ScriptCache", lambda: shared),
        mock.patch.object(local_script_runner, "ScriptCache", lambda: shared),
    ):
        yield shared


def _bench_each_page(ctx, raw, results, in_core, min_reps, max_reps, budget_s, log, pages) -> dict:
    """The empty-page floor, then each page's warm rerun time, statements and raw-SQL floor."""
    from streamlit.testing.v1 import AppTest

    baseline = ROOT / "bench" / "data" / "runtime" / "empty_page.py"
    baseline.parent.mkdir(parents=True, exist_ok=True)
    baseline.write_text("import streamlit as st\n\nst.title('Empty')\nst.write('The AppTest overhead floor.')\n")
    at = AppTest.from_file(str(baseline), default_timeout=60)
    at.run()
    empty_cpu: list[float] = []

    def empty_run():
        started = time.process_time()
        at.run()
        empty_cpu.append((time.process_time() - started) * 1000)

    stats = interleaved({"page": empty_run}, min_reps=min_reps, max_reps=max_reps, budget_s=budget_s, warmup=1)
    results["(empty page: AppTest + Streamlit overhead)"] = {
        "core": stats["page"].as_dict(),
        "cpu_ms": statistics.median(empty_cpu),
        "target": "baseline",
    }
    for relative, who, target in pages or ALL_PAGES:
        path = ROOT / relative
        if not path.exists():
            results[relative] = {"skipped": "page does not exist yet"}
            continue
        at = AppTest.from_file(str(path), default_timeout=120)
        if who is not None:
            at.session_state["actor_id"] = getattr(ctx, who).id
        at.run()
        if at.exception:
            results[relative] = {"error": str(at.exception[0].message)[:300]}
            log(f"    {relative}: raised {results[relative]['error']}")
            continue
        with captured_selects() as statements:
            at.run()
        statements = list(statements)

        cpu: list[float] = []

        def page_run(at=at, cpu=cpu):
            started = time.process_time()  # this process's CPU: steadier than wall time on a shared machine
            at.run()
            cpu.append((time.process_time() - started) * 1000)

        with in_core.installed():
            at.run()
            in_core.samples.clear()
            stats = interleaved(
                {"page": page_run, "floor": lambda st_=statements: raw.replay(st_)},
                min_reps=min_reps,
                max_reps=max_reps,
                budget_s=budget_s,
                warmup=0,
            )
            core_ms = in_core.mean_per_run(stats["page"].n)
        results[relative] = {
            "core": stats["page"].as_dict(),
            "floor": stats["floor"].as_dict(),
            "queries": len(statements),
            "target": target,
            "actor": who,
            "in_core_ms": core_ms,
            "cpu_ms": statistics.median(cpu),
        }
        log(
            f"    {relative}: {stats['page'].median_ms:.1f} ms, CPU {statistics.median(cpu):.1f} ms "
            f"(of which core calls ~{core_ms:.1f} ms; SQL floor "
            f"{stats['floor'].median_ms:.2f} ms, {len(statements)} queries)"
        )
    raw.close()
    return results


class _CoreClock:
    """Time spent inside the pages' database helpers (current_actor, read, read_cached, cached reads) per run.

    Only the outermost timed call counts: read_cached(cached_reads.sponsor_dashboard) is one sample, not two.
    """

    def __init__(self):
        self.samples: list[float] = []
        self._depth = threading.local()

    @contextlib.contextmanager
    def installed(self):
        from core.deals import cached as deal_cache
        from core.marketplace import cached_reads
        from pages.common import session

        originals = {}
        targets = [(session, name) for name in ("current_actor", "read", "read_cached")]
        targets += [(deal_cache, name) for name in ("budget_burn", "burn_by_day", "finance_overview")]
        targets += [
            (cached_reads, name)
            for name in (
                "admin_statistics",
                "sponsor_dashboard",
                "search_influencers",
                "search_campaigns",
                "influencer_facets",
                "campaign_facets",
                "list_sponsor_campaigns",
                "budget_burn",
            )
        ]
        for module, name in targets:
            original = getattr(module, name)
            originals[(module, name)] = original
            setattr(module, name, self._timed(original))
        try:
            yield self
        finally:
            for (module, name), original in originals.items():
                setattr(module, name, original)

    def _timed(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            depth = getattr(self._depth, "value", 0)
            self._depth.value = depth + 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth.value = depth
                if depth == 0:
                    self.samples.append((time.perf_counter() - started) * 1000)

        return wrapper

    def mean_per_run(self, runs: int) -> float:
        return sum(self.samples) / max(runs, 1)
