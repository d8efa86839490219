"""The 90-day trend panel shared by the sponsor and admin dashboards (figures from daily snapshots)."""

from __future__ import annotations

import streamlit as st

from core.crm import snapshots
from core.permissions import Actor
from core.reporting.charts import snapshots as charts
from pages.common.session import read
from pages.common.widgets import empty_state
from pages.common.formatting import money

TREND_DAYS = 90


def trend_panel(actor: Actor, *, key: str) -> None:
    """Counts and money over the last 90 days, or an empty state before the first nightly snapshot."""
    frame = read(lambda s: snapshots.trend(s, actor=actor, days=TREND_DAYS))
    if frame is None:
        return
    if frame.empty:
        empty_state(
            "No daily snapshots yet — the first one is taken after midnight (UTC), then one per day.", icon="📈"
        )
        return
    last = frame.iloc[-1]
    st.caption(
        f"{len(frame)} day(s) up to {last['day']:%d %b %Y} · {money(int(last['expenses_cents']))} committed, "
        f"{money(int(last['revenue_cents']))} paid to creators (totals at the end of each day)"
    )
    st.plotly_chart(charts.counts_trend_figure(frame), key=f"{key}-counts")
    st.plotly_chart(charts.money_trend_figure(frame), key=f"{key}-money")
