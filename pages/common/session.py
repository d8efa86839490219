"""Database and acting-user access for pages: one transaction per action, errors shown to the user."""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

import streamlit as st

from core.errors import DomainError
from core.marketplace import accounts
from core.permissions import Actor
from core.platform.config import get_settings
from core.platform.db import Database, connect
from pages.common.markup import Markdown, render

T = TypeVar("T")
log = logging.getLogger("iescp.pages")

ACTOR_KEY = "actor_id"


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return connect(url)


def get_database() -> Database:
    """The process-wide Database for the configured URL (engine cached; sessions never are)."""
    return _database(get_settings().database_url)


def current_actor(*, role: str | None = None) -> Actor:
    """The logged-in user re-checked against the database; stops the page when there is none."""
    actor_id = st.session_state.get(ACTOR_KEY)
    actor = None
    if actor_id is not None:
        with get_database().ReadSession.begin() as session:
            actor = accounts.load_actor(session, int(actor_id))
    if actor is None:
        st.warning("Please log in to see this page.")
        st.stop()
    if role is not None and actor.role != role:
        st.error("This page is not available for your account.")
        st.stop()
    return actor


def read(fn: Callable[..., T]) -> T | None:
    """Run fn(session) in a read-only transaction; a DomainError is shown and None returned."""
    try:
        with get_database().ReadSession.begin() as session:
            return fn(session)
    except DomainError as error:
        st.error(render(error.message))
        return None


def read_cached(fn: Callable[[Database], T]) -> T | None:
    """Run fn(database) for the cached read models (core.marketplace.cached_reads); a DomainError is shown, None returned."""
    try:
        return fn(get_database())
    except DomainError as error:
        st.error(render(error.message))
        return None


def run_action(fn: Callable[..., T], *, success: str | Markdown | None = None) -> T | None:
    """Run fn(session) as one write transaction; show success, or the domain error, and return fn's result.

    success is shown as a toast and, after the rerun, a banner: plain text, escaped here, so a user's
    name in it can never become a link or an image; pass md("… **{name}**", name=...) for Markdown.
    Anything other than a DomainError is a bug: it is logged and re-raised so it is not hidden.
    """
    try:
        with get_database().Session.begin() as session:
            result = fn(session)
    except DomainError as error:
        st.error(render(error.message))
        return None
    except Exception:
        log.exception("unexpected error in a page action")
        raise
    if success:
        shown = render(success)
        st.toast(shown, icon="✅")
        st.session_state["_flash"] = shown  # already escaped: a plain str survives session state
    return result if result is not None else True


def show_flash() -> None:
    """Show (once) the success message of the action that caused this rerun (escaped by run_action)."""
    message = st.session_state.pop("_flash", None)
    if message:
        st.success(message)
