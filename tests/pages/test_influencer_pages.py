"""The influencer's pages driven through Streamlit's AppTest against a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from core.marketplace import accounts, ad_requests, campaigns
from core.messaging import notifications
from core.models import AdRequest
from tests.pages.conftest import answer, answer_keys, picker
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("inbox", "find_campaigns", "profile", "notifications")


@pytest.fixture
def db(app_db):
    """The pages' database (tests/pages/conftest.py): the test's SQLite file, caches emptied."""
    return app_db


def open_page(name: str, actor=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "influencer" / f"{name}.py"), default_timeout=30)
    if actor is not None:
        at.session_state["actor_id"] = actor.id
    return at.run()


def request_row(db, request_id: int) -> tuple[str, int, str | None]:
    with db.ReadSession.begin() as s:
        request = s.get(AdRequest, request_id)
        return request.status, request.payment_cents, request.turn


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


@pytest.fixture
def offer(db):
    """An influencer with one sponsor offer of $100.00 awaiting their answer."""
    sponsor = f.sponsor(db, name="Acme Ltd")
    influencer = f.influencer(db, name="Maya")
    campaign_id = f.campaign(db, sponsor, name="Spring launch", budget_cents=500_000)
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=10_000)
    return sponsor, influencer, campaign_id, request_id


# ---- every page --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_each_influencer_page_renders_for_an_influencer(db, offer, name):
    at = open_page(name, offer[1])
    assert not at.exception
    assert not errors(at)
    assert at.title[0].value


@pytest.mark.parametrize("name", PAGES)
def test_a_page_run_without_an_actor_stops_with_a_warning(db, name):
    at = open_page(name)
    assert [w.value for w in at.warning] == ["Please log in to see this page."]
    assert len(at.title) == 0


@pytest.mark.parametrize("name", PAGES)
def test_a_sponsor_is_refused_on_influencer_pages(db, name):
    at = open_page(name, f.sponsor(db))
    assert errors(at) == ["This page is not available for your account."]
    assert len(at.title) == 0


# ---- inbox -------------------------------------------------------------------------------------------


def test_the_inbox_puts_requests_awaiting_me_first_and_shows_the_thread(db, offer):
    sponsor, influencer, _, awaiting_id = offer
    other_campaign = f.campaign(db, sponsor, name="Summer drop")
    with db.Session.begin() as s:
        asked_id = ad_requests.ask_to_join(
            s, actor=influencer, campaign_id=other_campaign, payment_cents=20_000, message="Pick me"
        )
    at = open_page("inbox", influencer)
    assert at.dataframe[0].value["id"].tolist() == [awaiting_id, asked_id]
    assert picker(at, "inbox_open").value == awaiting_id
    assert len(at.chat_message) == 1 and "sent the request for" in at.chat_message[0].markdown[0].value
    assert answer(at, "accept").label.startswith("Accept")

    at.toggle(key="inbox_awaiting").set_value(True).run()
    assert at.dataframe[0].value["id"].tolist() == [awaiting_id]


def read_transactions(at: AppTest) -> int:
    """How many transactions one rerun of the page began (the acting user's check is one of them)."""
    began: list[object] = []
    listener = lambda _conn: began.append(_conn)  # noqa: E731
    event.listen(Engine, "begin", listener)  # every engine: the pages build their own from the URL
    try:
        at.run()
    finally:
        event.remove(Engine, "begin", listener)
    return len(began)


def test_the_inbox_reads_its_list_and_the_opened_request_in_one_transaction(db, offer):
    sponsor, influencer, _, awaiting_id = offer
    other_id = f.request(db, sponsor, f.campaign(db, sponsor, name="Summer drop"), influencer)
    at = open_page("inbox", influencer)
    assert read_transactions(at) == 2  # the actor, then the list with the request the picker opens
    # A request just picked in the widget is the one read with the list, not a second read after the pick.
    picker(at, "inbox_open").set_value(other_id)
    assert read_transactions(at) == 2
    assert picker(at, "inbox_open").value == other_id and "Summer drop" in at.subheader[0].value
    assert {awaiting_id, other_id} == set(at.dataframe[0].value["id"])


def test_accepting_from_the_inbox_accepts_the_request(db, offer):
    _, influencer, _, request_id = offer
    at = open_page("inbox", influencer)
    at.text_input(key=f"accept_message_{request_id}").input("Happy to!")
    answer(at, "accept").click().run()
    assert not errors(at)
    assert request_row(db, request_id) == ("accepted", 10_000, None)
    assert "Deal accepted" in at.success[0].value


def test_declining_from_the_inbox_rejects_the_request(db, offer):
    _, influencer, _, request_id = offer
    at = open_page("inbox", influencer)
    at.text_input(key=f"reject_message_{request_id}").input("Not my niche")
    answer(at, "reject").click().run()
    assert request_row(db, request_id) == ("rejected", 10_000, None)
    with db.ReadSession.begin() as s:
        thread = ad_requests.get_thread(s, actor=influencer, ad_request_id=request_id)
    assert thread["events"][-1]["message"] == "Not my niche"


def test_a_counter_offer_from_the_inbox_sets_the_new_amount_and_passes_the_turn(db, offer):
    _, influencer, _, request_id = offer
    at = open_page("inbox", influencer)
    at.text_input(key=f"counter_amount_{request_id}").input("150.50")
    at.text_area(key=f"counter_message_{request_id}").input("Two reels cost a bit more")
    answer(at, "counter").click().run()
    assert not errors(at)
    assert request_row(db, request_id) == ("negotiating", 15_050, "sponsor")
    assert "waiting for the sponsor" in at.info[0].value.lower()
    assert len(at.chat_message) == 2


@pytest.mark.parametrize(
    "amount, message", [("a lot", "must be a number"), ("-20", "cannot be negative"), ("0", "must be more than zero")]
)
def test_a_counter_offer_with_an_invalid_amount_shows_an_error_and_changes_nothing(db, offer, amount, message):
    _, influencer, _, request_id = offer
    at = open_page("inbox", influencer)
    at.text_input(key=f"counter_amount_{request_id}").input(amount)
    at.text_area(key=f"counter_message_{request_id}").input("Counter")
    answer(at, "counter").click().run()
    assert any(message in e for e in errors(at))
    assert request_row(db, request_id) == ("pending", 10_000, "influencer")


def test_bulk_reject_declines_only_the_selected_requests_and_only_after_confirmation(db, offer):
    sponsor, influencer, _, first_id = offer
    second_id = f.request(db, sponsor, f.campaign(db, sponsor), influencer)
    kept_id = f.request(db, sponsor, f.campaign(db, sponsor), influencer)
    at = open_page("inbox", influencer)
    at.multiselect(key="bulk_ids").set_value([first_id, second_id])
    at.button(key="bulk_submit").click().run()
    assert any("confirmation" in w.value for w in at.warning)
    assert request_row(db, first_id)[0] == "pending"

    at.checkbox(key="bulk_confirm").check()
    at.button(key="bulk_submit").click().run()
    assert not errors(at)
    assert [request_row(db, i)[0] for i in (first_id, second_id, kept_id)] == ["rejected", "rejected", "pending"]
    assert "Declined 2 requests" in at.success[0].value
    assert at.checkbox(key="bulk_confirm").value is False  # the next bulk action needs a fresh confirmation


def test_my_own_pending_ask_can_be_edited_and_then_withdrawn(db):
    sponsor, influencer = f.sponsor(db), f.influencer(db)
    campaign_id = f.campaign(db, sponsor, name="Open call")
    with db.Session.begin() as s:
        request_id = ad_requests.ask_to_join(
            s, actor=influencer, campaign_id=campaign_id, payment_cents=30_000, message="Hello"
        )
    at = open_page("inbox", influencer)
    assert "accept" not in answer_keys(at)  # the sponsor answers my ask, not me
    at.text_input(key=f"edit_amount_{request_id}").input("275")
    answer(at, "edit").click().run()
    assert request_row(db, request_id) == ("pending", 27_500, "sponsor")

    answer(at, "withdraw").click().run()
    assert request_row(db, request_id)[0] == "pending"
    at.checkbox(key=f"withdraw_confirm_{request_id}").check()
    answer(at, "withdraw").click().run()
    assert request_row(db, request_id)[0] == "withdrawn"


def test_an_empty_inbox_says_what_to_do_next(db):
    at = open_page("inbox", f.influencer(db))
    assert [i.value for i in at.info] == ["Nothing waiting for you — find campaigns to join"]


# ---- find campaigns ----------------------------------------------------------------------------------


def test_asking_to_join_a_public_campaign_works_and_private_or_flagged_ones_are_not_listed(db):
    sponsor, influencer = f.sponsor(db, name="Acme Ltd"), f.influencer(db)
    public_id = f.campaign(db, sponsor, name="Public yoga week")
    f.campaign(db, sponsor, name="Private launch", is_public=False)
    flagged_id = f.campaign(db, sponsor, name="Flagged promo")
    with db.Session.begin() as s:
        campaigns.flag_campaign(s, actor=f.admin(db), campaign_id=flagged_id, reason="Misleading claims")

    at = open_page("find_campaigns", influencer)
    assert at.dataframe[0].value["name"].tolist() == ["Public yoga week"]
    assert "Showing 1–1 of 1" in [c.value for c in at.caption]
    at.text_input(key=f"ask_price_{public_id}").input("1,250.00")
    at.text_area(key=f"ask_message_{public_id}").input("My audience loves yoga")
    at.button(key="ask").click().run()

    assert not errors(at)
    with db.ReadSession.begin() as s:
        inbox = ad_requests.inbox(s, actor=influencer)
    assert inbox[["campaign_id", "payment_cents", "status", "turn"]].values.tolist() == [
        [public_id, 125_000, "pending", "sponsor"]
    ]
    assert not [b for b in at.button if b.key == "ask"]  # no second ask offered: it would be refused
    assert any("already have a live request" in i.value for i in at.info)


def test_asking_to_join_without_a_price_is_refused_with_a_message(db):
    sponsor, influencer = f.sponsor(db), f.influencer(db)
    campaign_id = f.campaign(db, sponsor)
    at = open_page("find_campaigns", influencer)
    at.text_area(key=f"ask_message_{campaign_id}").input("Hi")
    at.button(key="ask").click().run()
    assert errors(at) == ["Your price is required."]
    with db.ReadSession.begin() as s:
        assert ad_requests.inbox(s, actor=influencer).empty


def test_campaign_search_filters_by_category_and_pages_with_next_and_previous(db):
    sponsor, influencer = f.sponsor(db), f.influencer(db)
    for n in range(52):
        f.campaign(db, sponsor, name=f"Food {n}", category="Food", niche="vegan")
    f.campaign(db, sponsor, name="Run club", category="Outdoors", niche="running")

    at = open_page("find_campaigns", influencer)
    assert "Showing 1–50 of 53" in [c.value for c in at.caption]
    assert at.button(key="fc_prev").disabled
    at.button(key="fc_next").click().run()
    assert "Showing 51–53 of 53" in [c.value for c in at.caption]
    assert at.button(key="fc_next").disabled
    at.button(key="fc_prev").click().run()
    assert "Showing 1–50 of 53" in [c.value for c in at.caption]

    at.selectbox(key="fc_category").set_value("Outdoors")
    at.button(key="fc_search").click().run()
    assert at.dataframe[0].value["name"].tolist() == ["Run club"]
    assert "Showing 1–1 of 1" in [c.value for c in at.caption]


# ---- profile -----------------------------------------------------------------------------------------


def test_saving_the_profile_persists_it_and_the_preview_notes_a_private_profile(db):
    influencer = f.influencer(db, name="Maya", followers=1_000, engagement_rate=2.0)
    at = open_page("profile", influencer)
    at.text_input(key="pf_name").input("Maya Moves")
    at.number_input(key="pf_followers").set_value(250_000)
    at.number_input(key="pf_engagement").set_value(6.5)
    at.checkbox(key="pf_public").uncheck()
    at.button(key="pf_save").click().run()

    assert not errors(at)
    with db.ReadSession.begin() as s:
        profile = accounts.get_own_account(s, actor=influencer)["profile"]
    assert (profile["display_name"], profile["followers"], profile["engagement_rate"]) == ("Maya Moves", 250_000, 6.5)
    assert profile["is_public"] is False and profile["listed"] is False
    assert any("private" in w.value for w in at.warning)
    assert any("**250k** followers" in m.value for m in at.markdown)  # compact: a narrow column would cut "250,000"
    assert any("Mid-tier creator" in c.value for c in at.caption)  # 250k followers: mid tier


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("pf_followers", -5, "Followers cannot be less than 0"),
        ("pf_engagement", 120.0, "Engagement rate must be between 0 and 100"),
    ],
)
def test_the_profile_refuses_bad_numbers_with_a_message(db, key, value, message):
    influencer = f.influencer(db, followers=1_000, engagement_rate=2.0)
    at = open_page("profile", influencer)
    at.number_input(key=key).set_value(value)
    at.button(key="pf_save").click().run()
    assert any(message in e for e in errors(at))
    with db.ReadSession.begin() as s:
        profile = accounts.get_own_account(s, actor=influencer)["profile"]
    assert (profile["followers"], profile["engagement_rate"]) == (1_000, 2.0)


