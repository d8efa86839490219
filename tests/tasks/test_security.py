"""The lockout notice reaches the account's owner by a real SMTP server, not the person guessing."""

from __future__ import annotations

from sqlalchemy import update

from core.marketplace import accounts
from core.models import User
from tasks import security
from tests import factories as f


def _fail_five_times(db, username: str) -> accounts.LoginResult:
    result = None
    for _ in range(5):
        result = f.write(db, lambda s: accounts.authenticate(s, username=username, password="Wrong-pass-9"))
    return result


def test_the_owner_of_a_locked_account_gets_an_email_through_smtp(bound_tasks, smtp_server):
    influencer = f.influencer(bound_tasks)
    locking = _fail_five_times(bound_tasks, influencer.username)
    assert locking.message == accounts.LOGIN_FAILED and locking.locked_out_user_id == influencer.id

    security.enqueue_lockout_notice(locking.locked_out_user_id)

    [message] = smtp_server.sink.messages
    assert message["To"] == f"{influencer.username}@example.com"
    assert "locked" in message["Subject"].lower() and "Log out everywhere" in message.get_content()


def test_no_email_goes_out_once_the_lock_has_ended(bound_tasks, outbox):
    influencer = f.influencer(bound_tasks)
    _fail_five_times(bound_tasks, influencer.username)
    f.write(bound_tasks, lambda s: s.execute(update(User).values(locked_until=None).where(User.id == influencer.id)))
    security.enqueue_lockout_notice(influencer.id)
    assert outbox.messages == []
