"""Small rendering helpers: empty states, messages, status badges and escaping of user text."""

from __future__ import annotations

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


def open_tab(key: str, label: str) -> None:
    """Show the tab label of the tab bar key on the next run (e.g. the new campaign after creating it)."""
    st.session_state[f"{key}:next"] = label
