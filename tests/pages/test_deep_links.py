"""Deep links: every link the core writes opens a page for each role that receives it, with its object selected."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.deals import lifecycle
from core.marketplace import ad_requests
from core.messaging import deal_digest, reminders
from core.models import FinancialDocument
from core.reporting import exports, reports
from pages.common import deep_links, navigation
from tests import factories as f
from tests.core.test_deals import _deliver, _invoice, _only_deliverable

ROOT = Path(__file__).resolve().parents[2]
# Who can receive a notification of each link kind (tests/core/test_* and the services' notify calls).
RECEIVERS = {
    "request": ("sponsor", "influencer"),
    "campaign": ("sponsor", "influencer", "admin"),
    "deliverable": ("sponsor", "influencer"),
    "document": ("sponsor", "influencer"),
    "approvals": ("admin",),
}
# Links that name a whole page by its URL path, per role that receives them.
PAGE_LINKS = [
    ("sponsor", reports.REPORTS_PAGE),
    *((role, page) for role, page in exports.DOWNLOADS_PAGE.items()),
    *((role, page) for role, page in reminders.PARTY_PAGES.items()),
    *((role, page) for role, page in deal_digest.DEAL_PAGES.items()),
]


def _kinds_written_in_core() -> set[str]:
    """Every link kind a service writes: link=f"<kind>:{...}" and link="<literal>"."""
    kinds = set()
    for path in (ROOT / "core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'link=f"([a-z_]+):\{', text))
        kinds |= {k for k in re.findall(r'link="([a-z_]+)"', text)}
    return kinds


def who(role: str, user_id: int = 1):
    return SimpleNamespace(role=role, id=user_id)


def test_every_link_kind_the_core_writes_opens_a_page_for_each_role_that_receives_it():
    written = _kinds_written_in_core()
    assert {"request", "campaign", "deliverable", "document", "approvals"} <= written
    assert written <= set(RECEIVERS), (
        f"a new link kind needs a route and a row in RECEIVERS: {written - set(RECEIVERS)}"
    )
    for kind in written:
        for role in RECEIVERS[kind]:
            link = kind if kind == "approvals" else f"{kind}:42"
            where = deep_links.target(who(role), link)
            assert where is not None, (role, link)
            assert (ROOT / "pages" / where.page).exists(), where
            assert any(where.page == p for entries in navigation.ROLE_PAGES[role].values() for p, _, _ in entries)
            assert kind == "approvals" or "42" in where.params.values(), (role, link, where)


@pytest.mark.parametrize("role, link", PAGE_LINKS)
def test_a_link_to_a_whole_page_opens_that_page_of_the_role(role, link):
    where = deep_links.target(who(role), link)
    assert where is not None and navigation.url_path(where.page) == link and where.params == {}


@pytest.mark.parametrize(
    "role, link",
    [
        ("influencer", "approvals"),
        ("sponsor", "request:abc"),
        ("sponsor", "request:-3"),
        ("influencer", "https://drive.example.com/x"),
        ("admin", "sponsor-reports"),
        ("sponsor", None),
        ("sponsor", ""),
        ("sponsor", "legacy_thing:7"),
    ],
)
def test_an_unknown_or_foreign_link_opens_nothing(role, link):
    assert deep_links.target(who(role), link) is None


def test_a_sponsor_request_link_opens_campaigns_with_that_request():
    where = deep_links.target(who("sponsor"), "request:12")
    assert (where.page, where.params, where.title) == ("sponsor/campaigns.py", {"request": "12"}, "Campaigns")


# ---- target pages opened with the query parameter -------------------------------------------------------------


@pytest.fixture
def db(app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))
    return app_db


def opened(relative: str, actor, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / relative), default_timeout=30)
    at.session_state["actor_id"] = actor.id
    for name, value in params.items():
        at.query_params[name] = str(value)
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == []
    return at


def picked(at: AppTest, key: str):
    (box,) = [b for b in at.selectbox if str(b.key).startswith(f"{key}:")]
    return box.value


def selected_rows(at: AppTest, key: str) -> list[int]:
    (table,) = [d for d in at.dataframe if d.key and d.key.startswith(f"{key}_")]
    return list(at.session_state[table.key]["selection"]["rows"])


def accept(db, influencer, request_id):
    with db.Session.begin() as s:
        lifecycle.accept_offer(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )


@pytest.fixture
def two_offers(db):
    """A sponsor with two campaigns, each with an offer to one influencer: (sponsor, influencer, [request ids])."""
    sponsor = f.sponsor(db, name="Bright Wave")
    influencer = f.influencer(db, name="Maya")
    ids = []
    for name in ("Glow serum launch", "Winter coats"):
        campaign_id = f.campaign(db, sponsor, name=name, budget_cents=500_000)
        ids.append(f.request(db, sponsor, campaign_id, influencer, payment_cents=20_000))
    return sponsor, influencer, ids


def test_the_inbox_opened_with_a_request_shows_that_request_and_forgets_the_parameter(db, two_offers):
    _, influencer, (first, second) = two_offers
    for request_id in (first, second):
        at = ok(opened("influencer/inbox.py", influencer, request=request_id))
        assert picked(at, "inbox_open") == request_id
        assert "request" not in at.query_params  # read once: the user can pick another request next


def test_sponsor_campaigns_opened_with_a_request_picks_its_campaign_and_opens_its_negotiation(db, two_offers):
    sponsor, _, (first, second) = two_offers
    for request_id, campaign in ((first, "Glow serum launch"), (second, "Winter coats")):
        at = ok(opened("sponsor/campaigns.py", sponsor, request=request_id))
        assert campaign in at.subheader[0].value
        assert any(str(b.key).startswith("request-pick-") and b.value == request_id for b in at.selectbox)


def test_another_sponsors_request_in_the_link_shows_a_clear_refusal_and_nothing_of_it(db, two_offers):
    _, _, (first, _) = two_offers
    stranger = f.sponsor(db, name="Other Co")
    f.campaign(db, stranger, name="Their own campaign")
    at = opened("sponsor/campaigns.py", stranger, request=first)
    assert not at.exception
    assert at.error, "the core's refusal is shown"
    assert all("Glow serum" not in m.value for m in [*at.markdown, *at.subheader])
    assert "Their own campaign" in at.subheader[0].value


def test_another_influencers_request_in_the_inbox_link_is_refused_with_a_message(db, two_offers):
    _, _, (first, _) = two_offers
    sponsor = f.sponsor(db, name="Third")
    other = f.influencer(db, name="Noor")
    mine = f.request(db, sponsor, f.campaign(db, sponsor, name="Noor's campaign"), other)
    at = ok(opened("influencer/inbox.py", other, request=first))
    assert any("not in your inbox" in w.value for w in at.warning)
    assert picked(at, "inbox_open") == mine


def test_garbage_in_the_parameter_is_ignored(db, two_offers):
    _, influencer, _ = two_offers
    at = ok(opened("influencer/inbox.py", influencer, request="12abc"))
    assert "request" not in at.query_params


def test_content_approvals_opened_with_a_deliverable_selects_it_even_when_it_waits_for_nobody(db, two_offers):
    sponsor, influencer, (first, second) = two_offers
    accept(db, influencer, first)
    accept(db, influencer, second)
    deliverable = _only_deliverable(db, second)
    at = ok(opened("sponsor/content_approvals.py", sponsor, deliverable=deliverable.id))
    assert at.toggle(key="approvals_all").value
    assert at.subheader[0].value == "Winter coats"


def test_influencer_deliverables_opened_with_a_deliverable_selects_it(db, two_offers):
    _, influencer, (first, second) = two_offers
    accept(db, influencer, first)
    accept(db, influencer, second)
    deliverable = _only_deliverable(db, first)
    at = ok(opened("influencer/deliverables.py", influencer, deliverable=deliverable.id))
    assert len(selected_rows(at, "deliverable_pick")) == 1
    assert any("Glow serum launch" in m.value for m in [*at.subheader, *at.markdown])


def test_another_influencers_deliverable_in_the_link_is_not_shown(db, two_offers):
    _, influencer, (first, _) = two_offers
    accept(db, influencer, first)
    sponsor = f.sponsor(db, name="Third")
    other = f.influencer(db, name="Noor")
    theirs = f.request(db, sponsor, f.campaign(db, sponsor, name="Noor's campaign"), other)
    accept(db, other, theirs)
    at = ok(opened("influencer/deliverables.py", other, deliverable=_only_deliverable(db, first).id))
    assert any("not on this list" in w.value for w in at.warning)
    assert selected_rows(at, "deliverable_pick") == []


def test_sponsor_finance_opened_with_a_pending_invoice_shows_it_to_approve(db, two_offers):
    sponsor, influencer, (first, _) = two_offers
    accept(db, influencer, first)
    _deliver(db, sponsor, influencer, _only_deliverable(db, first).id)
    with db.ReadSession.begin() as s:
        po_id = s.scalars(
            select(FinancialDocument.id).where(FinancialDocument.kind == "po", FinancialDocument.ad_request_id == first)
        ).one()
    invoice_id = _invoice(db, influencer, po_id, 20_000)
    at = ok(opened("sponsor/finance.py", sponsor, document=invoice_id))
    assert at.session_state["finance_section"] == "🧾 To approve"
    assert len(selected_rows(at, "approve_pick")) == 1
    assert at.button(key="approve_doc")


def test_influencer_invoices_opened_with_a_purchase_order_selects_it(db, two_offers):
    _, influencer, (first, second) = two_offers
    accept(db, influencer, first)
    accept(db, influencer, second)
    at = ok(opened("influencer/invoices.py", influencer))
    assert selected_rows(at, "po_pick") == []
    with db.ReadSession.begin() as s:
        po = s.execute(
            select(FinancialDocument.id, FinancialDocument.number).where(FinancialDocument.ad_request_id == second)
        ).one()
    at = ok(opened("influencer/invoices.py", influencer, document=po.id))
    assert len(selected_rows(at, "po_pick")) == 1
    assert any(po.number in m.value for m in at.markdown)


def test_find_campaigns_opened_with_a_campaign_opens_it(db, two_offers):
    sponsor, influencer, _ = two_offers
    wanted = f.campaign(db, sponsor, name="Spring running shoes")
    f.campaign(db, sponsor, name="Autumn tea")
    at = ok(opened("influencer/find_campaigns.py", influencer, campaign=wanted))
    assert picked(at, "fc_open") == wanted


def test_admin_campaigns_opened_with_a_campaign_opens_it(db, two_offers):
    sponsor, _, _ = two_offers
    wanted = f.campaign(db, sponsor, name="Spring running shoes", is_public=False)
    at = ok(opened("admin/campaigns.py", f.admin(db), campaign=wanted))
    assert picked(at, "camp_selected") == wanted
