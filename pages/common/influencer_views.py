"""Rendering helpers shared by the influencer pages; the rules stay in core, the pages stay thin."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import pandas as pd
import streamlit as st

from core.crm import tiers
from core.marketplace import cached_reads
from core.platform.avatars import avatar_data_uri
from core.money import format_cents
from pages.common.session import get_database, run_action
from pages.common.widgets import STATUS_ICONS, md_escape, status_label
from pages.common.formatting import cents_to_units, compact, day_column, moment, moment_column

PAGE_SIZE = 50


def money_md(cents: int | None) -> str:
    return md_escape(format_cents(cents))


def act(fn: Callable, success: str | None = None, *, reset: tuple[str, ...] = ()) -> None:
    """run_action, then rerun so the whole page shows the new state (errors stay on screen).

    reset names widget keys (such as a confirmation tick) to return to their defaults after success.
    """
    if run_action(fn, success=success) is not None:
        for key in reset:
            st.session_state.pop(key, None)
        st.rerun()


def confirmed(ticked: bool) -> bool:
    """A destructive action goes ahead only when its confirmation box is ticked."""
    if not ticked:
        st.warning("Tick the confirmation box first — this cannot be undone.", icon="☝️")
    return bool(ticked)


def any_option(value) -> str:
    return "Any" if value is None else str(value)


def status_option(value) -> str:
    return "All statuses" if value is None else status_label(value)


# ---- inbox --------------------------------------------------------------------------------------------


def turn_text(awaiting_me: bool, turn) -> str:
    if awaiting_me:
        return "Your answer"
    return f"{turn.capitalize()}'s answer" if isinstance(turn, str) else "—"


def request_labels(frame: pd.DataFrame) -> dict[int, str]:
    """Picker labels by request id; from plain lists, not iterrows (a Series per row) nor a column's own iterator."""
    ids, campaigns, sponsors = (frame[c].tolist() for c in ("id", "campaign", "sponsor"))
    return {int(i): f"#{i} · {c} — {s}" for i, c, s in zip(ids, campaigns, sponsors)}


def table_height(frame: pd.DataFrame, max_height: int = 420) -> int:
    """Fit short tables without blank rows; scroll long ones."""
    return min(max_height, 38 + 35 * len(frame))


def waiting_for(flagged: bool, status: str, awaiting_me: bool, turn) -> str:
    """Whose answer the request waits for; an open request on a flagged campaign waits for a review."""
    if flagged and status in ("pending", "negotiating"):
        return "⏸️ On hold: campaign flagged"
    return turn_text(awaiting_me, turn)


def inbox_table(frame: pd.DataFrame) -> pd.DataFrame:
    columns = (frame[c].tolist() for c in ("campaign_flagged", "status", "awaiting_me", "turn"))
    # From plain lists, not frame.apply(axis=1), which builds a Series per row.
    out = frame.assign(status=frame["status"].map(status_label), waiting_for=[waiting_for(*v) for v in zip(*columns)])
    out = cents_to_units(out, "payment_cents")
    return out[
        # What matters first: at phone width (390 px) the campaign, amount and status are what fits.
        ["campaign", "payment", "status", "waiting_for", "sponsor", "end_date", "updated_at", "last_message", "id"]
    ]


INBOX_COLUMNS = {
    "id": st.column_config.NumberColumn("#", width="small"),
    "campaign": "Campaign",
    "sponsor": "Sponsor",
    "payment": st.column_config.NumberColumn("Amount", format="dollar"),
    "status": "Status",
    "waiting_for": "Waiting for",
    "end_date": day_column("Campaign ends"),
    "updated_at": moment_column("Last change"),
    "last_message": st.column_config.TextColumn("Last message", width="medium"),
}


def request_header(thread: dict) -> None:
    st.subheader(f"{STATUS_ICONS.get(thread['status'], '')} {md_escape(thread['campaign'])}")
    st.caption(
        f"Request #{thread['id']} · {md_escape(thread['sponsor'])} · {status_label(thread['status'])} · "
        f"{'you asked to join' if thread['initiated_by'] == 'influencer' else 'the sponsor invited you'} "
        f"on {moment(thread['created_at'])}"
    )
    left, right = st.columns([1, 3])
    left.metric("Current amount", format_cents(thread["payment_cents"]))
    right.markdown("**What's asked**")
    right.text(thread["requirements"] or "—")


