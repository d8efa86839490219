"""Pieces shared by the sponsor pages: pure table shaping, then forms and panels that act through the core."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.crm import metrics, tiers
from core.deals import lifecycle
from core.marketplace import ad_requests, cached_reads, campaigns
from core.money import to_cents
from core.platform.timeutil import today
from pages.common import metrics_view, versions
from pages.common.session import get_database, read, run_action
from pages.common.markup import md
from pages.common.widgets import empty_state, md_escape, money, money_column, status_label

PICKED_CAMPAIGN = "sponsor_campaign_pick"
CURSORS = "sponsor_search_cursors"
PAGE_SIZE = 50
DASHBOARD_COLUMNS = ["name", "status", "end_date", "budget", "used", "remaining", "awaiting_me", "open", "accepted"]
CAMPAIGN_PAGE_COLUMNS = [
    "name",
    "status",
    "visibility",
    "start_date",
    "end_date",
    "budget",
    "used",
    "awaiting_me",
    "open",
    "accepted",
    "requests",
]
SORTS = {"relevance": "Relevance score", "followers": "Followers", "engagement": "Engagement rate", "reach": "Reach"}
ACTION_TEXT = {
    "sent": "sent the request for",
    "asked": "asked to join for",
    "countered": "proposed",
    "accepted": "accepted",
    "rejected": "declined",
    "withdrawn": "withdrew the request",
    "edited": "changed the request to",
    "completed": "marked the job completed at",
}


# ---- pure helpers ---------------------------------------------------------------------------------------


def units(cents) -> str:
    """Integer cents as an exact editable amount: 150050 -> '1500.50'."""
    whole, frac = divmod(int(cents), 100)
    return f"{whole}.{frac:02d}"


def compact(number) -> str:
    """1834000 -> '1.8M', 52300 -> '52.3k', 950 -> '950'."""
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
        if abs(number) >= size:
            return f"{number / size:.1f}".removesuffix(".0") + suffix
    return f"{number:,}"


def first_awaiting(frame: pd.DataFrame) -> int:
    """Id of the first campaign with requests waiting for the sponsor, else of the first campaign."""
    waiting = frame[frame["awaiting_me"] > 0]
    return int((waiting if not waiting.empty else frame)["id"].iloc[0])


def _visibility(row) -> str:
    return "🚩 flagged" if row.flagged else ("🌐 public" if row.is_public else "🔒 private")


def campaign_table(frame: pd.DataFrame) -> pd.DataFrame:
    """list_sponsor_campaigns' frame shaped for display: money in units, budget used in percent."""
    budget = frame["budget_cents"].astype("int64")
    return pd.DataFrame(
        {
            "name": frame["name"],
            "status": frame["status"].map(status_label),
            "visibility": [_visibility(r) for r in frame.itertuples()],
            "start_date": frame["start_date"],
            "end_date": frame["end_date"],
            "budget": budget / 100,
            "committed": frame["committed_cents"] / 100,
            "remaining": frame["remaining_cents"] / 100,
            "used": (100 * frame["committed_cents"] / budget.where(budget > 0)).fillna(0.0),
            "awaiting_me": frame["awaiting_me"],
            "open": frame["pending"] + frame["negotiating"],
            "accepted": frame["accepted"] + frame["completed"],
            "requests": frame["requests"],
        }
    )


def request_table(frame: pd.DataFrame) -> pd.DataFrame:
    """campaign_requests' frame shaped for display."""
    return pd.DataFrame(
        {
            "awaiting_me": frame["awaiting_me"].map({True: "🔔 you", False: ""}),
            "influencer": frame["influencer"],
            "platform": frame["platform"],
            "followers": frame["followers"],
            "payment": frame["payment_cents"] / 100,
            "status": frame["status"].map(status_label),
            "updated_at": frame["updated_at"],
            "last_message": frame["last_message"],
        }
    )


def _for_csv(frame: pd.DataFrame, money_columns: list[str]) -> pd.DataFrame:
    """Cents as exact decimal amounts (in place, renamed without _cents) and times to the second."""
    out = frame.copy()
    for column in money_columns:
        out[column] = out[column].map(units)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M:%S")
    return out.rename(columns={c: c.removesuffix("_cents") for c in money_columns})


