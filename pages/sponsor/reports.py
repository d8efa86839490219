"""Monthly reports: the sponsor's archived activity reports, with their numbers and PDF/HTML downloads."""

import streamlit as st

from core.platform.config import get_settings
from core.reporting import reports
from pages.common.session import current_actor, read
from pages.common.widgets import empty_state
from pages.common.formatting import cents_to_units, money, money_column, table
from pages.common.pickers import pick

actor = current_actor(role="sponsor")

st.title("Monthly reports", icon="🗂️", anchor=False)
day = get_settings().report_day
st.caption(f"On day {day} of each month you get last month's activity report by email. Every report is kept here.")

frame = read(lambda s: reports.list_reports(s, actor=actor))
if frame is None:
    st.stop()
if frame.empty:
    empty_state(
        f"No reports yet — your first one arrives on day {day} of next month and covers this month's "
        "campaigns, requests and spending."
    )
    st.stop()

shown = cents_to_units(frame, "committed_cents", "paid_cents")
table(
    shown,
    hide_index=True,
    width="stretch",
    column_order=[
        "label",
        "campaigns_active",
        "requests_total",
        "accepted",
        "rejected",
        "committed",
        "paid",
        "budget_used_pct",
        "email_status",
    ],
    column_config={
        "label": st.column_config.TextColumn("Month"),
        "campaigns_active": st.column_config.NumberColumn("Active campaigns", format="%d"),
        "requests_total": st.column_config.NumberColumn("Requests", format="%d"),
        "accepted": st.column_config.NumberColumn("Accepted", format="%d"),
        "rejected": st.column_config.NumberColumn("Rejected", format="%d"),
        "committed": money_column("Committed"),
        "paid": money_column("Paid"),
        "budget_used_pct": st.column_config.ProgressColumn(
            "Budget used to date", format="%.0f%%", min_value=0, max_value=100
        ),
        "email_status": st.column_config.TextColumn("Email"),
    },
)

labels = dict(zip(frame["id"].astype(int), frame["label"]))
report_id = pick("Open a report", labels, key="sponsor_report_pick")
report = read(lambda s: reports.get_report(s, actor=actor, report_id=report_id))
if report is None:
    st.stop()

summary = report["summary"]
with st.container(border=True):
    st.subheader(report["label"], anchor=False)
    first, second = st.columns(4), st.columns(4)
    first[0].metric("Active campaigns", f"{summary.get('campaigns_active', 0):,}")
    first[1].metric(
        "Requests",
        f"{summary.get('requests_total', 0):,}",
        help=f"{summary.get('requests_sent', 0):,} sent by you, "
        f"{summary.get('requests_asked', 0):,} asked by influencers",
    )
    first[2].metric(
        "Accepted",
        f"{summary.get('accepted', 0):,}",
        help=f"{summary.get('rejected', 0):,} rejected, {summary.get('open_at_end', 0):,} open at month end",
    )
    first[3].metric(
        "Reach hired", f"{summary.get('reach', 0):,}", help=f"{summary.get('influencers_hired', 0):,} influencers hired"
    )
    second[0].metric("Committed", money(summary.get("committed_cents", 0)))
    second[1].metric("Paid", money(summary.get("paid_cents", 0)))
    second[2].metric("Campaign budgets", money(summary.get("budget_cents", 0)))
    used = summary.get("budget_used_pct")
    second[3].metric("Budget used to date", "—" if used is None else f"{used:.0f}%")
    pdf_col, html_col = st.columns(2)
    if report["pdf"]:
        pdf_col.download_button(
            "Download PDF",
            data=report["pdf"],
            file_name=report["pdf_filename"],
            mime="application/pdf",
            icon="📄",
            type="primary",
            on_click="ignore",
            key=f"report_pdf_{report['id']}",
            width="stretch",
        )
    else:
        pdf_col.caption("No PDF for this report (PDF rendering was unavailable); the HTML version has everything.")
    html_col.download_button(
        "Download HTML",
        data=report["html"].encode("utf-8"),
        file_name=report["html_filename"],
        mime="text/html",
        icon="🌐",
        on_click="ignore",
        key=f"report_html_{report['id']}",
        width="stretch",
    )
