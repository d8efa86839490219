"""The worker's memory while it renders report PDFs: in its own process vs in a recycled child (issue #12).

    .venv/bin/python -m bench.pdf_memory run [--reports 300] [--rounds 2] [--renders-per-child 100] [--cache FILE]

Builds real monthly reports (build_report_data + render_html) for the busiest sponsors of the 100k PostgreSQL set
(read only), then renders them round-robin --reports times through reports.render_pdf, in a fresh process per run:
"inproc" as before, "child" with pdf_child on (what a consumer does at start). The process's VmRSS (and the child's)
is sampled every --every renders (printed to stderr as it goes). Runs alternate (inproc, child, inproc, child, …) so both see the same machine load.
Prints one JSON line per run and a summary; writes bench/pdf-memory-results.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/iescp_bench_100k"
SPONSORS = 3
RESULTS = Path(__file__).with_name("pdf-memory-results.json")


def rss_mb(pid: int | str = "self") -> float:
    """VmRSS of pid in MB (psutil is not installed; /proc is enough on Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares MB per render over (renders, MB) points."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var if var else 0.0


def report_htmls(url: str, cache: Path) -> list[str]:
    """Real report HTML for sponsor 2 and the next SPONSORS - 1 report recipients, for last month (cached in cache:
    building one report's data on the 100k set took 40-120 s on this busy machine)."""
    if cache.exists():
        return json.loads(cache.read_text())
    from sqlalchemy import select

    from core.models import OrgMember
    from core.platform.db import connect
    from core.platform.timeutil import previous_month, today
    from core.reporting import reports

    db = connect(url)
    month = previous_month(today())
    with db.ReadSession.begin() as session:
        # sponsor 2 (the busiest) and the first report recipients by id: ordinary sponsors, cheap to pick
        first = session.scalars(
            select(OrgMember.user_id)
            .where(OrgMember.user_id.in_(reports.REPORT_RECIPIENTS), OrgMember.user_id != 2)
            .order_by(OrgMember.user_id)
            .limit(SPONSORS - 1)
        ).all()
        htmls = []
        for sponsor_id in [2, *first]:
            started = time.perf_counter()
            htmls.append(reports.render_html(reports.build_report_data(session, sponsor_id=sponsor_id, month=month)))
            print(f"sponsor {sponsor_id}: data {time.perf_counter() - started:.1f} s", file=sys.stderr)
    db.dispose()
    cache.write_text(json.dumps(htmls))
    return htmls


def trimmed(html: str, rows: int) -> str:
    """html with each table body cut to its first rows rows (0: whole): the 100k set's sponsors have 460-1,200
    request rows, ~30 s a render on this machine, far from the ~1 s the soak's reports took."""
    if not rows:
        return html

    def cut(body: re.Match) -> str:
        kept = re.findall(r"<tr.*?</tr>", body.group(2), flags=re.S)[:rows]
        return body.group(1) + "".join(kept) + body.group(3)

    return re.sub(r"(<tbody[^>]*>)(.*?)(</tbody>)", cut, html, flags=re.S)


def probe(mode: str, count: int, renders_per_child: int, url: str, cache: Path, every: int, rows: int) -> dict:
    """Render count reports in this process (mode inproc) or through the recycled child (mode child)."""
    from core.platform.config import get_settings
    from core.reporting import pdf_child, reports

    htmls = [trimmed(html, rows) for html in report_htmls(url, cache)]
    if mode == "child":
        pdf_child.use_child_process(dataclasses.replace(get_settings(), pdf_child_renders=renders_per_child))
    samples = [(0, rss_mb(), 0.0)]
    started = time.perf_counter()
    size = 0
    for n in range(1, count + 1):
        # every PDF differs a little, as each sponsor's report does (a cache of identical pages would hide growth)
        pdf = reports.render_pdf(htmls[n % len(htmls)].replace("</body>", f"<p>Copy {n} for this bench.</p></body>"))
        assert pdf is not None
        size += len(pdf)
        if n % every == 0:
            children = pdf_child.child_pids()
            samples.append((n, rss_mb(), sum(rss_mb(p) for p in children)))
            print(f"{mode} {n} renders: RSS {samples[-1][1]:.1f} MB, child {samples[-1][2]:.1f} MB", file=sys.stderr)
    elapsed = time.perf_counter() - started
    pdf_child.shutdown()
    grown = [(n, mb) for n, mb, _ in samples if n >= every]  # the first renders warm WeasyPrint and fonts up
    return {
        "mode": mode,
        "reports": count,
        "renders_per_child": renders_per_child if mode == "child" else None,
        "ms_per_report": round(elapsed * 1000 / count, 1),
        "rss_start_mb": round(samples[0][1], 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "rss_max_mb": round(max(mb for _, mb, _ in samples), 1),
        "mb_per_report": round(slope(grown), 4),
        "child_rss_max_mb": round(max(c for _, _, c in samples), 1),
        "table_rows_kept": rows,
        "mean_pdf_kb": round(size / count / 1024, 1),
        "load_avg": os.getloadavg()[0],
        "samples": [(n, round(mb, 1), round(c, 1)) for n, mb, c in samples],
    }


def run(args: argparse.Namespace) -> None:
    report_htmls(args.url, args.cache)  # once, before the timed runs
    runs = []
    for _ in range(args.rounds):
        for mode in ("inproc", "child"):
            done = subprocess.run(
                [sys.executable, "-m", "bench.pdf_memory", "probe", "--mode", mode, "--reports", str(args.reports)]
                + ["--renders-per-child", str(args.renders_per_child), "--url", args.url, "--cache", str(args.cache)]
                + ["--every", str(args.every), "--rows", str(args.rows)],
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(json.dumps({k: v for k, v in result.items() if k != "samples"}), flush=True)
            runs.append(result)
    RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
    for mode in ("inproc", "child"):
        mine = [r for r in runs if r["mode"] == mode]
        print(
            f"{mode:6}  MB/report {[r['mb_per_report'] for r in mine]}  ms/report {[r['ms_per_report'] for r in mine]}"
            f"  RSS end {[r['rss_end_mb'] for r in mine]}  child max {[r['child_rss_max_mb'] for r in mine]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("run", "probe"))
    parser.add_argument("--mode", choices=("inproc", "child"), default="inproc")
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rows", type=int, default=40, help="table rows kept per report (0: all)")
    parser.add_argument("--every", type=int, default=25, help="sample RSS every this many renders")
    parser.add_argument("--renders-per-child", type=int, default=100)
    parser.add_argument("--url", default=URL)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/iescp-pdf-bench-reports.json"))
    args = parser.parse_args()
    if args.command == "probe":
        print(
            json.dumps(
                probe(args.mode, args.reports, args.renders_per_child, args.url, args.cache, args.every, args.rows)
            )
        )
    else:
        run(args)


if __name__ == "__main__":  # the spawned PDF child imports this module as __mp_main__: nothing may run then
    main()