def campaigns_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Campaigns for CSV: exact decimal amounts instead of cents."""
    return _for_csv(frame.drop(columns=["flag_reason"]), ["budget_cents", "committed_cents", "remaining_cents"])


def requests_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Ad requests for CSV: exact decimal amounts instead of cents."""
    return _for_csv(frame, ["payment_cents"])


# ---- column configs ---------------------------------------------------------------------------------------


def campaign_columns() -> dict:
    return {
        "name": st.column_config.TextColumn("Campaign", width="medium"),
        "status": "Status",
        "visibility": "Visibility",
        "start_date": st.column_config.DateColumn("Starts", format="localized"),
        "end_date": st.column_config.DateColumn("Ends", format="localized"),
        "budget": money_column("Budget"),
        "committed": money_column("Committed"),
        "remaining": money_column("Remaining"),
        "used": st.column_config.ProgressColumn("Budget used", min_value=0, max_value=100, format="%.0f%%"),
        "awaiting_me": st.column_config.NumberColumn("Your turn", help="Requests waiting for your answer"),
        "open": st.column_config.NumberColumn("Open", help="Pending or in negotiation"),
        "accepted": st.column_config.NumberColumn("Hired", help="Accepted or completed"),
        "requests": st.column_config.NumberColumn("All requests"),
    }


REQUEST_COLUMNS = {
    "awaiting_me": "Turn",
    "influencer": "Influencer",
    "platform": "Platform",
    "followers": st.column_config.NumberColumn("Followers", format="compact"),
    "payment": money_column("Payment"),
    "status": "Status",
    "updated_at": st.column_config.DatetimeColumn("Updated", format="distance"),
    "last_message": st.column_config.TextColumn("Last message", width="large"),
}


# ---- campaign forms and panels ----------------------------------------------------------------------------


def campaign_form(
    key: str, *, submit: str, current: dict | None = None, brands: dict[int, str] | None = None
) -> dict | None:
    """A campaign form (prefilled from current when editing; a brand picker when the organization has several);
    the raw values once submitted, else None."""
    c = current or {}
    with st.form(key):
        name = st.text_input("Campaign name", value=c.get("name", ""), max_chars=120, key=f"{key}-name")
        brand_id = (
            st.selectbox("Brand", list(brands), format_func=brands.get, key=f"{key}-brand")
            if brands and len(brands) > 1
            else None
        )
        left, right = st.columns(2)
        category = left.text_input(
            "Category", value=c.get("category", ""), placeholder="e.g. Fitness", key=f"{key}-category"
        )
        niche = right.text_input(
            "Niche (optional)", value=c.get("niche") or "", placeholder="e.g. yoga", key=f"{key}-niche"
        )
        start = left.date_input("Start date", value=c.get("start_date", today()), key=f"{key}-start")
        end = right.date_input("End date", value=c.get("end_date", today() + dt.timedelta(days=30)), key=f"{key}-end")
        budget = left.text_input(
            "Budget ($)", value=units(c["budget_cents"]) if c else "", placeholder="e.g. 5000", key=f"{key}-budget"
        )
        status = (
            "active"
            if c
            else right.radio(
                "Start as",
                ["active", "draft"],
                horizontal=True,
                key=f"{key}-status",
                format_func={"active": "🟢 Active", "draft": "📝 Draft"}.get,
            )
        )
        description = st.text_area("Description", value=c.get("description") or "", key=f"{key}-description")
        goals = st.text_area("Goals (optional)", value=c.get("goals") or "", key=f"{key}-goals")
        is_public = st.checkbox(
            "Public — influencers can find it and ask to join", value=c.get("is_public", True), key=f"{key}-public"
        )
        submitted = st.form_submit_button(submit, type="primary", key=f"{key}-submit")
    if not submitted:
        return None
    return {
        **({"brand_id": brand_id} if brand_id is not None else {}),
        "name": name,
        "category": category,
        "niche": niche,
        "start_date": start,
        "end_date": end,
        "budget": budget,
        "description": description,
        "goals": goals,
        "is_public": is_public,
        "status": status,
    }


def campaign_fields(values: dict, *, with_status: bool = True) -> dict:
    """Form values as service keyword arguments. Parses the budget: call it inside run_action."""
    fields = {k: v for k, v in values.items() if k != "budget" and (with_status or k != "status")}
    return {**fields, "budget_cents": to_cents(values["budget"], field="Budget")}


