"""Influencer deliverables: what is due, submit a draft or the live post, see what the sponsor asked to change."""

import streamlit as st

from core.deals import deliverables
from pages.common import deal_views as dv
from pages.common import deep_links
from pages.common.influencer_views import act
from pages.common.session import current_actor, read, show_flash
from pages.common.widgets import empty_state, md_escape

actor = current_actor(role="influencer")
st.title("Deliverables", icon="🎬")
st.caption("Content you owe on accepted deals, soonest due first. Select a row to work on it.")
show_flash()

frame = read(lambda s: deliverables.influencer_queue(s, actor=actor))
if frame is None:
    st.stop()
if frame.empty:
    empty_state("Nothing to deliver yet — accepted deals show their deliverables here.", icon="🎬")
    st.stop()

todo = frame[frame["status"].isin(("planned", "changes_requested", "approved"))]
cols = st.columns(3)
cols[0].metric("To do", len(todo), border=True)
cols[1].metric("Waiting for the sponsor", int(frame["status"].isin(("in_review", "live_submitted")).sum()), border=True)
cols[2].metric("Done", int((frame["status"] == "confirmed").sum()), border=True)

frame = dv.filtered(frame, key="deliverable_filter", columns=("campaign", "title"), label="Find by campaign or title")
chosen = dv.pick_row(
    frame,
    dv.deliverables_table(frame, with_influencer=False),
    key="deliverable_pick",
    column_config=dv.DELIVERABLE_COLUMNS,
    preselect=deep_links.take("deliverable"),
)
if chosen is None:
    st.info("Select a deliverable in the table to submit a draft or the live post.", icon="👆")
    st.stop()

item = read(lambda s: deliverables.get_deliverable(s, actor=actor, deliverable_id=chosen))
if item is None:
    st.stop()
with st.container(border=True):
    st.subheader(md_escape(item["campaign"]))
    dv.brief(item)
dv.drafts_side_by_side(item["drafts"])

if item["status"] in ("planned", "changes_requested"):
    if item["status"] == "changes_requested":
        st.warning(f"The sponsor asked for changes: {md_escape(item['drafts'][0]['decision_reason'])}", icon="✏️")
    with st.form(f"draft_form_{chosen}"):
        caption = st.text_area(
            "Caption", value=item["drafts"][0]["caption"] if item["drafts"] else "", height=140, key=f"caption_{chosen}"
        )
        link = st.text_input("Link to the draft (optional)", placeholder="https://…", key=f"link_{chosen}")
        upload = st.file_uploader(
            "Image or PDF (optional, up to 10 MB)", type=["png", "jpg", "jpeg", "gif", "webp", "pdf"]
        )
        if st.form_submit_button("Submit draft for review", type="primary", key="submit_draft"):
            act(
                lambda s: deliverables.submit_draft(
                    s,
                    actor=actor,
                    deliverable_id=chosen,
                    expected_version=item["version"],
                    caption=caption,
                    link=link,
                    file_bytes=upload.getvalue() if upload else None,
                    file_name=upload.name if upload else "",
                ),
                "Draft submitted — the sponsor has been told.",
            )
elif item["status"] == "approved":
    st.success("Draft approved — publish it, then paste the live post's URL here.", icon="👍")
    with st.form(f"live_form_{chosen}"):
        url = st.text_input("Live post URL", placeholder="https://www.instagram.com/p/…", key=f"live_url_{chosen}")
        if st.form_submit_button("Submit live post", type="primary", key="submit_live"):
            act(
                lambda s: deliverables.submit_live_url(
                    s, actor=actor, deliverable_id=chosen, expected_version=item["version"], url=url
                ),
                "Live post submitted — the sponsor will confirm it.",
            )
elif item["status"] in ("in_review", "live_submitted"):
    st.info("Waiting for the sponsor's review. You'll get a notification.", icon="⏳")
elif item["status"] == "confirmed":
    st.success("Confirmed by the sponsor. Once every deliverable is confirmed you can invoice the deal.", icon="🏁")

if item["request_status"] == "completed":
    dv.review_panel(
        actor,
        item["ad_request_id"],
        prompt="Rate this campaign",
        question="What was it like to work with this sponsor?",
    )
