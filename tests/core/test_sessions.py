"""Login cookies and sessions can be revoked: a per-user session version signed into the cookie."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from sqlalchemy import select

from core.errors import PermissionDenied
from core.marketplace import accounts
from core.models import AuditLog, User
from core.platform import session_tokens
from tests import factories as f

KEY = "k" * 8 + "Qm3v9ZrT1xW7pL2sN8dF4hJ6gB0cY5aE"  # only a signing key for these tests; strength is tested elsewhere


def _login(db, username, password):
    return f.write(db, lambda s: accounts.authenticate(s, username=username, password=password))


def _cookie_after_login(db, username, password=f.PASSWORD) -> str:
    """The token the app writes into the login cookie after a successful form login."""
    result = _login(db, username, password)
    assert result.ok
    return session_tokens.issue(username, result.session_version, key=KEY, expiry_days=1)


def _cookie_opens_a_session(db, token: str) -> bool:
    """What the app does with a cookie on page load: read it, then ask the core whether it still holds."""
    claims = session_tokens.read(token, key=KEY)
    if claims is None:
        return False
    entry = f.read(db, lambda s: accounts.authenticator_entry(s, claims.username, claims.session_version))
    actor = f.read(db, lambda s: accounts.session_actor(s, claims.username, claims.session_version))
    assert (entry is None) == (actor is None)
    return actor is not None


def test_a_copied_cookie_stops_working_once_its_owner_logs_out(database):
    influencer = f.influencer(database)
    copied = _cookie_after_login(database, influencer.username)
    assert _cookie_opens_a_session(database, copied)

    f.write(database, lambda s: accounts.log_out(s, actor=influencer))

    assert not _cookie_opens_a_session(database, copied)
    claims = session_tokens.read(copied, key=KEY)
    problem = f.read(database, lambda s: accounts.session_problem(s, claims.username, claims.session_version))
    assert "session has ended" in problem
    # A new login gets a new cookie that works.
    assert _cookie_opens_a_session(database, _cookie_after_login(database, influencer.username))


def test_logging_out_everywhere_ends_every_cookie_and_is_audited(database):
    sponsor = f.sponsor(database)
    laptop = _cookie_after_login(database, sponsor.username)
    phone = _cookie_after_login(database, sponsor.username)
    assert _cookie_opens_a_session(database, laptop) and _cookie_opens_a_session(database, phone)

    f.write(database, lambda s: accounts.log_out_everywhere(s, actor=sponsor))

    assert not _cookie_opens_a_session(database, laptop) and not _cookie_opens_a_session(database, phone)
    actions = f.read(
        database, lambda s: list(s.scalars(select(AuditLog.action).where(AuditLog.target_id == sponsor.id)))
    )
    assert "user.logged_out_everywhere" in actions


def test_a_password_change_revokes_old_cookies_but_keeps_the_session_that_made_it(database):
    influencer = f.influencer(database)
    stolen = _cookie_after_login(database, influencer.username)
    new_version = f.write(
        database,
        lambda s: accounts.change_password(
            s, actor=influencer, current_password=f.PASSWORD, new_password="Brand-new-77"
        ),
    )
    assert not _cookie_opens_a_session(database, stolen)
    # The browser that changed the password carries on with a cookie at the new version.
    reissued = session_tokens.issue(influencer.username, new_version, key=KEY, expiry_days=1)
    assert _cookie_opens_a_session(database, reissued)


@pytest.mark.parametrize("moderation", ["flag", "deactivate"])
def test_a_cookie_issued_before_a_flag_or_deactivation_stays_dead_after_it_is_lifted(database, moderation):
    admin = f.admin(database)
    influencer = f.influencer(database)
    cookie = _cookie_after_login(database, influencer.username)
    if moderation == "flag":
        f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=influencer.id, reason="Fake"))
        f.write(database, lambda s: accounts.unflag_user(s, actor=admin, user_id=influencer.id))
    else:
        f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=influencer.id, reason="Asked"))
        f.write(database, lambda s: accounts.reactivate_user(s, actor=admin, user_id=influencer.id))
    assert not _cookie_opens_a_session(database, cookie)
    assert _cookie_opens_a_session(database, _cookie_after_login(database, influencer.username))


def test_a_cookie_without_a_session_version_or_signed_with_another_key_or_expired_is_refused(database):
    influencer = f.influencer(database)
    name = influencer.username
    in_the_future = (dt.datetime.now() + dt.timedelta(days=1)).timestamp()
    # The library's own token shape ({username, exp_date}), e.g. forged with a leaked key or from before 0004.
    library_shaped = jwt.encode({"username": name, "exp_date": in_the_future}, KEY, algorithm="HS256")
    assert session_tokens.read(library_shaped, key=KEY) is None
    other_key = session_tokens.issue(name, 0, key="x" * 48, expiry_days=1)
    assert session_tokens.read(other_key, key=KEY) is None
    expired = session_tokens.issue(name, 0, key=KEY, expiry_days=1, now=dt.datetime.now() - dt.timedelta(days=2))
    assert session_tokens.read(expired, key=KEY) is None
    assert session_tokens.read("not-a-jwt", key=KEY) is None and session_tokens.read(None, key=KEY) is None
    valid = session_tokens.read(session_tokens.issue(name, 0, key=KEY, expiry_days=1), key=KEY)
    assert (valid.username, valid.session_version) == (name, 0)


def test_logging_out_needs_a_logged_in_user(database):
    before = f.snapshot(database, ("users",))
    with pytest.raises(PermissionDenied):
        f.write(database, lambda s: accounts.log_out(s, actor=None))
    with pytest.raises(PermissionDenied):
        f.write(database, lambda s: accounts.log_out_everywhere(s, actor=None))
    assert f.snapshot(database, ("users",)) == before


def test_each_revocation_bumps_the_version_by_one(database):
    influencer = f.influencer(database)

    def version() -> int:
        return f.read(database, lambda s: s.get(User, influencer.id).session_version)

    assert version() == 0
    f.write(database, lambda s: accounts.log_out(s, actor=influencer))
    f.write(database, lambda s: accounts.log_out_everywhere(s, actor=influencer))
    assert version() == 2


def test_a_guesser_locking_the_account_does_not_end_its_owners_open_session(database):
    influencer = f.influencer(database)
    cookie = _cookie_after_login(database, influencer.username)
    for _ in range(5):
        _login(database, influencer.username, "Wrong-pass-9")
    assert f.read(database, lambda s: s.get(User, influencer.id).locked_until) is not None
    assert _cookie_opens_a_session(database, cookie)
    assert f.actor(database, influencer.id) is not None
