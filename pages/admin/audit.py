"""Audit log: who did what to what and when, newest first, by name; a selected row opens its target."""

import streamlit as st

from core import audit
from pages.common.admin_views import AUDIT_ACTIONS, PAGE_SIZE, cursor, pager, table_height
from pages.common.session import current_actor, read
from pages.common.widgets import empty_state, md_escape
from pages.common import deep_links
from pages.common.formatting import cents_to_units, is_missing, moment_column, money_column, table, text

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
# Names from the core's one query; "system" for rows no user did, the kind and id for targets without a name.
shown["actor_name"] = shown["actor_name"].fillna("system")
shown["target"] = [
    f"{kind.replace('_', ' ')}: {name}" if not is_missing(name) else f"{kind.replace('_', ' ')} #{text(ref)}"
    for kind, name, ref in zip(shown["target_type"], shown["target"], shown["target_id"].astype("Int64"), strict=True)
]
links = [
    deep_links.target(actor, deep_links.audit_link(kind, ref))
    for kind, ref in zip(frame["target_type"], frame["target_id"], strict=True)
]
shown["opens"] = [f"↗ {where.title}" if where else "" for where in links]
with st.container(border=True):
    event = table(
        shown,
        hide_index=True,
        width="stretch",
        height=table_height(len(shown)),
        column_order=["action", "target", "actor_name", "at", "amount", "detail", "opens", "id"],  # what happened first
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d", width="small"),
            "at": moment_column("When (UTC)"),
            "actor_name": st.column_config.TextColumn("Who"),
            "action": st.column_config.TextColumn("Action"),
            "target": st.column_config.TextColumn("Target"),
            "amount": money_column("Amount"),
            "detail": st.column_config.TextColumn("Detail", width="large"),
            "opens": st.column_config.TextColumn("Opens in", help="Select the row to open its target"),
        },
        on_select="rerun",
        selection_mode="single-row",
        key=f"audit_rows_{int(frame['id'].iloc[0])}_{int(frame['id'].iloc[-1])}",
    )
    pager("audit", frame, has_more=has_more, noun="entries")
rows = event.selection.rows if event is not None else []
where = links[rows[0]] if rows and rows[0] < len(links) else None
if rows and where is None:
    st.caption("This entry's target has no page to open.")
if where is not None and st.button(
    f"Open {md_escape(shown['target'].iloc[rows[0]])} in {where.title}", key="audit_open", icon="↗️"
):
    deep_links.go(where)
