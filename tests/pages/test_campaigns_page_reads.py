"""How the sponsor's Campaigns page reads (issue #12): what it shows must not change with how it is read."""

from __future__ import annotations

import pytest
from streamlit import dataframe_util

from core.marketplace import ad_requests, cached_reads
from pages.common import campaign_tables as tables
from pages.common import sponsor_requests
from tests import factories as f
from tests.pages.conftest import app_test

REQUESTS = "💬 Ad requests"
SETTINGS = "⚙️ Status, visibility, delete"


@pytest.fixture
def a_campaign_with_a_request(app_db):
    sponsor = f.sponsor(app_db)
    influencer = f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, name="Spring launch")
    request_id = f.request(app_db, sponsor, campaign_id, influencer, payment_cents=25_000)
    return sponsor, campaign_id, request_id


@pytest.fixture
def panel_reads(monkeypatch):
    """The reads the requests panel makes for itself (not the ones the page made for it)."""
    calls = []
    original = sponsor_requests.read

    def counted(fn):
        calls.append(fn)
        return original(fn)

    monkeypatch.setattr(sponsor_requests, "read", counted)
    return calls


def test_the_requests_section_is_read_in_the_campaigns_own_transaction_and_shows_the_request(
    app_db, a_campaign_with_a_request, panel_reads
):
    sponsor, _, request_id = a_campaign_with_a_request
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.run()
    assert not at.exception
    requests_table = at.dataframe[1].value
    assert list(requests_table["payment"]) == [250.0]
    assert any(f"#{request_id}" in str(box.value) or box.value == request_id for box in at.selectbox)
    assert panel_reads == []  # the page read the requests and the opened negotiation already


def test_a_pending_switch_to_the_requests_section_reads_them_early_too(app_db, a_campaign_with_a_request, panel_reads):
    sponsor, _, _ = a_campaign_with_a_request
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.session_state["campaign-section"] = SETTINGS
    at.session_state["campaign-section:next"] = REQUESTS  # open_tab from a deep link or an action
    at.run()
    assert not at.exception and len(at.dataframe) == 2 and panel_reads == []


def test_another_open_section_does_not_read_the_requests(app_db, a_campaign_with_a_request, monkeypatch):
    sponsor, _, _ = a_campaign_with_a_request
    calls = []
    original = ad_requests.campaign_requests
    monkeypatch.setattr(ad_requests, "campaign_requests", lambda *a, **k: calls.append(1) or original(*a, **k))
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.session_state["campaign-section"] = SETTINGS
    at.run()
    assert not at.exception and calls == [] and len(at.dataframe) == 1


def test_a_refused_early_read_leaves_the_panel_to_read_and_show_the_refusal(
    app_db, a_campaign_with_a_request, monkeypatch
):
    sponsor, _, _ = a_campaign_with_a_request
    from core.errors import PermissionDenied

    def refuse(*args, **kwargs):
        raise PermissionDenied("No requests for you.")

    monkeypatch.setattr(ad_requests, "campaign_requests", refuse)
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["No requests for you."]
    assert at.subheader  # the campaign itself is still shown


def test_the_arrow_tables_send_the_same_bytes_as_the_shaped_frames_would(app_db, a_campaign_with_a_request):
    sponsor, campaign_id, _ = a_campaign_with_a_request
    f.campaign(app_db, sponsor, name="No requests yet", description="")
    frame = cached_reads.list_sponsor_campaigns(app_db, actor=sponsor)
    requests = f.read(app_db, lambda s: ad_requests.campaign_requests(s, actor=sponsor, campaign_id=campaign_id))
    to_bytes = dataframe_util.convert_arrow_table_to_arrow_bytes
    assert to_bytes(tables.campaigns_arrow(frame)) == dataframe_util.convert_pandas_df_to_arrow_bytes(
        tables.display_campaigns(frame)
    )
    assert to_bytes(tables.requests_arrow(requests)) == dataframe_util.convert_pandas_df_to_arrow_bytes(
        tables.display_requests(requests)
    )
