"""My account: own profile (sponsors), password and reminder channels, for every role."""

import streamlit as st

from pages.common.markup import md

from core.marketplace import accounts
from core.models import SPONSOR_KINDS
from core.money import to_cents
from pages.common import auth
from pages.common.session import current_actor, read, run_action, show_flash
from pages.common.widgets import md_escape

actor = current_actor()
st.title("⚙️ My account")
show_flash()
account = read(lambda s: accounts.get_own_account(s, actor=actor))
st.caption(
    f"@{md_escape(account['username'])} · {md_escape(account['email'])} · {account['role']} "
    f"since {account['created_at']:%d %b %Y}"
)

if actor.role == "sponsor":
    profile = account["profile"]
    with st.form("sponsor_profile", border=True):
        st.subheader("Sponsor profile")
        st.caption(md("Influencers see your organization's name; owners change it on **Organization & team**."))
        c1, c2 = st.columns(2)
        name = c1.text_input("Your name", value=profile["name"])
        kind = c2.selectbox(
            "Type", SPONSOR_KINDS, index=SPONSOR_KINDS.index(profile["kind"]), format_func=str.capitalize
        )
        industry = c1.text_input("Industry", value=profile["industry"])
        budget = c2.number_input(
            "Total marketing budget ($)", min_value=0.0, step=1000.0, value=profile["budget_cents"] / 100
        )
        if st.form_submit_button("Save profile", type="primary"):
            run_action(
                lambda s: accounts.update_sponsor_profile(
                    s,
                    actor=actor,
                    name=name,
                    kind=kind,
                    industry=industry,
                    budget_cents=to_cents(budget, field="Budget"),
                ),
                success="Profile saved.",
            )
elif actor.role == "influencer":
    st.info("Your public profile and reminder channels are on the **Profile & earnings** page.", icon="🪪")

if actor.role != "influencer":
    with st.form("reminder_channels", border=True):
        st.subheader("Daily reminders")
        st.caption("Where should we remind you of requests waiting for your answer?")
        email = st.checkbox("Email", value=account["notify_email"])
        inapp = st.checkbox("In-app notification", value=account["notify_inapp"])
        gchat = st.checkbox("Google Chat", value=account["notify_gchat"])
        webhook = st.text_input(
            "Google Chat webhook URL (optional)",
            value=account["gchat_webhook_url"] or "",
            placeholder="https://chat.googleapis.com/v1/spaces/…",
        )
        if st.form_submit_button("Save reminder settings"):
            run_action(
                lambda s: accounts.update_notification_settings(
                    s, actor=actor, email=email, gchat=gchat, inapp=inapp, gchat_webhook_url=webhook
                ),
                success="Reminder settings saved.",
            )

with st.form("change_password", clear_on_submit=True, border=True):
    st.subheader("Change password")
    current = st.text_input("Current password", type="password")
    new = st.text_input("New password", type="password", help="At least 8 characters with a letter and a digit.")
    repeat = st.text_input("Repeat new password", type="password")
    if st.form_submit_button("Change password"):
        if new != repeat:
            st.error("The two new passwords do not match.")
        else:
            new_version = run_action(
                lambda s: accounts.change_password(s, actor=actor, current_password=current, new_password=new),
                success="Password changed. Every other session has been logged out.",
            )
            if new_version:  # this browser stays logged in with a fresh cookie; copies of the old one are dead
                auth.keep_session(new_version)
                st.rerun()

with st.container(border=True):
    st.subheader("Sessions")
    st.caption("Logged in on a shared or lost device? End every session of this account, this one included.")
    if st.button("Log out everywhere", key="log_out_everywhere", icon="🚪"):
        if run_action(lambda s: accounts.log_out_everywhere(s, actor=actor)):
            st.session_state["login_message"] = "You have been logged out on every device."
            st.rerun()