def test_the_profile_shows_earnings_and_a_monthly_chart(db, offer):
    _, influencer, _, request_id = offer
    at = open_page("profile", influencer)
    assert any("No earnings yet" in i.value for i in at.info)
    with db.Session.begin() as s:
        ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Agreed"] == "$100.00"
    assert metrics["Paid"] == "$0.00"  # earned means paid (core/deals/earnings.py)
    assert len(at.get("plotly_chart")) == 1


def test_reminder_channels_are_saved_and_a_non_https_webhook_is_refused(db):
    influencer = f.influencer(db)
    at = open_page("profile", influencer)
    at.checkbox(key="ch_gchat").check()
    at.text_input(key="ch_webhook").input("http://chat.example.com/hook")
    at.button(key="ch_save").click().run()
    assert errors(at) == ["Google Chat webhook URL must start with https://."]

    at.text_input(key="ch_webhook").input("https://chat.googleapis.com/v1/spaces/x")
    at.checkbox(key="ch_email").uncheck()
    at.button(key="ch_save").click().run()
    assert not errors(at)
    with db.ReadSession.begin() as s:
        account = accounts.get_own_account(s, actor=influencer)
    assert (account["notify_email"], account["notify_gchat"], account["gchat_webhook_url"]) == (
        False,
        True,
        "https://chat.googleapis.com/v1/spaces/x",
    )


