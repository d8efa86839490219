"""Influencer inbox: requests awaiting my answer first; accept, decline, counter, withdraw or edit."""

import streamlit as st

from core.errors import DomainError
from core.marketplace import ad_requests
from core.models import AD_REQUEST_STATUSES
from pages.common import influencer_views as views
from pages.common.negotiation_thread import render_thread
from pages.common import deep_links, inbox_answers, versions
from pages.common.session import current_actor, read, show_flash
from pages.common.pickers import likely_choice, pick
from pages.common.formatting import table
from pages.common.widgets import empty_state

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
with st.container(border=True):
    views.request_header(thread)
    render_thread(thread, header=False)
inbox_answers.answer_panel(actor, thread)
