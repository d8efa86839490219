"""The sponsor's campaign form and the panels that edit, publish, change status or delete a campaign."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.marketplace import campaigns
from core.platform.timeutil import today
from pages.common.formatting import units
from pages.common.session import run_action
from pages.common.pickers import pick


def campaign_form(
    key: str, *, submit: str, current: dict | None = None, brands: dict[int, str] | None = None
) -> dict | None:
    """A campaign form (prefilled from current when editing; a brand picker when the organization has several);
    the raw values once submitted, else None."""
    c = current or {}
    with st.form(key):
        name = st.text_input("Campaign name", value=c.get("name", ""), max_chars=120, key=f"{key}-name")
        brand_id = pick("Brand", brands, key=f"{key}-brand") if brands and len(brands) > 1 else None
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
    """Form values as service keyword arguments; the budget stays as typed so the service checks it with the rest."""
    fields = {k: v for k, v in values.items() if k != "budget" and (with_status or k != "status")}
    return {**fields, "budget_cents": values["budget"]}


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
        if st.button("Delete campaign", disabled=not sure, key=f"delete-{cid}"):
            return bool(
                run_action(
                    lambda s: campaigns.delete_campaign(s, actor=actor, campaign_id=cid), success="Campaign deleted"
                )
            )
    return False