# ---- notifications -----------------------------------------------------------------------------------


def unread_ids(db, actor) -> list[int]:
    with db.ReadSession.begin() as s:
        return notifications.list_notifications(s, actor=actor, unread_only=True)["id"].tolist()


def test_a_notification_can_be_marked_read_and_then_all_of_them(db, offer):
    sponsor, influencer, _, _ = offer
    f.request(db, sponsor, f.campaign(db, sponsor), influencer)
    f.request(db, sponsor, f.campaign(db, sponsor), influencer)
    newest, *older = unread_ids(db, influencer)
    at = open_page("notifications", influencer)
    assert "3 unread · 3 notifications in all" in [c.value for c in at.caption]
    at.button(key=f"notif_read_{newest}").click().run()
    assert unread_ids(db, influencer) == older
    assert not at.button(key="notif_mark_all").disabled

    at.button(key="notif_mark_all").click().run()
    assert unread_ids(db, influencer) == []
    assert at.button(key="notif_mark_all").disabled


def test_no_notifications_shows_an_empty_state(db):
    at = open_page("notifications", f.influencer(db))
    assert any("No notifications yet" in i.value for i in at.info)


# ---- act on what the page showed (Step 5) ------------------------------------------------------------------


def _sponsor_edits(db, sponsor, request_id: int, payment_cents: int) -> None:
    with db.Session.begin() as s:
        ad_requests.edit_ad_request(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            requirements="Two posts and a story",
            payment_cents=payment_cents,
        )


