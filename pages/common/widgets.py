"""Small rendering helpers: empty states, messages, status badges and escaping of user text."""

from __future__ import annotations

import math

import streamlit as st

from pages.common.markup import Markdown, literal, render

STATUS_ICONS = {
    "pending": "🕓",
    "negotiating": "💬",
    "accepted": "✅",
    "rejected": "❌",
    "withdrawn": "↩️",
    "completed": "🏁",
    "draft": "📝",
    "active": "🟢",
    "cancelled": "⛔",
}


def status_label(status: str) -> str:
    return f"{STATUS_ICONS.get(status, '')} {status}".strip()


def empty_state(message: str | Markdown, icon: str = "ℹ️") -> None:
    """A friendly hint when a list is empty, saying what to do next (plain text unless given md(...))."""
    st.info(render(message), icon=icon)


def say(kind: str, message: str | Markdown, **options) -> None:
    """st.success/info/warning/error with the message escaped unless it is md(...) Markdown."""
    getattr(st, kind)(render(message), **options)


def md_escape(text) -> str:
    """Escape user text for st.markdown/captions so it cannot add links, images, maths or formatting."""
    return literal(text)


def tabs(labels: list[str], *, key: str):
    """st.tabs whose choice is kept on the server under key: an action, a banner above it or a rerun never
    sends the user back to the first tab."""
    follow = st.session_state.pop(f"{key}:next", None)
    if follow in labels:  # open_tab asked for it on the previous run, before this tab bar existed
        st.session_state[key] = follow
    return st.tabs(labels, key=key, on_change="rerun")


def likely_tab(labels: list[str], *, key: str) -> str:
    """The label tabs(labels, key=key) will most likely open on this run, read before the tab bar is drawn: a guess
    for reading the tab's data early, in the transaction of the page's other reads (the tab still builds only when
    its .open says so, and reads for itself when the guess was wrong)."""
    follow = st.session_state.get(f"{key}:next")
    if follow in labels:
        return follow
    held = st.session_state.get(key)
    return held if held in labels else labels[0]


def open_tab(key: str, label: str) -> None:
    """Show the tab label of the tab bar key on the next run (e.g. the new campaign after creating it)."""
    st.session_state[f"{key}:next"] = label


def page_of(total: int, *, per_page: int, key: str) -> int:
    """The 0-based page of a list of total items that key holds, kept within the pages that exist.

    Read it before the list (its offset) and draw pager() where the buttons belong; a list that shrank (items
    marked read, a filter) lands on its last page instead of an empty one.
    """
    pages = max(1, math.ceil(total / per_page))
    held = st.session_state.get(key, 0)
    page = min(max(held if isinstance(held, int) else 0, 0), pages - 1)
    st.session_state[key] = page
    return page


def pager(total: int, *, per_page: int, key: str, noun: str = "item") -> None:
    """Previous / Next buttons and "Page i of n" under a paged list; nothing when it fits on one page."""
    page = page_of(total, per_page=per_page, key=key)
    pages = max(1, math.ceil(total / per_page))
    if pages == 1:
        return
    first, last = page * per_page + 1, min(total, (page + 1) * per_page)
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    back.button("← Previous", key=f"{key}:back", disabled=page == 0, on_click=_turn, args=(key, -1), width="stretch")
    where.caption(f"Page {page + 1} of {pages} · {first:,}–{last:,} of {total:,} {noun}s")
    forward.button(
        "Next →", key=f"{key}:forward", disabled=page + 1 >= pages, on_click=_turn, args=(key, 1), width="stretch"
    )


def _turn(key: str, step: int) -> None:
    # A callback runs before the script, so the list read on this run already uses the new page.
    st.session_state[key] = st.session_state.get(key, 0) + step
