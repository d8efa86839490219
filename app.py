"""IESCP router: settings, login/registration, per-role navigation. Pages live in pages/<role>/."""
import logging

import streamlit as st

st.set_page_config(page_title="IESCP", page_icon="🤝", layout="wide")
st.secrets.load_if_toml_exists()  # exports root-level secrets to IESCP_* env vars before settings are read

from pages.common import auth, login_view, navigation  # noqa: E402  (after set_page_config)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

authenticator = auth.build_authenticator()
actor = auth.restore_session(authenticator)

if actor is not None:
    sidebar_header = st.sidebar.container()
    if st.sidebar.button("Log out", key="sign_out", icon="🚪", use_container_width=True):
        auth.sign_out(authenticator)
        st.session_state["login_message"] = "You have been logged out."
        actor = None
    else:
        navigation.render_sidebar_header(actor, sidebar_header)

if actor is None:
    screen = st.empty()
    with screen.container():
        login_view.render_welcome_header()
        message = st.session_state.pop("login_message", None)
        if message:
            st.warning(message)
        log_in, join_influencer, join_sponsor = st.tabs(["Log in", "Join as influencer", "Join as sponsor"])
        with log_in:
            submitted = login_view.render_login_form()
        with join_influencer:
            login_view.render_influencer_signup()
        with join_sponsor:
            login_view.render_sponsor_signup()
    if submitted:
        actor = auth.sign_in(authenticator, *submitted)
    if actor is None:
        st.stop()
    screen.empty()
    navigation.render_sidebar_header(actor, st.sidebar.container())

st.navigation(navigation.pages_for(actor)).run()