def edit_panel(actor, c: dict) -> bool:
    """The prefilled edit form of one campaign; True when it was saved."""
    if c["status"] not in campaigns.EDITABLE_STATUSES:
        st.info(f"A {c['status']} campaign can no longer be edited.")
        return False
    values = campaign_form(f"edit-{c['id']}", submit="Save changes", current=c)
    if values is None:
        return False
    return bool(
        run_action(
            lambda s: campaigns.update_campaign(
                s, actor=actor, campaign_id=c["id"], **campaign_fields(values, with_status=False)
            ),
            success="Campaign saved",
        )
    )


STATUS_CHOICES = {
    "active": "🟢 Activate",
    "draft": "📝 Back to draft",
    "completed": "🏁 Complete",
    "cancelled": "⛔ Cancel",
}


def settings_panel(actor, c: dict) -> bool:
    """Visibility, status changes (confirmed when they withdraw open requests) and deletion; True on change."""
    cid = c["id"]
    st.markdown(f"**Visibility:** {'🌐 public' if c['is_public'] else '🔒 private'}")
    if st.button("🔒 Make private" if c["is_public"] else "🌐 Make public", key=f"visibility-{cid}"):
        return bool(
            run_action(
                lambda s: campaigns.set_visibility(s, actor=actor, campaign_id=cid, is_public=not c["is_public"]),
                success="Visibility changed",
            )
        )
    allowed = [s for s in STATUS_CHOICES if s in campaigns.STATUS_TRANSITIONS[c["status"]]]
    if allowed:
        with st.form(f"status-{cid}"):
            target = st.radio(
                "Change status", allowed, format_func=STATUS_CHOICES.get, horizontal=True, key=f"status-target-{cid}"
            )
            note = st.text_input("Note to influencers with open requests (optional)", key=f"status-note-{cid}")
            sure = st.checkbox(
                "I understand that completing or cancelling withdraws every open request", key=f"status-confirm-{cid}"
            )
            go = st.form_submit_button("Change status", key=f"status-submit-{cid}")
        if go and target in ("completed", "cancelled") and not sure:
            st.warning("Tick the confirmation box to complete or cancel the campaign.")
        elif go:
            return bool(
                run_action(
                    lambda s: campaigns.set_status(s, actor=actor, campaign_id=cid, status=target, note=note),
                    success=f"Campaign is now {target}",
                )
            )
    else:
        st.caption(f"This campaign is {c['status']}; its status can no longer change.")
    with st.expander("🗑️ Delete this campaign"):
        st.caption("Only campaigns without ad requests can be deleted; cancel the others to keep their history.")
        sure = st.checkbox("Yes, delete this campaign permanently", key=f"delete-confirm-{cid}")
        if st.button("Delete campaign", type="primary", disabled=not sure, key=f"delete-{cid}"):
            return bool(
                run_action(
                    lambda s: campaigns.delete_campaign(s, actor=actor, campaign_id=cid), success="Campaign deleted"
                )
            )
    return False


# ---- ad requests and negotiation ----------------------------------------------------------------------------


def requests_panel(actor, campaign_id: int) -> bool:
    """A campaign's requests, one negotiation thread opened with its actions; True when something changed."""
    frame = read(lambda s: ad_requests.campaign_requests(s, actor=actor, campaign_id=campaign_id))
    if frame is None:
        return False
    if frame.empty:
        empty_state(md("No ad requests yet — open **Find influencers** to send one."), icon="📨")
        return False
    st.dataframe(request_table(frame), column_config=REQUEST_COLUMNS, hide_index=True)
    # Only fields that never change: a keyed selectbox keeps showing its old label text after a rerun.
    labels = {int(r.id): f"#{r.id} · {r.influencer}" for r in frame.itertuples()}
    request_id = st.selectbox(
        "Open a negotiation", list(labels), format_func=labels.get, key=f"request-pick-{campaign_id}"
    )
    thread = read(lambda s: ad_requests.get_thread(s, actor=actor, ad_request_id=request_id))
    if thread is None:
        return False
    render_thread(thread)
    return request_actions(actor, thread)


