"""Database and acting-user access for pages: one transaction per action, errors shown to the user."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, TypeVar

import streamlit as st
from sqlalchemy.orm import Session
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from core.errors import DomainError
from core.marketplace import signed_in
from core.permissions import Actor
from core.platform.config import get_settings
from core.platform.db import Database, connect
from core.platform.timeutil import utcnow
from pages.common.markup import Markdown, literal, render

T = TypeVar("T")
log = logging.getLogger("iescp.pages")

ACTOR_KEY = "actor_id"
FLASH = "_flash"
LAST_WRITE_AT = "_last_write_at"  # naive UTC commit time of this session's last action: cached reads it must see
KNOWN_ACTOR = "_known_actor"  # (Actor, fingerprint) last built for this browser session
THIS_RUN_ACTOR = "_this_run_actor"  # set by run_page for the length of one run


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return connect(url)


def get_database() -> Database:
    """The process-wide Database for the configured URL (engine cached; sessions never are)."""
    return _database(get_settings().database_url)


def signed_in_actor(session: Session, **who) -> Actor | None:
    """The Actor of user_id= or username= (and session_version=) re-checked in one statement; the Actor this
    browser session built last is reused when nothing it was built from changed (core/marketplace/signed_in.py)."""
    found = signed_in.actor(session, known=st.session_state.get(KNOWN_ACTOR), **who)
    if found is None:
        st.session_state.pop(KNOWN_ACTOR, None)
        return None
    st.session_state[KNOWN_ACTOR] = found
    return found[0]


def current_actor(*, role: str | None = None) -> Actor:
    """The logged-in user re-checked against the database; stops the page when there is none."""
    actor_id = st.session_state.get(ACTOR_KEY)
    actor = None
    this_run = st.session_state.get(THIS_RUN_ACTOR)
    if actor_id is not None and this_run is not None and this_run.id == int(actor_id):
        actor = this_run  # the router re-checked it against the database at the start of this very run
    elif actor_id is not None:
        with get_database().ReadSession.begin() as session:
            actor = signed_in_actor(session, user_id=int(actor_id))
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
    st.session_state[LAST_WRITE_AT] = utcnow()
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


def run_page(page: Callable[[], object] | st.Page, *, actor: Actor | None = None) -> None:
    """Run the page for the router; a run that did not end in a rerun already showed its success message.

    actor: the user the router re-checked at the start of this run; the page's current_actor() takes it
    instead of reading the database again, and only during this run."""
    if actor is not None:
        st.session_state[THIS_RUN_ACTOR] = actor
    try:
        page.run() if isinstance(page, st.Page) else page()
    except RerunException:  # st.rerun: the next run's show_flash shows the message once
        raise
    except BaseException:  # st.stop, or a bug: the message was on screen already
        st.session_state.pop(FLASH, None)
        raise
    finally:
        st.session_state.pop(THIS_RUN_ACTOR, None)
    st.session_state.pop(FLASH, None)


def last_write_at() -> dt.datetime | None:
    """When this session's last action committed (naive UTC), or None: reads floored in time must not predate it."""
    return st.session_state.get(LAST_WRITE_AT)
