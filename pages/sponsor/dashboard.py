"""Sponsor dashboard: KPIs, campaign progress and the budget burn."""

import streamlit as st

from core.deals import cached as deal_cache
from core.deals import finance
from core.marketplace import cached_reads
from core.reporting.charts import sponsor as charts
from core.reporting.charts.memo import memoized
from pages.common import campaign_tables as tables
from pages.common.trend_views import trend_panel
from pages.common.session import current_actor, read_cached, show_flash
from pages.common.markup import md
from pages.common.widgets import empty_state, md_escape, tabs
from pages.common.formatting import moment, money, plural, table


@memoized
def display_table(frame):
    """The campaign table shaped for display, built once per content of the campaigns (a busy sponsor has a
    thousand); formatting.table still blanks its missing text on every run."""
    return tables.campaign_table(frame)


actor = current_actor(role="sponsor")
st.title("Dashboard", icon="📊")
st.caption(f"Welcome back, {md_escape(actor.display_name)} — how your campaigns are doing.")
show_flash()

data = read_cached(lambda db: cached_reads.sponsor_dashboard(db, actor=actor))
if data is None:
    st.stop()
frame, summary = data["campaigns"], data["summary"]
if frame.empty:
    empty_state(
        md("No campaigns yet — create one on the **Campaigns** page, then find influencers to hire."), icon="🚀"
    )
    st.stop()

st.caption(f"Figures as of {moment(data['as_of'])} — refreshed as soon as anything changes.")
used = summary["committed_cents"] / summary["budget_cents"] if summary["budget_cents"] else 0.0
counts = st.columns(5 if summary["flagged"] else 4)
counts[0].metric(
    "Active campaigns",
    summary["active"],
    help=f"Active and not flagged; {summary['campaigns']} campaigns in all",
    border=True,
)
counts[1].metric("Awaiting your reply", summary["awaiting_me"], border=True)
counts[2].metric("Open requests", summary["open_requests"], help="Pending or in negotiation", border=True)
counts[3].metric("Influencers hired", summary["accepted"], help="Accepted or completed requests", border=True)
if summary["flagged"]:
    counts[4].metric("🚩 Flagged", summary["flagged"], help="On hold until an administrator reviews them", border=True)
    for row in frame[frame["flagged"].astype(bool)].itertuples():
        st.warning(
            f"🚩 **{md_escape(row.name)}** is flagged by an administrator "
            f"({md_escape(row.flag_reason or 'no reason given')}): its negotiations and deals are on hold "
            "until it is reviewed.",
        )
budget = st.columns(3)
budget[0].metric("Total budget", money(summary["budget_cents"]), border=True, height="stretch")
budget[1].metric(
    "Committed",
    money(summary["committed_cents"]),
    f"{used:.0%} of budget",
    delta_color="off",
    delta_arrow="off",
    border=True,
    height="stretch",
)
budget[2].metric("Remaining", money(summary["remaining_cents"]), border=True, height="stretch")
deals = read_cached(lambda db: deal_cache.budget_burn(db, actor=actor))
spent = finance.totals(deals) if deals is not None and not deals.empty else {}
if spent:
    paid = st.columns(3)
    paid[0].metric("Invoiced", money(spent["invoiced_cents"]), help="Pending, approved and paid invoices", border=True)
    paid[1].metric("Paid", money(spent["paid_cents"]), border=True)
    paid[2].metric("Owed", money(spent["owed_cents"]), help="Approved, not yet paid — pay them on Finance", border=True)
if summary["awaiting_me"]:
    waiting = plural(summary["awaiting_me"], "request")
    st.info(
        f"🔔 {waiting} {'waits' if summary['awaiting_me'] == 1 else 'wait'} for your answer — open **Campaigns** to reply."
    )

overview, burn_tab, requests_tab, trend_tab = tabs(
    ["📋 Campaigns", "🔥 Budget burn", "📨 Requests by status", "📈 90-day trend"], key="dashboard-tab"
)
# Only the open tab is built (the bar reruns the page on a switch): the hidden three cost as much as the rest.
if overview.open:
    with overview:
        table(
            display_table(frame),
            column_config=tables.campaign_columns(),
            hide_index=True,
            column_order=tables.DASHBOARD_COLUMNS,
        )
        st.markdown("**Budget by campaign**")
        st.plotly_chart(charts.campaign_budget_figure(frame), key="budget-by-campaign")
if burn_tab.open:
    with burn_tab:
        by_day = read_cached(lambda db: deal_cache.burn_by_day(db, actor=actor))
        if by_day is None or by_day.empty:
            empty_state("Nothing committed yet: the burn chart starts with your first accepted request.", icon="🔥")
        else:
            st.plotly_chart(
                charts.budget_used_figure(
                    summary["committed_cents"],
                    spent.get("invoiced_cents", 0),
                    spent.get("paid_cents", 0),
                    summary["budget_cents"],
                ),
                key="budget-used",
            )
            st.plotly_chart(charts.budget_burn_figure(by_day, summary["budget_cents"]), key="budget-burn")
            st.caption(
                f"Running totals, scaled to the money spent: {money(summary['committed_cents'])} committed "
                f"of a {money(summary['budget_cents'])} budget."
            )
if requests_tab.open:
    with requests_tab:
        st.plotly_chart(charts.requests_by_status_figure(frame), key="requests-by-status")
if trend_tab.open:
    with trend_tab:
        trend_panel(actor, key="sponsor-trend")
