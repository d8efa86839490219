"""Find campaigns: search public campaigns and ask to join one with an offer."""

import streamlit as st

from core.marketplace import ad_requests, cached_reads, campaigns
from core.money import to_cents
from pages.common import deep_links
from pages.common import influencer_views as views
from pages.common.session import current_actor, read, read_cached, show_flash
from pages.common.widgets import empty_state
from pages.common.pickers import pick
from pages.common.formatting import table

actor = current_actor(role="influencer")
st.title("Find campaigns", icon="🔎")
st.caption("Public campaigns that are still running. Pick one and ask to join with your price and a short pitch.")
show_flash()
linked = deep_links.take("campaign")
shared = linked and read(lambda s: campaigns.get_campaign(s, actor=actor, campaign_id=linked))  # the core says who may
if shared:  # search for it by name, no other filter, so it is on the first page
    st.session_state.update(fc_text=shared["name"], fc_category=None, fc_niche=None, fc_min_budget=None)
    st.session_state.update(fc_max_budget=None, fc_running_on=None, fc_ends_before=None)

facets = views.filter_options(actor)
with st.form("campaign_filters", border=True):
    a, b, c = st.columns([2, 1, 1])
    text = a.text_input("Search", placeholder="Words in the name, description or goals", key="fc_text")
    category = b.selectbox("Category", [None, *facets["categories"]], format_func=views.any_option, key="fc_category")
    niche = c.selectbox("Niche", [None, *facets["niches"]], format_func=views.any_option, key="fc_niche")
    d, e, f, g = st.columns(4)
    low = d.number_input("Budget from ($)", value=None, min_value=0.0, step=500.0, key="fc_min_budget")
    high = e.number_input("Budget up to ($)", value=None, min_value=0.0, step=500.0, key="fc_max_budget")
    running_on = f.date_input("Running on", value=None, key="fc_running_on", format="YYYY-MM-DD")
    ends_before = g.date_input("Ends by", value=None, key="fc_ends_before", format="YYYY-MM-DD")
    st.form_submit_button("Search", icon="🔎", type="primary", key="fc_search")

stack = views.cursor_stack("fc_cursors", (text, category, niche, low, high, running_on, ends_before))
page = read_cached(
    lambda db: cached_reads.search_campaigns(
        db,
        actor=actor,
        text=text,
        category=category,
        niche=niche,
        active_on=running_on,
        ends_before=ends_before,
        min_budget_cents=None if low is None else to_cents(low, field="Budget from"),
        max_budget_cents=None if high is None else to_cents(high, field="Budget up to"),
        cursor=stack[-1],
        limit=views.PAGE_SIZE,
    )
)
if page is None:
    st.stop()
if page.rows.empty:
    empty_state("No public campaigns match these filters — try fewer filters or other words.", icon="🔍")
    st.stop()

st.caption(views.showing(len(stack) - 1, len(page.rows), page.total))
table(views.campaign_table(page.rows), column_config=views.CAMPAIGN_COLUMNS, hide_index=True)
back, _, forward = st.columns([1, 4, 1])
back.button("← Previous", key="fc_prev", disabled=len(stack) == 1, on_click=stack.pop, width="stretch")
forward.button(
    "Next →",
    key="fc_next",
    disabled=page.next_cursor is None,
    on_click=stack.append,
    args=(page.next_cursor,),
    width="stretch",
)

rows = page.rows.set_index("id", drop=False)
labels = {cid: views.campaign_label(row) for cid, row in rows.iterrows()}
if shared and linked not in labels:
    st.warning("That campaign is not open to offers any more, so search no longer lists it.", icon="🔗")
campaign_id = pick("Open a campaign", labels, key="fc_open", preselect=linked)
row = rows.loc[campaign_id]
with st.container(border=True):
    views.campaign_card(row)
    if row["already_requested"]:  # a second ask would be refused: no form, just where the first one is
        st.info("You already have a live request on this campaign — follow it in your Inbox.", icon="📥")
        st.stop()
    with st.form("ask_to_join"):
        st.markdown("**Ask to join**")
        price = st.text_input("Your price ($)", placeholder="e.g. 1500", key=f"ask_price_{campaign_id}")
        pitch = st.text_area(
            "Message to the sponsor",
            key=f"ask_message_{campaign_id}",
            placeholder="Who you are, your audience, and why you fit this campaign",
        )
        proposal = st.text_area(
            "What you'll deliver (optional)",
            key=f"ask_proposal_{campaign_id}",
            placeholder="e.g. two reels and three stories over two weeks",
        )
        if st.form_submit_button("Send request", type="primary", icon="📨", key="ask"):
            views.act(
                lambda s: ad_requests.ask_to_join(
                    s,
                    actor=actor,
                    campaign_id=int(campaign_id),
                    message=pitch,
                    requirements=proposal,
                    payment_cents=to_cents(price, field="Your price", allow_zero=False),
                ),
                "Request sent — the sponsor's answer will arrive in your Inbox.",
            )
