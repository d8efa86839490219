"""Admin dashboard: platform KPIs and charts from one cached statistics call."""

import streamlit as st

from core.reporting.charts import admin as charts
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
    f"Figures as of {figures['as_of']:%d %b %Y, %H:%M} UTC · updated after every change "
    "(login activity within a minute)"
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

left, right = st.columns(2)
with left.container(border=True):
    st.markdown("**Users by role**")
    st.plotly_chart(charts.users_by_role_chart(charts.users_by_role_frame(users)), key="chart_roles")
with right.container(border=True):
    st.markdown("**Users by standing**")
    st.plotly_chart(charts.users_by_state_chart(charts.users_by_state_frame(users)), key="chart_states")

with st.container(border=True):
    st.markdown("**New sign-ups and ad requests per month**")
    activity = charts.activity_frame(figures["signups_by_month"], figures["ad_requests_by_month"])
    if activity.empty:
        st.caption("No sign-ups or ad requests in the last 12 months yet — they will be charted here.")
    else:
        st.altair_chart(charts.activity_chart(activity), width="stretch")

left, right = st.columns(2)
with left.container(border=True):
    st.markdown("**Ad requests by status**")
    st.plotly_chart(charts.requests_by_status_chart(charts.requests_by_status_frame(reqs)), key="chart_status")
with right.container(border=True):
    st.markdown("**Money committed and paid per month**")
    st.plotly_chart(charts.money_by_month_chart(figures["money_by_month"]), key="chart_money")

left, right = st.columns(2)
for column, frame, title, build in (
    (left, figures["top_categories"], "Top campaign categories", charts.top_categories_chart),
    (right, figures["influencer_categories"], "Top influencer categories", charts.influencer_categories_chart),
):
    with column.container(border=True):
        st.markdown(f"**{title}**")
        if frame.empty:
            st.caption("Nothing here yet — categories appear as campaigns and influencers sign up.")
        else:
            st.altair_chart(build(frame), width="stretch")

with st.container(border=True):
    st.markdown("**Last 90 days (daily snapshots)**")
    trend_panel(actor, key="admin-trend")
