"""Find influencers: the filter form, keyset paging, the results' columns, the preview card and the send form."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from core.crm import metrics, tiers
from core.marketplace import ad_requests, cached_reads, campaigns
from core.money import to_cents
from core.platform.avatars import avatar_data_uri
from pages.common import metrics_view
from pages.common.formatting import compact, count_column
from pages.common.markup import md
from pages.common.session import get_database, run_action
from pages.common.widgets import empty_state, md_escape
from pages.common.pickers import pick

CURSORS = "sponsor_search_cursors"
PAGE_SIZE = 50
SORTS = {"relevance": "Relevance score", "followers": "Followers", "engagement": "Engagement rate", "reach": "Reach"}


def search_lookups(session, actor) -> tuple[dict, list[tuple[int, str]]]:
    """Filter options (cached per viewer scope: listed profiles only) and the actor's active campaigns."""
    return (
        cached_reads.influencer_facets(get_database(), actor=actor),
        campaigns.sponsor_campaign_options(session, actor=actor),
    )


def reset_cursors() -> None:
    st.session_state[CURSORS] = [None]


def cursor_stack() -> list:
    """Cursors of the pages seen so far; the last one is the current page's (None = first page)."""
    if CURSORS not in st.session_state:
        reset_cursors()
    return st.session_state[CURSORS]


def _any(value) -> str:
    return "Any" if value is None else str(value)


def results_key(cursor, filters: dict) -> str:
    """The results table's key: a new search or page starts with nothing selected (never a stale row)."""
    digest = hashlib.blake2s(repr((cursor, sorted(filters.items()))).encode(), digest_size=6).hexdigest()
    return f"results-{digest}"


def selected_ids(rows: pd.DataFrame, positions: list[int]) -> list[int]:
    """The influencer ids of the selected result rows, in table order (positions past the end are ignored)."""
    return [int(rows.iloc[i]["user_id"]) for i in sorted(positions) if i < len(rows)]


def search_filters(facets: dict) -> dict:
    """The filter form; its values as search_influencers keyword arguments (applied on submit)."""
    with st.form("influencer-filters"):
        text = st.text_input("Search", placeholder="name, category, niche, bio…", key="f-text")
        cols = st.columns(4)
        category = cols[0].selectbox("Category", [None, *facets["categories"]], format_func=_any, key="f-category")
        niche = cols[1].selectbox("Niche", [None, *facets["niches"]], format_func=_any, key="f-niche")
        platform = cols[2].selectbox("Platform", [None, *facets["platforms"]], format_func=_any, key="f-platform")
        sort = cols[3].selectbox("Sort by", list(SORTS), format_func=SORTS.get, key="f-sort")
        cols = st.columns(5)
        ranges = (
            ("min_followers", "Min followers"),
            ("max_followers", "Max followers"),
            ("min_reach", "Min reach"),
            ("max_reach", "Max reach"),
        )
        tier = cols[0].selectbox("Tier", [None, *tiers.TIERS], format_func=_tier_option, key="f-tier")
        bounds = {
            name: cols[i + 1].number_input(
                label, min_value=0, value=None, step=1000, placeholder="any", key=f"f-{name}"
            )
            for i, (name, label) in enumerate(ranges)
        }
        engagement = st.slider("Minimum engagement rate", 0.0, 25.0, 0.0, 0.5, format="%.1f%%", key="f-engagement")
        st.form_submit_button("🔎 Search", type="primary", on_click=reset_cursors, key="f-submit")
    return {
        "text": text,
        "category": category,
        "niche": niche,
        "platform": platform,
        "sort": sort,
        "min_engagement": engagement or None,
        "tier": tier,
        **bounds,
    }


def _tier_option(tier: str | None) -> str:
    """'Micro (10k–100k)' from the thresholds in force."""
    if tier is None:
        return "Any"
    low, high = tiers.followers_range(tier)
    span = f"{compact(low)}+" if high is None else f"{compact(low)}–{compact(high)}"
    return f"{tiers.label(tier)} ({span})"


