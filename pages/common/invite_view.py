"""The logged-out screen for an invitation link (?invite=<token>): see what it offers, choose a login, join."""

from __future__ import annotations

import streamlit as st

from core.errors import DomainError
from core.marketplace import invites
from pages.common.markup import literal, md
from pages.common.session import get_database, run_action


def invite_token() -> str | None:
    """The invitation token in the URL, if any."""
    token = st.query_params.get(invites.LINK_PARAMETER)
    return token if isinstance(token, str) and token else None


def render_invite(token: str) -> None:
    """Preview the invitation and offer the form that accepts it."""
    try:
        with get_database().ReadSession.begin() as session:
            offer = invites.preview_invite(session, token=token)
    except DomainError as error:
        st.error(literal(error.message))
        return
    with st.form("accept_invite", border=True):
        st.subheader("Join your team")
        st.markdown(
            md(
                "You are invited to **{org}** as **{role}**. Your login email will be {email}.",
                org=offer["organization"],
                role=offer["org_role"],
                email=offer["email"],
            )
        )
        c1, c2 = st.columns(2)
        name = c1.text_input("Your name", key="inv_name")
        username = c2.text_input("Username", key="inv_username", autocomplete="username")
        password = c1.text_input(
            "Password", type="password", key="inv_password", help="At least 8 characters with a letter and a digit."
        )
        if st.form_submit_button("Accept and create my login", type="primary"):
            created = run_action(
                lambda s: invites.accept_invite(s, token=token, username=username, password=password, display_name=name)
            )
            if created:
                st.query_params.clear()
                st.session_state["login_message"] = "Welcome to the team! Log in with the username you just chose."
                st.rerun()
