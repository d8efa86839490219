"""Campaign moderation: every campaign and ad request, read-only views, flag / unflag."""

import streamlit as st

from core.marketplace import ad_requests, campaigns
from core.models import AD_REQUEST_STATUSES, CAMPAIGN_STATUSES
from pages.common import deep_links
from pages.common.admin_views import (
    PAGE_SIZE,
    act,
    campaign_card,
    campaigns_table,
    cursor,
    open_thread,
    pager,
    requests_table,
)
from pages.common.session import current_actor, read, show_flash
from pages.common.markup import md
from pages.common.widgets import empty_state, tabs
from pages.common.pickers import pick

actor = current_actor(role="admin")

st.title("Campaigns", icon="📣", anchor=False)
st.caption("Every campaign, private ones included. Flagged campaigns are hidden from influencers and take no requests.")
show_flash()
linked = deep_links.take("campaign")
shown = linked and read(lambda s: campaigns.get_campaign(s, actor=actor, campaign_id=linked))
if shown:  # search for it by name, no other filter, on the campaigns tab
    st.session_state.update(
        camp_text=shown["name"], camp_status="any", camp_flagged="any", campaigns_tab="📣 Campaigns"
    )
campaign_tab, request_tab = tabs(["📣 Campaigns", "🤝 All ad requests"], key="campaigns_tab")


with campaign_tab:
    if campaign_tab.open:
        text_col, status_col, flag_col = st.columns([3, 1, 1])
        text = text_col.text_input("Search", key="camp_text", placeholder="campaign or sponsor name", icon="🔎")
        status = status_col.selectbox("Status", ["any", *CAMPAIGN_STATUSES], key="camp_status")
        flagged = flag_col.selectbox("Moderation", ["any", "flagged", "not flagged"], key="camp_flagged")
        after = cursor("camps", (text, status, flagged))
        result = read(
            lambda s: campaigns.list_all_campaigns(
                s,
                actor=actor,
                text=text,
                status=None if status == "any" else status,
                flagged=None if flagged == "any" else flagged == "flagged",
                after_id=after,
                limit=PAGE_SIZE,
            )
        )
        frame, total = result if result else (None, 0)
        if frame is None or frame.empty:
            empty_state("No campaigns match — clear the search or change the filters.")
        else:
            campaigns_table(frame)
            pager("camps", frame, total=total, noun="campaigns")
            names = dict(zip(frame["id"].astype(int), frame["name"]))
            campaign_id = pick(
                "Open a campaign from this page",
                {i: f"#{i} {name}" for i, name in names.items()},
                key="camp_selected",
                placeholder="Choose a campaign to review",
                preselect=linked,
            )
            detail = campaign_id and read(
                lambda s: (
                    campaigns.get_campaign(s, actor=actor, campaign_id=campaign_id),
                    ad_requests.campaign_requests(s, actor=actor, campaign_id=campaign_id),
                )
            )
            if detail:
                camp, requests = detail
                with st.container(border=True):
                    campaign_card(camp)
                    with st.form(f"moderate_{campaign_id}"):
                        kind = "note" if camp["flagged"] else "reason"
                        label = "Note (optional)" if camp["flagged"] else "Reason for the flag (required)"
                        reason = st.text_input(label, key=f"camp_{kind}_{campaign_id}", max_chars=500)
                        if camp["flagged"] and st.form_submit_button("Unflag campaign", icon="🏳️"):
                            act(
                                lambda s: campaigns.unflag_campaign(
                                    s, actor=actor, campaign_id=campaign_id, note=reason
                                ),
                                success="Campaign unflagged",
                            )
                        if not camp["flagged"] and st.form_submit_button("Flag campaign", icon="🚩"):
                            act(
                                lambda s: campaigns.flag_campaign(
                                    s, actor=actor, campaign_id=campaign_id, reason=reason
                                ),
                                success="Campaign flagged",
                            )
                    st.markdown(md("**Ad requests on {name}** ({count})", name=camp["name"], count=len(requests)))
                    if requests.empty:
                        st.caption("No ad requests on this campaign yet.")
                    else:
                        requests_table(requests)
                        open_thread(actor, requests, "Read a negotiation", f"camp_thread_{campaign_id}")

with request_tab:
    if request_tab.open:
        status = st.selectbox("Status", ["any", *AD_REQUEST_STATUSES], key="req_status")
        after = cursor("reqs", (status,))
        result = read(
            lambda s: ad_requests.list_all_requests(
                s, actor=actor, status=None if status == "any" else status, after_id=after, limit=PAGE_SIZE
            )
        )
        frame, total = result if result else (None, 0)
        if frame is None or frame.empty:
            empty_state("No ad requests match — they appear here as sponsors and influencers start talking.")
        else:
            requests_table(frame)
            pager("reqs", frame, total=total, noun="ad requests")
            open_thread(actor, frame, "Read a negotiation from this page", "req_thread")
