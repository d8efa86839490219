"""Downloads: the sponsor's campaigns and ad requests as spreadsheet-safe CSV files."""

import streamlit as st

from core.marketplace import cached_reads
from core.platform.timeutil import today
from pages.common import campaign_tables as tables
from pages.common.formatting import prepared_table
from pages.common.exports_panel import render_exports_panel
from pages.common.session import current_actor, get_database, read_cached
from pages.common.widgets import empty_state

REQUEST_LIMIT = 5000

actor = current_actor(role="sponsor")
st.title("Downloads", icon="⬇️")
st.caption(
    "Your data as CSV for spreadsheets. Amounts are in dollars with two decimals; text that a spreadsheet "
    "would run as a formula is prefixed with a quote."
)


# Counts and 20-row previews only: the full files (5,000 requests) are read and shaped for CSV when one is
# downloaded; reading and shaping them on every run cost more than the rest of the page.
overview = read_cached(lambda db: cached_reads.sponsor_downloads_overview(db, actor=actor, limit=REQUEST_LIMIT))
if overview is None:
    st.stop()
stamp = today().isoformat()
database = get_database()

for index, (name, column) in enumerate(zip(tables.DOWNLOADS, st.columns(2, gap="large"))):
    rows, preview = overview["rows"][index], overview["previews"][index]
    with column, st.container(border=True):
        title = name.replace("-", " ").capitalize()
        st.subheader(title)
        st.metric("Rows", f"{rows:,}")
        if not rows:
            empty_state(f"No {title.lower()} yet — nothing to download.")
            continue
        st.download_button(
            f"Download {title.lower()} (CSV)",
            data=lambda kind=name: tables.download_csv(database, actor, kind, limit=REQUEST_LIMIT),
            file_name=f"iescp-{name}-{stamp}.csv",
            mime="text/csv",
            icon="📄",
            type="primary",
            key=f"download-{name}",
        )
        with st.expander("Preview the first rows"):  # shaped and blanked once per content (memoized)
            prepared_table(tables.export_preview(name, preview), hide_index=True)
if overview["rows"][1] >= REQUEST_LIMIT:
    st.info(f"The ad requests file holds your {REQUEST_LIMIT:,} most recent requests.")

st.divider()
st.subheader("Full exports in the background", anchor=False)
st.caption(
    "Every row, with names, streamed to a file by the job worker. You get a notification and an email when "
    "it is ready; only you (and administrators) can download it."
)
render_exports_panel(actor, key="sponsor_exports")
