"""Database and acting-user access for pages: one transaction per action, errors shown to the user."""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from core.errors import DomainError
from core.marketplace import accounts
from core.permissions import Actor
from core.platform.config import get_settings
from core.platform.db import Database, connect
from pages.common.markup import Markdown, literal, render

T = TypeVar("T")
log = logging.getLogger("iescp.pages")

ACTOR_KEY = "actor_id"
FLASH = "_flash"


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
        show_error(error)
        return None


def read_cached(fn: Callable[[Database], T]) -> T | None:
    """Run fn(database) for the cached read models (core.marketplace.cached_reads); a DomainError is shown, None returned."""
    try:
        return fn(get_database())
    except DomainError as error:
        show_error(error)
        return None


def run_action(fn: Callable[..., T], *, success: str | Markdown | None = None) -> T | None:
    """Run fn(session) as one write transaction; show success, or the domain error, and return fn's result.

    success is shown once, where the user acted: a banner now, and the same banner after the rerun the
    page may ask for (show_flash); end_of_run forgets it when no rerun came, so it never turns up later on
    another page. Plain text is escaped here, so a user's name in it can never become a link or an image;
    pass md("… **{name}**", name=...) for Markdown. Anything other than a DomainError is a bug: it is
    logged and re-raised so it is not hidden.
    """
    try:
        with get_database().Session.begin() as session:
            result = fn(session)
    except DomainError as error:
        show_error(error)
        return None
    except Exception:
        log.exception("unexpected error in a page action")
        raise
    if success:
        shown = render(success)
        st.success(shown)
        st.session_state[FLASH] = shown  # already escaped: a plain str survives session state
    return result if result is not None else True


def show_error(error: DomainError) -> None:
    """A domain error as one red box; a form's several invalid fields as one list, all at once."""
    problems = getattr(error, "problems", (error.message,))
    if len(problems) == 1:
        st.error(render(error.message))
    else:
        st.error("Please correct these fields:\n" + "\n".join(f"- {literal(p)}" for p in problems))


def show_flash() -> None:
    """Show the success message of the action whose rerun this is (escaped by run_action)."""
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message)


def run_page(page: Callable[[], object] | st.Page) -> None:
    """Run the page for the router; a run that did not end in a rerun already showed its success message."""
    try:
        page.run() if isinstance(page, st.Page) else page()
    except RerunException:  # st.rerun: the next run's show_flash shows the message once
        raise
    except BaseException:  # st.stop, or a bug: the message was on screen already
        st.session_state.pop(FLASH, None)
        raise
    st.session_state.pop(FLASH, None)
