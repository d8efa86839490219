"""The picked campaign's heading, flags and figures on the sponsor's Campaigns page."""

from __future__ import annotations

import streamlit as st

from core.deals import cached as deal_cache
from core.errors import DomainError
from core.permissions import Actor
from pages.common import metrics_view
from pages.common.formatting import money
from pages.common.session import read_cached, show_error
from pages.common.widgets import md_escape, status_label

FIGURES = "campaign-figures"  # session key: whether the cost-and-reach expander is open


def campaign_overview(actor: Actor, c: dict, figures: dict | None, figures_error: DomainError | None) -> None:
    """Name, status line, flag warning, six money figures and the cost/reach expander of campaign c."""
    campaign_id = c["id"]
    st.subheader(md_escape(c["name"]), divider="gray")
    st.caption(
        f"{status_label(c['status'])} · {md_escape(c['category'])} · {c['start_date']:%d %b %Y} → "
        f"{c['end_date']:%d %b %Y} · {'🌐 public' if c['is_public'] else '🔒 private'}"
    )
    if c["flagged"]:
        st.warning(
            f"🚩 Flagged by an administrator: {md_escape((c['flag_reason'] or 'no reason given').rstrip('.'))}. "
            "It is hidden from influencers and cannot take requests."
        )
    burn = read_cached(lambda db: deal_cache.budget_burn(db, actor=actor))
    # The campaign's row of the organization's burn (a position, not a filtered copy of the frame).
    found = (burn["campaign_id"].to_numpy() == campaign_id).nonzero()[0] if burn is not None else ()
    row = int(found[0]) if len(found) else None
    if figures_error is not None:
        show_error(figures_error)
    kpis = [*st.columns(3), *st.columns(3)]  # two rows of three: six figures do not fit one row
    kpis[0].metric("Budget", money(c["budget_cents"]))
    kpis[1].metric("Committed", money(c["committed_cents"]), help="Fees of accepted deals")
    kpis[2].metric("Remaining", money(c["remaining_cents"]))
    if figures is not None:
        kpis[3].metric("Gifted products", money(figures["gifted"].value), help="Price × quantity, less discounts")
    if row is not None:
        kpis[4].metric("Invoiced", money(int(burn["invoiced_cents"].iat[row])))
        kpis[5].metric("Paid", money(int(burn["paid_cents"].iat[row])))
    if figures is not None:
        # A rerun-tracked expander: its 21 figures are drawn only while it is open (closed, they still cost elements).
        box = st.expander("📈 Cost and reach: fees + gifted products, CPM, CPE, EMV", key=FIGURES, on_change="rerun")
        if box.open:
            with box:
                keys = ("cost", "live_posts", "impressions", "engagements", "cpm", "cpe", "emv")
                metrics_view.show_metrics([figures[k] for k in keys])
