"""Organization & team: the firm's details and brands, its teammates and their roles, invitations."""

import pandas as pd
import streamlit as st

from core.marketplace import invites, organizations
from pages.common.markup import literal, md
from pages.common.session import current_actor, read, run_action, show_flash
from pages.common.widgets import empty_state, say, tabs
from pages.common.pickers import pick
from pages.common.formatting import moment, moment_column, table
from tasks import organizations as invite_tasks

actor = current_actor(role="sponsor")
st.title("Organization & team", icon="🏢")
show_flash()

org = read(lambda s: organizations.get_organization(s, actor=actor))
if org is None:
    st.stop()
is_owner = actor.can("org.members")
st.caption(md("You are **{role}** of **{org}**.", role=actor.org_role or "", org=org["name"]))

members_tab, invites_tab, org_tab = tabs(["👥 Teammates", "✉️ Invitations", "🏢 Organization & brands"], key="team-tab")

# Only the open tab is built (the bar reruns the page on a switch): the other two cost as much again.
if members_tab.open:
    with members_tab:
        members = read(lambda s: organizations.list_members(s, actor=actor))
        if members is not None:
            shown = members.assign(  # a text column: a missing login reads "never", not "None"
                last_login=[moment(t) if pd.notna(t) else "never" for t in members["last_login_at"]]
            )
            table(
                shown[
                    ["username", "org_role", "email", "joined_at", "last_login"]
                ],  # name and role: what a phone shows
                hide_index=True,
                column_config={
                    "username": "Username",
                    "email": "Email",
                    "org_role": "Role",
                    "joined_at": moment_column("Joined"),
                    "last_login": "Last login",
                },
            )
            with st.expander("What each role may do"):
                for role in org["roles"]:
                    st.markdown(md("**{name}** — {description}", name=role["name"], description=role["description"]))
            if is_owner and not members.empty:
                st.subheader("Change a teammate")
                options = {int(r.user_id): f"@{r.username} ({r.org_role})" for r in members.itertuples()}
                chosen = pick("Teammate", options, key="member_pick")
                row = members[members["user_id"] == chosen].iloc[0]
                roles = [r["name"] for r in org["roles"]]
                c1, c2 = st.columns(2)
                new_role = c1.selectbox("New role", roles, index=roles.index(row["org_role"]), key="member_role")
                if c1.button("Change role", key="member_change", disabled=new_role == row["org_role"]):
                    if run_action(
                        lambda s: organizations.change_member_role(
                            s, actor=actor, user_id=chosen, org_role=new_role, expected_version=int(row["version"])
                        ),
                        success=f"@{row['username']} is now {new_role}.",
                    ):
                        st.rerun()
                confirm = c2.checkbox(
                    f"Yes, remove @{row['username']}", key="member_remove_confirm", help="Their history stays."
                )
                if c2.button("Remove from organization", key="member_remove", disabled=not confirm):
                    if run_action(
                        lambda s: organizations.remove_member(
                            s, actor=actor, user_id=chosen, expected_version=int(row["version"])
                        ),
                        success=f"@{row['username']} was removed; their sessions ended.",
                    ):
                        st.rerun()
            elif not is_owner:
                say("info", "Only owners change roles or remove teammates.")

if invites_tab.open:
    with invites_tab:
        if is_owner:
            with st.form("invite_form", clear_on_submit=True):
                st.subheader("Invite a teammate")
                c1, c2 = st.columns([2, 1])
                email = c1.text_input("Email", placeholder="name@company.com")
                role = c2.selectbox("Role", [r["name"] for r in org["roles"]], index=1)
                sent = st.form_submit_button("Send invitation", type="primary")
            if sent:
                created = run_action(lambda s: invites.invite_member(s, actor=actor, email=email, org_role=role))
                if created:
                    queued = invite_tasks.enqueue_invite_email(created.invite_id, created.link)
                    say("success", f"Invitation for {created.email} created. It is valid for 7 days and works once.")
                    if not queued:
                        say("warning", "The email could not be queued; send this link yourself.")
                    st.caption("The link (shown only now):")
                    st.code(created.link, language=None)
        else:
            say("info", "Only owners invite teammates.")
        pending = read(lambda s: invites.list_invites(s, actor=actor))
        if pending is not None:
            st.subheader("Open invitations")
            if pending.empty:
                empty_state("No open invitations.", icon="✉️")
            else:
                table(
                    pending[["email", "org_role", "invited_by", "created_at", "expires_at"]],
                    hide_index=True,
                    column_config={
                        "email": "Email",
                        "org_role": "Role",
                        "invited_by": "Invited by",
                        "created_at": moment_column("Sent"),
                        "expires_at": moment_column("Expires"),
                    },
                )
                if is_owner:
                    labels = {int(r.id): f"{r.email} ({r.org_role})" for r in pending.itertuples()}
                    withdraw = pick("Invitation", labels, key="invite_pick")
                    if st.button("Withdraw invitation", key="invite_revoke"):
                        if run_action(
                            lambda s: invites.revoke_invite(s, actor=actor, invite_id=withdraw),
                            success="Invitation withdrawn: its link no longer works.",
                        ):
                            st.rerun()

if org_tab.open:
    with org_tab:
        st.subheader(literal(org["name"]))
        can_edit = actor.can("org.edit")
        with st.form("org_form"):
            c1, c2 = st.columns(2)
            values = {
                "name": c1.text_input("Name", org["name"], disabled=not can_edit),
                "email": c2.text_input("Email", org["email"], disabled=not can_edit),
                "phone": c1.text_input("Phone", org["phone"], disabled=not can_edit),
                "address": c2.text_input("Address", org["address"], disabled=not can_edit),
                "city": c1.text_input("City", org["city"], disabled=not can_edit),
                "state": c2.text_input("State / region", org["state"], disabled=not can_edit),
                "zip_code": c1.text_input("ZIP / postal code", org["zip_code"], disabled=not can_edit),
                "country": c2.text_input("Country", org["country"], disabled=not can_edit),
            }
            if st.form_submit_button("Save organization", disabled=not can_edit):
                if run_action(lambda s: organizations.update_organization(s, actor=actor, **values), success="Saved."):
                    st.rerun()
        st.subheader("Brands")
        st.caption("Every campaign runs under one brand of your organization.")
        table(
            org["brands"],
            hide_index=True,
            column_order=["name", "email", "phone", "address"],
            column_config={"name": "Brand", "email": "Email", "phone": "Phone", "address": "Address"},
        )
        if can_edit:
            with st.form("brand_form", clear_on_submit=True):
                c1, c2 = st.columns(2)
                brand_name = c1.text_input("New brand name")
                brand_email = c2.text_input("Brand email (optional)")
                if st.form_submit_button("Add brand"):
                    if run_action(
                        lambda s: organizations.add_brand(s, actor=actor, name=brand_name, email=brand_email),
                        success=f"Brand {brand_name} added.",
                    ):
                        st.rerun()
