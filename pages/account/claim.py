"""Claim a prospect profile (reached without login from the emailed link ?claim=<token>)."""

import streamlit as st

from core.marketplace import claims
from pages.common.login_view import CATEGORIES
from pages.common.markup import md
from pages.common.session import read, run_action
from pages.common.widgets import md_escape, say

st.title("Claim your creator profile", icon="🪪")
if st.session_state.get("claimed-profile"):
    st.success("Profile claimed — log in with your new username and password.")
    st.link_button("Go to log in", "/", type="primary")
    st.stop()
token = str(st.query_params.get("claim", ""))
details = read(lambda s: claims.claim_details(s, token=token))
if details is None:
    st.stop()

say("info", md("**{org}** set up this profile for you from your public account.", org=details["organization"]))
st.markdown(
    f"**{md_escape(details['display_name'])}** · @{md_escape(details['handle'])} on {md_escape(details['platform'])} · "
    f"{int(details['followers']):,} followers"
)
with st.form("claim-form", border=True):
    st.caption(f"Your account will use the email this link was sent to: {md_escape(details['email'])}")
    username = st.text_input("Choose a username", value=details["handle"].replace("-", ".")[:40])
    password = st.text_input(
        "Choose a password", type="password", help="At least 8 characters with a letter and a digit."
    )
    display_name = st.text_input("Display name", value=details["display_name"])
    known = details["category"] if details["category"] in CATEGORIES else CATEGORIES[0]
    category = st.selectbox("Category", CATEGORIES, index=CATEGORIES.index(known))
    submitted = st.form_submit_button("Claim profile", type="primary")
if submitted:
    user_id = run_action(
        lambda s: claims.claim_profile(
            s, token=token, username=username, password=password, display_name=display_name, category=category
        ),
    )
    if user_id:
        st.session_state["claimed-profile"] = True  # the link is used up: show the result, not the form
        st.query_params.clear()
        st.rerun()
