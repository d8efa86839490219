"""The load generator's pure parts: percentiles, what a K's summary counts, the stop rule and the memory trend;
and that a Ctrl+C or SIGTERM stops the servers a run started (with a fake target: no cluster is started)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.load import first_k_over, memory_trend, merge_results, passes_limit, percentile, slope_per_hour, summarize
from bench.load_client import outcome
from bench.load_roles import Pools, Record
from bench.load_stop import Stopped, exit_status, started


def test_percentiles_interpolate_between_the_closest_ranks():
    values = [0.4, 0.1, 0.3, 0.2, 0.5]
    assert percentile(values, 0.5) == pytest.approx(0.3)
    assert percentile(values, 0.95) == pytest.approx(0.48)
    assert percentile(values, 0.0) == pytest.approx(0.1) and percentile(values, 1.0) == pytest.approx(0.5)


def test_a_percentile_of_nothing_is_none_and_of_one_value_is_that_value():
    assert percentile([], 0.95) is None
    assert percentile([0.7], 0.95) == pytest.approx(0.7)


def _record(role, step, started, seconds, result="ok", detail=""):
    return Record(role, step, started, seconds, result, detail)


def test_a_summary_counts_only_interactions_that_started_inside_the_window():
    records = [
        _record("sponsor", "search", 9.9, 0.5),  # warm-up: before the window
        _record("sponsor", "search", 10.0, 0.1),
        _record("sponsor", "send", 11.0, 0.3, "refused", "A live request exists"),
        _record("admin", "dashboard", 12.0, 0.2),
        _record("admin", "dashboard", 20.0, 0.9),  # after the window
    ]
    row = summarize(records, 10.0, 20.0)
    assert row["interactions"] == 3 and row["per_s"] == pytest.approx(0.3)
    assert row["refused"] == 1 and row["errors"] == 0
    assert row["p50_ms"] == pytest.approx(200.0) and row["max_ms"] == pytest.approx(300.0)
    assert row["by_role"]["sponsor"]["interactions"] == 2 and row["by_role"]["admin"]["interactions"] == 1
    assert row["by_step"]["send"]["why_refused"] == {"A live request exists": 1}


def test_page_loads_and_skips_are_not_interactions_and_errors_stay_out_of_the_latency():
    records = [
        _record("influencer", "load", 1.0, 2.5),
        _record("influencer", "counter", 1.5, 0.0, "skipped", "nothing awaiting"),
        _record("influencer", "inbox", 2.0, 30.0, "error", "TimeoutError()"),
        _record("influencer", "inbox", 3.0, 0.05),
    ]
    row = summarize(records, 0.0, 10.0)
    assert row["interactions"] == 2 and row["page_loads"] == 1 and row["skipped"] == 1
    assert row["errors"] == 1 and row["why_errors"] == {"TimeoutError()": 1}
    assert row["p95_ms"] == pytest.approx(50.0)


def test_a_k_passes_the_limit_on_a_slow_p95_or_on_too_many_errors():
    assert passes_limit({"p95_ms": 1000.1, "errors": 0, "interactions": 100}, 1000.0, 0.02)
    assert not passes_limit({"p95_ms": 999.0, "errors": 2, "interactions": 100}, 1000.0, 0.02)
    assert passes_limit({"p95_ms": 200.0, "errors": 3, "interactions": 100}, 1000.0, 0.02)
    assert passes_limit({"p95_ms": None, "errors": 5, "interactions": 0}, 1000.0, 0.02)  # nothing answered at all


def test_the_first_k_over_the_limit_is_the_smallest_one_and_none_when_every_k_held():
    rows = [{"k": 1, "p95_ms": 300.0}, {"k": 4, "p95_ms": 1500.0}, {"k": 2, "p95_ms": 1200.0}]
    assert first_k_over(rows, 1000.0) == 2
    assert first_k_over(rows[:1], 1000.0) is None


def test_a_memory_slope_is_per_hour_and_flat_memory_has_none():
    assert slope_per_hour([(0.0, 100.0), (1800.0, 110.0), (3600.0, 120.0)]) == pytest.approx(20.0)
    assert slope_per_hour([(0.0, 100.0), (30.0, 100.0), (60.0, 100.0)]) == pytest.approx(0.0)
    assert slope_per_hour([(5.0, 100.0)]) is None


def test_the_memory_trend_reports_start_end_max_and_the_slope_after_settling():
    series = {"app-1": [(0.0, 250.0), (300.0, 300.0), (900.0, 310.0), (1800.0, 300.0)]}
    trend = memory_trend(series, settle_s=300.0)["app-1"]
    assert (trend["start_mb"], trend["end_mb"], trend["max_mb"], trend["samples"]) == (250.0, 300.0, 310.0, 4)
    assert trend["slope_mb_per_h"] > trend["slope_after_settle_mb_per_h"]


def test_merging_a_targets_results_keeps_the_other_targets():
    existing = {"runs": {"single": {"rows": [1]}}, "browser_check": {"x": 1}}
    merged = merge_results(existing, "replicas-3", {"rows": [2]})
    assert merged["runs"] == {"single": {"rows": [1]}, "replicas-3": {"rows": [2]}}
    assert merged["browser_check"] == {"x": 1} and json.dumps(merged)


def test_an_action_is_ok_on_its_success_message_refused_on_an_error_box_and_unclear_otherwise():
    assert outcome([("info", "x"), ("success", "Ad request sent")], "Ad request sent") == "ok"
    assert outcome([("error", "This influencer already has a live request")], "Ad request sent") == "refused"
    assert outcome([("warning", "Tick the box")], "Ad request sent") == "unclear"


def test_accounts_are_handed_out_in_turn_and_reused_only_when_all_were_taken():
    pools = Pools({"influencer": [("a", "c=a"), ("b", "c=b")]})
    assert [pools.take("influencer")[0] for _ in range(3)] == ["a", "b", "a"]


# ---- stopping on signals ---------------------------------------------------------------------------------------


class FakeTarget:
    """Records start and stop; stop may run a step of the test halfway through (e.g. a second signal)."""

    def __init__(self, during_stop=None):
        self.calls: list[str] = []
        self.during_stop = during_stop

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")
        if self.during_stop:
            self.during_stop()
        self.calls.append("stopped")


def test_a_sigterm_during_a_run_stops_the_target_and_restores_the_signal_handlers():
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    target = FakeTarget()
    with pytest.raises(Stopped) as raised:
        with started(target):
            signal.raise_signal(signal.SIGTERM)
            target.calls.append("run went on")  # never: the signal ends the block
    assert target.calls == ["start", "stop", "stopped"]
    assert exit_status(raised.value) == 128 + signal.SIGTERM
    assert {signum: signal.getsignal(signum) for signum in before} == before


def test_a_ctrl_c_during_a_run_stops_the_target():
    target = FakeTarget()
    with pytest.raises(KeyboardInterrupt) as raised:
        with started(target):
            signal.raise_signal(signal.SIGINT)
    assert target.calls == ["start", "stop", "stopped"]
    assert exit_status(raised.value) == 130


def test_a_second_ctrl_c_or_sigterm_while_stopping_does_not_cut_the_stop_short(capsys):
    def signals_again():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)

    target = FakeTarget(during_stop=signals_again)
    with pytest.raises(KeyboardInterrupt):
        with started(target):
            signal.raise_signal(signal.SIGINT)
    assert target.calls == ["start", "stop", "stopped"]
    assert "SIGINT ignored: still stopping" in capsys.readouterr().err


def test_a_run_that_ends_normally_or_fails_still_stops_the_target():
    done, failed = FakeTarget(), FakeTarget()
    with started(done):
        pass
    with pytest.raises(RuntimeError):
        with started(failed):
            raise RuntimeError("a K failed")
    assert done.calls == failed.calls == ["start", "stop", "stopped"]


# A load run in its own process: the fake target starts a real child in its own session (as the servers are),
# the run waits inside asyncio.run (as drive does); the test sends SIGTERM to the run's process only.
_RUN = textwrap.dedent(
    """
    import asyncio, os, signal, subprocess, sys
    from pathlib import Path
    from bench.load_stop import exit_status, started

    class Target:
        def start(self):
            self.server = subprocess.Popen(["sleep", "600"], start_new_session=True)
            Path(sys.argv[1]).write_text(str(self.server.pid))

        def stop(self):
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait()
            print("stopped the server", flush=True)

    try:
        with started(Target()):
            asyncio.run(asyncio.sleep(600))
    except KeyboardInterrupt as interrupt:
        sys.exit(exit_status(interrupt))
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_sigterm_to_a_running_load_process_stops_the_servers_it_started(tmp_path):
    pid_file = tmp_path / "server.pid"
    run = subprocess.Popen(
        [sys.executable, "-c", _RUN, str(pid_file)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            assert run.poll() is None, run.communicate()
            time.sleep(0.05)
        server = int(pid_file.read_text())
        run.send_signal(signal.SIGTERM)  # the handler is in place before start() wrote the pid
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
        if pid_file.exists() and pid_file.read_text() and _alive(int(pid_file.read_text())):
            os.killpg(int(pid_file.read_text()), signal.SIGKILL)  # what the old run left behind
    assert run.returncode == 128 + signal.SIGTERM, err
    assert "stopped the server" in out
    assert not _alive(server)
