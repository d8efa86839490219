"""Security notices sent off the request: the email telling an account's owner it was locked."""

from __future__ import annotations

import logging

from core.marketplace import accounts
from core.messaging import mailer
from tasks.queue import get_database, huey

log = logging.getLogger("iescp.tasks.security")


@huey.task(retries=3, retry_delay=60, name="lockout_notice")
def lockout_notice(user_id: int) -> str | None:
    """Email the owner of user_id that the account is locked (nothing if the lock has already ended)."""
    with get_database().ReadSession.begin() as session:
        message = accounts.lockout_notice(session, int(user_id))
    return mailer.send(message) if message is not None else None


def enqueue_lockout_notice(user_id: int) -> None:
    """Queue the notice; a broker outage must not break the login page (the in-app notice is already stored)."""
    try:
        lockout_notice(int(user_id))
    except Exception:
        log.exception("could not queue the lockout notice for user %s", user_id)
