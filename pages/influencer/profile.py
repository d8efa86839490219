"""Profile & earnings: my public profile with a preview of what sponsors see, earnings, and reminder channels."""

import streamlit as st

from core.deals import earnings
from core.marketplace import accounts
from core.models import PLATFORMS
from core.reporting.charts import influencer as charts
from pages.common import influencer_views as views
from pages.common.session import current_actor, read, show_flash
from pages.common.formatting import money
from pages.common.widgets import empty_state, tabs

actor = current_actor(role="influencer")
st.title("Profile & earnings", icon="🪪")
st.caption("What sponsors see when they search, what you have earned, and how we reach you.")
show_flash()
loaded = read(
    lambda s: (
        accounts.get_own_account(s, actor=actor),
        earnings.summary(s, actor=actor),
        earnings.by_month(s, actor=actor),
    )
)
if loaded is None:
    st.stop()
account, summary, by_month = loaded
profile = account["profile"]

profile_tab, earnings_tab, channels_tab = tabs(
    ["👤 Public profile", "💰 Earnings", "🔔 Reminder channels"], key="profile-tab"
)
with profile_tab:
    edit, preview = st.columns([3, 2], gap="large")
    with edit, st.form("profile_form", border=True):
        st.markdown("**Edit profile**")
        name = st.text_input("Display name", value=profile["display_name"], key="pf_name")
        a, b = st.columns(2)
        platform = a.selectbox(
            "Main platform",
            PLATFORMS,
            index=PLATFORMS.index(profile["platform"]),
            format_func=str.capitalize,
            key="pf_platform",
        )
        category = b.text_input("Category", value=profile["category"], key="pf_category")
        niche = a.text_input("Niche", value=profile["niche"], key="pf_niche")
        url = b.text_input("Profile URL", value=profile["profile_url"] or "", key="pf_url", placeholder="https://…")
        followers = a.number_input("Followers", value=int(profile["followers"]), step=1000, key="pf_followers")
        engagement = b.number_input(
            "Engagement rate (%)",
            value=float(profile["engagement_rate"]),
            step=0.1,
            format="%.2f",
            key="pf_engagement",
            help="Between 0 and 100",
        )
        bio = st.text_area("Bio", value=profile["bio"], key="pf_bio", max_chars=2000)
        public = st.checkbox("List me in sponsor search", value=profile["is_public"], key="pf_public")
        if st.form_submit_button("Save profile", type="primary", key="pf_save"):
            views.act(
                lambda s: accounts.update_influencer_profile(
                    s,
                    actor=actor,
                    display_name=name,
                    category=category,
                    platform=platform,
                    followers=followers,
                    engagement_rate=engagement,
                    niche=niche,
                    profile_url=url,
                    bio=bio,
                    is_public=public,
                ),
                "Profile saved.",
            )
    with preview:
        st.markdown("**Preview — what sponsors see**")
        views.profile_preview(profile)

with earnings_tab:
    # The chart's series carry the same three words as these figures (core/deals/earnings.py defines them).
    words = earnings.LABELS
    cols = st.columns(3)
    cols[0].metric(
        words["agreed_cents"], money(summary["agreed_cents"]), help="Fees of the deals you agreed", border=True
    )
    cols[1].metric(
        words["invoiced_cents"],
        money(summary["invoiced_cents"]),
        f"{money(summary['to_invoice_cents'])} still to invoice",
        delta_color="off",
        delta_arrow="off",
        help="Invoices you sent that are pending, approved or paid",
        border=True,
    )
    cols[2].metric(
        words["paid_cents"],
        money(summary["paid_cents"]),
        f"{money(summary['awaiting_payment_cents'])} awaiting payment",
        delta_color="off",
        delta_arrow="off",
        help="What sponsors have paid you: this is what you have earned",
        border=True,
    )
    st.caption(
        f"Open offers: {money(summary['open_offers_cents'])} · awaiting your answer: {summary['awaiting_me']}. "
        "Earned means paid — money a sponsor has paid you."
    )
    if by_month.empty:
        empty_state("No earnings yet — accepted deals show up here month by month. Find campaigns to join!", "📈")
    else:
        st.plotly_chart(charts.earnings_by_month_figure(by_month), key="earnings_chart")

with channels_tab, st.form("channels_form", border=True):
    st.caption("Where should we remind you of requests waiting for your answer?")
    email = st.checkbox("Email", value=account["notify_email"], key="ch_email")
    inapp = st.checkbox("In-app notification", value=account["notify_inapp"], key="ch_inapp")
    gchat = st.checkbox("Google Chat", value=account["notify_gchat"], key="ch_gchat")
    webhook = st.text_input(
        "Google Chat webhook URL",
        value=account["gchat_webhook_url"] or "",
        key="ch_webhook",
        placeholder="https://chat.googleapis.com/v1/spaces/…",
    )
    if st.form_submit_button("Save reminder channels", type="primary", key="ch_save"):
        views.act(
            lambda s: accounts.update_notification_settings(
                s, actor=actor, email=email, gchat=gchat, inapp=inapp, gchat_webhook_url=webhook
            ),
            "Reminder channels saved.",
        )