def waiting_note(thread: dict) -> str:
    if thread["status"] in ("pending", "negotiating"):
        return "Waiting for the sponsor's answer. You'll get a notification when they reply."
    return {
        "accepted": "Deal agreed — deliver the work; the sponsor marks it completed.",
        "completed": "Job completed. Nice work!",
    }.get(thread["status"], f"This request is {thread['status']}.")


# ---- find campaigns -----------------------------------------------------------------------------------


def filter_options(actor) -> dict[str, list[str]]:
    """Category/niche pickers: values of the campaigns this influencer's search can return (listed ones)."""
    return cached_reads.campaign_facets(get_database(), actor=actor)


def cursor_stack(key: str, signature: tuple) -> list:
    """Cursors of the pages visited so far (the last is the current page); reset when the filters change."""
    signature = tuple(str(part) for part in signature)
    if st.session_state.get(f"{key}_filters") != signature or key not in st.session_state:
        st.session_state[f"{key}_filters"] = signature
        st.session_state[key] = [None]
    return st.session_state[key]


def showing(page_index: int, rows: int, total: int, size: int = PAGE_SIZE) -> str:
    first = page_index * size + 1
    return f"Showing {first:,}–{first + rows - 1:,} of {total:,}" if rows else f"No more results (of {total:,})"


def campaign_label(row) -> str:
    mark = " · ✓ requested" if row["already_requested"] else ""
    return f"{row['name']} — {row['sponsor']} · budget {format_cents(row['budget_cents'])}{mark}"


def campaign_table(frame: pd.DataFrame) -> pd.DataFrame:
    out = cents_to_units(frame, "budget_cents")
    return out[["name", "sponsor", "category", "niche", "budget", "start_date", "end_date", "already_requested"]]


CAMPAIGN_COLUMNS = {
    "name": st.column_config.TextColumn("Campaign", width="medium"),
    "sponsor": "Sponsor",
    "category": "Category",
    "niche": "Niche",
    "budget": st.column_config.NumberColumn("Budget", format="dollar"),
    "start_date": day_column("Starts"),
    "end_date": day_column("Ends"),
    "already_requested": st.column_config.CheckboxColumn("Requested", help="You have a live request here"),
}


def campaign_card(row) -> None:
    st.subheader(md_escape(row["name"]))
    st.caption(
        f"{md_escape(row['sponsor'])} · {md_escape(row['category'])}"
        + (f" · {md_escape(row['niche'])}" if row["niche"] else "")
        + f" · {row['start_date']:%d %b} → {row['end_date']:%d %b %Y}"
    )
    left, right = st.columns([1, 3])
    left.metric("Budget", format_cents(row["budget_cents"]))
    days = (row["end_date"] - dt.date.today()).days
    left.caption(f"Ends in {days} day{'s' if days != 1 else ''}" if days >= 0 else "Ended")
    if row["description"]:
        right.text(row["description"])
    if row["goals"]:
        right.markdown("**Goals**")
        right.text(row["goals"])


# ---- profile and notifications ------------------------------------------------------------------------


def profile_preview(profile: dict) -> None:
    """The profile as sponsors see it in search, with the score explained."""
    if not profile["listed"]:
        st.warning(
            "Your profile is private, so sponsors can't find you in search. Tick “List me in sponsor "
            "search” to be found."
            if not profile["is_public"]
            else "Your profile is not listed in search right now. Contact support if this persists.",
            icon="🙈",
        )
    with st.container(border=True):
        picture, name = st.columns([1, 5], vertical_alignment="center")
        picture.image(avatar_data_uri(profile["display_name"], key=profile["user_id"]), width=56)
        name.subheader(md_escape(profile["display_name"]))
        tier = f"{tiers.label(tiers.tier_of(profile['followers']))} creator"
        parts = (profile["category"], profile["niche"], str(profile["platform"]).capitalize(), tier)
        st.caption(" · ".join(md_escape(part) for part in parts if part))
        # One line, not three metrics: the preview column is narrow and a metric box cut "791,360" to "791…".
        st.markdown(
            f"**{compact(profile['followers'])}** followers · **{profile['engagement_rate']:.1f}%** engagement · "
            f"**{compact(profile['reach'])}** est. reach per post"
        )
        st.progress(min(100, max(0, int(profile["score"]))) / 100, text=f"Relevance score {profile['score']}/100")
        st.caption(profile["score_reasons"])
        if profile["bio"]:
            st.text(profile["bio"])
        if profile["profile_url"]:
            st.link_button("Open profile", profile["profile_url"], icon="🔗")
