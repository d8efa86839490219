"""The influencer's answers to one opened request in the inbox: accept, counter, decline, edit or withdraw."""

from __future__ import annotations

import streamlit as st

from core.deals import lifecycle
from core.marketplace import ad_requests
from core.money import to_cents
from core.permissions import Actor
from pages.common import influencer_views as views
from pages.common import versions
from pages.common.widgets import md_escape, tabs


def answer_panel(actor: Actor, thread: dict) -> None:
    """Only the answers the service says can succeed are offered; each carries the version the screen showed."""
    request_id = thread["id"]
    current = f"{thread['payment_cents'] / 100:.2f}"  # prefilled amount, in currency units
    seen = versions.seen(f"request:{request_id}", thread["version"])  # what the clicked screen showed
    if thread["blocked_reason"]:
        st.warning(
            md_escape(thread["blocked_reason"]), icon="⏸️"
        )  # the service's own words: why the hidden actions would fail
    if thread["can_decline"]:
        # Only the answers that can succeed get a tab; a frozen negotiation can still be declined.
        answers = [
            ("✅ Accept", thread["can_accept"]),
            ("💬 Counter-offer", thread["can_counter"]),
            ("❌ Decline", True),
        ]
        offered = [label for label, ok in answers if ok]
        shown = dict(zip(offered, tabs(offered, key=f"answer-tab-{request_id}"), strict=True))
        if thread["accept_blocked_reason"] and not thread["blocked_reason"]:
            st.caption(f"Accept is not offered: {md_escape(thread['accept_blocked_reason'])}")
        if "✅ Accept" in shown:
            with shown["✅ Accept"], st.form("accept_form"):
                hello = st.text_input(
                    "Message (optional)", key=f"accept_message_{request_id}", placeholder="Looking forward!"
                )
                label = f"Accept {views.money_md(thread['payment_cents'])}"
                if st.form_submit_button(label, type="primary", key=f"accept-{request_id}"):
                    views.act(
                        lambda s: lifecycle.accept_offer(
                            s, actor=actor, ad_request_id=request_id, expected_version=seen, message=hello
                        ),
                        "Deal accepted — the sponsor has been told.",
                    )
        if "💬 Counter-offer" in shown:
            with shown["💬 Counter-offer"], st.form("counter_form"):
                amount = st.text_input("Your amount ($)", value=current, key=f"counter_amount_{request_id}")
                why = st.text_area(
                    "Why this amount?", key=f"counter_message_{request_id}", placeholder="What you'd deliver"
                )
                if st.form_submit_button(
                    "Send counter-offer", type="primary", key=f"counter-{request_id}-{thread['version']}"
                ):
                    views.act(
                        lambda s: ad_requests.counter_offer(
                            s,
                            actor=actor,
                            ad_request_id=request_id,
                            expected_version=seen,
                            message=why,
                            payment_cents=to_cents(amount, field="Counter-offer", allow_zero=False),
                        ),
                        "Counter-offer sent.",
                    )
        with shown["❌ Decline"], st.form("reject_form"):
            st.caption("Declining ends this negotiation; the sponsor is notified.")
            reason = st.text_input("Reason (optional)", key=f"reject_message_{request_id}")
            if st.form_submit_button("Decline this request", key=f"reject-{request_id}"):
                views.act(
                    lambda s: ad_requests.reject(
                        s, actor=actor, ad_request_id=request_id, expected_version=seen, message=reason
                    ),
                    "Request declined.",
                )
    elif not thread["my_turn"]:
        st.info(views.waiting_note(thread), icon="⏳")

    if thread["can_edit"]:
        with st.expander("Edit my ask", icon="✏️"), st.form("edit_form"):
            price = st.text_input("Your price ($)", value=current, key=f"edit_amount_{request_id}")
            proposal = st.text_area("What you'll deliver", value=thread["requirements"], key=f"edit_text_{request_id}")
            note = st.text_input("Note to the sponsor (optional)", key=f"edit_message_{request_id}")
            if st.form_submit_button("Save changes", type="primary", key=f"edit-{request_id}"):
                views.act(
                    lambda s: ad_requests.edit_ad_request(
                        s,
                        actor=actor,
                        ad_request_id=request_id,
                        expected_version=seen,
                        requirements=proposal,
                        message=note,
                        payment_cents=to_cents(price, field="Your price", allow_zero=False),
                    ),
                    "Request updated.",
                )
    if thread["can_withdraw"]:
        with st.expander("Withdraw this request", icon="↩️"), st.form("withdraw_form"):
            bye = st.text_input("Message (optional)", key=f"withdraw_message_{request_id}")
            really = st.checkbox("Yes, withdraw my offer.", key=f"withdraw_confirm_{request_id}")
            if st.form_submit_button("Withdraw", key=f"withdraw-{request_id}") and views.confirmed(really):
                views.act(
                    lambda s: ad_requests.withdraw(
                        s, actor=actor, ad_request_id=request_id, expected_version=seen, message=bye
                    ),
                    "Request withdrawn.",
                )
