"""The router: login, registration, per-role navigation and sessions ending when the database says so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.marketplace import accounts
from core.models import User
from core.platform import session_tokens
from core.platform.config import get_settings, reset_settings
from tests import factories as f
from tests.conftest import ADMIN_PASSWORD
from tests.pages.conftest import app_test


def _login(at, username: str, password: str):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="FormSubmitter:login_form-Log in").click()
    return at.run()


def _texts(at) -> str:
    return " ".join(str(e.value) for e in (*at.error, *at.warning, *at.success, *at.info))


def test_a_visitor_sees_the_login_form_and_both_sign_up_tabs(app_db):
    at = app_test("app.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Log in", "Join as influencer", "Join as sponsor"]
    assert at.text_input(key="login_username") is not None


def test_the_admin_logs_in_and_lands_on_the_admin_dashboard(app_db):
    at = _login(app_test("app.py").run(), "admin", ADMIN_PASSWORD)
    assert not at.exception
    assert at.session_state["authentication_status"] is True
    assert at.title[0].value.endswith("dashboard") or "dashboard" in at.title[0].value.lower()


def test_another_roles_page_is_not_reachable_after_login(app_db):
    influencer = f.influencer(app_db)
    at = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    assert at.session_state["actor_id"] == influencer.id
    with pytest.raises(ValueError):
        at.switch_page("pages/admin/approvals.py")


def test_a_wrong_password_is_refused_and_counted(app_db):
    influencer = f.influencer(app_db)
    at = _login(app_test("app.py").run(), influencer.username, "Wrong-pass-9")
    assert "Wrong username or password" in _texts(at)
    assert not at.session_state["authentication_status"]
    with app_db.ReadSession.begin() as s:
        assert s.scalar(select(User.failed_logins).where(User.id == influencer.id)) == 1


def test_a_pending_sponsor_is_told_to_wait_for_approval(app_db):
    f.sponsor(app_db, approved=False)
    with app_db.ReadSession.begin() as s:
        username = s.scalar(select(User.username).where(User.approval == "pending"))
    at = _login(app_test("app.py").run(), username, f.PASSWORD)
    assert "awaiting approval" in _texts(at)
    assert "actor_id" not in at.session_state


def test_a_flagged_users_session_ends_on_the_next_click(app_db):
    influencer = f.influencer(app_db)
    at = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    assert at.session_state["actor_id"] == influencer.id
    with app_db.Session.begin() as s:
        accounts.flag_user(s, actor=f.admin(app_db), user_id=influencer.id, reason="Fake followers")
    at.run()
    assert "flagged" in _texts(at) and "Fake followers" in _texts(at)
    assert "actor_id" not in at.session_state


def test_an_influencer_can_register_from_the_join_tab(app_db):
    at = app_test("app.py").run()
    at.text_input(key="si_username").input("newcreator")
    at.text_input(key="si_email").input("new@example.com")
    at.text_input(key="si_password").input("Good-pass-1")
    at.text_input(key="si_display").input("New Creator")
    at.number_input(key="si_followers").set_value(12000)
    at.button(key="FormSubmitter:signup_influencer-Create influencer account").click()
    at.run()
    assert "account is ready" in _texts(at)
    with app_db.ReadSession.begin() as s:
        assert s.scalar(select(User.role).where(User.username == "newcreator")) == "influencer"


def test_registration_with_a_weak_password_explains_the_rule_and_creates_nothing(app_db):
    at = app_test("app.py").run()
    at.text_input(key="ss_username").input("weakco")
    at.text_input(key="ss_email").input("weak@example.com")
    at.text_input(key="ss_password").input("short")
    at.text_input(key="ss_name").input("Weak Co")
    at.button(key="FormSubmitter:signup_sponsor-Request sponsor account").click()
    at.run()
    assert "at least 8 characters" in _texts(at)
    with app_db.ReadSession.begin() as s:
        assert s.scalar(select(User.id).where(User.username == "weakco")) is None


def test_logging_out_returns_to_the_login_screen(app_db):
    influencer = f.influencer(app_db)
    at = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    at.sidebar.button(key="sign_out").click()
    at.run()
    assert "logged out" in _texts(at)
    assert not at.session_state["authentication_status"]


# ---- revocable sessions ------------------------------------------------------------------------------------


def _on_my_account(at):
    at.switch_page("pages/account/my_account.py")
    return at.run()


def test_logging_out_everywhere_ends_the_session_in_another_browser_too(app_db):
    influencer = f.influencer(app_db)
    laptop = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    phone = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    assert laptop.session_state["actor_id"] == phone.session_state["actor_id"] == influencer.id

    laptop = _on_my_account(laptop)
    laptop.button(key="log_out_everywhere").click()
    laptop.run()
    assert "logged out on every device" in _texts(laptop) and "actor_id" not in laptop.session_state

    phone.run()
    assert "session has ended" in _texts(phone)
    assert "actor_id" not in phone.session_state and not phone.session_state["authentication_status"]


def test_a_normal_logout_ends_the_users_other_sessions_as_well(app_db):
    influencer = f.influencer(app_db)
    kept = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    leaving = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    leaving.sidebar.button(key="sign_out").click()
    leaving.run()
    kept.run()
    assert "session has ended" in _texts(kept) and "actor_id" not in kept.session_state
    with app_db.ReadSession.begin() as s:
        assert s.scalar(select(User.session_version).where(User.id == influencer.id)) == 1


def test_a_password_change_keeps_this_session_and_ends_the_others(app_db):
    sponsor = f.sponsor(app_db)
    here = _on_my_account(_login(app_test("app.py").run(), sponsor.username, f.PASSWORD))
    elsewhere = _login(app_test("app.py").run(), sponsor.username, f.PASSWORD)
    fields = {w.label: w for w in here.text_input}
    fields["Current password"].input(f.PASSWORD)
    fields["New password"].input("Brand-new-77")
    fields["Repeat new password"].input("Brand-new-77")
    here.button(key="FormSubmitter:change_password-Change password").click()
    here.run()
    assert not here.exception
    assert "Password changed" in _texts(here) and here.session_state["actor_id"] == sponsor.id
    here.run()
    assert here.session_state["actor_id"] == sponsor.id  # still logged in on the next click
    elsewhere.run()
    assert "session has ended" in _texts(elsewhere) and "actor_id" not in elsewhere.session_state


def test_the_app_refuses_to_start_with_a_weak_cookie_key_and_shows_how_to_make_one(app_db, monkeypatch):
    monkeypatch.setenv("IESCP_COOKIE_KEY", "changeme")
    reset_settings()
    at = app_test("app.py").run()
    assert not at.exception
    shown = " ".join(str(e.value) for e in (*at.error, *at.code, *at.markdown))
    assert "IESCP_COOKIE_KEY" in shown and "secrets.token_urlsafe(48)" in shown
    assert not [w for w in at.text_input if w.key == "login_username"]  # no login form, no cookie check


def test_a_nul_byte_in_the_login_form_is_a_plain_wrong_username_or_password(app_db):
    at = _login(app_test("app.py").run(), "admin\x00", "Admin\x00pass-1")
    assert not at.exception
    assert "Wrong username or password" in _texts(at) and not at.session_state["authentication_status"]


def _browser_with_cookie(monkeypatch, token: str):
    """A fresh visitor whose browser sends token as the login cookie (Streamlit reads it from the handshake)."""
    from types import SimpleNamespace

    import streamlit.runtime.context as st_context

    cookies = {get_settings().cookie_name: token}
    monkeypatch.setattr(st_context, "_get_client_context", lambda: SimpleNamespace(cookies=cookies, headers=[]))
    return app_test("app.py").run()


def test_a_copied_login_cookie_opens_the_session_until_its_owner_logs_out(app_db, monkeypatch):
    influencer = f.influencer(app_db)
    owner = _login(app_test("app.py").run(), influencer.username, f.PASSWORD)
    settings = get_settings()
    # What set_pending_cookie wrote into the owner's browser, copied by someone else.
    copied = session_tokens.issue(
        influencer.username, owner.session_state["session_version"], key=settings.cookie_key, expiry_days=1
    )
    thief = _browser_with_cookie(monkeypatch, copied)
    assert not thief.exception and thief.session_state["actor_id"] == influencer.id

    owner.sidebar.button(key="sign_out").click()
    owner.run()

    thief = _browser_with_cookie(monkeypatch, copied)
    assert not thief.exception and "actor_id" not in thief.session_state
    assert "session has ended" in _texts(thief)


def test_a_cookie_in_the_librarys_own_shape_is_refused_even_when_signed_with_the_key(app_db, monkeypatch):
    import datetime as dt

    import jwt

    tomorrow = (dt.datetime.now() + dt.timedelta(days=1)).timestamp()
    forged = jwt.encode({"username": "admin", "exp_date": tomorrow}, get_settings().cookie_key, algorithm="HS256")
    visitor = _browser_with_cookie(monkeypatch, forged)
    assert not visitor.exception and "actor_id" not in visitor.session_state
    assert [w for w in visitor.text_input if w.key == "login_username"]
