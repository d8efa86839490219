"""Reports & reminders: run a month's sponsor reports, send reminders now, watch deliveries, export any data."""

import streamlit as st

from pages.common.admin_reports_views import render_reminders_tab, render_reports_tab
from pages.common.exports_panel import render_exports_panel
from pages.common.session import current_actor, show_flash
from pages.common.widgets import tabs

actor = current_actor(role="admin")

st.title("Reports & reminders", icon="📬", anchor=False)
show_flash()
report_tab, reminder_tab, export_tab = tabs(
    ["Monthly reports", "Reminder deliveries", "CSV exports"], key="admin-reports-tab"
)

# Only the open tab is built (the bar reruns the page on a switch): each runs its own live queries.
if report_tab.open:
    with report_tab:
        render_reports_tab(actor)
if reminder_tab.open:
    with reminder_tab:
        render_reminders_tab(actor)
if export_tab.open:
    with export_tab:
        st.caption("Exports of every campaign or ad request on the platform, streamed by the job worker.")
        render_exports_panel(actor, key="admin_exports")
