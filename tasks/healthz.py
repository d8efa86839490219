"""`python -m tasks.healthz`: the workers' health as JSON; exit 0 healthy, 1 unhealthy, 2 cannot check.

Unhealthy: no worker alive (none seen within 2 minutes, or none running), the queue stuck (jobs waiting
and no task finished for --stuck-minutes), or the broker unreadable. Workers serve no HTTP, so no load balancer
routes to them: a systemd timer (or cron, or a container HEALTHCHECK) runs this and alerts or restarts on a
non-zero exit (docs/decisions/scale.md). --worker NAME checks one consumer ('<IESCP_REPLICA or host>:<pid>').
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from core.platform import worker_health


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.healthz", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stuck-minutes", type=float, default=worker_health.STUCK_AFTER.total_seconds() / 60, help="default 10"
    )
    parser.add_argument("--worker", help="also require this one consumer to be alive")
    args = parser.parse_args(argv)
    try:
        from tasks import queue  # builds the queue from the settings (production refuses unsafe ones here)

        depth, queue_error = queue.pending_jobs()
        with queue.get_database().ReadSession.begin() as session:
            health = worker_health.system_health(
                session,
                queue_depth=depth,
                queue_error=queue_error,
                stuck_after=dt.timedelta(minutes=args.stuck_minutes),
            )
    except Exception as error:  # the database or the settings: report, in the same JSON shape, and exit 2
        print(json.dumps({"healthy": False, "problems": [f"cannot check: {type(error).__name__}: {error}"]}))
        return 2
    report = health.as_dict()
    if args.worker:
        mine = [w for w in health.workers if w.name == args.worker]
        if not mine or not mine[0].alive:
            report["healthy"] = False
            report["problems"].append(f"worker {args.worker} is not alive")
    print(json.dumps(report, indent=2))
    return 0 if report["healthy"] else 1


if __name__ == "__main__":
    sys.exit(main())
