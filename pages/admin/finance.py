"""Admin finance: totals by status, overdue ageing, every document read-only, and review moderation."""

import streamlit as st

from core.deals import cached, reviews
from core.reporting.charts import finance as charts
from pages.common import deal_views as dv
from pages.common.influencer_views import act
from pages.common.session import current_actor, read, read_cached, show_flash
from pages.common.widgets import empty_state, md_escape
from pages.common.formatting import money, money_column, table

SECTIONS = ["📊 Overview", "📄 Documents", "⭐ Reviews"]

actor = current_actor(role="admin")
st.title("Finance", icon="💰")
st.caption("Money moving through the marketplace, and what is overdue.")
show_flash()
section = st.segmented_control(
    "Section", SECTIONS, default=SECTIONS[0], key="admin_finance_section", label_visibility="collapsed"
)

if section in (None, SECTIONS[0]):
    overview = read_cached(lambda db: cached.finance_overview(db, actor=actor))
    if overview is None:
        st.stop()
    by_status = overview["by_status"]
    if by_status.empty:
        empty_state("No purchase orders or invoices yet — they start when the first deal is accepted.", icon="💰")
        st.stop()
    invoices = by_status[by_status["kind"] == "invoice"].set_index("status")["amount_cents"]
    row = st.columns(4)
    for column, status in zip(row, ("pending", "approved", "paid", "rejected"), strict=True):
        column.metric(f"Invoices {status}", money(int(invoices.get(status, 0))), border=True)
    st.subheader("Overdue invoices by age")
    ageing = overview["ageing"]
    if int(ageing["count"].sum()) == 0:
        st.caption("Nothing overdue.")
    else:
        st.plotly_chart(charts.ageing_figure(ageing), width="stretch", config={"displayModeBar": False})
    table(
        by_status.assign(kind=by_status["kind"].map(dv.KIND_LABELS), amount=by_status["amount_cents"] / 100).drop(
            columns=["amount_cents"]
        ),
        column_config={
            "kind": st.column_config.TextColumn("Document"),
            "status": st.column_config.TextColumn("Status"),
            "count": st.column_config.NumberColumn("Count"),
            "amount": money_column("Amount"),
        },
        hide_index=True,
    )

elif section == SECTIONS[1]:
    dv.documents_browser(actor, key="admin_docs_pick", empty="No documents yet.")

else:
    recent = read(lambda s: reviews.list_recent(s, actor=actor))
    if recent is None:
        st.stop()
    if recent.empty:
        empty_state("No reviews yet — they open when deals complete.", icon="⭐")
        st.stop()
    table = recent.assign(
        stars=recent["stars"].map(lambda n: "★" * int(n)),
        hidden=recent["hidden_at"].notna().map({True: "hidden", False: ""}),
    )[["created_at", "author", "influencer", "campaign", "stars", "text", "hidden"]]
    chosen = dv.pick_row(recent, table, key="review_pick", column_config={})
    if chosen is not None:
        review = recent[recent["id"] == chosen].iloc[0]
        if review["hidden_at"] is not None and str(review["hidden_at"]) != "NaT":
            st.info(f"Hidden: {md_escape(review['hidden_reason'])}", icon="🙈")
        else:
            with st.form(f"hide_{chosen}"):
                reason = st.text_input("Why hide this review?")
                if st.form_submit_button("Hide review"):
                    act(
                        lambda s: reviews.hide_review(s, actor=actor, review_id=chosen, reason=reason), "Review hidden."
                    )
