"""CPU and RSS of the processes under load, read from /proc: app replicas, workers, proxy, PostgreSQL backends."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


@dataclass(frozen=True)
class Watched:
    """One process to sample: a name for the report, its kind (app, worker, proxy, postgres, loadgen) and pid."""

    name: str
    kind: str
    pid: int


def cpu_and_rss(pid: int) -> tuple[float, float] | None:
    """(utime + stime in seconds, RSS in MB) of pid, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the ')' the fields start at proc(5)'s 3rd: utime is the 14th, stime the 15th, rss (pages) the 24th.
    return (int(fields[11]) + int(fields[12])) / TICK, int(fields[21]) * PAGE_MB


def postgres_backends(database: str) -> list[Watched]:
    """The PostgreSQL backends serving database (titles read 'postgres: [15/main:] <user> <db> <client> <state>')."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parts = title.split()
        if parts[:1] == ["postgres:"] and database in parts[2:4]:
            found.append(Watched(f"pg-{entry.name}", "postgres", int(entry.name)))
    return found


def snapshot(watched: list[Watched]) -> dict[str, dict]:
    """name -> {kind, pid, cpu, rss} for every watched process still running."""
    out = {}
    for item in watched:
        sample = cpu_and_rss(item.pid)
        if sample is not None:
            out[item.name] = {"kind": item.kind, "pid": item.pid, "cpu": sample[0], "rss": sample[1]}
    return out


def usage(before: dict[str, dict], after: dict[str, dict], seconds: float) -> dict[str, dict]:
    """Per process: CPU share (cores) over the window and RSS at its end; postgres backends summed as one row.

    A backend that started inside the window counts from zero; one that ended inside it is missed (pools keep theirs).
    """
    rows: dict[str, dict] = {}
    for name, end in after.items():
        start_cpu = before[name]["cpu"] if name in before else 0.0
        row = {"kind": end["kind"], "cpu_cores": (end["cpu"] - start_cpu) / seconds, "rss_mb": end["rss"]}
        if end["kind"] == "postgres":
            total = rows.setdefault("postgres", {"kind": "postgres", "cpu_cores": 0.0, "rss_mb": 0.0, "processes": 0})
            total["cpu_cores"] += row["cpu_cores"]
            total["rss_mb"] += row["rss_mb"]  # shared buffers are counted once per backend: an upper bound
            total["processes"] += 1
        else:
            rows[name] = row
    return {
        name: {**row, "cpu_cores": round(row["cpu_cores"], 3), "rss_mb": round(row["rss_mb"], 1)}
        for name, row in rows.items()
    }