def test_accepting_an_offer_the_sponsor_changed_after_the_inbox_showed_it_is_refused(db, offer):
    sponsor, influencer, _, request_id = offer
    at = open_page("inbox", influencer)  # the button says "Accept $100.00"
    _sponsor_edits(db, sponsor, request_id, 90_000)
    answer(at, "accept").click().run()
    # The message is shown as text: its "$" is escaped so Streamlit does not start maths there.
    assert errors(at) == ["This offer changed while you were looking at it (now \\$900.00). Review it and try again."]
    assert request_row(db, request_id) == ("pending", 90_000, "influencer")
    answer(at, "accept").click().run()  # the page now shows $900.00: accepting that is what she sees
    assert not errors(at)
    assert request_row(db, request_id) == ("accepted", 90_000, None)


def test_an_accept_click_meant_for_an_offer_that_left_the_inbox_accepts_nothing_else(db, offer):
    sponsor, influencer, _, first_id = offer
    at = open_page("inbox", influencer)
    at.toggle(key="inbox_awaiting").set_value(True).run()
    second_id = f.request(db, sponsor, f.campaign(db, sponsor, name="Autumn"), influencer, payment_cents=70_000)
    at.run()
    shown = picker(at, "inbox_open").value
    other = second_id if shown == first_id else first_id
    with db.Session.begin() as s:  # the shown offer leaves "awaiting me" while she reads it: the sponsor withdraws
        ad_requests.withdraw(
            s, actor=sponsor, ad_request_id=shown, expected_version=ad_requests.current_version(s, shown)
        )
    answer(at, "accept").click().run()  # the click was for the withdrawn offer, now gone from her list
    assert request_row(db, other)[0] == "pending"  # the offer now first in the list was never accepted
    assert request_row(db, shown)[0] == "withdrawn"


