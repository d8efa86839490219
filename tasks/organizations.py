"""Teammate invitation emails, sent off the request."""

from __future__ import annotations

import logging

from core.marketplace import invites
from core.messaging import mailer
from tasks.queue import get_database, huey

log = logging.getLogger("iescp.tasks.organizations")


@huey.task(retries=3, retry_delay=60, name="invite_email")
def invite_email(invite_id: int, link: str) -> str | None:
    """Email an open invitation its link (nothing once it was used, withdrawn or expired)."""
    with get_database().ReadSession.begin() as session:
        message = invites.invite_message(session, invite_id=int(invite_id), link=link)
    return mailer.send(message) if message is not None else None


def enqueue_invite_email(invite_id: int, link: str) -> bool:
    """Queue the email; False when the queue is down (the page then shows the link to copy instead)."""
    try:
        invite_email(int(invite_id), link)
        return True
    except Exception:
        log.exception("could not queue the invitation email %s", invite_id)
        return False