def render_thread(thread: dict) -> None:
    """The negotiation history as a chat, newest last; user text is never parsed as Markdown."""
    with st.container(border=True):
        st.markdown(
            f"**{md_escape(thread['influencer'])}** · {status_label(thread['status'])} · "
            f"current amount **{md_escape(money(thread['payment_cents']))}**"
        )
        st.caption("Requirements")
        st.text(thread["requirements"])
        for event in thread["events"]:
            mine = event["actor_party"] == thread["my_party"]
            who = "You" if mine else thread["influencer"] if event["actor_party"] == "influencer" else thread["sponsor"]
            amount = "" if event["amount_cents"] is None else f" {money(event['amount_cents'])}"
            with st.chat_message(
                "user" if mine else "assistant", avatar="🏢" if event["actor_party"] == "sponsor" else "🎤"
            ):
                st.markdown(
                    f"**{md_escape(who)}** {ACTION_TEXT.get(event['action'], event['action'])}{md_escape(amount)}"
                )
                st.caption(f"{event['at']:%d %b %Y, %H:%M} UTC")
                if event["message"]:
                    st.text(event["message"])


def request_actions(actor, thread: dict) -> bool:
    """Accept / counter / decline on the sponsor's turn, withdraw, edit or complete; True when one succeeded."""
    rid, current = thread["id"], money(thread["payment_cents"])
    # Every action carries the version drawn on the screen the user clicked on, not the one read on this rerun.
    seen = versions.seen(f"request:{rid}", thread["version"])
    if thread["frozen"]:
        st.warning(
            "This negotiation is on hold: the campaign or one of the accounts is not in good standing. "
            "You can still decline or withdraw it.",
            icon="⏸️",
        )
    if thread["my_turn"]:
        with st.form(f"respond-{rid}"):
            st.markdown("**Your turn to answer.**")
            amount = st.text_input("Counter-offer ($)", placeholder="only for a counter-offer", key=f"counter-{rid}")
            message = st.text_area("Message to the influencer", key=f"respond-message-{rid}")
            accept_col, counter_col, decline_col = st.columns(3)
            accept = accept_col.form_submit_button(
                f"✅ Accept {current}", type="primary", key=f"accept-{rid}", disabled=thread["frozen"]
            )
            counter = counter_col.form_submit_button(
                "💬 Send counter-offer", key=f"counter-submit-{rid}", disabled=thread["frozen"]
            )
            decline = decline_col.form_submit_button("❌ Decline", key=f"decline-{rid}")
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
    elif thread["status"] in ("pending", "negotiating"):
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


# ---- influencer search ------------------------------------------------------------------------------------


def search_lookups(session, actor) -> tuple[dict, list[tuple[int, str]]]:
    """Filter options (cached per viewer scope: listed profiles only) and the actor's active campaigns."""
    return (
        cached_reads.influencer_facets(get_database(), actor=actor),
        campaigns.sponsor_campaign_options(session, actor=actor),
    )


def reset_cursors() -> None:
    st.session_state[CURSORS] = [None]


def cursor_stack() -> list:
    """Cursors of the pages seen so far; the last one is the current page's (None = first page)."""
    if CURSORS not in st.session_state:
        reset_cursors()
    return st.session_state[CURSORS]


def _any(value) -> str:
    return "Any" if value is None else str(value)


def search_filters(facets: dict) -> dict:
    """The filter form; its values as search_influencers keyword arguments (applied on submit)."""
    with st.form("influencer-filters"):
        text = st.text_input("Search", placeholder="name, category, niche, bio…", key="f-text")
        cols = st.columns(4)
        category = cols[0].selectbox("Category", [None, *facets["categories"]], format_func=_any, key="f-category")
        niche = cols[1].selectbox("Niche", [None, *facets["niches"]], format_func=_any, key="f-niche")
        platform = cols[2].selectbox("Platform", [None, *facets["platforms"]], format_func=_any, key="f-platform")
        sort = cols[3].selectbox("Sort by", list(SORTS), format_func=SORTS.get, key="f-sort")
        cols = st.columns(5)
        ranges = (
            ("min_followers", "Min followers"),
            ("max_followers", "Max followers"),
            ("min_reach", "Min reach"),
            ("max_reach", "Max reach"),
        )
        tier = cols[0].selectbox("Tier", [None, *tiers.TIERS], format_func=_tier_option, key="f-tier")
        bounds = {
            name: cols[i + 1].number_input(
                label, min_value=0, value=None, step=1000, placeholder="any", key=f"f-{name}"
            )
            for i, (name, label) in enumerate(ranges)
        }
        engagement = st.slider("Minimum engagement rate", 0.0, 25.0, 0.0, 0.5, format="%.1f%%", key="f-engagement")
        st.form_submit_button("🔎 Search", type="primary", on_click=reset_cursors, key="f-submit")
    return {
        "text": text,
        "category": category,
        "niche": niche,
        "platform": platform,
        "sort": sort,
        "min_engagement": engagement or None,
        "tier": tier,
        **bounds,
    }


