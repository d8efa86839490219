"""The periodic heartbeat: proves the scheduler fires and a worker takes jobs off the queue, once a minute."""

from __future__ import annotations

import logging

from tasks import queue
from tasks.queue import huey

log = logging.getLogger("iescp.tasks.health")


def every_minute(timestamp) -> bool:
    """Huey checks periodic tasks once a minute; this one runs at each check."""
    return True


@huey.periodic_task(every_minute, name="worker_heartbeat")
def worker_heartbeat() -> dict:
    """Touch the running consumer's row and log the queue depth (its last run shows on System health)."""
    depth, error = queue.pending_jobs()
    worker = queue.current_worker()
    if worker is not None:
        queue.touch_heartbeat(worker, quiet=False)  # a failed touch fails this run: System health shows it
    log.info("heartbeat: queue depth %s", depth if error is None else f"unknown ({error})")
    return {"queue_depth": depth}
