"""Opening a page URL with the login cookie: the first run knows the user, and only a good cookie opens anything."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from types import SimpleNamespace

import jwt
import streamlit.runtime.context as st_context
from sqlalchemy import select, update
from streamlit.navigation.page import calc_hash

from core.marketplace import accounts
from core.models import User
from core.platform import session_tokens
from core.platform.config import get_settings
from tests import factories as f
from tests.pages.conftest import ROOT, app_test

FIND_INFLUENCERS = "sponsor-find-influencers"


def _send_cookie(monkeypatch, token: str) -> None:
    """Make the browser's connection carry token as the login cookie (Streamlit reads it from the handshake)."""
    cookies = {get_settings().cookie_name: token}
    monkeypatch.setattr(st_context, "_get_client_context", lambda: SimpleNamespace(cookies=cookies, headers=[]))


def _cookie(username: str, version: int = 0, *, key: str | None = None, days: float = 1) -> str:
    return session_tokens.issue(username, version, key=key or get_settings().cookie_key, expiry_days=days)


def _open(monkeypatch, token: str, url_path: str | None = None):
    """A new browser tab with token as its cookie, opened directly on a page URL (a new tab, or a reload)."""
    _send_cookie(monkeypatch, token)
    at = app_test("app.py")
    if url_path:
        # What a page URL's first run asks for; AppTest.switch_page can name only a registered page's file.
        at._page_hash = calc_hash(url_path)
    return at.run()


def _logged_out(at) -> bool:
    return "actor_id" not in at.session_state and bool([w for w in at.text_input if w.key == "login_username"])


def test_a_valid_cookie_opens_the_requested_page_on_the_first_run(app_db, monkeypatch):
    sponsor = f.sponsor(app_db)
    at = _open(monkeypatch, _cookie(sponsor.username), FIND_INFLUENCERS)
    assert not at.exception
    assert at.session_state["actor_id"] == sponsor.id and at.session_state["authentication_status"] is True
    assert "Find influencers" in at.title[0].value


def test_a_cookie_login_renders_no_cookie_component_before_the_page(app_db, monkeypatch):
    # The component's first value asks for a rerun; arriving before st.navigation it cut the page URL's run short.
    sponsor = f.sponsor(app_db)
    at = _open(monkeypatch, _cookie(sponsor.username), FIND_INFLUENCERS)
    assert at.session_state["actor_id"] == sponsor.id
    assert not at.get("component_instance")


def test_a_cookie_signed_with_another_key_opens_nothing(app_db, monkeypatch):
    sponsor = f.sponsor(app_db)
    forged = _cookie(sponsor.username, key=secrets.token_urlsafe(48))
    assert _logged_out(_open(monkeypatch, forged, FIND_INFLUENCERS))


def test_a_cookie_whose_username_was_changed_after_signing_opens_nothing(app_db, monkeypatch):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    header, _payload, signature = _cookie(influencer.username).split(".")
    other = _cookie(sponsor.username).split(".")[1]  # the sponsor's claims under the influencer's signature
    assert _logged_out(_open(monkeypatch, f"{header}.{other}.{signature}", FIND_INFLUENCERS))


def test_an_expired_cookie_opens_nothing(app_db, monkeypatch):
    sponsor = f.sponsor(app_db)
    settings = get_settings()
    last_week = dt.datetime.now() - dt.timedelta(days=7)
    expired = session_tokens.issue(sponsor.username, 0, key=settings.cookie_key, expiry_days=1, now=last_week)
    assert _logged_out(_open(monkeypatch, expired, FIND_INFLUENCERS))


def test_a_cookie_without_our_session_version_opens_nothing(app_db, monkeypatch):
    sponsor = f.sponsor(app_db)
    tomorrow = (dt.datetime.now() + dt.timedelta(days=1)).timestamp()
    library_shape = jwt.encode({"username": sponsor.username, "exp_date": tomorrow}, get_settings().cookie_key)
    assert _logged_out(_open(monkeypatch, library_shape, FIND_INFLUENCERS))


def test_a_revoked_cookie_opens_nothing_and_says_the_session_ended(app_db, monkeypatch):
    sponsor = f.sponsor(app_db)
    token = _cookie(sponsor.username)
    with app_db.Session.begin() as s:
        accounts.log_out_everywhere(s, actor=accounts.load_actor(s, sponsor.id))
    at = _open(monkeypatch, token, FIND_INFLUENCERS)
    assert _logged_out(at)
    assert "session has ended" in " ".join(str(w.value) for w in at.warning)


def test_a_deactivated_users_cookie_opens_nothing(app_db, monkeypatch):
    sponsor = f.sponsor(app_db)
    token = _cookie(sponsor.username)
    with app_db.Session.begin() as s:
        accounts.deactivate_user(s, actor=f.admin(app_db), user_id=sponsor.id, reason="Left the company")
    # Deactivation revokes the version too; a cookie at the new version must still be refused.
    with app_db.ReadSession.begin() as s:
        version = s.scalar(select(User.session_version).where(User.id == sponsor.id))
    assert _logged_out(_open(monkeypatch, token, FIND_INFLUENCERS))
    assert _logged_out(_open(monkeypatch, _cookie(sponsor.username, version), FIND_INFLUENCERS))


def test_a_cookie_of_a_deleted_user_opens_nothing(app_db, monkeypatch):
    sponsor = f.sponsor(app_db)
    token = _cookie(sponsor.username)
    with app_db.Session.begin() as s:
        s.execute(update(User).where(User.id == sponsor.id).values(username="renamed-away"))
    assert _logged_out(_open(monkeypatch, token, FIND_INFLUENCERS))


def test_a_refused_cookie_is_not_read_again_after_logging_in_as_someone_else(app_db, monkeypatch):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    token = _cookie(sponsor.username)
    with app_db.Session.begin() as s:
        accounts.log_out_everywhere(s, actor=accounts.load_actor(s, sponsor.id))
    at = _open(monkeypatch, token)
    at.text_input(key="login_username").input(influencer.username)
    at.text_input(key="login_password").input(f.PASSWORD)
    at.button(key="FormSubmitter:login_form-Log in").click()
    at.run()
    assert at.session_state["actor_id"] == influencer.id
    at.run()  # the next click: the live session, not the stale cookie the connection still sends
    assert at.session_state["actor_id"] == influencer.id


def test_the_server_turns_off_streamlits_pages_folder_mode_before_the_first_run():
    # With it on, the first run of a fresh process served pages/*.py as the navigation: "Page not found".
    code = "import server; from streamlit.runtime.pages_manager import PagesManager as P; print(P.uses_pages_directory)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
