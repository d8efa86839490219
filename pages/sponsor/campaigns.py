"""Sponsor campaigns: create, edit, publish, change status, delete, and negotiate their ad requests."""

import streamlit as st

from core.crm import metrics
from core.errors import DomainError
from core.marketplace import ad_requests, cached_reads, campaigns, organizations
from pages.common import deep_links
from pages.common.campaign_overview import campaign_overview
from pages.common import product_views as pv
from pages.common import campaign_forms as forms
from pages.common import campaign_tables as tables
from pages.common import sponsor_requests as requests_view
from pages.common.session import current_actor, read, read_cached, run_action, show_flash
from pages.common.markup import md
from pages.common.widgets import empty_state, likely_tab, open_tab, tabs
from pages.common.formatting import prepared_table
from pages.common.pickers import pick, remember


def campaign_figures(session, actor, campaign_id: int) -> tuple[dict | None, DomainError | None]:
    """The campaign's cost and reach figures, or the reason they cannot be shown (e.g. no CRM permission)."""
    try:
        return metrics.campaign_metrics(session, actor=actor, campaign_id=campaign_id), None
    except DomainError as error:
        return None, error


def requests_early(session, actor, campaign_id: int, opened: int | None):
    """The requests panel's read in the campaign's transaction, or None to let the panel read (and show a refusal)."""
    try:
        return requests_view.requests_reader(actor, campaign_id, open_request=opened)(session)
    except DomainError:
        return None


actor = current_actor(role="sponsor")
st.title("Campaigns", icon="📣")
st.caption("Create campaigns, decide who can see them, and negotiate with the influencers you want to hire.")
show_flash()

MINE = "📋 My campaigns"
REQUESTS = "💬 Ad requests"
# A deep link is shown on the campaigns tab, a request's negotiation in the requests section (only open tabs are built).
if "request" in st.query_params or "campaign" in st.query_params:
    open_tab("campaigns-tab", MINE)
if "request" in st.query_params:
    open_tab("campaign-section", REQUESTS)
mine_tab, new_tab = tabs([MINE, "➕ New campaign"], key="campaigns-tab")
# Only the open tab is built (the bar reruns the page on a switch): a busy sponsor's 1,000-row table and the
# chosen campaign's panels are not drawn behind the form, nor the form behind them.
if new_tab.open:
    with new_tab:
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
    st.stop()

with mine_tab:
    # Cached per organization (the dashboard's scope): every campaign write and request transition bumps it.
    frame = read_cached(lambda db: cached_reads.list_sponsor_campaigns(db, actor=actor))
    if frame is None or frame.empty:
        empty_state(md("No campaigns yet — create one in the **New campaign** tab."), icon="🚀")
        st.stop()
    # Shaped, blanked and converted to Arrow once per content of the campaigns (memoized): st.dataframe.
    prepared_table(
        tables.campaigns_arrow(frame),
        column_config=tables.campaign_columns(),
        hide_index=True,
        column_order=tables.CAMPAIGN_PAGE_COLUMNS,
    )
    # Python lists first: iterating an Arrow-backed string column item by item costs ~20x more for a thousand names.
    names = {int(i): f"{n} (#{i})" for i, n in zip(frame["id"].tolist(), frame["name"].tolist())}
    if st.session_state.get(tables.PICKED_CAMPAIGN) not in names:  # first visit, or the campaign was deleted
        remember(tables.PICKED_CAMPAIGN, tables.first_awaiting(frame))
    # A deep link names a campaign, or a request whose campaign the (permission-checked) thread read tells.
    linked_request, linked = deep_links.take("request"), deep_links.take("campaign")
    thread = linked_request and read(lambda s: ad_requests.get_thread(s, actor=actor, ad_request_id=linked_request))
    linked = thread["campaign_id"] if thread else linked
    if linked is not None and linked not in names:
        st.warning("That campaign is not one of your organization's campaigns (or it was deleted).", icon="🔗")
    campaign_id = pick("Manage a campaign", names, key=tables.PICKED_CAMPAIGN, preselect=linked)
    sections = [REQUESTS, "🎁 Gifted products", "✏️ Edit", "⚙️ Status, visibility, delete"]
    opened = thread["id"] if thread and thread["campaign_id"] == campaign_id else None
    # The campaign and its cost figures in one transaction; a figures error (no CRM permission) is shown below.
    # The requests section, the one most often open, reads its requests in the same transaction.
    early_requests = likely_tab(sections, key="campaign-section") == REQUESTS
    picked = read(
        lambda s: (
            campaigns.get_campaign(s, actor=actor, campaign_id=campaign_id),
            *campaign_figures(s, actor, campaign_id),
            early_requests and requests_early(s, actor, campaign_id, opened),
        )
    )
    if picked is None:
        st.stop()
    c, figures, figures_error, requests_found = picked

    campaign_overview(actor, c, figures, figures_error)

    requests_tab, products_tab, edit_tab, settings_tab = tabs(sections, key="campaign-section")
    changed = False
    # Only the open section is built, like the tab bar above.
    if requests_tab.open:
        with requests_tab:
            changed = requests_view.requests_panel(
                actor, campaign_id, open_request=opened, found=requests_found or None
            )
    if products_tab.open:
        with products_tab:
            editable = actor.can("product.manage") and c["status"] not in ("completed", "cancelled")
            changed = pv.campaign_products_panel(actor, campaign_id, editable=editable)
    if edit_tab.open:
        with edit_tab:
            changed = forms.edit_panel(actor, c)
    if settings_tab.open:
        with settings_tab:
            changed = forms.settings_panel(actor, c)
    if changed:
        st.rerun()
