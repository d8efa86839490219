"""The Prospects section of Find influencers: the organization's imported creators, and claim invites."""

from __future__ import annotations

import streamlit as st

from core.crm import pipeline, prospects
from core.marketplace import claims
from core.models import PLATFORMS
from core.permissions import Actor
from pages.common.session import read, run_action
from pages.common.widgets import empty_state
from pages.common.pickers import pick
from pages.common.formatting import count_column, table

COLUMNS = {
    "display_name": st.column_config.TextColumn("Name"),
    "platform": st.column_config.TextColumn("Platform"),
    "handle": st.column_config.TextColumn("Handle"),
    "followers": count_column("Followers"),
    "engagement_rate": st.column_config.NumberColumn("Engagement %", format="%.1f"),
    "category": st.column_config.TextColumn("Category"),
    "niche": st.column_config.TextColumn("Niche"),
    "country": st.column_config.TextColumn("Country"),
    "claimed": st.column_config.CheckboxColumn("Claimed"),
    "profile_url": st.column_config.LinkColumn("Profile"),
}


def render_prospects(actor: Actor) -> None:
    """Search the organization's prospects; owners/managers can email a claim invite."""
    left, middle, right = st.columns([2, 1, 1])
    text = left.text_input("Search prospects", max_chars=100, key="prospect-text", placeholder="name, handle, niche")
    platform = middle.selectbox("Platform", ["any", *PLATFORMS], key="prospect-platform")
    sort = right.selectbox("Sort by", ["followers", "recent", "handle"], key="prospect-sort")
    found = read(
        lambda s: prospects.search_prospects(
            s, actor=actor, text=text or None, platform=None if platform == "any" else platform, sort=sort
        )
    )
    if found is None:
        return
    if found.empty:
        empty_state("No prospects match — import creators on the Creator import page, or clear the search.", icon="📥")
        return
    st.caption(f"{found.attrs.get('total', len(found)):,} prospects · showing {len(found):,}")
    table(found, column_config=COLUMNS, column_order=list(COLUMNS), hide_index=True)
    if not actor.can("pipeline.manage"):
        return
    names = {int(r.id): f"{r.display_name or r.handle} (@{r.handle}, {r.platform})" for r in found.itertuples()}
    chosen = st.multiselect("Prospects to shortlist", list(names), format_func=names.get, key="prospect-shortlist")
    if st.button("Add to pipeline (Cold)", key="prospect-add", disabled=not chosen, icon="🗂️"):
        counts = run_action(lambda s: pipeline.add_prospects_to_pipeline(s, actor=actor, prospect_ids=chosen))
        if counts:
            st.success(f"{counts['added']} added to the pipeline, {counts['already']} already there.")
    open_ones = found[~found["claimed"].astype(bool) & found["email"].notna()]
    if open_ones.empty:
        return
    labels = {int(r.id): f"{r.display_name} (@{r.handle}, {r.platform})" for r in open_ones.itertuples()}
    with st.form("claim-invite", border=True):
        prospect_id = pick("Invite a prospect to claim their profile", labels, key="claim-prospect")
        st.caption("They get a single-use link (valid 7 days) at the email on file and can then log in as a creator.")
        if st.form_submit_button("Send claim invite", icon="✉️"):
            claim_id = run_action(
                lambda s: claims.request_claim_invite(s, actor=actor, prospect_id=prospect_id),
                success="Claim invite queued — the email goes out in a moment.",
            )
            if claim_id:
                from tasks import imports as import_tasks  # the queue is only needed when mail goes out

                import_tasks.send_claim_invite(claim_id)
