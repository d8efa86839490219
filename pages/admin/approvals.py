"""Sponsor approvals: the queue of pending sign-ups, oldest first, ten a page, with approve / reject."""

import streamlit as st

from core.marketplace import accounts
from pages.common.admin_views import act
from pages.common.session import current_actor, read, show_flash
from pages.common.markup import md
from pages.common.widgets import empty_state, page_of, pager
from pages.common.formatting import money

actor = current_actor(role="admin")

PER_PAGE = 10  # each sign-up is a form of ~8 elements; the pager reaches the rest
PAGE_KEY = "approvals_page"

st.title("Sponsor approvals", icon="✅", anchor=False)
st.caption("New sponsors cannot log in until you approve them. A rejected sponsor sees your reason at login.")
show_flash()
summary = read(lambda s: accounts.pending_sponsors_summary(s, actor=actor))
if summary is None:
    st.stop()
if not summary["count"]:
    empty_state("No sponsors waiting — all caught up. New sign-ups will appear here.", icon="🎉")
    st.stop()
page = page_of(summary["count"], per_page=PER_PAGE, key=PAGE_KEY)
pending = read(lambda s: accounts.list_pending_sponsors(s, actor=actor, limit=PER_PAGE, offset=page * PER_PAGE))
if pending is None:
    st.stop()

cols = st.columns(3)
cols[0].metric("Waiting", f"{summary['count']:,}", border=True)
cols[1].metric("Oldest sign-up", f"{summary['oldest']:%d %b %Y}", border=True)
cols[2].metric("Budgets declared", money(summary["budget_cents"]), border=True)

for row in pending.itertuples():
    with st.form(f"approval_{row.id}"):
        info, decision = st.columns([3, 2])
        # Name and details in one Markdown element: a page of forms costs what its elements cost.
        info.markdown(
            md(
                "**{name}** · @{username}  \n:small[:gray[{email} · {kind} · {industry} · budget {budget} · "
                "signed up {at}]]",
                name=row.name,
                username=row.username,
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
        buttons = decision.container(horizontal=True, gap="small")
        approve = buttons.form_submit_button("Approve", icon="✅", type="primary", width="stretch")
        reject = buttons.form_submit_button("Reject", icon="✖️", width="stretch")
    if approve:
        act(lambda s: accounts.approve_sponsor(s, actor=actor, user_id=row.id), success=f"Approved {row.name}")
    if reject:
        act(
            lambda s: accounts.reject_sponsor(s, actor=actor, user_id=row.id, reason=reason),
            success=f"Rejected {row.name}",
        )
pager(summary["count"], per_page=PER_PAGE, key=PAGE_KEY, noun="sign-up")
