"""Small rendering helpers: money, column configs, empty states, status badges."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.money import format_cents
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


def money(cents: int | None) -> str:
    return format_cents(cents)


def status_label(status: str) -> str:
    return f"{STATUS_ICONS.get(status, '')} {status}".strip()


def with_currency_columns(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Copy of frame with each *_cents column turned into currency units (for NumberColumn display)."""
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column.removesuffix("_cents")] = out[column].astype("float64") / 100
            out = out.drop(columns=[column])
    return out


def money_column(label: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format="dollar")


def empty_state(message: str | Markdown, icon: str = "ℹ️") -> None:
    """A friendly hint when a list is empty, saying what to do next (plain text unless given md(...))."""
    st.info(render(message), icon=icon)


def say(kind: str, message: str | Markdown, **options) -> None:
    """st.success/info/warning/error with the message escaped unless it is md(...) Markdown."""
    getattr(st, kind)(render(message), **options)


def md_escape(text) -> str:
    """Escape user text for st.markdown/captions so it cannot add links, images, maths or formatting."""
    return literal(text)
