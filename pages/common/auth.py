"""Login, registration and logout around streamlit-authenticator; the core decides who gets in."""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st
import streamlit_authenticator as stauth

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
    """The claims of a validly signed, unexpired, versioned login cookie sent with this browser's connection."""
    if st.session_state.get("logout"):  # this browser signed out: its connection still carries the old cookie
        return None
    settings = get_settings()
    return session_tokens.read(st.context.cookies.get(settings.cookie_name), key=settings.cookie_key)


def build_authenticator() -> stauth.Authenticate:
    """A streamlit-authenticator for this run: it only writes and deletes the cookie (logins are ours)."""
    settings = get_settings()
    # Empty credentials: the library never logs anyone in here (restore_session and sign_in do), and its
    # logout tolerates a missing entry.
    return stauth.Authenticate(
        {"usernames": {}},
        settings.cookie_name,
        settings.cookie_key,
        settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )


class RunAuthenticator:
    """The run's authenticator, built on first use and at most once (its components have fixed keys).

    Building it renders the library's cookie component, whose first value makes the browser ask for a rerun.
    On a page URL that rerun cut the first run short before st.navigation had registered the user's pages, so
    Streamlit answered "Page not found" and opened the default page. A logged-in run therefore never builds it
    before st.navigation: only to log out, or after navigation to write a new cookie.
    """

    def __init__(self) -> None:
        self._built: stauth.Authenticate | None = None

    def __call__(self) -> stauth.Authenticate:
        if self._built is None:
            self._built = build_authenticator()
        return self._built


def _start_cookie_session(actor: Actor, session_version: int) -> None:
    """Mark this browser session logged in as actor, as the cookie said (the library's keys, and ours)."""
    st.session_state.update(
        {
            "authentication_status": True,
            "username": actor.username,
            "name": actor.display_name,
            "roles": [actor.role],
            "logout": None,
            SESSION_VERSION_KEY: session_version,
        }
    )


def restore_session(authenticator: RunAuthenticator) -> Actor | None:
    """The user of this run: the live session's, else the login cookie's; either re-checked against the database.

    The cookie comes with the browser's connection (st.context.cookies), so the very first run of a page URL
    already knows the user and registers their pages. It must be signed with our key, unexpired and carry our
    session_version (session_tokens.read); the user must still be in good standing at that version
    (signed_in_actor), so a revoked, flagged, deactivated or deleted user's cookie opens nothing.
    """
    live = bool(st.session_state.get("authentication_status"))
    if live:
        username, version = st.session_state["username"], st.session_state.get(SESSION_VERSION_KEY, -1)
    else:
        claims = _cookie_claims()
        if claims is None:
            st.session_state.setdefault("authentication_status", None)
            st.session_state.pop(ACTOR_KEY, None)
            return None
        username, version = claims.username, claims.session_version
    with get_database().ReadSession.begin() as session:
        actor = signed_in_actor(session, username=username, session_version=version)
        problem = None if actor else accounts.session_problem(session, username, version)
    if actor is None:  # flagged, deactivated, deleted, or its sessions revoked since this one (or cookie) began
        st.session_state.setdefault("login_message", problem or "Your session has ended.")
        sign_out(authenticator)
        return None
    if not live:
        _start_cookie_session(actor, version)
    st.session_state[ACTOR_KEY] = actor.id
    return actor


def sign_in(username: str, password: str) -> Actor | None:
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


def set_pending_cookie(authenticator: RunAuthenticator) -> None:
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
    cookies = authenticator().cookie_controller.cookie_model.cookie_manager
    cookies.set(settings.cookie_name, token, expires_at=expires_at)


def log_out(authenticator: RunAuthenticator, actor: Actor) -> None:
    """The user's own logout: revoke their sessions in the database (a copied cookie dies too), then sign out."""
    with get_database().Session.begin() as session:
        accounts.log_out(session, actor=actor)
    sign_out(authenticator)


def sign_out(authenticator: RunAuthenticator) -> None:
    """End this browser's session and delete the cookie (rendered in this same run, so no rerun after)."""
    if st.session_state.get("authentication_status"):
        authenticator().logout(location="unrendered")
    else:
        authenticator().cookie_controller.delete_cookie()
    # The connection keeps sending the deleted cookie until the next page load: never read it again.
    st.session_state["logout"] = True
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(SESSION_VERSION_KEY, None)
