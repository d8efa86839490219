"""Reports & reminders: run a month's sponsor reports on demand; watch reminder deliveries and failures."""

import datetime as dt

import streamlit as st

from core.messaging import reminders
from core.platform.timeutil import previous_month, today
from core.reporting import reports
from pages.common.exports_panel import render_exports_panel
from pages.common.session import current_actor, read, run_action, show_flash
from pages.common.widgets import empty_state, tabs
from pages.common.formatting import cents_to_units, moment_column, money_column, table

actor = current_actor(role="admin")

st.title("Reports & reminders", icon="📬", anchor=False)
show_flash()
report_tab, reminder_tab, export_tab = tabs(
    ["Monthly reports", "Reminder deliveries", "CSV exports"], key="admin-reports-tab"
)

with report_tab:
    months, month = [], previous_month(today())
    for _ in range(12):
        months.append(month)
        month = previous_month(month)
    with st.form("run_reports"):
        picked = st.selectbox("Month", months, format_func=reports.month_label, key="admin_report_month")
        st.caption(
            "Generates the missing reports of that month for every approved sponsor and emails the ones not "
            "sent yet. Reports already archived are never generated twice."
        )
        run = st.form_submit_button("Run reports now", icon="▶️", type="primary")
    if not reports.pdf_available():
        st.warning(f"PDF rendering is unavailable on this server, so reports go out as HTML. {reports.PDF_FIX}")
    if run:
        month_to_run = run_action(lambda s: reports.request_report_run(s, actor=actor, month=picked))
        if month_to_run:
            from tasks import reports as report_tasks

            try:
                report_tasks.reports_for_month(month_to_run.isoformat()[:7])
                st.success(f"Reports for {reports.month_label(month_to_run)} are being generated in the background.")
            except Exception:  # the broker is down: say so, the admin can retry
                st.error("The job queue is unavailable right now. Please try again in a minute.")

    frame = read(lambda s: reports.list_reports(s, actor=actor, month=picked))
    if frame is not None and frame.empty:
        empty_state(f"No reports archived for {reports.month_label(picked)} yet.")
    elif frame is not None:
        cols = st.columns(3)
        cols[0].metric("Reports", f"{len(frame):,}", border=True)
        cols[1].metric("Emailed", f"{int((frame['email_status'] == 'sent').sum()):,}", border=True)
        cols[2].metric("Email failed", f"{int((frame['email_status'] == 'failed').sum()):,}", border=True)
        table(
            cents_to_units(frame, "committed_cents", "paid_cents"),
            hide_index=True,
            width="stretch",
            column_order=[
                "sponsor",
                "created_at",
                "email_status",
                "email_attempts",
                "emailed_at",
                "last_error",
                "has_pdf",
                "requests_total",
                "accepted",
                "committed",
                "paid",
            ],
            column_config={
                "sponsor": st.column_config.TextColumn("Sponsor"),
                "created_at": moment_column("Generated (UTC)"),
                "email_status": st.column_config.TextColumn("Email"),
                "email_attempts": st.column_config.NumberColumn("Attempts", format="%d"),
                "emailed_at": moment_column("Emailed (UTC)"),
                "last_error": st.column_config.TextColumn("Last error", width="large"),
                "has_pdf": st.column_config.CheckboxColumn("PDF"),
                "requests_total": st.column_config.NumberColumn("Requests", format="%d"),
                "accepted": st.column_config.NumberColumn("Accepted", format="%d"),
                "committed": money_column("Committed"),
                "paid": money_column("Paid"),
            },
        )

with reminder_tab:
    left, middle, right = st.columns(3)
    day = left.date_input(
        "Day", value=reminders.reminder_day(), max_value=today() + dt.timedelta(days=1), key="admin_reminder_day"
    )
    status = middle.selectbox("Status", ["any", "failed", "pending", "sent"], key="admin_reminder_status")
    channel = right.selectbox("Channel", ["any", *reminders.CHANNELS], key="admin_reminder_channel")
    log = read(
        lambda s: reminders.list_deliveries(
            s,
            actor=actor,
            day=day,
            status=None if status == "any" else status,
            channel=None if channel == "any" else channel,
        )
    )
    if log is not None and log.empty:
        empty_state(
            "No reminders for this day and filter. Reminders go out daily to users with requests awaiting their answer."
        )
    elif log is not None:
        cols = st.columns(3)
        for col, state in zip(cols, ("sent", "failed", "pending")):
            col.metric(state.capitalize(), f"{int((log['status'] == state).sum()):,}", border=True)
        table(
            log,
            hide_index=True,
            width="stretch",
            column_order=[
                "username",
                "role",
                "channel",
                "status",
                "attempts",
                "item_count",
                "last_error",
                "created_at",
                "sent_at",
            ],
            column_config={
                "username": st.column_config.TextColumn("User"),
                "item_count": st.column_config.NumberColumn("Requests", format="%d"),
                "attempts": st.column_config.NumberColumn("Attempts", format="%d"),
                "last_error": st.column_config.TextColumn("Last error", width="large"),
                "created_at": moment_column("First try (UTC)"),
                "sent_at": moment_column("Sent (UTC)"),
            },
        )
        if (log["status"] == "failed").any():
            st.caption(
                f"Failed channels are retried automatically with growing delays, up to "
                f"{reminders.MAX_ATTEMPTS} attempts a day; other channels are not affected."
            )

with export_tab:
    st.caption("Exports of every campaign or ad request on the platform, streamed by the job worker.")
    render_exports_panel(actor, key="admin_exports")
