"""Admin page glue: keyset pager, cached statistics, safe text, and read-only campaign/thread views."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import DomainError
from core.marketplace import ad_requests, cached_reads
from core.permissions import Actor
from pages.common.session import get_database, last_write_at, read, run_action
from pages.common.markup import literal, md
from pages.common.negotiation_thread import render_thread
from pages.common.widgets import say, status_label
from pages.common.formatting import cents_to_units, count_column, day_column, moment_column, money, money_column, table
from pages.common.pickers import pick

PAGE_SIZE = 20
AUDIT_ACTIONS = (
    "sponsor.approved",
    "sponsor.rejected",
    "user.flagged",
    "user.unflagged",
    "user.deactivated",
    "user.reactivated",
    "user.locked_out",
    "user.password_changed",
    "campaign.created",
    "campaign.budget_changed",
    "campaign.status",
    "campaign.deleted",
    "campaign.flagged",
    "campaign.unflagged",
    "ad_request.accepted",
    "ad_request.completed",
)


def act(fn, *, success: str) -> None:
    """Run one write action (errors shown by run_action); on success rerun so the page shows fresh data."""
    if run_action(fn, success=success):
        st.rerun()


def table_height(rows: int) -> int:
    """Pixel height that shows every row of a page without an inner scrollbar."""
    return 35 * (max(rows, 1) + 1) + 3


# ---- keyset pagination: a stack of cursors in session state ----------------------------------------------------


def cursor(key: str, filters: tuple) -> int | None:
    """The cursor (after_id / before_id) of the page to show; back to page one when the filters change."""
    if st.session_state.get(f"{key}_filters") != filters:
        st.session_state[f"{key}_filters"] = filters
        st.session_state[f"{key}_cursors"] = []
    stack = st.session_state[f"{key}_cursors"]
    return stack[-1] if stack else None


def _push(key: str, value: int) -> None:
    st.session_state[f"{key}_cursors"].append(value)


def _pop(key: str) -> None:
    if st.session_state[f"{key}_cursors"]:
        st.session_state[f"{key}_cursors"].pop()


def page_span(page_index: int, rows: int, page_size: int) -> tuple[int, int]:
    """1-based (first, last) row numbers shown on a page; (0, 0) when it is empty."""
    if rows == 0:
        return 0, 0
    first = page_index * page_size + 1
    return first, first + rows - 1


def pager(
    key: str,
    frame: pd.DataFrame,
    *,
    page_size: int = PAGE_SIZE,
    total: int | None = None,
    has_more: bool | None = None,
    noun: str = "rows",
) -> None:
    """'Showing X–Y of N' with Previous / Next buttons that move through keyset pages."""
    page_index = len(st.session_state.get(f"{key}_cursors", []))
    first, last = page_span(page_index, len(frame), page_size)
    more = has_more if has_more is not None else (total is not None and last < total)
    left, mid, right = st.columns([1, 4, 1], vertical_alignment="center")
    left.button("← Previous", key=f"{key}_prev", on_click=_pop, args=(key,), disabled=page_index == 0, width="stretch")
    of_total = f" of {total:,}" if total is not None else ""
    mid.caption(
        f"Showing {first:,}–{last:,}{of_total} {noun}" if last else f"Nothing to show{of_total}",
        text_alignment="center",
    )
    right.button(
        "Next →",
        key=f"{key}_next",
        on_click=_push,
        args=(key, int(frame["id"].iloc[-1]) if last else 0),
        disabled=not more,
        width="stretch",
    )


# ---- statistics through the shared cache -------------------------------------------------------------------------


def statistics(actor: Actor) -> dict | None:
    """admin_statistics from core's shared cache: others' writes show within its floor, this admin's at once."""
    try:
        return cached_reads.admin_statistics(get_database(), actor=actor, fresh_after=last_write_at())
    except DomainError as error:
        st.error(error.message)
        return None


# ---- read-only views -------------------------------------------------------------------------------------------

REQUEST_COLUMNS = {
    "id": st.column_config.NumberColumn("#", format="%d", width="small"),
    "campaign": "Campaign",
    "sponsor": "Sponsor",
    "influencer": "Influencer",
    "platform": "Platform",
    "followers": count_column("Followers"),
    "status": "Status",
    "turn": "Waiting for",
    "initiated_by": "Started by",
    "payment": money_column("Payment"),
    "updated_at": moment_column("Updated"),
    "awaiting_me": None,
    "influencer_id": None,
    "requirements": None,
    "last_message": st.column_config.TextColumn("Last message", width="medium"),
}


