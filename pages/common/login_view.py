"""The logged-out screen: log in, or join as an influencer or a sponsor."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from core.marketplace import accounts
from core.models import PLATFORMS, SPONSOR_KINDS
from core.money import to_cents
from core.permissions import Actor
from pages.common import invite_view
from pages.common.markup import literal
from pages.common.session import run_action
from pages.common.widgets import tabs

CATEGORIES = (
    "Fashion",
    "Beauty",
    "Fitness",
    "Food",
    "Travel",
    "Tech",
    "Gaming",
    "Finance",
    "Parenting",
    "Music",
    "Education",
    "Lifestyle",
)


def render_login_form() -> tuple[str, str] | None:
    """The login form; returns (username, password) when submitted."""
    with st.form("login_form", border=True):
        st.subheader("Log in")
        username = st.text_input("Username", key="login_username", autocomplete="username")
        password = st.text_input("Password", type="password", key="login_password", autocomplete="current-password")
        if st.form_submit_button("Log in", type="primary", width="stretch"):
            return username, password
    return None


def render_influencer_signup() -> None:
    with st.form("signup_influencer", clear_on_submit=False, border=True):
        st.subheader("Join as an influencer")
        st.caption("Your account is usable right away. You can keep your profile private until you are ready.")
        c1, c2 = st.columns(2)
        username = c1.text_input("Username", key="si_username")
        email = c2.text_input("Email", key="si_email")
        password = c1.text_input(
            "Password", type="password", key="si_password", help="At least 8 characters with a letter and a digit."
        )
        display_name = c2.text_input("Display name", key="si_display")
        category = c1.selectbox("Category", CATEGORIES, key="si_category")
        niche = c2.text_input("Niche", placeholder="e.g. vegan baking", key="si_niche")
        platform = c1.selectbox("Main platform", PLATFORMS, key="si_platform")
        followers = c2.number_input("Followers", min_value=0, step=1000, key="si_followers")
        engagement = c1.number_input(
            "Engagement rate (%)", min_value=0.0, max_value=100.0, step=0.1, value=3.0, key="si_engagement"
        )
        profile_url = c2.text_input("Profile URL", placeholder="https://…", key="si_url")
        bio = st.text_area("Bio", key="si_bio")
        is_public = st.checkbox("Public profile (sponsors can find me)", value=True, key="si_public")
        if st.form_submit_button("Create influencer account", type="primary"):
            created = run_action(
                lambda s: accounts.register_influencer(
                    s,
                    username=username,
                    email=email,
                    password=password,
                    display_name=display_name,
                    category=category,
                    niche=niche,
                    platform=platform,
                    followers=followers,
                    engagement_rate=engagement,
                    profile_url=profile_url,
                    bio=bio,
                    is_public=is_public,
                )
            )
            if created:
                st.success("Welcome aboard! Your account is ready — log in on the first tab.")


def render_sponsor_signup() -> None:
    with st.form("signup_sponsor", border=True):
        st.subheader("Join as a sponsor")
        st.caption("An administrator reviews every sponsor before the first campaign. We'll let you know.")
        c1, c2 = st.columns(2)
        username = c1.text_input("Username", key="ss_username")
        email = c2.text_input("Email", key="ss_email")
        password = c1.text_input(
            "Password", type="password", key="ss_password", help="At least 8 characters with a letter and a digit."
        )
        name = c2.text_input("Company or your name", key="ss_name")
        kind = c1.selectbox("You are", SPONSOR_KINDS, format_func=str.capitalize, key="ss_kind")
        industry = c2.text_input("Industry", placeholder="e.g. Consumer electronics", key="ss_industry")
        budget = c1.number_input("Total marketing budget ($)", min_value=0.0, step=1000.0, key="ss_budget")
        if st.form_submit_button("Request sponsor account", type="primary"):
            created = run_action(
                lambda s: accounts.register_sponsor(
                    s,
                    username=username,
                    email=email,
                    password=password,
                    name=name,
                    kind=kind,
                    industry=industry,
                    budget_cents=to_cents(budget, field="Budget"),
                )
            )
            if created:
                st.success("Thanks! Your sponsor account is awaiting approval by an administrator.")


def render_welcome_header() -> None:
    st.title("🤝 IESCP")
    st.caption(
        "Influencer Engagement & Sponsorship Coordination Platform — brands meet creators, "
        "negotiate fairly, and keep every budget honest."
    )


def render_login_screen(sign_in: Callable[[str, str], Actor | None]) -> Actor | None:
    """The whole logged-out screen; returns the actor when a login succeeded in this run."""
    screen = st.empty()
    with screen.container():
        render_welcome_header()
        message = st.session_state.pop("login_message", None)
        if message:
            st.warning(literal(message))  # may quote a moderator's reason
        token = invite_view.invite_token()
        if token:
            invite_view.render_invite(token)
        log_in, join_influencer, join_sponsor = tabs(
            ["Log in", "Join as influencer", "Join as sponsor"], key="login-tab"
        )
        with log_in:
            submitted = render_login_form()
            actor = sign_in(*submitted) if submitted else None
        with join_influencer:
            render_influencer_signup()
        with join_sponsor:
            render_sponsor_signup()
    if actor is not None:
        screen.empty()  # no rerun: the login cookie must reach the browser in this run
    return actor


def logged_out_page() -> None:
    """The only navigation entry while logged out; the login screen itself is drawn by app.py."""
