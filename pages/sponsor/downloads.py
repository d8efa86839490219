"""Downloads: the sponsor's campaigns and ad requests as spreadsheet-safe CSV files."""

import streamlit as st

from core.marketplace import cached_reads
from core.platform.timeutil import today
from core.reporting import csvsafe
from pages.common import campaign_tables as tables
from pages.common.exports_panel import render_exports_panel
from pages.common.session import current_actor, read_cached
from pages.common.widgets import empty_state
from pages.common.formatting import table

REQUEST_LIMIT = 5000

actor = current_actor(role="sponsor")
st.title("Downloads", icon="⬇️")
st.caption(
    "Your data as CSV for spreadsheets. Amounts are in dollars with two decimals; text that a spreadsheet "
    "would run as a formula is prefixed with a quote."
)

data = read_cached(lambda db: cached_reads.sponsor_downloads(db, actor=actor, limit=REQUEST_LIMIT))
if data is None:
    st.stop()
exports = {"campaigns": tables.campaigns_export(data[0]), "ad-requests": tables.requests_export(data[1])}
stamp = today().isoformat()

for (name, frame), column in zip(exports.items(), st.columns(2, gap="large")):
    with column, st.container(border=True):
        title = name.replace("-", " ").capitalize()
        st.subheader(title)
        st.metric("Rows", f"{len(frame):,}")
        if frame.empty:
            empty_state(f"No {title.lower()} yet — nothing to download.")
            continue
        st.download_button(
            f"Download {title.lower()} (CSV)",
            data=lambda f=frame: csvsafe.frame_to_csv_bytes(f),
            file_name=f"iescp-{name}-{stamp}.csv",
            mime="text/csv",
            icon="📄",
            type="primary",
            key=f"download-{name}",
        )
        with st.expander("Preview the first rows"):
            table(frame.head(20), hide_index=True)
if len(exports["ad-requests"]) >= REQUEST_LIMIT:
    st.info(f"The ad requests file holds your {REQUEST_LIMIT:,} most recent requests.")

st.divider()
st.subheader("Full exports in the background", anchor=False)
st.caption(
    "Every row, with names, streamed to a file by the job worker. You get a notification and an email when "
    "it is ready; only you (and administrators) can download it."
)
render_exports_panel(actor, key="sponsor_exports")
