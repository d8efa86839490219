"""Pieces of the Creator import page: the column mapping preview and the run log (polling while a run is live)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.crm import imports
from core.permissions import Actor
from pages.common.session import read
from pages.common.widgets import empty_state, md_escape
from pages.common.pickers import pick
from pages.common.formatting import moment_column, table

STATUS_TEXT = {
    "CREATED": "🕓 waiting",
    "RUNNING": "⏳ running",
    "SUCCEEDED": "✅ succeeded",
    "FAILED": "❌ failed",
    "TIMED_OUT": "⌛ timed out",
    "ABORTED": "⏹️ aborted",
}
RUN_COLUMNS = {
    "run_id": st.column_config.TextColumn("Run"),
    "status": st.column_config.TextColumn("Status"),
    "progress": st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=1.0, format="percent"),
    "rows_read": st.column_config.NumberColumn("Read", format="localized"),
    "rows_created": st.column_config.NumberColumn("Created", format="localized"),
    "rows_updated": st.column_config.NumberColumn("Updated", format="localized"),
    "rows_rejected": st.column_config.NumberColumn("Rejected", format="localized"),
    "file_name": st.column_config.TextColumn("File"),
    "started_by": st.column_config.TextColumn("By"),
    "created_at": moment_column("Started (UTC)"),
    "finished_at": moment_column("Finished (UTC)"),
}


def mapping_preview(mapping: dict[str, str], ignored: list[str], first: pd.DataFrame) -> None:
    """Which file column feeds which prospect field, the ignored columns, and the first rows."""
    st.markdown("**Column mapping**")
    table(
        pd.DataFrame({"field": list(mapping), "column in your file": list(mapping.values())}),
        hide_index=True,
    )
    if ignored:
        st.caption("Ignored columns: " + md_escape(", ".join(ignored)))
    st.markdown("**First rows**")
    table(first, hide_index=True)


def render_runs(runs: pd.DataFrame) -> None:
    st.subheader("Run log", anchor=False)
    if runs.empty:
        empty_state("No imports yet — upload an export above and press Start import.", icon="📥")
        return
    shown = runs.assign(status=runs["status"].map(lambda s: STATUS_TEXT.get(s, s)))
    table(shown, column_config=RUN_COLUMNS, column_order=list(RUN_COLUMNS), hide_index=True)


@st.fragment(run_every=2)
def live_runs(actor: Actor) -> None:
    """Re-reads the run log every 2 s while a run is waiting or running, then reruns the page once."""
    runs = read(lambda s: imports.list_runs(s, actor=actor))
    if runs is None:
        return
    render_runs(runs)
    if not runs["status"].isin(("CREATED", "RUNNING")).any():
        st.rerun()


def pick_run(runs: pd.DataFrame) -> int | None:
    """The run the user picked for details (rejected rows, abort), newest by default."""
    if runs.empty:
        return None
    labels = {
        int(r.id): f"{r.run_id} · {r.file_name} · {STATUS_TEXT.get(r.status, r.status)}" for r in runs.itertuples()
    }
    return pick("Run details", labels, key="import-run-pick")
