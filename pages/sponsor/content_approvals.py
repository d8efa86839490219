"""Sponsor content approvals: plan deliverables, review drafts against the checklist, confirm live posts."""

import datetime as dt

import streamlit as st

from core.deals import deliverables
from core.models import PLATFORMS
from pages.common import deal_views as dv
from pages.common import deep_links
from pages.common.influencer_views import act
from pages.common.session import current_actor, read, show_flash
from pages.common.widgets import empty_state, md_escape, tabs

NEEDS_ME = ("in_review", "live_submitted")

actor = current_actor(role="sponsor")
st.title("Content approvals", icon="🎬")
st.caption("Drafts and live posts waiting for you first. Select a row to review it.")
show_flash()

linked = deep_links.take("deliverable")
if linked is not None:  # the linked one may no longer wait for the sponsor: list every deliverable to find it
    st.session_state["approvals_all"] = True
show_all = st.toggle("Show every deliverable", key="approvals_all")
frame = read(lambda s: deliverables.sponsor_queue(s, actor=actor, statuses=None if show_all else NEEDS_ME))
if frame is None:
    st.stop()
if frame.empty:
    empty_state(
        "Nothing waits for your review. Turn on “Show every deliverable” to plan or edit deliverables."
        if not show_all
        else "No deliverables yet — they appear when an influencer accepts your offer.",
        icon="✅",
    )
    st.stop()

frame = dv.filtered(
    frame, key="approval_filter", columns=("campaign", "title", "influencer"), label="Find by campaign or title"
)
chosen = dv.pick_row(
    frame,
    dv.deliverables_table(frame, with_influencer=True),
    key="approval_pick",
    column_config=dv.DELIVERABLE_COLUMNS,
    preselect=linked,
)
if chosen is None:
    st.info("Select a deliverable in the table to review it.", icon="👆")
    st.stop()

item = read(lambda s: deliverables.get_deliverable(s, actor=actor, deliverable_id=chosen))
if item is None:
    st.stop()
with st.container(border=True):
    st.subheader(md_escape(item["campaign"]))
    dv.brief(item)
dv.drafts_side_by_side(item["drafts"])
version = item["version"]

if item["status"] == "in_review":
    latest = item["drafts"][0]
    passed = latest["compliance"].get("passed", True)
    approve_tab, changes_tab = tabs(
        ["👍 Approve", "✏️ Request changes"], key=f"review-draft-tab-{chosen}-{latest['number']}"
    )  # a new draft starts on Approve
    with approve_tab, st.form(f"approve_{chosen}"):
        reason = ""
        if not passed:
            st.warning("This draft fails the checklist above. Approving it needs a reason, which is audited.", icon="⚠️")
            reason = st.text_area("Why approve it anyway?", key=f"override_{chosen}")
        if st.form_submit_button("Approve draft", type="primary", key="approve_draft"):
            act(
                lambda s: deliverables.approve_draft(
                    s, actor=actor, deliverable_id=chosen, expected_version=version, override_reason=reason
                ),
                "Draft approved — the influencer can publish it.",
            )
    with changes_tab:
        if item["changes_left"] <= 0:
            st.info("You have used every change round for this deliverable; approve it or cancel the deal.", icon="ℹ️")
        else:
            with st.form(f"changes_{chosen}"):
                st.caption(f"{item['changes_left']} change round(s) left.")
                why = st.text_area("What should change?", key=f"changes_reason_{chosen}")
                if st.form_submit_button("Request changes", key="request_changes"):
                    act(
                        lambda s: deliverables.request_changes(
                            s, actor=actor, deliverable_id=chosen, expected_version=version, reason=why
                        ),
                        "Changes requested — the influencer has been told.",
                    )
elif item["status"] == "live_submitted":
    st.markdown(f"Live post: {md_escape(item['live_url'])}")
    confirm_tab, reject_tab = tabs(["🏁 Confirm", "↩️ Not right"], key=f"review-live-tab-{chosen}")
    with confirm_tab, st.form(f"confirm_{chosen}"):
        st.caption("Confirm once you have checked the post is live and matches the approved draft.")
        if st.form_submit_button("Confirm live post", type="primary", key="confirm_live"):
            act(
                lambda s: deliverables.confirm_live(s, actor=actor, deliverable_id=chosen, expected_version=version),
                "Live post confirmed.",
            )
    with reject_tab, st.form(f"reject_live_{chosen}"):
        why = st.text_input("What is wrong with the post or link?", key=f"reject_live_reason_{chosen}")
        if st.form_submit_button("Send back", key="reject_live"):
            act(
                lambda s: deliverables.reject_live_url(
                    s, actor=actor, deliverable_id=chosen, expected_version=version, reason=why
                ),
                "Sent back to the influencer.",
            )
elif item["status"] == "planned":
    with st.expander("Edit this deliverable", icon="✏️"), st.form(f"edit_{chosen}"):
        title = st.text_input("What to deliver", value=item["title"])
        platform = st.selectbox("Platform", PLATFORMS, index=PLATFORMS.index(item["platform"]))
        due = st.date_input("Due date", value=item["due_date"], min_value=dt.date.today())
        tags = st.text_input("Required hashtags", value=item["hashtags"])
        mentions = st.text_input("Required mentions", value=item["mentions"])
        disclose = st.checkbox(
            "Disclosure required (#ad / #sponsored / paid partnership)", value=item["disclosure_required"]
        )
        if st.form_submit_button("Save deliverable", type="primary"):
            act(
                lambda s: deliverables.edit_deliverable(
                    s,
                    actor=actor,
                    deliverable_id=chosen,
                    expected_version=version,
                    title=title,
                    platform=platform,
                    due_date=due,
                    hashtags=tags,
                    mentions=mentions,
                    disclosure_required=disclose,
                ),
                "Deliverable saved.",
            )

if item["request_status"] == "accepted":
    with st.expander("Add another deliverable to this deal", icon="➕"), st.form(f"add_{item['ad_request_id']}"):
        title = st.text_input("What to deliver", key="add_title")
        platform = st.selectbox("Platform", PLATFORMS, key="add_platform")
        due = st.date_input("Due date", value=dt.date.today() + dt.timedelta(days=14), key="add_due")
        tags = st.text_input("Required hashtags", key="add_tags")
        mentions = st.text_input("Required mentions", key="add_mentions")
        if st.form_submit_button("Add deliverable"):
            act(
                lambda s: deliverables.add_deliverable(
                    s,
                    actor=actor,
                    ad_request_id=item["ad_request_id"],
                    title=title,
                    platform=platform,
                    due_date=due,
                    hashtags=tags,
                    mentions=mentions,
                ),
                "Deliverable added.",
            )
    dv.cancel_deal_panel(actor, item["ad_request_id"])
elif item["request_status"] == "completed":
    dv.review_panel(actor, item["ad_request_id"], prompt="Rate this influencer", question="How was working with them?")
