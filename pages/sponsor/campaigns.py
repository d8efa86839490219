"""Sponsor campaigns: create, edit, publish, change status, delete, and negotiate their ad requests."""

import streamlit as st

from core.crm import metrics
from core.deals import cached as deal_cache
from core.marketplace import ad_requests, campaigns, organizations
from pages.common import deep_links, metrics_view
from pages.common import product_views as pv
from pages.common import campaign_forms as forms
from pages.common import campaign_tables as tables
from pages.common import sponsor_requests as requests_view
from pages.common.session import current_actor, read, read_cached, run_action, show_flash
from pages.common.markup import md
from pages.common.widgets import empty_state, md_escape, open_tab, status_label, tabs
from pages.common.formatting import money, table
from pages.common.pickers import pick, remember

actor = current_actor(role="sponsor")
st.title("Campaigns", icon="📣")
st.caption("Create campaigns, decide who can see them, and negotiate with the influencers you want to hire.")
show_flash()

MINE = "📋 My campaigns"
mine_tab, new_tab = tabs([MINE, "➕ New campaign"], key="campaigns-tab")
with new_tab:  # handled first so a new campaign can be pre-selected before the picker is drawn
    org = read(lambda s: organizations.get_organization(s, actor=actor))
    brands = {b["id"]: b["name"] for b in org["brands"]} if org else {}
    values = forms.campaign_form("new-campaign", submit="Create campaign", brands=brands)
    if values is not None:
        new_id = run_action(
            lambda s: campaigns.create_campaign(s, actor=actor, **forms.campaign_fields(values)),
            success="Campaign created — you can now find influencers for it",
        )
        if new_id:  # go to it: picked on the "My campaigns" tab
            st.session_state[tables.PICKED_CAMPAIGN] = new_id
            open_tab("campaigns-tab", MINE)
            st.rerun()

with mine_tab:
    frame = read(lambda s: campaigns.list_sponsor_campaigns(s, actor=actor))
    if frame is None or frame.empty:
        empty_state(md("No campaigns yet — create one in the **New campaign** tab."), icon="🚀")
        st.stop()
    table(
        tables.campaign_table(frame),
        column_config=tables.campaign_columns(),
        hide_index=True,
        column_order=tables.CAMPAIGN_PAGE_COLUMNS,
    )
    names = {int(i): f"{n} (#{i})" for i, n in zip(frame["id"], frame["name"])}
    if st.session_state.get(tables.PICKED_CAMPAIGN) not in names:  # first visit, or the campaign was deleted
        remember(tables.PICKED_CAMPAIGN, tables.first_awaiting(frame))
    # A deep link names a campaign, or a request whose campaign the (permission-checked) thread read tells.
    linked_request, linked = deep_links.take("request"), deep_links.take("campaign")
    thread = linked_request and read(lambda s: ad_requests.get_thread(s, actor=actor, ad_request_id=linked_request))
    linked = thread["campaign_id"] if thread else linked
    if linked is not None and linked not in names:
        st.warning("That campaign is not one of your organization's campaigns (or it was deleted).", icon="🔗")
    campaign_id = pick("Manage a campaign", names, key=tables.PICKED_CAMPAIGN, preselect=linked)
    c = read(lambda s: campaigns.get_campaign(s, actor=actor, campaign_id=campaign_id))
    if c is None:
        st.stop()

    st.subheader(md_escape(c["name"]), divider="gray")
    st.caption(
        f"{status_label(c['status'])} · {md_escape(c['category'])} · {c['start_date']:%d %b %Y} → "
        f"{c['end_date']:%d %b %Y} · {'🌐 public' if c['is_public'] else '🔒 private'}"
    )
    if c["flagged"]:
        st.warning(
            f"🚩 Flagged by an administrator: {md_escape((c['flag_reason'] or 'no reason given').rstrip('.'))}. "
            "It is hidden from influencers and cannot take requests."
        )
    burn = read_cached(lambda db: deal_cache.budget_burn(db, actor=actor))
    spent = burn[burn["campaign_id"] == campaign_id] if burn is not None else None
    figures = read(lambda s: metrics.campaign_metrics(s, actor=actor, campaign_id=campaign_id))
    kpis = [*st.columns(3), *st.columns(3)]  # two rows of three: six figures do not fit one row
    kpis[0].metric("Budget", money(c["budget_cents"]))
    kpis[1].metric("Committed", money(c["committed_cents"]), help="Fees of accepted deals")
    kpis[2].metric("Remaining", money(c["remaining_cents"]))
    if figures is not None:
        kpis[3].metric("Gifted products", money(figures["gifted"].value), help="Price × quantity, less discounts")
    if spent is not None and not spent.empty:
        kpis[4].metric("Invoiced", money(int(spent.iloc[0]["invoiced_cents"])))
        kpis[5].metric("Paid", money(int(spent.iloc[0]["paid_cents"])))
    if figures is not None:
        with st.expander("📈 Cost and reach: fees + gifted products, CPM, CPE, EMV"):
            keys = ("cost", "live_posts", "impressions", "engagements", "cpm", "cpe", "emv")
            metrics_view.show_metrics([figures[k] for k in keys])

    sections = ["💬 Ad requests", "🎁 Gifted products", "✏️ Edit", "⚙️ Status, visibility, delete"]
    requests_tab, products_tab, edit_tab, settings_tab = tabs(sections, key="campaign-section")
    with requests_tab:
        opened = thread["id"] if thread and thread["campaign_id"] == campaign_id else None
        changed = requests_view.requests_panel(actor, campaign_id, open_request=opened)
    with products_tab:
        editable = actor.can("product.manage") and c["status"] not in ("completed", "cancelled")
        changed = pv.campaign_products_panel(actor, campaign_id, editable=editable) or changed
    with edit_tab:
        changed = forms.edit_panel(actor, c) or changed
    with settings_tab:
        changed = forms.settings_panel(actor, c) or changed
    if changed:
        st.rerun()
