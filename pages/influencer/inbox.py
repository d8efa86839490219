"""Influencer inbox: requests awaiting my answer first; accept, decline, counter, withdraw or edit."""

import streamlit as st

from core.deals import lifecycle
from core.errors import DomainError
from core.marketplace import ad_requests
from core.models import AD_REQUEST_STATUSES
from core.money import to_cents
from pages.common import influencer_views as views
from pages.common.negotiation_thread import render_thread
from pages.common import deep_links, versions
from pages.common.session import current_actor, read, show_flash
from pages.common.pickers import likely_choice, pick
from pages.common.formatting import table
from pages.common.widgets import empty_state, md_escape, tabs

actor = current_actor(role="influencer")
st.title("Inbox", icon="📥")
st.caption("Offers from sponsors and the requests you sent. Everything waiting for your answer comes first.")
show_flash()
linked = deep_links.take("request")
if linked is not None:  # a deep link clears the filters so its request is on the list
    st.session_state.update(inbox_status=None, inbox_awaiting=False)

left, right = st.columns([3, 1], vertical_alignment="bottom")
status = left.selectbox("Status", [None, *AD_REQUEST_STATUSES], format_func=views.status_option, key="inbox_status")
awaiting_only = right.toggle("Awaiting me only", key="inbox_awaiting")


def inbox_and_likely_thread(s):
    """The list and, in the same transaction, the negotiation the picker below will most likely open."""
    rows = ad_requests.inbox(s, actor=actor, status=status, awaiting_only=awaiting_only)
    likely = likely_choice("inbox_open", views.request_labels(rows), preselect=linked)
    try:
        return rows, likely and ad_requests.get_thread(s, actor=actor, ad_request_id=likely)
    except DomainError:  # read again after the pick, where the refusal is shown
        return rows, None


frame, thread = read(inbox_and_likely_thread) or (None, None)
if frame is None or frame.empty:
    empty_state(
        f"No {status} requests — pick another status."
        if frame is not None and status
        else "Nothing waiting for you — find campaigns to join",
        icon="📭",
    )
    st.stop()

awaiting = frame[frame["awaiting_me"]]
# The bulk decline acts on the rows as this list showed them (see pages/common/versions.py).
shown_versions = versions.seen("inbox", {int(i): v for i, v in zip(frame["id"], frame["version"], strict=True)})
st.caption(f"{len(awaiting)} awaiting your answer · {len(frame)} shown")
table(views.inbox_table(frame), column_config=views.INBOX_COLUMNS, hide_index=True, height=views.table_height(frame))

if not awaiting.empty:
    with st.expander(f"Decline several at once ({len(awaiting)} awaiting you)", icon="🧹"), st.form("bulk_reject"):
        labels = views.request_labels(awaiting)
        chosen = st.multiselect("Requests to decline", list(labels), format_func=labels.get, key="bulk_ids")
        note = st.text_input("Message to the sponsors (optional)", key="bulk_message")
        sure = st.checkbox("Yes, decline every selected request. This cannot be undone.", key="bulk_confirm")
        if st.form_submit_button("Decline selected", icon="🗑️", key="bulk_submit") and views.confirmed(sure):
            views.act(
                lambda s: ad_requests.bulk_reject(
                    s, actor=actor, expected_versions={i: shown_versions.get(i, "") for i in chosen}, message=note
                ),
                f"Declined {len(chosen)} request{'s' if len(chosen) != 1 else ''}.",
                reset=("bulk_confirm",),
            )

labels = views.request_labels(frame)
if linked is not None and linked not in labels:
    st.warning("That request is not in your inbox: it is not yours, or it no longer exists.", icon="🔗")
request_id = pick("Open a request", labels, key="inbox_open", preselect=linked)
if not thread or thread["id"] != request_id:
    thread = read(lambda s: ad_requests.get_thread(s, actor=actor, ad_request_id=request_id))
if thread is None:
    st.stop()
current = f"{thread['payment_cents'] / 100:.2f}"  # prefilled amount, in currency units
seen = versions.seen(f"request:{request_id}", thread["version"])  # what the clicked screen showed

with st.container(border=True):
    views.request_header(thread)
    render_thread(thread, header=False)

if thread["blocked_reason"]:
    st.warning(
        md_escape(thread["blocked_reason"]), icon="⏸️"
    )  # the service's own words: why the hidden actions would fail
if thread["can_decline"]:
    # Only the answers that can succeed get a tab; a frozen negotiation can still be declined.
    answers = [("✅ Accept", thread["can_accept"]), ("💬 Counter-offer", thread["can_counter"]), ("❌ Decline", True)]
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
