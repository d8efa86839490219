"""Login, registration and logout around streamlit-authenticator; the core decides who gets in."""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from core.marketplace import accounts
from core.permissions import Actor
from core.platform import session_tokens
from core.platform.config import MAKE_A_KEY, InsecureConfiguration, get_settings
from pages.common.markup import literal
from pages.common.session import ACTOR_KEY, get_database, signed_in_actor

LIBRARY_KEYS = ("authentication_status", "username", "name", "email", "roles")
SESSION_VERSION_KEY = "session_version"
_COOKIE_PENDING = "_set_login_cookie"
log = logging.getLogger("iescp.auth")


def refuse_unsafe_settings() -> None:
    """Stop every run with an error page (and a log line) while the cookie key is weak: nobody can log in."""
    try:
        get_settings().cookie_key
    except InsecureConfiguration as problem:
        log.error("refusing to start: %s", problem)
        st.title("IESCP cannot start")
        why, _command, fix = str(problem).split("\n\n")
        st.error(why, icon="🔒")
        st.code(MAKE_A_KEY, language="bash")
        st.markdown(
            fix.replace("IESCP_COOKIE_KEY", "`IESCP_COOKIE_KEY`").replace("data/cookie.key", "`data/cookie.key`")
        )
        st.stop()


def _cookie_claims() -> session_tokens.SessionClaims | None:
    """The claims of a validly signed, unexpired, versioned auth cookie (read before building credentials)."""
    if st.session_state.get("logout"):
        return None
    settings = get_settings()
    return session_tokens.read(st.context.cookies.get(settings.cookie_name), key=settings.cookie_key)


def _session_user() -> tuple[str, int] | None:
    """(username, session version) this run is about: the live session's, else the cookie's."""
    if st.session_state.get("authentication_status"):
        return st.session_state.get("username"), st.session_state.get(SESSION_VERSION_KEY, -1)
    claims = _cookie_claims()
    return (claims.username, claims.session_version) if claims else None


def build_authenticator() -> stauth.Authenticate:
    """A fresh authenticator for this run, knowing at most the one user this run is about."""
    settings = get_settings()
    # A live session never consults the dict (the library reads it only to log in from a cookie or a form),
    # and restore_session re-checks the user itself: no read for it on every rerun.
    about = None if st.session_state.get("authentication_status") else _session_user()
    credentials: dict = {"usernames": {}}
    if about and about[0]:
        username, version = about
        with get_database().ReadSession.begin() as session:
            # None for a revoked session version: the library then refuses that cookie with LoginError.
            entry = accounts.authenticator_entry(session, username, version)
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
    claims = _cookie_claims()
    if claims:
        with get_database().ReadSession.begin() as session:
            problem = accounts.session_problem(session, claims.username, claims.session_version)
        if problem:
            st.session_state["login_message"] = problem


def restore_session(authenticator: stauth.Authenticate) -> Actor | None:
    """Log in from the cookie if there is one, then re-check user and session version against the database."""
    if not st.session_state.get("authentication_status"):
        claims = _cookie_claims()
        try:
            authenticator.login(location="unrendered")
        except LoginError:
            _explain_cookie_refusal()
            authenticator.cookie_controller.delete_cookie()
        if st.session_state.get("authentication_status"):
            # Only a cookie logs in here, and the library also takes version-less tokens: insist on ours.
            if claims is None or claims.username != st.session_state.get("username"):
                sign_out(authenticator)
                return None
            st.session_state[SESSION_VERSION_KEY] = claims.session_version
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(ACTOR_KEY, None)
        return None
    username, version = st.session_state["username"], st.session_state.get(SESSION_VERSION_KEY, -1)
    with get_database().ReadSession.begin() as session:
        actor = signed_in_actor(session, username=username, session_version=version)
        problem = None if actor else accounts.session_problem(session, username, version)
    if actor is None:  # flagged, deactivated, deleted, or its sessions revoked since this one began
        st.session_state.setdefault("login_message", problem or "Your session has ended.")
        sign_out(authenticator)
        return None
    st.session_state[ACTOR_KEY] = actor.id
    return actor


def sign_in(authenticator: stauth.Authenticate, username: str, password: str) -> Actor | None:
    """Check credentials through the core (which counts failures) and start the library's session."""
    with get_database().Session.begin() as session:
        result = accounts.authenticate(session, username=username, password=password)
    if result.locked_out_user_id is not None:  # tell the owner by email, off this request
        from tasks import security  # the queue is only needed when an account gets locked

        security.enqueue_lockout_notice(result.locked_out_user_id)
    if not result.ok:
        st.error(literal(result.message))  # may quote an admin's rejection reason
        return None
    with get_database().ReadSession.begin() as session:
        entry = accounts.authenticator_entry(session, result.actor.username, result.session_version)
    st.session_state.update(
        {
            "authentication_status": True,
            "username": result.actor.username,
            "name": result.actor.display_name,
            "email": entry["email"] if entry else None,
            "roles": [result.actor.role],
            "logout": None,
            ACTOR_KEY: result.actor.id,
            SESSION_VERSION_KEY: result.session_version,
        }
    )
    # The cookie is written by set_pending_cookie() once navigation is built: a component rendered
    # before st.navigation switches to the role's page is dropped and the cookie never stored.
    st.session_state[_COOKIE_PENDING] = True
    return result.actor


def keep_session(session_version: int) -> None:
    """Carry this browser's session over to a new session version (after its own password change)."""
    st.session_state[SESSION_VERSION_KEY] = session_version
    st.session_state[_COOKIE_PENDING] = True


def set_pending_cookie(authenticator: stauth.Authenticate) -> None:
    """Write the login cookie requested by sign_in (call after st.navigation, before page.run()).

    The token is ours (core.platform.session_tokens): the library's claims plus the session version.
    """
    if not st.session_state.pop(_COOKIE_PENDING, False):
        return
    settings = get_settings()
    token = session_tokens.issue(
        st.session_state["username"],
        st.session_state[SESSION_VERSION_KEY],
        key=settings.cookie_key,
        expiry_days=settings.cookie_expiry_days,
    )
    expires_at = dt.datetime.now() + dt.timedelta(days=settings.cookie_expiry_days)
    authenticator.cookie_controller.cookie_model.cookie_manager.set(settings.cookie_name, token, expires_at=expires_at)


def log_out(authenticator: stauth.Authenticate, actor: Actor) -> None:
    """The user's own logout: revoke their sessions in the database (a copied cookie dies too), then sign out."""
    with get_database().Session.begin() as session:
        accounts.log_out(session, actor=actor)
    sign_out(authenticator)


def sign_out(authenticator: stauth.Authenticate) -> None:
    """End this browser's session and delete the cookie (rendered in this same run, so no rerun after)."""
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    else:
        authenticator.cookie_controller.delete_cookie()
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(SESSION_VERSION_KEY, None)
