"""What the cluster tests do as a user from outside the browser: `python -m tests.cluster.actions export <username>`.

Runs with the cluster's settings (its environment), through the same core services and queue a page uses.
"""

from __future__ import annotations

import sys

from core.marketplace import accounts
from core.platform.config import get_settings
from core.platform.db import connect
from core.reporting import exports


def start_export(username: str) -> int:
    """Start an export of every ad request visible to username and queue it, as the Downloads panel does."""
    from tasks import exports as export_tasks

    db = connect(get_settings().database_url)
    with db.Session.begin() as session:
        actor = accounts.load_actor_by_username(session, username)
        job_id = exports.start_export(session, actor=actor, kind="ad_requests")
    export_tasks.enqueue_export(job_id)
    return job_id


if __name__ == "__main__":
    command, username = sys.argv[1:3]
    assert command == "export", f"unknown action {command}"
    print(start_export(username))