REQUEST_ORDER = [  # who, how much and where it stands first: what a phone shows
    "influencer",
    "payment",
    "status",
    "campaign",
    "turn",
    "sponsor",
    "platform",
    "followers",
    "initiated_by",
    "updated_at",
    "last_message",
    "id",
]


def requests_table(frame: pd.DataFrame) -> None:
    shown = cents_to_units(frame, "payment_cents")
    shown["status"] = shown["status"].map(status_label)
    table(
        shown,
        hide_index=True,
        column_config=REQUEST_COLUMNS,
        width="stretch",
        column_order=[c for c in REQUEST_ORDER if c in shown.columns],
        height=table_height(len(shown)) if len(shown) <= PAGE_SIZE else "auto",
    )


def campaign_card(c: dict) -> None:
    """A campaign's facts, read-only."""
    st.subheader(literal(c["name"]), anchor=False, icon="📣")
    badges = st.container(horizontal=True)
    badges.badge(status_label(c["status"]), color="blue")
    badges.badge("public" if c["is_public"] else "private", icon="🌐" if c["is_public"] else "🔒", color="gray")
    if c["flagged"]:
        badges.badge("flagged", icon="🚩", color="red")
        say("warning", f"Flagged: {c['flag_reason'] or 'no reason recorded'}", icon="🚩")
    st.caption(
        md(
            "#{id} by {sponsor} · {category}{niche} · {start} → {end}",
            id=c["id"],
            sponsor=c["sponsor_name"],
            category=c["category"],
            niche=f" / {c['niche']}" if c["niche"] else "",
            start=f"{c['start_date']:%d %b %Y}",
            end=f"{c['end_date']:%d %b %Y}",
        )
    )
    cols = st.columns(3)
    cols[0].metric("Budget", money(c["budget_cents"]), border=True)
    cols[1].metric("Committed", money(c["committed_cents"]), border=True)
    cols[2].metric("Remaining", money(c["remaining_cents"]), border=True)
    for label in ("description", "goals"):
        if c[label]:
            st.markdown(md("**{label}**  \n{text}", label=label.title(), text=c[label]))


def thread_view(t: dict) -> None:
    """An ad request and its negotiation history, read-only."""
    with st.container(border=True):
        st.markdown(
            md(
                "**Request #{id}** · {campaign} · {sponsor} → {influencer}",
                id=t["id"],
                campaign=t["campaign"],
                sponsor=t["sponsor"],
                influencer=t["influencer"],
            )
        )
        cols = st.columns(3)
        cols[0].metric("Status", status_label(t["status"]))
        cols[1].metric("Current amount", money(t["payment_cents"]))
        cols[2].metric("Waiting for", t["turn"] or "nobody")
        st.caption(md("Requirements: {text}", text=t["requirements"]))
    render_thread(t, header=False)


def campaigns_table(frame: pd.DataFrame) -> None:
    shown = cents_to_units(frame, "budget_cents", "committed_cents")
    shown["status"] = shown["status"].map(status_label)
    table(
        shown,
        hide_index=True,
        width="stretch",
        height=table_height(len(shown)),
        # The campaign, its state and its flag first: what a phone shows.
        column_order=[
            c
            for c in (
                "name",
                "status",
                "flagged",
                "flag_reason",
                "sponsor",
                "budget",
                "committed",
                "start_date",
                "end_date",
                "category",
                "niche",
                "is_public",
                "id",
            )
            if c in shown.columns
        ],
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d", width="small"),
            "name": "Campaign",
            "sponsor": "Sponsor",
            "category": "Category",
            "niche": "Niche",
            "status": "Status",
            "flag_reason": "Flag reason",
            "is_public": st.column_config.CheckboxColumn("Public"),
            "flagged": st.column_config.CheckboxColumn("Flagged"),
            "start_date": day_column("Starts"),
            "end_date": day_column("Ends"),
            "budget": money_column("Budget"),
            "committed": money_column("Committed"),
        },
    )


def open_thread(actor: Actor, requests: pd.DataFrame, label: str, key: str) -> None:
    """A picker over the requests of a table that shows the chosen one's negotiation, read-only."""
    labels = {
        int(r.id): f"#{r.id} {r.influencer} · {r.status} · {money(r.payment_cents)}" for r in requests.itertuples()
    }
    request_id = pick(label, labels, key=key, placeholder="Choose a request to read")
    if request_id is not None:
        thread = read(lambda s: ad_requests.get_thread(s, actor=actor, ad_request_id=request_id))
        if thread:
            thread_view(thread)
