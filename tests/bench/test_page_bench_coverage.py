"""The page benchmark times every page the app can show."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from bench import pages as page_bench
from bench.scenarios import Context

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_under_pages_is_in_the_page_benchmark_once():
    on_disk = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*/*.py") if p.parent.name != "common")
    benchmarked = [relative for relative, _, _ in page_bench.ALL_PAGES]
    assert sorted(benchmarked) == on_disk


def test_each_benchmarked_page_names_an_actor_the_scenarios_pick_or_none():
    known = {field.name for field in fields(Context) if field.type == "Actor"} | {None}
    assert {who for _, who, _ in page_bench.ALL_PAGES} <= known
