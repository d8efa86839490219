"""Admin dashboard: platform KPIs and charts from one cached statistics call."""

import streamlit as st

from core.marketplace import cached_reads
from core.reporting.charts import admin as chart_builders
from pages.common.admin_views import statistics
from pages.common.session import current_actor
from pages.common.trend_views import trend_panel
from pages.common.formatting import money

actor = current_actor(role="admin")

st.title("Platform dashboard", icon="📊", anchor=False)
figures = statistics(actor)
if figures is None:
    st.stop()
users, camps, reqs = figures["users"], figures["campaigns"], figures["ad_requests"]
st.caption(
    f"Figures as of {figures['as_of']:%d %b %Y, %H:%M:%S} UTC · a change shows within "
    f"{cached_reads.ADMIN_STATISTICS_FLOOR_S:.0f} seconds (login activity within a minute)"
)

with st.container(border=True):
    st.subheader("People", anchor=False, icon="👥")
    cols = st.columns(4)
    cols[0].metric(
        "Users",
        f"{users['total']:,}",
        f"{users['logged_in_30d']:,} logged in within 30 days",
        delta_color="off",
        delta_arrow="off",
    )
    cols[1].metric("Influencers", f"{users['influencers']:,}")
    cols[2].metric(
        "Sponsors",
        f"{users['sponsors']:,}",
        f"{users['pending_sponsors']:,} awaiting approval",
        delta_color="orange" if users["pending_sponsors"] else "off",
        delta_arrow="off",
    )
    cols[3].metric("Flagged / deactivated", f"{users['flagged']:,} / {users['deactivated']:,}")

with st.container(border=True):
    st.subheader("Campaigns and money", anchor=False, icon="💰")
    cols = st.columns(4)
    cols[0].metric(
        "Campaigns", f"{camps['total']:,}", f"{camps['active']:,} active", delta_color="off", delta_arrow="off"
    )
    cols[1].metric(
        "Ad requests",
        f"{reqs['total']:,}",
        f"{reqs['pending'] + reqs['negotiating']:,} open",
        delta_color="off",
        delta_arrow="off",
    )
    cols[2].metric(
        "Committed",
        money(camps["committed_cents"]),
        f"of {money(camps['budget_cents'])} budgeted",
        delta_color="off",
        delta_arrow="off",
    )
    jobs = reqs["completed"]
    cols[3].metric(
        "Paid",
        money(reqs["paid_cents"]),
        f"{jobs:,} job{'' if jobs == 1 else 's'} completed",
        delta_color="off",
        delta_arrow="off",
        help="Invoices sponsors have paid (the same Paid as on every finance page)",
    )
    if camps["flagged"]:
        st.caption(f"🚩 {camps['flagged']:,} flagged · 🔒 {camps['private']:,} private campaigns")

charts = chart_builders.dashboard_figures(figures)  # built once per content of the statistics, shared
left, right = st.columns(2)
with left.container(border=True):
    st.markdown("**Users by role**")
    st.plotly_chart(charts["roles"], key="chart_roles")
with right.container(border=True):
    st.markdown("**Users by standing**")
    st.plotly_chart(charts["states"], key="chart_states")

with st.container(border=True):
    st.markdown("**New sign-ups and ad requests per month**")
    if charts["activity"] is None:
        st.caption("No sign-ups or ad requests in the last 12 months yet — they will be charted here.")
    else:
        st.vega_lite_chart(spec=charts["activity"], width="stretch")

left, right = st.columns(2)
with left.container(border=True):
    st.markdown("**Ad requests by status**")
    st.plotly_chart(charts["status"], key="chart_status")
with right.container(border=True):
    st.markdown("**Money committed and paid per month**")
    st.plotly_chart(charts["money"], key="chart_money")

left, right = st.columns(2)
for column, spec, title in (
    (left, charts["top_categories"], "Top campaign categories"),
    (right, charts["influencer_categories"], "Top influencer categories"),
):
    with column.container(border=True):
        st.markdown(f"**{title}**")
        if spec is None:
            st.caption("Nothing here yet — categories appear as campaigns and influencers sign up.")
        else:
            st.vega_lite_chart(spec=spec, width="stretch")

with st.container(border=True):
    st.markdown("**Last 90 days (daily snapshots)**")
    trend_panel(actor, key="admin-trend")