def _tier_option(tier: str | None) -> str:
    """'Micro (10k–100k)' from the thresholds in force."""
    if tier is None:
        return "Any"
    low, high = tiers.followers_range(tier)
    span = f"{compact(low)}+" if high is None else f"{compact(low)}–{compact(high)}"
    return f"{tiers.label(tier)} ({span})"


def pager(total: int, shown: int, next_cursor: str | None) -> None:
    """'Showing a–b of N' with Previous / Next buttons over the keyset cursor stack."""
    stack = cursor_stack()
    first = (len(stack) - 1) * PAGE_SIZE + 1
    left, prev_col, next_col = st.columns([4, 1, 1], vertical_alignment="center")
    left.caption(
        f"Showing {first:,}–{first + shown - 1:,} of {total:,}"
        if shown
        else f"No results on this page ({total:,} in all)"
    )
    prev_col.button("← Previous", disabled=len(stack) == 1, on_click=stack.pop, key="page-prev", width="stretch")
    next_col.button(
        "Next →",
        disabled=next_cursor is None,
        on_click=stack.append,
        args=(next_cursor,),
        key="page-next",
        width="stretch",
    )


RESULT_COLUMNS = {
    "display_name": st.column_config.TextColumn("Influencer", width="medium"),
    "tier": st.column_config.TextColumn("Tier", help="By followers: nano, micro, mid, macro, mega"),
    "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%d"),
    "score_reasons": st.column_config.TextColumn("Why this score", width="large"),
    "platform": "Platform",
    "category": "Category",
    "niche": "Niche",
    "followers": st.column_config.NumberColumn("Followers", format="compact"),
    "engagement_rate": st.column_config.NumberColumn("Engagement", format="%.1f%%"),
    "reach": st.column_config.NumberColumn("Reach", format="compact"),
    "profile_url": st.column_config.LinkColumn("Profile", display_text="open ↗"),
}


def influencer_preview(profile: dict) -> None:
    """One influencer's public profile as a card."""
    st.subheader(md_escape(profile["display_name"]))
    st.caption(
        " · ".join(
            md_escape(v)
            for v in (f"@{profile['username']}", profile["platform"], profile["category"], profile["niche"])
            if v
        )
    )
    tier = tiers.tier_of(profile["followers"])
    st.markdown(md("**{tier}** creator · score **{score}**/100", tier=tiers.label(tier), score=profile["score"]))
    figures = metrics.profile_metrics(profile["followers"], profile["engagement_rate"])
    metrics_view.show_metrics(figures.values())
    st.caption(f"Score: {md_escape(profile['score_reasons'])}")
    if profile["bio"]:
        st.text(profile["bio"])
    if profile["profile_url"]:
        st.link_button("Open profile ↗", profile["profile_url"])


def send_request_form(actor, influencer_id: int, options: list[tuple[int, str]]) -> bool:
    """Offer one of the sponsor's active campaigns to an influencer; True when sent."""
    if not options:
        empty_state(md("You need an active campaign to send ad requests — create or activate one on **Campaigns**."))
        return False
    names = dict(options)
    with st.form(f"send-{influencer_id}"):
        left, right = st.columns([2, 1])
        campaign_id = left.selectbox(
            "Campaign", list(names), format_func=names.get, key=f"send-campaign-{influencer_id}"
        )
        payment = right.text_input("Payment offered ($)", placeholder="e.g. 500", key=f"send-payment-{influencer_id}")
        requirements = left.text_area(
            "Requirements",
            key=f"send-requirements-{influencer_id}",
            placeholder="What to deliver, e.g. two posts and a story in March",
        )
        message = right.text_area("Message (optional)", key=f"send-message-{influencer_id}")
        sent = st.form_submit_button("📨 Send ad request", type="primary", key=f"send-submit-{influencer_id}")
    if not sent:
        return False
    return bool(
        run_action(
            lambda s: ad_requests.send_ad_request(
                s,
                actor=actor,
                campaign_id=campaign_id,
                influencer_id=influencer_id,
                requirements=requirements,
                message=message,
                payment_cents=to_cents(payment, field="Payment", allow_zero=False),
            ),
            success="Ad request sent",
        )
    )
