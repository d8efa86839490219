"""Sponsor dashboard: KPIs, campaign progress and the budget burn."""
import streamlit as st

from core import campaigns
from core.charts import sponsor as charts
from pages.common import sponsor_views as sv
from pages.common.session import current_actor, read, show_flash
from pages.common.widgets import empty_state, money

actor = current_actor(role="sponsor")
st.title("Dashboard", icon="📊")
st.caption(f"Welcome back, {sv.plain(actor.display_name)} — how your campaigns are doing.")
show_flash()

data = read(lambda s: (campaigns.list_sponsor_campaigns(s, actor=actor), campaigns.budget_burn(s, actor=actor)))
if data is None:
    st.stop()
frame, burn = data
if frame.empty:
    empty_state("No campaigns yet — create one on the **Campaigns** page, then find influencers to hire.", icon="🚀")
    st.stop()

summary = campaigns.sponsor_summary(frame)
kpis = st.columns(5)
kpis[0].metric("Active campaigns", summary["active"], help=f"{summary['campaigns']} campaigns in all", border=True)
kpis[1].metric("Total budget", money(summary["budget_cents"]), border=True)
kpis[2].metric("Committed", money(summary["committed_cents"]), help="Accepted and completed requests", border=True)
kpis[3].metric("Remaining", money(summary["remaining_cents"]), border=True)
kpis[4].metric("Awaiting your reply", summary["awaiting_me"], help=f"{summary['open_requests']} open requests, "
               f"{summary['accepted']} influencers hired", border=True)
if summary["awaiting_me"]:
    st.info(f"🔔 {summary['awaiting_me']} request(s) wait for your answer — open **Campaigns** to reply.")

overview, burn_tab, requests_tab = st.tabs(["📋 Campaigns", "🔥 Budget burn", "📨 Requests by status"])
with overview:
    st.dataframe(sv.campaign_table(frame), column_config=sv.campaign_columns(), hide_index=True)
    st.plotly_chart(charts.campaign_budget_figure(frame), key="budget-by-campaign")
with burn_tab:
    if burn.empty:
        empty_state("Nothing committed yet: the burn chart starts with your first accepted request.", icon="🔥")
    else:
        st.plotly_chart(charts.budget_burn_figure(burn, summary["budget_cents"]), key="budget-burn")
        st.caption(f"{money(int(burn['cumulative_cents'].iloc[-1]))} committed over {len(burn)} day(s) "
                   f"of acceptances.")
with requests_tab:
    st.plotly_chart(charts.requests_by_status_figure(frame), key="requests-by-status")
