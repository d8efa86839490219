"""A sponsor's ad requests on one campaign: the table, the chosen negotiation and the sponsor's answers."""

from __future__ import annotations

import streamlit as st

from core.deals import lifecycle
from core.errors import DomainError
from core.marketplace import ad_requests
from core.money import to_cents
from pages.common import versions
from pages.common.campaign_tables import REQUEST_COLUMNS, requests_arrow
from pages.common.formatting import money, prepared_table, units
from pages.common.markup import md
from pages.common.negotiation_thread import render_thread
from pages.common.session import read, run_action
from pages.common.pickers import likely_choice, pick
from pages.common.widgets import empty_state, md_escape


def requests_reader(actor, campaign_id: int, *, open_request: int | None = None):
    """fn(session) -> (the campaign's requests, the negotiation the picker will most likely show, or None): what
    requests_panel reads, for a page to read it early in its own transaction (a DomainError propagates)."""
    key = _pick_key(campaign_id)

    def requests_and_likely_thread(s):
        # The negotiation the picker will most likely return (pickers.likely_choice)
        # is read in the same transaction; a different pick reads its own below.
        frame = ad_requests.campaign_requests(s, actor=actor, campaign_id=campaign_id)
        likely = likely_choice(key, request_labels(frame), preselect=open_request)
        try:
            return frame, likely and ad_requests.get_thread(s, actor=actor, ad_request_id=likely)
        except DomainError:  # read again after the pick, where the refusal is shown
            return frame, None

    return requests_and_likely_thread


def requests_panel(actor, campaign_id: int, *, open_request: int | None = None, found=None) -> bool:
    """A campaign's requests, one negotiation (a deep link's open_request first) with its actions; True on a change.

    found is what requests_reader(actor, campaign_id, open_request=open_request) read in the page's transaction,
    or None to read it here (where a refusal is shown)."""
    key = _pick_key(campaign_id)
    if found is None:
        found = read(requests_reader(actor, campaign_id, open_request=open_request))
    if found is None:
        return False
    frame, thread = found
    if frame.empty:
        empty_state(md("No ad requests yet — open **Find influencers** to send one."), icon="📨")
        return False
    # Shaped, blanked and converted to Arrow once per content (memoized): straight to st.dataframe.
    prepared_table(requests_arrow(frame), column_config=REQUEST_COLUMNS, hide_index=True)
    request_id = pick("Open a negotiation", request_labels(frame), key=key, preselect=open_request)
    if not thread or thread["id"] != request_id:
        thread = read(lambda s: ad_requests.get_thread(s, actor=actor, ad_request_id=request_id))
    if thread is None:
        return False
    render_thread(thread)
    return request_actions(actor, thread)


def _pick_key(campaign_id: int) -> str:
    return f"request-pick-{campaign_id}"


def request_labels(frame) -> dict[int, str]:
    """The negotiation picker's labels by request id."""
    return {int(i): f"#{i} · {name}" for i, name in zip(frame["id"].tolist(), frame["influencer"].tolist())}


def request_actions(actor, thread: dict) -> bool:
    """Accept / counter / decline on the sponsor's turn, withdraw, edit or complete; True when one succeeded."""
    rid, current = thread["id"], money(thread["payment_cents"])
    # Every action carries the version drawn on the screen the user clicked on, not the one read on this rerun.
    seen = versions.seen(f"request:{rid}", thread["version"])
    if thread["blocked_reason"]:
        st.warning(
            md_escape(thread["blocked_reason"]), icon="⏸️"
        )  # the service's own words: why the hidden buttons would fail
    if thread["can_decline"]:
        with st.form(f"respond-{rid}"):
            st.markdown("**Your turn to answer.**")
            if thread["can_counter"]:
                amount = st.text_input(
                    "Counter-offer ($)", placeholder="only for a counter-offer", key=f"counter-{rid}"
                )
            message = st.text_area("Message to the influencer", key=f"respond-message-{rid}")
            accept_col, counter_col, decline_col = st.columns(3)
            accept = thread["can_accept"] and accept_col.form_submit_button(
                f"✅ Accept {current}", type="primary", key=f"accept-{rid}"
            )
            counter = thread["can_counter"] and counter_col.form_submit_button(
                "💬 Send counter-offer", key=f"counter-submit-{rid}"
            )
            decline = decline_col.form_submit_button("❌ Decline", key=f"decline-{rid}")
            if thread["accept_blocked_reason"] and not thread["blocked_reason"]:
                st.caption(f"Accept is not offered: {md_escape(thread['accept_blocked_reason'])}")
        if accept:
            return bool(
                run_action(
                    lambda s: lifecycle.accept_offer(
                        s, actor=actor, ad_request_id=rid, expected_version=seen, message=message
                    ),
                    success=f"Accepted for {current}",
                )
            )
        if counter:
            return bool(
                run_action(
                    lambda s: ad_requests.counter_offer(
                        s,
                        actor=actor,
                        ad_request_id=rid,
                        expected_version=seen,
                        message=message,
                        payment_cents=to_cents(amount, field="Counter-offer", allow_zero=False),
                    ),
                    success="Counter-offer sent",
                )
            )
        if decline:
            return bool(
                run_action(
                    lambda s: ad_requests.reject(
                        s, actor=actor, ad_request_id=rid, expected_version=seen, message=message
                    ),
                    success="Request declined",
                )
            )
    elif thread["status"] in ("pending", "negotiating") and not thread["my_turn"]:
        st.caption("⏳ Waiting for the influencer's answer.")
    if thread["can_edit"]:
        with st.expander("✏️ Edit this request"), st.form(f"edit-request-{rid}"):
            requirements = st.text_area("Requirements", value=thread["requirements"], key=f"edit-req-{rid}")
            payment = st.text_input("Payment ($)", value=units(thread["payment_cents"]), key=f"edit-pay-{rid}")
            note = st.text_input("Note (optional)", key=f"edit-note-{rid}")
            if st.form_submit_button("Save request", key=f"edit-submit-{rid}"):
                return bool(
                    run_action(
                        lambda s: ad_requests.edit_ad_request(
                            s,
                            actor=actor,
                            ad_request_id=rid,
                            expected_version=seen,
                            requirements=requirements,
                            message=note,
                            payment_cents=to_cents(payment, field="Payment", allow_zero=False),
                        ),
                        success="Request updated",
                    )
                )
    if thread["can_withdraw"]:
        with st.expander("↩️ Withdraw this request"), st.form(f"withdraw-{rid}"):
            note = st.text_input("Reason (optional)", key=f"withdraw-note-{rid}")
            if st.form_submit_button("Withdraw request", key=f"withdraw-submit-{rid}"):
                return bool(
                    run_action(
                        lambda s: ad_requests.withdraw(
                            s, actor=actor, ad_request_id=rid, expected_version=seen, message=note
                        ),
                        success="Request withdrawn",
                    )
                )
    if thread["can_complete"]:
        with st.form(f"complete-{rid}"):
            note = st.text_input("Feedback for the influencer (optional)", key=f"complete-note-{rid}")
            if st.form_submit_button("🏁 Mark work as completed", type="primary", key=f"complete-submit-{rid}"):
                return bool(
                    run_action(
                        lambda s: ad_requests.mark_completed(
                            s, actor=actor, ad_request_id=rid, expected_version=seen, message=note
                        ),
                        success="Marked completed",
                    )
                )
    return False
