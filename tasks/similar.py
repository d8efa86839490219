"""Find-similar index task: hourly rebuild of every listed influencer's nearest neighbours (one transaction)."""

from __future__ import annotations

import logging

from core.crm import similar
from tasks import schedule
from tasks.queue import get_database, huey

log = logging.getLogger("iescp.tasks.similar")


@huey.periodic_task(schedule.similar_index_due, retries=1, retry_delay=300, name="similar_index")
def similar_index() -> dict:
    """Replace the neighbours table; readers keep the previous one until this commits (safe to run twice)."""
    with get_database().Session.begin() as session:
        result = similar.build_index(session).as_dict()
    log.info("find-similar index: %(profiles)s profiles, %(neighbours)s neighbours in %(seconds)ss", result)
    return result
