"""Find influencers: filter, sort by relevance (with the score explained), preview, and send an ad request."""

import streamlit as st

from core.marketplace import accounts, cached_reads
from pages.common import pipeline_views as pv
from pages.common import prospects_view
from pages.common import influencer_search as search
from pages.common.session import current_actor, read, read_cached, show_flash
from pages.common.similar_views import similar_panel
from pages.common.widgets import empty_state, md_escape
from pages.common.formatting import table

actor = current_actor(role="sponsor")
st.title("Find influencers", icon="🔎")
st.caption(
    "Filter creators by audience and engagement. Relevance blends reach (up to 60 points) and "
    "engagement (up to 40 points); each result says why it scored what it did."
)
show_flash()
if st.segmented_control("Show", ["Marketplace", "Prospects"], default="Marketplace", key="find-source") == "Prospects":
    prospects_view.render_prospects(actor)  # the organization's imported creators (core/crm/prospects.py)
    st.stop()

lookups = read(lambda s: search.search_lookups(s, actor))
if lookups is None:
    st.stop()
facets, options = lookups
filters = search.search_filters(facets)
cursor = search.cursor_stack()[-1]
page = read_cached(
    lambda db: cached_reads.search_influencers(db, actor=actor, cursor=cursor, limit=search.PAGE_SIZE, **filters)
)
if page is None:
    st.stop()
if page.rows.empty:
    empty_state(
        "No influencers match these filters — widen the follower or reach range, or clear the search text.", icon="🔍"
    )
    st.stop()

search.pager(page.total, len(page.rows), page.next_cursor)
st.caption("Select one row to preview and contact that creator; select several to shortlist them.")
picked = table(
    page.rows,
    column_config=search.RESULT_COLUMNS,
    hide_index=True,
    column_order=list(search.RESULT_COLUMNS),
    on_select="rerun",
    selection_mode="multi-row",
    key=search.results_key(cursor, filters),  # a selection belongs to one page of one search
)
chosen = search.selected_ids(page.rows, picked.selection.rows)
pv.shortlist_bar(actor, chosen, options)
if len(chosen) != 1:
    empty_state(
        "Select a single row in the results to preview that creator and send them an ad request."
        if not chosen
        else f"{len(chosen)} creators selected — shortlist them above, or select just one to preview and contact.",
        icon="👆",
    )
    st.stop()

influencer_id = chosen[0]
profile = read(lambda s: accounts.get_influencer_profile(s, actor=actor, influencer_id=influencer_id))
if profile is not None:
    with st.container(border=True):
        search.influencer_preview(profile)
    with st.expander(f"Creators similar to {md_escape(profile['display_name'])}", icon="🧭"):
        similar_panel(actor, influencer_id)
    st.markdown(f"**📨 Send {md_escape(profile['display_name'])} an ad request**")
    if search.send_request_form(actor, influencer_id, options):
        st.rerun()
