"""IESCP router: settings, login/registration, per-role navigation. Pages live in pages/<role>/."""

import streamlit as st

st.set_page_config(page_title="IESCP", page_icon="🤝", layout="wide")
st.secrets.load_if_toml_exists()  # exports root-level secrets to IESCP_* env vars before settings are read

from core.platform import logs  # noqa: E402
from pages.common import auth, login_view, navigation, session  # noqa: E402  (after set_page_config)

logs.setup_logging("app")  # once per process (server.py does it first): JSON lines under IESCP_LOG_FORMAT=json

auth.refuse_unsafe_settings()  # a weak cookie key would let anyone forge a login: no login form at all
# Built only when a run needs it, never before st.navigation for a logged-in user (auth.RunAuthenticator).
authenticator = auth.RunAuthenticator()
actor = auth.restore_session(authenticator)

if actor is not None and navigation.render_sidebar(actor):  # True when "Log out" was clicked
    auth.log_out(authenticator, actor)
    st.session_state["login_message"] = "You have been logged out."
    actor = None

if actor is None and st.query_params.get("claim"):
    # A prospect's emailed claim link (core/marketplace/claims.py): its own page, reachable without login.
    st.navigation(
        [
            st.Page(
                str(navigation.PAGES_DIR / "account" / "claim.py"),
                title="Claim profile",
                url_path="claim",
                default=True,
            )
        ],
        position="hidden",
    ).run()
    st.stop()

if actor is None:
    actor = login_view.render_login_screen(auth.sign_in)
    if actor is None:
        # Replace the previous role's navigation (a logout happens within a run): logged out, the login page at
        # every page URL, so a link opened before logging in leads to its page after.
        st.navigation(navigation.logged_out_pages(login_view.logged_out_page), position="hidden").run()
        st.stop()
    navigation.render_sidebar(actor)

page = st.navigation(navigation.pages_for(actor))
auth.set_pending_cookie(authenticator)
session.run_page(page, actor=actor)  # the page's current_actor() reuses this run's check
