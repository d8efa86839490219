"""Audit log: who did what and when, newest first."""

import streamlit as st

from core import audit
from pages.common.admin_views import AUDIT_ACTIONS, PAGE_SIZE, cursor, pager, table_height
from pages.common.session import current_actor, read
from pages.common.widgets import empty_state
from pages.common.formatting import cents_to_units, moment_column, money_column, table

actor = current_actor(role="admin")

st.title("Audit log", icon="📜", anchor=False)
st.caption("Approvals, moderation and money-relevant actions, kept forever and never edited.")

action = st.columns([2, 3])[0].selectbox(
    "Action",
    ["all actions", *AUDIT_ACTIONS],
    key="audit_action",
    accept_new_options=True,
    help="Pick an action or type another action name exactly.",
)
before = cursor("audit", (action,))
# One row more than shown tells whether there is a next page without counting the whole log.
frame = read(
    lambda s: audit.list_entries(
        s,
        actor=actor,
        limit=PAGE_SIZE + 1,
        before_id=before,
        action=None if action == "all actions" else action.strip(),
    )
)
if frame is None:
    st.stop()
if frame.empty:
    empty_state("No audit entries yet for this filter — approvals, flags and accepted deals will be listed here.")
    st.stop()

has_more = len(frame) > PAGE_SIZE
frame = frame.head(PAGE_SIZE)
shown = cents_to_units(frame, "amount_cents")
shown["actor"] = shown["actor"].fillna("system")
shown["target"] = shown["target_type"] + " #" + shown["target_id"].astype("Int64").astype(str).replace("<NA>", "—")
with st.container(border=True):
    table(
        shown,
        hide_index=True,
        width="stretch",
        height=table_height(len(shown)),
        column_order=["id", "at", "actor", "action", "target", "amount", "detail"],
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d", width="small"),
            "at": moment_column("When (UTC)"),
            "actor": st.column_config.TextColumn("Who"),
            "action": st.column_config.TextColumn("Action"),
            "target": st.column_config.TextColumn("Target"),
            "amount": money_column("Amount"),
            "detail": st.column_config.TextColumn("Detail", width="large"),
        },
    )
    pager("audit", frame, has_more=has_more, noun="entries")
