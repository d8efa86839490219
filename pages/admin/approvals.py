"""Sponsor approvals: the queue of pending sign-ups, oldest first, with approve / reject."""

import streamlit as st

from core.marketplace import accounts
from pages.common.admin_views import act
from pages.common.session import current_actor, read, show_flash
from pages.common.markup import md
from pages.common.widgets import empty_state
from pages.common.formatting import money

actor = current_actor(role="admin")

SHOWN = 20

st.title("Sponsor approvals", icon="✅", anchor=False)
st.caption("New sponsors cannot log in until you approve them. A rejected sponsor sees your reason at login.")
show_flash()
pending = read(lambda s: accounts.list_pending_sponsors(s, actor=actor))
if pending is None:
    st.stop()
if pending.empty:
    empty_state("No sponsors waiting — all caught up. New sign-ups will appear here.", icon="🎉")
    st.stop()

cols = st.columns(3)
cols[0].metric("Waiting", f"{len(pending):,}", border=True)
cols[1].metric("Oldest sign-up", f"{pending['created_at'].min():%d %b %Y}", border=True)
cols[2].metric("Budgets declared", money(int(pending["budget_cents"].sum())), border=True)
if len(pending) > SHOWN:
    st.caption(f"Showing the {SHOWN} oldest of {len(pending):,}; decide on these to see the next ones.")

for row in pending.head(SHOWN).itertuples():
    with st.form(f"approval_{row.id}"):
        info, decision = st.columns([3, 2])
        info.markdown(md("**{name}** · @{username}", name=row.name, username=row.username))
        info.caption(
            md(
                "{email} · {kind} · {industry} · budget {budget} · signed up {at}",
                email=row.email,
                kind=row.kind,
                industry=row.industry or "no industry given",
                budget=money(row.budget_cents),
                at=f"{row.created_at:%d %b %Y %H:%M}",
            )
        )
        reason = decision.text_input(
            "Reason (required to reject)",
            key=f"reason_{row.id}",
            max_chars=500,
            placeholder="e.g. Could not verify the company",
        )
        approve_col, reject_col = decision.columns(2)
        approve = approve_col.form_submit_button("Approve", icon="✅", type="primary", width="stretch")
        reject = reject_col.form_submit_button("Reject", icon="✖️", width="stretch")
    if approve:
        act(lambda s: accounts.approve_sponsor(s, actor=actor, user_id=row.id), success=f"Approved {row.name}")
    if reject:
        act(
            lambda s: accounts.reject_sponsor(s, actor=actor, user_id=row.id, reason=reason),
            success=f"Rejected {row.name}",
        )
