"""Users: search every account and flag, unflag, deactivate or reactivate one."""

import streamlit as st

from core.marketplace import accounts
from pages.common.admin_views import PAGE_SIZE, act, cursor, pager, table_height
from pages.common.session import current_actor, read, show_flash
from pages.common.markup import md
from pages.common.widgets import empty_state
from pages.common.pickers import pick
from pages.common.formatting import moment_column, table

actor = current_actor(role="admin")

USER_COLUMNS = [  # who, what kind, in what state first: the columns a phone shows
    "username",
    "role",
    "approval",
    "is_active",
    "flagged",
    "name",
    "email",
    "id",
    "flag_reason",
    "created_at",
    "last_login_at",
]

st.title("Users", icon="👥", anchor=False)
st.caption("Find any account. Flagged and deactivated users cannot log in and disappear from search.")
show_flash()

text_col, role_col, state_col = st.columns([3, 1, 1])
text = text_col.text_input("Search", key="users_text", placeholder="username, email or name", icon="🔎")
role = role_col.selectbox("Role", ["any", "influencer", "sponsor", "admin"], key="users_role")
state = state_col.selectbox("State", accounts.USER_STATES, key="users_state")
after = cursor("users", (text, role, state))
result = read(
    lambda s: accounts.list_users(
        s, actor=actor, text=text, role=None if role == "any" else role, state=state, after_id=after, limit=PAGE_SIZE
    )
)
if result is None:
    st.stop()
frame, total = result
if frame.empty:
    empty_state("No users match these filters — clear the search or pick another state.")
    st.stop()

table(
    frame,
    hide_index=True,
    width="stretch",
    height=table_height(len(frame)),
    column_order=USER_COLUMNS,
    column_config={
        "id": st.column_config.NumberColumn("#", format="%d", width="small"),
        "username": "Username",
        "name": "Name",
        "email": "Email",
        "role": "Role",
        "approval": "Approval",
        "is_active": st.column_config.CheckboxColumn("Active"),
        "flagged": st.column_config.CheckboxColumn("Flagged"),
        "flag_reason": st.column_config.TextColumn("Flag reason"),
        "created_at": moment_column("Joined"),
        "last_login_at": moment_column("Last login"),
    },
)
if total > accounts.USERS_COUNT_CAP:  # the count stopped at the cap: say so instead of a made-up exact figure
    pager("users", frame, has_more=len(frame) == PAGE_SIZE, noun=f"of more than {accounts.USERS_COUNT_CAP:,} users")
else:
    pager("users", frame, total=total, noun="users")

users = {int(r.id): r for r in frame.itertuples()}
user_id = pick(
    "Moderate a user from this page",
    {i: f"#{i} @{u.username} — {u.name} ({u.role})" for i, u in users.items()},
    key="users_selected",
)
user = users[user_id]
with st.container(border=True):
    st.markdown(
        md(
            "**{name}** · @{username} · {role} · {approval}",
            name=user.name,
            username=user.username,
            role=user.role,
            approval=user.approval,
        )
    )
    if user.role == "admin":
        st.info("Administrator accounts cannot be moderated here.", icon="🛡️")
        st.stop()
    flag_col, active_col = st.columns(2)
    with flag_col.form(f"flag_{user_id}"):
        if user.flagged:
            st.caption(md("🚩 Flagged: {reason}", reason=user.flag_reason))
            note = st.text_input("Note (optional)", key=f"unflag_note_{user_id}", max_chars=500)
            if st.form_submit_button("Unflag", icon="🏳️"):
                act(
                    lambda s: accounts.unflag_user(s, actor=actor, user_id=user_id, note=note), success="User unflagged"
                )
        else:
            reason = st.text_input("Reason for the flag (required)", key=f"flag_reason_{user_id}", max_chars=500)
            if st.form_submit_button("Flag", icon="🚩"):
                act(
                    lambda s: accounts.flag_user(s, actor=actor, user_id=user_id, reason=reason), success="User flagged"
                )
    with active_col.form(f"active_{user_id}"):
        if user.is_active:
            reason = st.text_input("Reason for deactivating (required)", key=f"deact_reason_{user_id}", max_chars=500)
            sure = st.checkbox(
                "Yes, deactivate this account (it can be reactivated later)", key=f"deact_sure_{user_id}"
            )
            if st.form_submit_button("Deactivate", icon="⛔"):
                if not sure:
                    st.error("Tick the box to confirm the deactivation.")
                else:
                    act(
                        lambda s: accounts.deactivate_user(s, actor=actor, user_id=user_id, reason=reason),
                        success="User deactivated",
                    )
        else:
            st.caption("⛔ This account is deactivated.")
            if st.form_submit_button("Reactivate", icon="♻️"):
                act(lambda s: accounts.reactivate_user(s, actor=actor, user_id=user_id), success="User reactivated")
