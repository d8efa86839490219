"""The sponsor's pages driven through streamlit's AppTest against a real SQLite database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.errors import PermissionDenied
from core.marketplace import accounts, ad_requests, cached_reads
from core.models import AdRequest, Campaign
from core.platform.timeutil import today
from core.reporting import csvsafe
from pages.common import campaign_tables, influencer_search
from tests import factories as f
from tests.pages.conftest import app_test, picker, select_result_rows

PAGES = ("dashboard", "campaigns", "find_influencers", "downloads")


def open_page(name: str, actor_id: int | None, **tabs: str) -> AppTest:
    """The page run once; tabs= opens tab bars by key first (only the open tab of a bar is built)."""
    at = app_test(f"pages/sponsor/{name}.py", actor_id)
    for key, label in tabs.items():
        at.session_state[key.replace("_", "-")] = label
    return at.run()


NEW_CAMPAIGN = "➕ New campaign"
EDIT_SECTION = "✏️ Edit"
SETTINGS_SECTION = "⚙️ Status, visibility, delete"


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def campaign_rows(app_db) -> list[Campaign]:
    with app_db.ReadSession.begin() as s:
        return list(s.scalars(select(Campaign).order_by(Campaign.id)))


def request_row(app_db, request_id: int) -> AdRequest:
    with app_db.ReadSession.begin() as s:
        return s.get(AdRequest, request_id)


def fill_new_campaign(
    at: AppTest, *, name="Autumn yoga retreat", category="Fitness", budget="2500.50", start=None, end=None
) -> AppTest:
    at.session_state["campaigns-tab"] = NEW_CAMPAIGN  # the form is built only on its open tab
    at.run()
    at.text_input(key="new-campaign-name").input(name)
    at.text_input(key="new-campaign-category").input(category)
    at.text_input(key="new-campaign-budget").input(budget)
    at.date_input(key="new-campaign-start").set_value(start or today())
    at.date_input(key="new-campaign-end").set_value(end or today() + dt.timedelta(days=20))
    at.text_area(key="new-campaign-description").input("Mats and blocks")
    return at.button(key="new-campaign-submit").click().run()


# ---- access ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_a_page_run_without_a_logged_in_user_stops_with_a_warning(app_db, page):
    at = open_page(page, None)
    assert [w.value for w in at.warning] == ["Please log in to see this page."]
    assert not at.title and not at.exception


@pytest.mark.parametrize("page", PAGES)
def test_an_influencer_is_refused_every_sponsor_page(app_db, page):
    influencer = f.influencer(app_db)
    at = open_page(page, influencer.id)
    assert errors(at) == ["This page is not available for your account."]
    assert not at.title and not at.dataframe


def test_a_sponsor_whose_account_was_flagged_is_treated_as_logged_out(app_db):
    sponsor = f.sponsor(app_db)
    with app_db.Session.begin() as s:
        accounts.flag_user(s, actor=f.admin(app_db), user_id=sponsor.id, reason="Spam")
    at = open_page("dashboard", sponsor.id)
    assert [w.value for w in at.warning] == ["Please log in to see this page."]


# ---- dashboard --------------------------------------------------------------------------------------------


def test_dashboard_without_campaigns_says_to_create_one(app_db):
    at = open_page("dashboard", f.sponsor(app_db).id)
    assert_clean(at)
    assert at.title[0].value == "Dashboard"
    assert "No campaigns yet — create one" in at.info[0].value
    assert not at.metric


def test_dashboard_shows_kpis_budget_progress_and_the_burn_for_a_sponsor(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, name="Spring run", budget_cents=100_000)
    f.campaign(app_db, sponsor, name="Quiet draft", status="draft")
    request_id = f.request(app_db, sponsor, campaign_id, influencer, payment_cents=25_000)
    with app_db.Session.begin() as s:
        ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    at = open_page("dashboard", sponsor.id)
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Active campaigns"] == "1"
    assert metrics["Committed"] == "$250.00"
    assert metrics["Remaining"] == "$1,750.00"
    table = at.dataframe[0].value
    spring = table[table["name"] == "Spring run"].iloc[0]
    assert spring["used"] == pytest.approx(25.0) and spring["accepted"] == 1
    assert len(at.get("plotly_chart")) == 1  # budget by campaign: only the open tab is built
    at.session_state["dashboard-tab"] = "🔥 Budget burn"
    at.run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2  # budget used, burn
    at.session_state["dashboard-tab"] = "📨 Requests by status"
    at.run()
    assert len(at.get("plotly_chart")) == 1


# ---- campaigns: create, validate, edit, status, delete ------------------------------------------------------


def test_sponsor_can_create_a_campaign_from_the_form(app_db):
    sponsor = f.sponsor(app_db)
    at = fill_new_campaign(open_page("campaigns", sponsor.id))
    assert_clean(at)
    rows = campaign_rows(app_db)
    assert [(c.name, c.category, c.budget_cents, c.status, c.sponsor_id) for c in rows] == [
        ("Autumn yoga retreat", "Fitness", 250_050, "active", sponsor.id)
    ]
    assert at.success[0].value.startswith("Campaign created")
    assert picker(at, campaign_tables.PICKED_CAMPAIGN).value == rows[0].id
    assert at.session_state["campaigns-tab"] == "📋 My campaigns"  # it opens the new campaign, not the form again


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"end": today() - dt.timedelta(days=3)}, "End date cannot be before the start date."),
        ({"budget": "-100"}, "Budget cannot be negative."),
        (
            {"budget": "lots"},
            r"Budget must be a number, like 1500, 1500.50, 1,500.00 or \$1,500"  # the $ escaped as Markdown
            " (a dot before the cents, commas only between thousands).",
        ),
        (
            {"budget": "1,50"},
            r"Budget must be a number, like 1500, 1500.50, 1,500.00 or \$1,500"  # never read as $150.00
            " (a dot before the cents, commas only between thousands).",
        ),
        ({"name": "   "}, "Campaign name is required."),
    ],
)
def test_bad_campaign_input_shows_an_error_and_saves_nothing(app_db, fields, message):
    at = fill_new_campaign(open_page("campaigns", f.sponsor(app_db).id), **fields)
    assert errors(at) == [message]
    assert campaign_rows(app_db) == []


def test_sponsor_can_edit_a_campaign_in_the_prefilled_form(app_db):
    sponsor = f.sponsor(app_db)
    campaign_id = f.campaign(app_db, sponsor, name="Old name", budget_cents=100_000)
    at = open_page("campaigns", sponsor.id, campaign_section=EDIT_SECTION)
    assert at.text_input(key=f"edit-{campaign_id}-budget").value == "1000.00"
    at.text_input(key=f"edit-{campaign_id}-name").input("New name")
    at.text_input(key=f"edit-{campaign_id}-budget").input("1,500")
    at.button(key=f"edit-{campaign_id}-submit").click().run()
    assert_clean(at)
    (row,) = campaign_rows(app_db)
    assert (row.name, row.budget_cents) == ("New name", 150_000)


def test_cancelling_a_campaign_needs_the_confirmation_box(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    request_id = f.request(app_db, sponsor, campaign_id, influencer)
    at = open_page("campaigns", sponsor.id, campaign_section=SETTINGS_SECTION)
    at.radio(key=f"status-target-{campaign_id}").set_value("cancelled")
    at.button(key=f"status-submit-{campaign_id}").click().run()
    assert "Tick the confirmation box" in at.warning[0].value
    assert campaign_rows(app_db)[0].status == "active"

    at.checkbox(key=f"status-confirm-{campaign_id}").check()
    at.button(key=f"status-submit-{campaign_id}").click().run()
    assert_clean(at)
    assert campaign_rows(app_db)[0].status == "cancelled"
    assert request_row(app_db, request_id).status == "withdrawn"


def test_sponsor_can_make_a_campaign_private(app_db):
    sponsor = f.sponsor(app_db)
    campaign_id = f.campaign(app_db, sponsor, is_public=True)
    at = open_page("campaigns", sponsor.id, campaign_section=SETTINGS_SECTION)
    at.button(key=f"visibility-{campaign_id}").click().run()
    assert_clean(at)
    assert campaign_rows(app_db)[0].is_public is False


def test_deleting_a_campaign_is_disabled_until_confirmed_then_removes_it(app_db):
    sponsor = f.sponsor(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    at = open_page("campaigns", sponsor.id, campaign_section=SETTINGS_SECTION)
    assert at.button(key=f"delete-{campaign_id}").disabled
    at.checkbox(key=f"delete-confirm-{campaign_id}").check().run()
    at.button(key=f"delete-{campaign_id}").click().run()
    assert_clean(at)
    assert campaign_rows(app_db) == []
    assert "No campaigns yet — create one" in at.info[0].value


def test_a_campaign_with_requests_cannot_be_deleted_and_the_page_says_why(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    f.request(app_db, sponsor, campaign_id, influencer)
    at = open_page("campaigns", sponsor.id, campaign_section=SETTINGS_SECTION)
    at.checkbox(key=f"delete-confirm-{campaign_id}").check().run()
    at.button(key=f"delete-{campaign_id}").click().run()
    assert "Cancel the campaign instead" in errors(at)[0]
    assert len(campaign_rows(app_db)) == 1


# ---- campaigns: only the open tab is built, the table is cached -------------------------------------------


def test_the_campaigns_table_counts_an_influencers_new_request_on_the_next_run_despite_the_cache(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, is_public=True)
    at = open_page("campaigns", sponsor.id)
    assert list(at.dataframe[0].value["requests"]) == [0]  # read, and cached

    with app_db.Session.begin() as s:  # the influencer, in another session (as from another process)
        ad_requests.ask_to_join(s, actor=influencer, campaign_id=campaign_id, payment_cents=20_000, message="Hi")
    at.run()
    assert list(at.dataframe[0].value["requests"]) == [1]
    assert list(at.dataframe[0].value["awaiting_me"]) == [1]


def test_the_new_campaign_tab_builds_the_form_and_not_the_campaign_table(app_db):
    sponsor = f.sponsor(app_db)
    f.campaign(app_db, sponsor)
    at = open_page("campaigns", sponsor.id, campaigns_tab=NEW_CAMPAIGN)
    assert_clean(at)
    assert at.text_input(key="new-campaign-name")
    assert not at.dataframe


def test_only_the_open_section_of_a_campaign_is_built(app_db):
    sponsor = f.sponsor(app_db)
    campaign_id = f.campaign(app_db, sponsor, name="Spring launch")
    at = open_page("campaigns", sponsor.id)
    assert not [t for t in at.text_input if t.key == f"edit-{campaign_id}-name"], "the edit form waits for its tab"
    assert "No ad requests yet" in at.info[0].value

    at.session_state["campaign-section"] = EDIT_SECTION
    at.run()
    assert at.text_input(key=f"edit-{campaign_id}-name").value == "Spring launch"
    assert not [i for i in at.info if "No ad requests yet" in i.value]


def test_a_request_link_opens_my_campaigns_and_the_requests_section_from_any_other_tab(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    request_id = f.request(app_db, sponsor, campaign_id, influencer)
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.session_state["campaigns-tab"] = NEW_CAMPAIGN  # where the user was last
    at.session_state["campaign-section"] = SETTINGS_SECTION
    at.query_params["request"] = str(request_id)
    at.run()
    assert_clean(at)
    assert at.session_state["campaigns-tab"] == "📋 My campaigns"
    assert picker(at, f"request-pick-{campaign_id}").value == request_id


def test_a_download_reads_its_file_when_clicked_so_a_request_sent_after_the_page_opened_is_in_it(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db, name="Ana Trails")
    campaign_id = f.campaign(app_db, sponsor)
    at = open_page("downloads", sponsor.id)
    assert [m.value for m in at.metric] == ["1", "0"]  # the page's overview is read, and cached

    f.request(app_db, sponsor, campaign_id, influencer)
    text = campaign_tables.download_csv(app_db, sponsor, "ad-requests", limit=10).decode()
    assert len(text.splitlines()) == 2 and "Ana Trails" in text
    with pytest.raises(PermissionDenied):
        campaign_tables.download_csv(app_db, influencer, "campaigns", limit=10)


def test_picking_another_negotiation_shows_that_one_and_not_the_one_read_ahead(app_db):
    sponsor, ana, bo = f.sponsor(app_db), f.influencer(app_db, name="Ana"), f.influencer(app_db, name="Bo")
    campaign_id = f.campaign(app_db, sponsor, budget_cents=100_000)
    with app_db.Session.begin() as s:
        first = ad_requests.ask_to_join(s, actor=ana, campaign_id=campaign_id, payment_cents=1_000, message="From Ana")
        second = ad_requests.ask_to_join(s, actor=bo, campaign_id=campaign_id, payment_cents=2_000, message="From Bo")
    at = open_page("campaigns", sponsor.id)
    shown = picker(at, f"request-pick-{campaign_id}").value
    assert shown in (first, second)
    other, other_text = (second, "From Bo") if shown == first else (first, "From Ana")

    picker(at, f"request-pick-{campaign_id}").select(other).run()
    assert_clean(at)
    texts = [t.value for t in at.text]
    assert other_text in texts and ("From Ana" if other == second else "From Bo") not in texts
    assert at.button(key=f"accept-{other}")


def test_the_downloads_overview_refuses_an_influencer_before_looking_at_the_cache(app_db):
    influencer = f.influencer(app_db)
    with pytest.raises(PermissionDenied):
        cached_reads.sponsor_downloads_overview(app_db, actor=influencer, limit=10)


# ---- campaigns: negotiation ----------------------------------------------------------------------------------


def test_sponsor_can_accept_an_influencers_offer(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, budget_cents=100_000)
    with app_db.Session.begin() as s:
        request_id = ad_requests.ask_to_join(
            s, actor=influencer, campaign_id=campaign_id, payment_cents=30_000, message="Count me in"
        )
    at = open_page("campaigns", sponsor.id)
    assert picker(at, f"request-pick-{campaign_id}").value == request_id
    assert "Count me in" in [t.value for t in at.text]
    at.button(key=f"accept-{request_id}").click().run()
    assert_clean(at)
    assert request_row(app_db, request_id).status == "accepted"
    assert campaign_rows(app_db)[0].committed_cents == 30_000
    assert at.button(key=f"complete-submit-{request_id}")  # accepted work can now be marked completed


def test_sponsor_can_counter_an_influencers_counter_offer(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, budget_cents=100_000)
    request_id = f.request(app_db, sponsor, campaign_id, influencer, payment_cents=10_000)
    with app_db.Session.begin() as s:
        ad_requests.counter_offer(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            payment_cents=20_000,
            message="I need more",
        )
    at = open_page("campaigns", sponsor.id)
    at.text_input(key=f"counter-{request_id}").input("150")
    at.text_area(key=f"respond-message-{request_id}").input("Meet in the middle?")
    at.button(key=f"counter-submit-{request_id}").click().run()
    assert_clean(at)
    row = request_row(app_db, request_id)
    assert (row.status, row.payment_cents, row.turn) == ("negotiating", 15_000, "influencer")
    assert f"counter-{request_id}" not in [w.key for w in at.text_input]  # no longer the sponsor's turn


def test_a_counter_offer_with_a_bad_amount_shows_an_error_and_changes_nothing(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    with app_db.Session.begin() as s:
        request_id = ad_requests.ask_to_join(
            s, actor=influencer, campaign_id=campaign_id, payment_cents=30_000, message="Hello"
        )
    at = open_page("campaigns", sponsor.id)
    at.text_area(key=f"respond-message-{request_id}").input("Less?")
    at.button(key=f"counter-submit-{request_id}").click().run()
    assert errors(at) == ["Counter-offer is required."]
    row = request_row(app_db, request_id)
    assert (row.status, row.payment_cents) == ("pending", 30_000)


def test_sponsor_can_edit_then_withdraw_a_request_nobody_answered(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    request_id = f.request(app_db, sponsor, campaign_id, influencer, payment_cents=10_000)
    at = open_page("campaigns", sponsor.id)
    assert f"accept-{request_id}" not in [b.key for b in at.button]  # the influencer's turn, not ours
    at.text_input(key=f"edit-pay-{request_id}").input("120")
    at.button(key=f"edit-submit-{request_id}").click().run()
    assert_clean(at)
    assert request_row(app_db, request_id).payment_cents == 12_000
    at.button(key=f"withdraw-submit-{request_id}").click().run()
    assert_clean(at)
    assert request_row(app_db, request_id).status == "withdrawn"


# ---- find influencers ------------------------------------------------------------------------------------------


def test_sponsor_can_send_an_ad_request_from_search(app_db):
    sponsor = f.sponsor(app_db)
    influencer = f.influencer(app_db, name="Maya Stretch", followers=80_000, engagement_rate=5.0)
    campaign_id = f.campaign(app_db, sponsor, name="Spring run")
    at = select_result_rows(open_page("find_influencers", sponsor.id), 0)
    assert_clean(at)
    picker(at, f"send-campaign-{influencer.id}").select(campaign_id)
    at.text_area(key=f"send-requirements-{influencer.id}").input("One reel")
    at.text_input(key=f"send-payment-{influencer.id}").input("400")
    at.button(key=f"send-submit-{influencer.id}").click().run()
    assert_clean(at)
    with app_db.ReadSession.begin() as s:
        rows = s.execute(
            select(
                AdRequest.campaign_id,
                AdRequest.influencer_id,
                AdRequest.payment_cents,
                AdRequest.requirements,
                AdRequest.status,
            )
        ).all()
    assert [tuple(r) for r in rows] == [(campaign_id, influencer.id, 40_000, "One reel", "pending")]
    assert at.success[0].value == "Ad request sent"


def test_sending_an_ad_request_without_a_payment_shows_an_error(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    f.campaign(app_db, sponsor)
    at = select_result_rows(open_page("find_influencers", sponsor.id), 0)
    at.text_area(key=f"send-requirements-{influencer.id}").input("One reel")
    at.button(key=f"send-submit-{influencer.id}").click().run()
    assert errors(at) == ["Payment is required."]
    with app_db.ReadSession.begin() as s:
        assert s.scalar(select(func.count()).select_from(AdRequest)) == 0


def test_search_without_an_active_campaign_says_to_create_one_first(app_db):
    sponsor = f.sponsor(app_db)
    f.influencer(app_db)
    f.campaign(app_db, sponsor, status="draft")
    at = select_result_rows(open_page("find_influencers", sponsor.id), 0)
    assert_clean(at)
    assert any("You need an active campaign" in i.value for i in at.info)


def test_search_shows_score_reasons_and_pages_with_next_and_previous(app_db, monkeypatch):
    monkeypatch.setattr(influencer_search, "PAGE_SIZE", 2)
    sponsor = f.sponsor(app_db)
    for followers in (10_000, 20_000, 30_000, 40_000, 50_000):
        f.influencer(app_db, followers=followers, engagement_rate=3.0)
    at = open_page("find_influencers", sponsor.id)
    at.selectbox(key="f-sort").select("followers")
    at.button(key="f-submit").click().run()
    assert "Showing 1–2 of 5" in [c.value for c in at.caption]
    first = at.dataframe[0].value
    assert list(first["followers"]) == [50_000, 40_000]
    assert first["score_reasons"].str.contains("engagement 3.0%").all()
    assert at.button(key="page-prev").disabled

    at.button(key="page-next").click().run()
    at.button(key="page-next").click().run()
    assert "Showing 5–5 of 5" in [c.value for c in at.caption]
    assert list(at.dataframe[0].value["followers"]) == [10_000]
    assert at.button(key="page-next").disabled

    at.button(key="page-prev").click().run()
    assert list(at.dataframe[0].value["followers"]) == [30_000, 20_000]

    at.selectbox(key="f-sort").select("reach")  # a new search starts again at the first page
    at.button(key="f-submit").click().run()
    assert "Showing 1–2 of 5" in [c.value for c in at.caption]


def test_search_filters_narrow_the_results_and_bad_ranges_are_explained(app_db):
    sponsor = f.sponsor(app_db)
    f.influencer(app_db, name="Yoga Yuki", category="Fitness", platform="youtube", followers=90_000)
    f.influencer(app_db, name="Chef Omar", category="Food", platform="instagram", followers=5_000)
    at = open_page("find_influencers", sponsor.id)
    at.selectbox(key="f-category").select("Food")
    at.button(key="f-submit").click().run()
    assert list(at.dataframe[0].value["display_name"]) == ["Chef Omar"]

    at.selectbox(key="f-category").select(None)
    at.number_input(key="f-min_followers").set_value(50_000)
    at.number_input(key="f-max_followers").set_value(1_000)
    at.button(key="f-submit").click().run()
    assert errors(at) == ["Minimum followers cannot be more than maximum followers."]


# ---- downloads ------------------------------------------------------------------------------------------------


def test_downloads_offer_campaigns_and_requests_as_csv(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor)
    f.request(app_db, sponsor, campaign_id, influencer)
    at = open_page("downloads", sponsor.id)
    assert_clean(at)
    assert [b.label for b in at.get("download_button")] == ["Download campaigns (CSV)", "Download ad requests (CSV)"]
    assert [m.value for m in at.metric] == ["1", "1"]


def test_downloads_show_a_new_request_and_a_renamed_influencer_at_once_despite_the_cache(app_db):
    sponsor, ana = f.sponsor(app_db), f.influencer(app_db, name="Ana Trails")
    campaign_id = f.campaign(app_db, sponsor)
    f.request(app_db, sponsor, campaign_id, ana)
    assert [m.value for m in open_page("downloads", sponsor.id).metric] == ["1", "1"]  # read, and cached

    f.request(app_db, sponsor, f.campaign(app_db, sponsor, name="Autumn"), f.influencer(app_db, name="Bo Lake"))
    at = open_page("downloads", sponsor.id)
    assert [m.value for m in at.metric] == ["2", "2"]
    with app_db.Session.begin() as s:
        accounts.update_influencer_profile(
            s, actor=ana, display_name="Ana Peaks", category="Travel", platform="instagram", followers=5000,
            engagement_rate=3.0,
        )  # fmt: skip
    names = set(open_page("downloads", sponsor.id).dataframe[1].value["influencer"])
    assert "Ana Peaks" in names and "Ana Trails" not in names


def test_downloads_without_data_say_there_is_nothing_to_download(app_db):
    at = open_page("downloads", f.sponsor(app_db).id)
    assert_clean(at)
    assert not at.get("download_button")
    assert sum("nothing to download" in i.value for i in at.info) == 2


def test_the_campaign_csv_neutralises_formulas_and_keeps_exact_amounts(app_db):
    frame = pd.DataFrame(
        [
            {
                "id": 7,
                "name": '=HYPERLINK("http://evil")',
                "category": "+Fit",
                "niche": "@yoga",
                "status": "active",
                "is_public": True,
                "flagged": False,
                "flag_reason": None,
                "start_date": dt.date(2026, 1, 1),
                "end_date": dt.date(2026, 2, 1),
                "budget_cents": 123_456,
                "committed_cents": 10,
                "remaining_cents": 123_446,
                "pending": 0,
                "negotiating": 0,
                "accepted": 0,
                "rejected": 0,
                "withdrawn": 0,
                "completed": 0,
                "awaiting_me": 0,
                "requests": 0,
            }
        ]
    )
    text = csvsafe.frame_to_csv_bytes(campaign_tables.campaigns_export(frame)).decode()
    header, row = text.splitlines()
    assert header.startswith(
        "id,name,category,niche,status,is_public,flagged,start_date,end_date,budget,committed,remaining,"
    )
    assert row.startswith(
        '7,"\'=HYPERLINK(""http://evil"")",\'+Fit,\'@yoga,active,True,False,2026-01-01,2026-02-01,1234.56,0.10,1234.46,'
    )


def test_sponsor_accepting_an_ask_the_influencer_lowered_meanwhile_is_refused(app_db):
    sponsor, influencer = f.sponsor(app_db), f.influencer(app_db)
    campaign_id = f.campaign(app_db, sponsor, budget_cents=100_000)
    request_id = f.ask(app_db, influencer, campaign_id, payment_cents=5_000)
    at = open_page("campaigns", sponsor.id)  # "Accept $50.00"
    with app_db.Session.begin() as s:
        ad_requests.edit_ad_request(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            requirements="Just one story",
            payment_cents=100,
        )
    at.button(key=f"accept-{request_id}").click().run()
    assert errors(at) == ["This offer changed while you were looking at it (now \\$1.00). Review it and try again."]
    row = request_row(app_db, request_id)
    assert (row.status, row.payment_cents) == ("pending", 100)
    assert campaign_rows(app_db)[0].committed_cents == 0
