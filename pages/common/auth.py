"""Login, registration and logout around streamlit-authenticator; the core decides who gets in."""

from __future__ import annotations

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from core.marketplace import accounts
from core.permissions import Actor
from core.platform.config import get_settings
from pages.common.markup import literal
from pages.common.session import ACTOR_KEY, get_database

LIBRARY_KEYS = ("authentication_status", "username", "name", "email", "roles")
_COOKIE_PENDING = "_set_login_cookie"


def _cookie_username() -> str | None:
    """Username in a validly signed, unexpired auth cookie (decoded before building credentials)."""
    settings = get_settings()
    token = st.context.cookies.get(settings.cookie_name)
    if not token or st.session_state.get("logout"):
        return None
    try:
        payload = jwt.decode(token, settings.cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return payload.get("username")


def build_authenticator() -> stauth.Authenticate:
    """A fresh authenticator for this run, knowing at most the one user this run is about."""
    settings = get_settings()
    username = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    username = username or _cookie_username()
    credentials: dict = {"usernames": {}}
    if username:
        with get_database().ReadSession.begin() as session:
            entry = accounts.authenticator_entry(session, username)
        if entry:
            credentials["usernames"][username] = entry
    return stauth.Authenticate(
        credentials,
        settings.cookie_name,
        settings.cookie_key,
        settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )


def _explain_cookie_refusal() -> None:
    username = _cookie_username()
    if username:
        with get_database().ReadSession.begin() as session:
            problem = accounts.login_problem_for(session, username)
        if problem:
            st.session_state["login_message"] = problem


def restore_session(authenticator: stauth.Authenticate) -> Actor | None:
    """Log in from the cookie if there is one, then re-check the user against the database."""
    if not st.session_state.get("authentication_status"):
        try:
            authenticator.login(location="unrendered")
        except LoginError:
            _explain_cookie_refusal()
            authenticator.cookie_controller.delete_cookie()
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(ACTOR_KEY, None)
        return None
    with get_database().ReadSession.begin() as session:
        actor = accounts.load_actor_by_username(session, st.session_state["username"])
        problem = None if actor else accounts.login_problem_for(session, st.session_state["username"])
    if actor is None:  # flagged, deactivated or deleted since the cookie was issued
        st.session_state["login_message"] = problem or "Your session has ended."
        sign_out(authenticator)
        return None
    st.session_state[ACTOR_KEY] = actor.id
    return actor


def sign_in(authenticator: stauth.Authenticate, username: str, password: str) -> Actor | None:
    """Check credentials through the core (which counts failures) and start the library's session."""
    with get_database().Session.begin() as session:
        result = accounts.authenticate(session, username=username, password=password)
    if not result.ok:
        st.error(literal(result.message))  # may quote an admin's rejection reason
        return None
    with get_database().ReadSession.begin() as session:
        entry = accounts.authenticator_entry(session, result.actor.username)
    st.session_state.update(
        {
            "authentication_status": True,
            "username": result.actor.username,
            "name": result.actor.display_name,
            "email": entry["email"] if entry else None,
            "roles": [result.actor.role],
            "logout": None,
            ACTOR_KEY: result.actor.id,
        }
    )
    # The cookie is written by set_pending_cookie() once navigation is built: a component rendered
    # before st.navigation switches to the role's page is dropped and the cookie never stored.
    st.session_state[_COOKIE_PENDING] = True
    return result.actor


def set_pending_cookie(authenticator: stauth.Authenticate) -> None:
    """Write the login cookie requested by sign_in (call after st.navigation, before page.run())."""
    if st.session_state.pop(_COOKIE_PENDING, False):
        authenticator.cookie_controller.set_cookie()


def sign_out(authenticator: stauth.Authenticate) -> None:
    """End the session and delete the cookie (rendered in this same run, so no rerun after)."""
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    else:
        authenticator.cookie_controller.delete_cookie()
    st.session_state.pop(ACTOR_KEY, None)
