"""Report PDFs in a recycled child process: the same PDF as in-process, a fresh child after N renders or a crash."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from core.platform import templating
from core.platform.config import get_settings
from core.platform.timeutil import today
from core.reporting import pdf_child, reports
from tests import factories as f

pytestmark = pytest.mark.skipif(not reports.pdf_available(), reason="WeasyPrint/pango not installed here")
SMALL = "<h1>Acme Outdoor</h1><p>Winter Gear</p>"
BASE_URL = str(templating.TEMPLATES)


@pytest.fixture
def child():
    """Turn the child on as a consumer's start does, with a given renders-per-child and timeout; off afterwards."""

    def enable(renders: int = 100, timeout: float = 120.0) -> None:
        settings = dataclasses.replace(get_settings(), pdf_child_renders=renders, pdf_timeout_seconds=timeout)
        pdf_child.use_child_process(settings)

    yield enable
    pdf_child.shutdown()


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def report_html(db) -> str:
    sponsor = f.sponsor(db, name="Acme Outdoor")
    f.request(db, sponsor, f.campaign(db, sponsor, name="Winter Gear"), f.influencer(db, name="Ana Trails"))
    with db.ReadSession.begin() as s:
        data = reports.build_report_data(s, sponsor_id=sponsor.id, month=today())
    return reports.render_html(data)


def wait_until_dead(pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.05)
    pytest.fail(f"child {pid} still alive")


def test_outside_a_consumer_pdfs_render_in_the_calling_process_without_a_child():
    pdf = reports.render_pdf(SMALL)

    assert pdf is not None and pdf.startswith(b"%PDF")
    assert not pdf_child.in_child() and pdf_child.child_pids() == []


def test_the_child_renders_a_report_with_the_same_text_as_the_calling_process(sqlite_database, child, tmp_path):
    html = report_html(sqlite_database)
    here = reports.render_pdf(html)
    child()

    there = reports.render_pdf(html)

    assert pdf_child.child_pids() and pdf_child.child_pids() != [os.getpid()]
    assert here is not None and there is not None
    assert text_of(there, tmp_path) == text_of(here, tmp_path)
    assert "Acme Outdoor" in text_of(there, tmp_path)


def test_the_child_is_replaced_after_its_renders_per_child(child):
    child(renders=2)
    seen = []
    for _ in range(5):
        assert pdf_child.render_pdf(SMALL, BASE_URL).startswith(b"%PDF")
        seen.append(tuple(pdf_child.child_pids()))

    # the 2nd render retires its child (no current one); the 3rd starts a new one
    assert seen[0] and seen[1] == () and seen[2] and seen[2] != seen[0] and seen[3] == ()
    assert seen[4] and seen[4] not in (seen[0], seen[2])


def test_a_crashed_child_fails_that_render_clearly_and_the_next_render_works(child):
    child()
    pdf_child.render_pdf(SMALL, BASE_URL)
    [pid] = pdf_child.child_pids()
    os.kill(pid, signal.SIGKILL)  # what the OOM killer does
    wait_until_dead(pid)

    with pytest.raises(pdf_child.PdfRenderFailed, match="child process died"):
        pdf_child.render_pdf(SMALL, BASE_URL)
    assert pdf_child.render_pdf(SMALL, BASE_URL).startswith(b"%PDF")
    assert pdf_child.child_pids() not in ([], [pid])


def test_a_render_past_the_timeout_kills_its_child_and_the_next_render_works(child):
    child(timeout=0.05)  # a fresh child needs far longer just to start Python and load WeasyPrint
    with pytest.raises(pdf_child.PdfRenderFailed, match="longer than 0.05 s"):
        pdf_child.render_pdf(SMALL, BASE_URL)
    assert pdf_child.child_pids() == []

    child(timeout=120)
    assert pdf_child.render_pdf(SMALL, BASE_URL).startswith(b"%PDF")


def test_threads_rendering_at_once_all_get_their_pdf_across_recycles(child):
    child(renders=2, timeout=90)  # a lost wake-up (CPython gh-115634) would show as a timeout here
    results: list[bytes | BaseException] = []

    def render(n: int) -> None:
        try:
            results.append(pdf_child.render_pdf(f"<p>report {n}</p>", BASE_URL))
        except BaseException as error:  # collected: the assertion below names it
            results.append(error)

    threads = [threading.Thread(target=render, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [type(r).__name__ for r in results] == ["bytes"] * 6


def test_a_stopped_worker_renders_in_process_again_and_leaves_no_child(child):
    child()
    pdf_child.render_pdf(SMALL, BASE_URL)
    [pid] = pdf_child.child_pids()

    pdf_child.shutdown()

    assert not pdf_child.in_child() and pdf_child.child_pids() == []
    wait_until_dead(pid)
    assert pdf_child.render_pdf(SMALL, BASE_URL).startswith(b"%PDF")
    assert pdf_child.child_pids() == []


def test_the_child_leaves_sigterm_and_sigint_to_the_worker_so_a_graceful_stop_never_breaks_a_render(child):
    child()
    pdf_child.render_pdf(SMALL, BASE_URL)
    [pid] = pdf_child.child_pids()
    os.kill(pid, signal.SIGTERM)  # systemd's stop signals the whole cgroup; Ctrl-C the whole process group
    os.kill(pid, signal.SIGINT)

    assert pdf_child.render_pdf(SMALL, BASE_URL).startswith(b"%PDF")
    assert pdf_child.child_pids() == [pid]
