"""A real `huey_consumer tasks.huey` whose scheduler believes it is a given UTC minute (the cluster tests' clock).

    python -m tests.cluster.shifted_consumer 2026-11-01T08:00:00

Only the scheduler's clock is fixed: periodic tasks due at that minute are enqueued as soon as the consumer starts,
exactly as they would be at that minute; the tasks themselves run on the real clock.
"""

from __future__ import annotations

import datetime as dt
import sys

from huey.api import Huey


def main() -> None:
    at = dt.datetime.fromisoformat(sys.argv[1])
    Huey._get_timestamp = lambda self: at  # type: ignore[method-assign]  # the scheduler's "now", nothing else
    from huey.bin.huey_consumer import consumer_main

    sys.argv = ["huey_consumer", "tasks.huey", "--workers", "2", "--worker-type", "thread"]
    consumer_main()


if __name__ == "__main__":
    main()
