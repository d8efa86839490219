"""The admin's Reports & reminders tabs: run a month's reports and watch them arrive, send reminders, read the log."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.messaging import reminders
from core.permissions import Actor
from core.platform.config import get_settings
from core.platform.timeutil import previous_month, today
from core.reporting import reports
from pages.common.session import read, read_cached, run_action
from pages.common.formatting import cents_to_units, money_column, moment_column, table
from pages.common.widgets import empty_state

MONTHS_OFFERED = 12
CHANNEL_NAMES = {"email": "e-mail", "gchat": "Google Chat", "inapp": "in-app"}


def ended_months(count: int = MONTHS_OFFERED) -> list[dt.date]:
    """The last `count` whole months, newest first (a report covers a month that has ended)."""
    months, month = [], previous_month(today())
    for _ in range(count):
        months.append(month)
        month = previous_month(month)
    return months


def render_reports_tab(actor: Actor) -> None:
    """Month picker and "Run reports now"; the month's reports, refreshed live while a run is going."""
    with st.form("run_reports"):
        picked = st.selectbox("Month", ended_months(), format_func=reports.month_label, key="admin_report_month")
        st.caption(
            "Generates the missing reports of that month for every sponsor approved before it ended and emails the "
            "ones not sent yet. Reports already archived are never generated twice."
        )
        run = st.form_submit_button("Run reports now", icon="▶️", type="primary")
    if not reports.pdf_available():
        st.warning(f"PDF rendering is unavailable on this server, so reports go out as HTML. {reports.PDF_FIX}")
    if run:
        _start_run(actor, picked)
    # Progress and the month's reports in one transaction (the fragment re-reads them itself while a run goes on).
    found = read(
        lambda s: (
            reports.run_progress(s, actor=actor, month=picked),
            reports.list_reports(s, actor=actor, month=picked),
        )
    )
    progress, frame = found if found is not None else (None, None)
    if progress is not None and progress.running():
        _live_reports(actor, picked)
    else:
        _render_reports(actor, picked, progress, frame)


def _start_run(actor: Actor, month: dt.date) -> None:
    month_to_run = run_action(lambda s: reports.request_report_run(s, actor=actor, month=month))
    if not month_to_run:
        return
    from tasks import reports as report_tasks  # the queue is only needed when a run starts

    try:
        report_tasks.reports_for_month(month_to_run.isoformat()[:7])
    except Exception:  # the broker is down: say so, the admin can retry
        st.error("The job queue is unavailable right now. Please try again in a minute.")
        return
    st.success(f"Reports for {reports.month_label(month_to_run)} are being generated in the background.")


@st.fragment(run_every=2)
def _live_reports(actor: Actor, month: dt.date) -> None:
    """Re-reads the month's reports every 2 s while its run has work left, then reruns the page once to stop."""
    progress = read(lambda s: reports.run_progress(s, actor=actor, month=month))
    if progress is None:
        return
    _render_reports(actor, month, progress)
    if not progress.running():
        st.rerun()


def _render_reports(
    actor: Actor, month: dt.date, progress: reports.RunProgress | None, frame: pd.DataFrame | None = None
) -> None:
    """The month's progress bar (while running) and reports table; frame is read here unless the caller read it."""
    running = progress is not None and progress.running()
    if running:
        st.progress(
            progress.done / progress.sponsors,
            text=f"⏳ {progress.done:,} of {progress.sponsors:,} reports archived and mailed — updating live",
        )
    if frame is None:
        frame = read(lambda s: reports.list_reports(s, actor=actor, month=month))
    if frame is None:
        return
    if frame.empty and running:
        empty_state("The reports appear here as the job worker archives them; you can leave this page meanwhile.")
        return
    if frame.empty:
        empty_state(f"No reports archived for {reports.month_label(month)} yet — press Run reports now.")
        return
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


def _counted(counter) -> str:
    """'5 (e-mail 3, in-app 2)' from a per-channel Counter."""
    total = sum(counter.values())
    parts = ", ".join(f"{CHANNEL_NAMES.get(c, c)} {n:,}" for c, n in sorted(counter.items()) if n)
    return f"{total:,} ({parts})" if parts else f"{total:,}"


def reminder_summary(result: reminders.RunResult) -> str:
    """What a reminder run did, in one sentence for the admin."""
    if not result.recipients and not sum(result.sent.values()) and not sum(result.failed.values()):
        return "Nobody has requests or deal items awaiting them — no reminders to send today."
    text = f"Reminders for {result.recipients:,} user(s): sent {_counted(result.sent)}"
    if sum(result.failed.values()):
        text += f", failed {_counted(result.failed)} (retried automatically)"
    if sum(result.skipped.values()):
        text += f", already reminded today {_counted(result.skipped)}"
    return text + "."


def _send_reminders_now(actor: Actor) -> None:
    with st.spinner("Sending reminders…"):
        result = read_cached(lambda db: reminders.send_reminders_now(db, actor=actor))
    if result is not None:
        st.success(reminder_summary(result))


def render_reminders_tab(actor: Actor) -> None:
    """ "Send reminders now" and the day's delivery log, filtered by status and channel."""
    action, note = st.columns([1, 3], vertical_alignment="center")
    send = action.button("Send reminders now", icon="🔔", key="admin_send_reminders")
    settings = get_settings()
    note.caption(
        f"Reminders go out daily at {settings.reminder_hour}:00 ({settings.timezone}). Sending now runs the same "
        "reminders for today; whoever was already reminded today is skipped."
    )
    if send:
        _send_reminders_now(actor)
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
    if log is None:
        return
    if log.empty:
        empty_state(
            "No reminders for this day and filter. Reminders go out daily to users with requests awaiting their answer."
        )
        return
    _render_deliveries(log)


def _render_deliveries(log: pd.DataFrame) -> None:
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
