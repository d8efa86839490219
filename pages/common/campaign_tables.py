"""Sponsor campaign and request tables: shaping frames for display and CSV, and their column configs."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from core.marketplace import cached_reads
from core.permissions import Actor
from core.platform.db import Database
from core.reporting import csvsafe
from core.reporting.charts.memo import memoized
from pages.common.formatting import blank_missing, count_column, day_column, moment_column, money_column, units
from pages.common.widgets import status_label

PICKED_CAMPAIGN = "sponsor_campaign_pick"
DASHBOARD_COLUMNS = [
    "name",
    "status",
    "visibility",
    "end_date",
    "budget",
    "used",
    "remaining",
    "awaiting_me",
    "open",
    "accepted",
]
CAMPAIGN_PAGE_COLUMNS = [
    "name",
    "status",
    "visibility",
    "start_date",
    "end_date",
    "budget",
    "used",
    "awaiting_me",
    "open",
    "accepted",
    "requests",
]


def first_awaiting(frame: pd.DataFrame) -> int:
    """Id of the first campaign with requests waiting for the sponsor, else of the first campaign."""
    waiting = frame[frame["awaiting_me"] > 0]
    return int((waiting if not waiting.empty else frame)["id"].iloc[0])


def _visibility(row) -> str:
    return "🚩 flagged" if row.flagged else ("🌐 public" if row.is_public else "🔒 private")


def campaign_table(frame: pd.DataFrame) -> pd.DataFrame:
    """list_sponsor_campaigns' frame shaped for display: money in units, budget used in percent."""
    budget = frame["budget_cents"].astype("int64")
    return pd.DataFrame(
        {
            "name": frame["name"],
            "status": frame["status"].map(status_label),
            "visibility": [_visibility(r) for r in frame.itertuples()],
            "start_date": frame["start_date"],
            "end_date": frame["end_date"],
            "budget": budget / 100,
            "committed": frame["committed_cents"] / 100,
            "remaining": frame["remaining_cents"] / 100,
            "used": (100 * frame["committed_cents"] / budget.where(budget > 0)).fillna(0.0),
            "awaiting_me": frame["awaiting_me"],
            "open": frame["pending"] + frame["negotiating"],
            "accepted": frame["accepted"] + frame["completed"],
            "requests": frame["requests"],
        }
    )


def request_table(frame: pd.DataFrame) -> pd.DataFrame:
    """campaign_requests' frame shaped for display, most important columns first (they are what a phone shows)."""
    return pd.DataFrame(
        {
            "influencer": frame["influencer"],
            "payment": frame["payment_cents"] / 100,
            "status": frame["status"].map(status_label),
            "awaiting_me": frame["awaiting_me"].map({True: "🔔 you", False: "them"}),
            "followers": frame["followers"],
            "platform": frame["platform"],
            "updated_at": frame["updated_at"],
            "last_message": frame["last_message"],
        }
    )


def _for_csv(frame: pd.DataFrame, money_columns: list[str]) -> pd.DataFrame:
    """Cents as exact decimal amounts (in place, renamed without _cents) and times to the second."""
    out = frame.copy()
    for column in money_columns:
        out[column] = out[column].map(units)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M:%S")
    return out.rename(columns={c: c.removesuffix("_cents") for c in money_columns})


def campaigns_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Campaigns for CSV: exact decimal amounts instead of cents."""
    return _for_csv(frame.drop(columns=["flag_reason"]), ["budget_cents", "committed_cents", "remaining_cents"])


def requests_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Ad requests for CSV: exact decimal amounts instead of cents."""
    return _for_csv(frame, ["payment_cents"])


def campaign_columns() -> dict:
    return {
        "name": st.column_config.TextColumn("Campaign", width="medium"),
        "status": "Status",
        "visibility": "Visibility",
        "start_date": day_column("Starts"),
        "end_date": day_column("Ends"),
        "budget": money_column("Budget"),
        "committed": money_column("Committed"),
        "remaining": money_column("Remaining"),
        "used": st.column_config.ProgressColumn("Budget used", min_value=0, max_value=100, format="%.0f%%"),
        "awaiting_me": st.column_config.NumberColumn("Your turn", help="Requests waiting for your answer"),
        "open": st.column_config.NumberColumn("Open", help="Pending or in negotiation"),
        "accepted": st.column_config.NumberColumn("Hired", help="Accepted or completed"),
        "requests": st.column_config.NumberColumn("All requests"),
    }


REQUEST_COLUMNS = {
    "influencer": "Influencer",
    "payment": money_column("Payment"),
    "status": "Status",
    "awaiting_me": "Turn",
    "followers": count_column("Followers"),
    "platform": "Platform",
    "updated_at": moment_column("Updated"),
    "last_message": st.column_config.TextColumn("Last message", width="medium"),
}


@memoized
def display_campaigns(frame: pd.DataFrame) -> pd.DataFrame:
    """campaign_table with missing text already shown as '—' (what formatting.table does on every run), built
    once per content of the campaigns (a busy sponsor has a thousand): pass it to st.dataframe as it is.
    Shared between sessions: callers must not change it."""
    return blank_missing(campaign_table(frame))


@memoized
def campaigns_arrow(frame: pd.DataFrame) -> pa.Table:
    """display_campaigns(frame) as the Arrow table st.dataframe would convert it to on every run (pyarrow's
    from_pandas, as streamlit.dataframe_util does), converted once per content: st.dataframe then only serializes
    it, and the bytes it sends are the same. Immutable, so safe to share between sessions."""
    return pa.Table.from_pandas(display_campaigns.uncached(frame))


@memoized
def requests_arrow(frame: pd.DataFrame) -> pa.Table:
    """display_requests(frame) as an Arrow table, converted once per content (see campaigns_arrow)."""
    return pa.Table.from_pandas(display_requests.uncached(frame))


@memoized
def display_requests(frame: pd.DataFrame) -> pd.DataFrame:
    """request_table with missing text already shown as '—', built once per content of the requests: pass it to
    st.dataframe as it is. Shared between sessions: callers must not change it."""
    return blank_missing(request_table(frame))


DOWNLOADS = ("campaigns", "ad-requests")  # the Downloads page's quick files, in sponsor_downloads' order


def download_csv(db: Database, actor: Actor, kind: str, *, limit: int) -> bytes:
    """A Downloads file (kind in DOWNLOADS) as spreadsheet-safe CSV, read (permission-checked, through the cache)
    when the user clicks download rather than on every run of the page."""
    frame = cached_reads.sponsor_downloads(db, actor=actor, limit=limit)[DOWNLOADS.index(kind)]
    return csvsafe.frame_to_csv_bytes(campaigns_export(frame) if kind == "campaigns" else requests_export(frame))


@memoized
def export_preview(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The first rows of a Downloads file as the CSV shows them (kind in DOWNLOADS), missing text as '—', built
    once per content: pass it to st.dataframe as it is. Shared: callers must not change it."""
    return blank_missing(campaigns_export(frame) if kind == "campaigns" else requests_export(frame))