def pager(total: int, shown: int, next_cursor: str | None) -> None:
    """'Showing a–b of N' with Previous / Next buttons over the keyset cursor stack."""
    stack = cursor_stack()
    first = (len(stack) - 1) * PAGE_SIZE + 1
    left, prev_col, next_col = st.columns([4, 1, 1], vertical_alignment="center")
    left.caption(
        f"Showing {first:,}–{first + shown - 1:,} of {total:,}"
        if shown
        else f"No results on this page ({total:,} in all)"
    )
    prev_col.button("← Previous", disabled=len(stack) == 1, on_click=stack.pop, key="page-prev", width="stretch")
    next_col.button(
        "Next →",
        disabled=next_cursor is None,
        on_click=stack.append,
        args=(next_cursor,),
        key="page-next",
        width="stretch",
    )


RESULT_COLUMNS = {  # the order is the importance: a phone shows the first two or three
    "display_name": st.column_config.TextColumn("Influencer", width="medium"),
    "followers": count_column("Followers"),
    "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%d"),
    "engagement_rate": st.column_config.NumberColumn("Engagement", format="%.1f%%"),
    "tier": st.column_config.TextColumn("Tier", help="By followers: nano, micro, mid, macro, mega"),
    "platform": "Platform",
    "category": "Category",
    "niche": "Niche",
    "reach": count_column("Reach"),
    "score_reasons": st.column_config.TextColumn("Why this score", width="medium"),
    "profile_url": st.column_config.LinkColumn("Profile", display_text="open ↗"),
}


def influencer_preview(profile: dict) -> None:
    """One influencer's public profile as a card."""
    picture, name = st.columns([1, 8], vertical_alignment="center")
    picture.image(avatar_data_uri(profile["display_name"], key=profile["user_id"]), width=56)
    name.subheader(md_escape(profile["display_name"]))
    st.caption(
        " · ".join(
            md_escape(v)
            for v in (f"@{profile['username']}", profile["platform"], profile["category"], profile["niche"])
            if v
        )
    )
    tier = tiers.tier_of(profile["followers"])
    st.markdown(md("**{tier}** creator · score **{score}**/100", tier=tiers.label(tier), score=profile["score"]))
    figures = metrics.profile_metrics(profile["followers"], profile["engagement_rate"])
    metrics_view.show_metrics(figures.values())
    st.caption(f"Score: {md_escape(profile['score_reasons'])}")
    if profile["bio"]:
        st.text(profile["bio"])
    if profile["profile_url"]:
        st.link_button("Open profile ↗", profile["profile_url"])


def send_request_form(actor, influencer_id: int, options: list[tuple[int, str]]) -> bool:
    """Offer one of the sponsor's active campaigns to an influencer; True when sent."""
    if not options:
        empty_state(md("You need an active campaign to send ad requests — create or activate one on **Campaigns**."))
        return False
    names = dict(options)
    with st.form(f"send-{influencer_id}"):
        left, right = st.columns([2, 1])
        campaign_id = pick("Campaign", names, key=f"send-campaign-{influencer_id}", where=left)
        payment = right.text_input("Payment offered ($)", placeholder="e.g. 500", key=f"send-payment-{influencer_id}")
        requirements = left.text_area(
            "Requirements",
            key=f"send-requirements-{influencer_id}",
            placeholder="What to deliver, e.g. two posts and a story in March",
        )
        message = right.text_area("Message (optional)", key=f"send-message-{influencer_id}")
        sent = st.form_submit_button("📨 Send ad request", type="primary", key=f"send-submit-{influencer_id}")
    if not sent:
        return False
    return bool(
        run_action(
            lambda s: ad_requests.send_ad_request(
                s,
                actor=actor,
                campaign_id=campaign_id,
                influencer_id=influencer_id,
                requirements=requirements,
                message=message,
                payment_cents=to_cents(payment, field="Payment", allow_zero=False),
            ),
            success="Ad request sent",
        )
    )