def test_bulk_decline_refuses_when_a_selected_offer_changed_after_it_was_shown(db, offer):
    sponsor, influencer, _, first_id = offer
    second_id = f.request(db, sponsor, f.campaign(db, sponsor), influencer)
    at = open_page("inbox", influencer)
    at.multiselect(key="bulk_ids").set_value([first_id, second_id])
    at.checkbox(key="bulk_confirm").check()
    _sponsor_edits(db, sponsor, second_id, 50_000)
    at.button(key="bulk_submit").click().run()
    assert any("changed while you were looking" in e for e in errors(at))
    assert [request_row(db, i)[0] for i in (first_id, second_id)] == ["pending", "pending"]


def test_an_offer_from_a_flagged_sponsor_is_on_hold_and_can_only_be_declined(db, offer):
    sponsor, influencer, _, request_id = offer
    with db.Session.begin() as s:
        accounts.flag_user(s, actor=f.admin(db), user_id=sponsor.id, reason="Under review")
    at = open_page("inbox", influencer)
    assert any("on hold" in w.value for w in at.warning)
    # Actions that cannot succeed are not offered at all; declining still is.
    assert {"accept", "counter"}.isdisjoint(answer_keys(at))
    answer(at, "reject").click().run()
    assert not errors(at)
    assert request_row(db, request_id)[0] == "rejected"
