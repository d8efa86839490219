"""The admin's pages run through AppTest against a real migrated SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core import audit
from core.marketplace import ad_requests, cached_reads
from core.models import Campaign, User
from pages.common.session import LAST_WRITE_AT
from tests.pages.conftest import picker
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PAGES = ["dashboard", "approvals", "users", "campaigns", "audit"]


@pytest.fixture
def db(app_db):
    """The pages' database (tests/pages/conftest.py): the test's SQLite file, caches emptied."""
    return app_db


@pytest.fixture
def admin(db):
    return f.admin(db)


@pytest.fixture
def platform(db):
    """A small marketplace: two sponsors (one pending), influencers, campaigns and a negotiated deal."""
    sponsor = f.sponsor(db, name="Acme Sportswear")
    pending_id = f.sponsor(db, approved=False, name="Pending Brewing Co")
    yara = f.influencer(db, name="Yoga Yara")
    tom = f.influencer(db, name="Tech Tom", category="Tech")
    campaign_id = f.campaign(db, sponsor, name="Summer Yoga Push", budget_cents=500_000)
    other_campaign = f.campaign(db, sponsor, name="Gadget Week", category="Tech", is_public=False)
    request_id = f.request(db, sponsor, campaign_id, yara, payment_cents=50_000)
    with db.Session.begin() as s:
        ad_requests.counter_offer(
            s,
            actor=yara,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            payment_cents=65_000,
            message="I would need a bit more for reels",
        )
    with db.Session.begin() as s:
        ad_requests.accept(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            message="Deal, welcome aboard",
        )
    f.request(db, sponsor, other_campaign, tom, payment_cents=20_000)
    return {
        "sponsor": sponsor,
        "pending_id": pending_id,
        "yara": yara,
        "tom": tom,
        "campaign_id": campaign_id,
        "request_id": request_id,
    }


def open_page(name: str, actor_id: int | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "admin" / f"{name}.py"), default_timeout=30)
    if actor_id is not None:
        at.session_state["actor_id"] = actor_id
    return at.run()


def no_crash(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def button(container, label: str):
    matches = [b for b in container.button if b.label == label]
    assert matches, f"no button {label!r} among {[b.label for b in container.button]}"
    return matches[0]


def texts(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [i.value for i in at.info]
        + [t.value for t in at.text]
    )


def user(db, user_id: int) -> User:
    with db.ReadSession.begin() as s:
        return s.get(User, user_id)


def campaign(db, campaign_id: int) -> Campaign:
    with db.ReadSession.begin() as s:
        return s.get(Campaign, campaign_id)


def audit_actions(db, admin) -> list[str]:
    with db.ReadSession.begin() as s:
        return audit.list_entries(s, actor=admin)["action"].tolist()


# ---- access ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_an_admin_page_without_a_logged_in_user_stops_with_a_warning(db, name):
    at = open_page(name, None)
    no_crash(at)
    assert [w.value for w in at.warning] == ["Please log in to see this page."]
    assert not at.title and not at.dataframe and not at.button


@pytest.mark.parametrize("role", ["sponsor", "influencer"])
@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_an_admin_page_refuses_sponsors_and_influencers(db, name, role):
    actor = f.sponsor(db) if role == "sponsor" else f.influencer(db)
    at = open_page(name, actor.id)
    no_crash(at)
    assert [e.value for e in at.error] == ["This page is not available for your account."]
    assert not at.title and not at.dataframe and not at.button


# ---- rendering ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, hint",
    [
        ("approvals", "No sponsors waiting — all caught up"),
        ("campaigns", "No campaigns match"),
        ("audit", "No audit entries yet"),
    ],
)
def test_an_admin_page_on_an_empty_platform_shows_what_comes_next(db, admin, name, hint):
    at = open_page(name, admin.id)
    no_crash(at)
    assert at.title
    assert any(hint in i.value for i in at.info)


def test_the_users_page_on_an_empty_platform_lists_the_admin_alone(db, admin):
    at = open_page("users", admin.id)
    no_crash(at)
    assert at.dataframe[0].value["username"].tolist() == ["admin"]
    assert "Showing 1–1 of 1 users" in texts(at)
    assert any("Administrator accounts cannot be moderated" in i.value for i in at.info)


def test_the_dashboard_renders_on_an_empty_platform(db, admin):
    at = open_page("dashboard", admin.id)
    no_crash(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Users"] == "1" and metrics["Campaigns"] == "0" and metrics["Paid"] == "$0.00"
    assert len(at.get("plotly_chart")) == 4
    assert len(at.get("vega_lite_chart")) == 0  # empty altair charts give way to hints
    assert "No sign-ups or ad requests in the last 12 months yet" in texts(at)
    assert "Nothing here yet" in texts(at)


def test_the_dashboard_shows_kpis_as_of_time_and_plotly_and_altair_charts(db, admin, platform):
    at = open_page("dashboard", admin.id)
    no_crash(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Users"] == "5"  # admin, two sponsors, two influencers
    assert metrics["Sponsors"] == "2"
    assert metrics["Ad requests"] == "2"
    assert metrics["Committed"] == "$650.00"
    assert any(c.value.startswith("Figures as of ") for c in at.caption)
    assert len(at.get("plotly_chart")) == 4
    assert len(at.get("vega_lite_chart")) == 3


def _sponsors_delta(at: AppTest) -> str:
    return next(m.proto.delta for m in at.metric if m.label == "Sponsors")


def test_the_dashboard_follows_the_admins_own_approval_at_once(db, admin, platform):
    assert _sponsors_delta(open_page("dashboard", admin.id)) == "1 awaiting approval"
    approvals = button(open_page("approvals", admin.id), "Approve").click().run()

    # The same browser session moves on to the dashboard: its session state carries her last action's time.
    dashboard = AppTest.from_file(str(ROOT / "pages" / "admin" / "dashboard.py"), default_timeout=30)
    dashboard.session_state["actor_id"] = admin.id
    dashboard.session_state[LAST_WRITE_AT] = approvals.session_state[LAST_WRITE_AT]
    assert _sponsors_delta(dashboard.run()) == "0 awaiting approval"


def test_the_dashboard_says_how_soon_others_changes_show(db, admin, platform):
    caption = next(c.value for c in open_page("dashboard", admin.id).caption if c.value.startswith("Figures as of "))
    assert f"a change shows within {cached_reads.ADMIN_STATISTICS_FLOOR_S:.0f} seconds" in caption


@pytest.mark.parametrize("name", ["approvals", "users", "campaigns", "audit"])
def test_an_admin_page_renders_the_platform_data(db, admin, platform, name):
    at = open_page(name, admin.id)
    no_crash(at)
    assert at.title
    if name == "approvals":
        assert "Pending Brewing Co" in texts(at)
    else:
        assert len(at.dataframe[0].value) >= 2


# ---- approvals -----------------------------------------------------------------------------------------------------


def test_approving_a_pending_sponsor_lets_them_in_and_empties_the_queue(db, admin, platform):
    at = open_page("approvals", admin.id)
    button(at, "Approve").click().run()
    no_crash(at)
    assert user(db, platform["pending_id"]).approval == "approved"
    assert any(i.value.startswith("No sponsors waiting") for i in at.info)
    assert [s.value for s in at.success] == ["Approved Pending Brewing Co"]


def test_rejecting_a_sponsor_without_a_reason_is_refused_and_changes_nothing(db, admin, platform):
    at = open_page("approvals", admin.id)
    button(at, "Reject").click().run()
    no_crash(at)
    assert [e.value for e in at.error] == ["Reason is required."]
    assert user(db, platform["pending_id"]).approval == "pending"
    assert "sponsor.rejected" not in audit_actions(db, admin)


def test_rejecting_a_sponsor_with_a_reason_records_the_reason(db, admin, platform):
    at = open_page("approvals", admin.id)
    at.text_input(key=f"reason_{platform['pending_id']}").input("Could not verify the company")
    button(at, "Reject").click().run()
    no_crash(at)
    rejected = user(db, platform["pending_id"])
    assert (rejected.approval, rejected.approval_note) == ("rejected", "Could not verify the company")


def pending_queue(db, n: int) -> list[int]:
    """n pending sponsors, oldest first (the queue's order)."""
    ids = [f.sponsor(db, approved=False) for _ in range(n)]
    with db.ReadSession.begin() as s:
        order = s.scalars(select(User.id).where(User.id.in_(ids)).order_by(User.created_at, User.id)).all()
    return list(order)


def queued(at) -> list[int]:
    return [int(t.key.removeprefix("reason_")) for t in at.text_input if str(t.key).startswith("reason_")]


def test_the_approval_queue_shows_ten_a_page_and_next_shows_the_next_ten_then_the_rest(db, admin):
    order = pending_queue(db, 23)
    at = open_page("approvals", admin.id)
    assert queued(at) == order[:10]
    assert at.metric[0].value == "23"
    at.button(key="approvals_page:forward").click().run()
    assert queued(at) == order[10:20]
    at.button(key="approvals_page:forward").click().run()
    no_crash(at)
    assert queued(at) == order[20:]
    assert at.button(key="approvals_page:forward").disabled
    assert any("Page 3 of 3" in c.value for c in at.caption)


def test_approving_on_page_two_approves_the_sponsor_shown_there_and_no_other(db, admin):
    order = pending_queue(db, 12)
    at = open_page("approvals", admin.id)
    at.button(key="approvals_page:forward").click().run()
    assert queued(at) == order[10:]
    target = order[11]
    at.button(key=f"FormSubmitter:approval_{target}-Approve").click().run()
    no_crash(at)
    assert user(db, target).approval == "approved"
    assert [user(db, i).approval for i in order if i != target] == ["pending"] * 11
    assert queued(at) == [order[10]]  # still on the last page, which now holds one


# ---- users ---------------------------------------------------------------------------------------------------------


def open_user(admin, user_id: int) -> AppTest:
    at = open_page("users", admin.id)
    picker(at, "users_selected").set_value(user_id).run()
    return at


def test_flagging_a_user_needs_a_reason_and_unflagging_lifts_it(db, admin, platform):
    tom = platform["tom"].id
    at = open_user(admin, tom)
    button(at, "Flag").click().run()
    assert [e.value for e in at.error] == ["Reason is required."]
    assert user(db, tom).flagged is False

    at.text_input(key=f"flag_reason_{tom}").input("Fake followers")
    button(at, "Flag").click().run()
    no_crash(at)
    assert (user(db, tom).flagged, user(db, tom).flag_reason) == (True, "Fake followers")
    assert at.dataframe[0].value.set_index("id").loc[tom, "flagged"]

    button(at, "Unflag").click().run()
    no_crash(at)
    assert user(db, tom).flagged is False
    assert audit_actions(db, admin)[:2] == ["user.unflagged", "user.flagged"]


def test_deactivating_a_user_needs_a_reason_and_a_confirmation(db, admin, platform):
    yara = platform["yara"].id
    at = open_user(admin, yara)
    at.text_input(key=f"deact_reason_{yara}").input("Asked to close the account")
    button(at, "Deactivate").click().run()
    assert [e.value for e in at.error] == ["Tick the box to confirm the deactivation."]
    assert user(db, yara).is_active is True

    at.checkbox(key=f"deact_sure_{yara}").check()
    button(at, "Deactivate").click().run()
    no_crash(at)
    assert user(db, yara).is_active is False

    button(at, "Reactivate").click().run()
    no_crash(at)
    assert user(db, yara).is_active is True


def test_the_users_table_searches_and_pages_forward_and_back(db, admin):
    for n in range(22):
        f.influencer(db, name=f"Creator {n}")
    at = open_page("users", admin.id)
    assert "Showing 1–20 of 23 users" in texts(at)
    first_page = at.dataframe[0].value["id"].tolist()
    button(at, "Next →").click().run()
    assert "Showing 21–23 of 23 users" in texts(at)
    assert set(at.dataframe[0].value["id"]).isdisjoint(first_page)
    button(at, "← Previous").click().run()
    assert at.dataframe[0].value["id"].tolist() == first_page

    button(at, "Next →").click().run()
    at.text_input(key="users_text").input("creator 7").run()
    assert "Showing 1–1 of 1 users" in texts(at)  # a new search starts again from page one
    assert at.dataframe[0].value["name"].tolist() == ["Creator 7"]


# ---- campaigns -----------------------------------------------------------------------------------------------------


def open_campaign(admin, campaign_id: int) -> AppTest:
    at = open_page("campaigns", admin.id)
    picker(at, "camp_selected").set_value(campaign_id).run()
    return at


def test_flagging_a_campaign_needs_a_reason_and_unflagging_lifts_it(db, admin, platform):
    cid = platform["campaign_id"]
    at = open_campaign(admin, cid)
    button(at, "Flag campaign").click().run()
    assert [e.value for e in at.error] == ["Reason is required."]
    assert campaign(db, cid).flagged is False

    at.text_input(key=f"camp_reason_{cid}").input("Misleading health claims")
    button(at, "Flag campaign").click().run()
    no_crash(at)
    assert (campaign(db, cid).flagged, campaign(db, cid).flag_reason) == (True, "Misleading health claims")
    assert any("Misleading health claims" in w.value for w in at.warning)

    button(at, "Unflag campaign").click().run()
    no_crash(at)
    assert campaign(db, cid).flagged is False
    assert audit_actions(db, admin)[:2] == ["campaign.unflagged", "campaign.flagged"]


def test_the_read_only_campaign_view_shows_its_requests_and_a_negotiation_thread(db, admin, platform):
    cid, rid = platform["campaign_id"], platform["request_id"]
    at = open_campaign(admin, cid)
    no_crash(at)
    assert at.dataframe[1].value["influencer"].tolist() == ["Yoga Yara"]
    picker(at, f"camp_thread_{cid}").set_value(rid).run()
    no_crash(at)
    assert len(at.chat_message) == 3
    shown = texts(at)
    assert "I would need a bit more for reels" in shown and "Deal, welcome aboard" in shown
    assert {m.label: m.value for m in at.metric}["Current amount"] == "$650.00"
    assert not [b for b in at.button if b.label in ("Accept", "Reject", "Counter-offer", "Withdraw")]


def test_the_all_requests_tab_lists_every_request_and_opens_a_thread(db, admin, platform):
    at = open_page("campaigns", admin.id)
    at.session_state["campaigns_tab"] = "🤝 All ad requests"
    at.run()
    no_crash(at)
    assert sorted(at.dataframe[0].value["influencer"]) == ["Tech Tom", "Yoga Yara"]
    picker(at, "req_thread").set_value(platform["request_id"]).run()
    assert "I would need a bit more for reels" in texts(at)


# ---- audit ---------------------------------------------------------------------------------------------------------


def test_the_audit_page_lists_the_admins_actions_newest_first_and_filters_them(db, admin, platform):
    at = open_page("approvals", admin.id)
    button(at, "Approve").click().run()
    at = open_user(admin, platform["tom"].id)
    at.text_input(key=f"flag_reason_{platform['tom'].id}").input("Spam")
    button(at, "Flag").click().run()

    at = open_page("audit", admin.id)
    no_crash(at)
    log = at.dataframe[0].value
    assert log["action"].tolist()[:2] == ["user.flagged", "sponsor.approved"]
    assert log["actor"].tolist()[:2] == ["admin", "admin"]
    at.selectbox(key="audit_action").set_value("user.flagged").run()
    assert at.dataframe[0].value["detail"].tolist() == ["Spam"]
