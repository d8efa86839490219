"""The deal pages (deliverables, content approvals, invoices, finance) driven through AppTest on a real database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.deals import deliverables, documents, lifecycle
from core.models import AdRequest, Deliverable, FinancialDocument, Payment, Review
from core.marketplace import ad_requests
from tests import factories as f
from tests.core.test_deals import _deliver, _doc, _invoice, _only_deliverable

ROOT = Path(__file__).resolve().parents[2]
DEAL_PAGES = {
    "influencer": ("influencer/deliverables.py", "influencer/invoices.py"),
    "sponsor": ("sponsor/content_approvals.py", "sponsor/finance.py"),
    "admin": ("admin/finance.py",),
}


@pytest.fixture
def db(app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))
    return app_db


@pytest.fixture
def deal(db):
    """An offer of $200.00 the influencer accepted: (sponsor, influencer, request id)."""
    sponsor = f.sponsor(db, name="Bright Wave")
    influencer = f.influencer(db, name="Maya")
    campaign_id = f.campaign(db, sponsor, name="Glow serum launch", budget_cents=500_000)
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=20_000)
    with db.Session.begin() as s:
        s.get(AdRequest, request_id).requirements = "One reel with the serum #glow @brightwave"
    with db.Session.begin() as s:
        lifecycle.accept_offer(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    return sponsor, influencer, request_id


def page(relative: str, actor, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / relative), default_timeout=30)
    at.session_state["actor_id"] = actor.id
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def select_row(at: AppTest, key: str, row: int = 0) -> AppTest:
    """Select a row of the table whose widget key starts with key (pick_row adds the rows' fingerprint)."""
    (table,) = [d for d in at.dataframe if d.key and d.key.startswith(f"{key}_")]
    at.session_state[table.key] = {"selection": {"rows": [row], "columns": []}}
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == []
    return at


def deliverable_status(db, request_id) -> str:
    with db.ReadSession.begin() as s:
        return s.scalars(select(Deliverable.status).where(Deliverable.ad_request_id == request_id)).one()


@pytest.mark.parametrize("role, relative", [(r, p) for r, pages in DEAL_PAGES.items() for p in pages])
def test_each_deal_page_renders_for_its_role(db, deal, role, relative):
    actor = {"sponsor": deal[0], "influencer": deal[1], "admin": f.admin(db)}[role]
    at = ok(page(relative, actor))
    assert at.title[0].value


@pytest.mark.parametrize("relative", ["influencer/deliverables.py", "sponsor/finance.py", "admin/finance.py"])
def test_a_deal_page_refuses_another_role(db, deal, relative):
    wrong = deal[0] if relative.startswith("influencer") else deal[1]
    at = page(relative, wrong)
    assert [e.value for e in at.error] == ["This page is not available for your account."]


def test_one_deal_walks_from_draft_to_payment_and_reviews_through_the_pages(db, deal):
    sponsor, influencer, request_id = deal

    # The influencer submits a first draft without the disclosure.
    at = select_row(ok(page("influencer/deliverables.py", influencer)), "deliverable_pick")
    deliverable_id = _deliverable_id(db, request_id)
    at.text_area(key=f"caption_{deliverable_id}").input("My morning #glow routine with @brightwave")
    ok(at.button(key="submit_draft").click().run())
    assert deliverable_status(db, request_id) == "in_review"

    # The sponsor sees the failing checklist and asks for changes.
    at = select_row(ok(page("sponsor/content_approvals.py", sponsor)), "approval_pick")
    assert any("Disclosure" in m.value and "❌" in m.value for m in at.markdown)
    at.text_area(key=f"changes_reason_{deliverable_id}").input("Please add #ad")
    ok(at.button(key="request_changes").click().run())
    assert deliverable_status(db, request_id) == "changes_requested"

    # The influencer fixes it; the sponsor approves; the live post goes up and is confirmed.
    at = select_row(ok(page("influencer/deliverables.py", influencer)), "deliverable_pick")
    assert any("Please add" in w.value and "#ad" in w.value for w in at.warning)
    at.text_area(key=f"caption_{deliverable_id}").input("#ad My morning #glow routine with @brightwave")
    ok(at.button(key="submit_draft").click().run())
    at = select_row(ok(page("sponsor/content_approvals.py", sponsor)), "approval_pick")
    ok(at.button(key="approve_draft").click().run())
    at = select_row(ok(page("influencer/deliverables.py", influencer)), "deliverable_pick")
    at.text_input(key=f"live_url_{deliverable_id}").input("https://www.instagram.com/p/glow1")
    ok(at.button(key="submit_live").click().run())
    at = select_row(ok(page("sponsor/content_approvals.py", sponsor)), "approval_pick")
    ok(at.button(key="confirm_live").click().run())
    with db.ReadSession.begin() as s:
        assert s.get(AdRequest, request_id).status == "completed"
        po_id = s.scalars(select(FinancialDocument.id).where(FinancialDocument.kind == "po")).one()

    # The influencer invoices the PO in full; the sponsor approves and pays with the test card.
    at = select_row(ok(page("influencer/invoices.py", influencer)), "po_pick")
    at.text_input(key=f"new_{po_id}_pay").input("IBAN ES00 1234")
    ok(at.button(key="send_invoice").click().run())
    at = select_row(ok(page("sponsor/finance.py", sponsor, finance_section="🧾 To approve")), "approve_pick")
    ok(at.button(key="approve_doc").click().run())
    at = select_row(ok(page("sponsor/finance.py", sponsor, finance_section="💳 Pay")), "pay_pick")
    at.text_input(key="card_number").input("4242 4242 4242 4242")
    at.text_input(key="card_expiry").input("12/39")
    at.text_input(key="card_cvc").input("123")
    at.text_input(key="card_name").input("Bright Wave Ltd")
    at = ok(at.button(key="pay").click().run())
    assert any("paid with the card ending 4242" in s.value for s in at.success)
    with db.ReadSession.begin() as s:
        invoice = s.scalars(select(FinancialDocument).where(FinancialDocument.kind == "invoice")).one()
        assert (invoice.status, invoice.amount_cents) == ("paid", 20_000)
        assert s.scalars(select(Payment.card_last4)).one() == "4242"

    # Both sides review the completed deal.
    at = select_row(ok(page("sponsor/content_approvals.py", sponsor, approvals_all=True)), "approval_pick")
    at.session_state[f"review_stars_{request_id}"] = 4
    ok(at.button(key=f"save_review_{request_id}").click().run())
    with db.ReadSession.begin() as s:
        assert s.scalars(select(Review.stars)).all() == [5]


def _deliverable_id(db, request_id) -> int:
    with db.ReadSession.begin() as s:
        return s.scalars(select(Deliverable.id).where(Deliverable.ad_request_id == request_id)).one()


def test_a_declined_test_card_says_so_and_leaves_the_invoice_unpaid(db, deal):
    sponsor, influencer, request_id = deal
    _deliver(db, sponsor, influencer, _only_deliverable(db, request_id).id)
    with db.ReadSession.begin() as s:
        po_id = s.scalars(select(FinancialDocument.id).where(FinancialDocument.kind == "po")).one()
    invoice_id = _invoice(db, influencer, po_id, 20_000)
    with db.Session.begin() as s:
        documents.approve_document(
            s, actor=sponsor, document_id=invoice_id, expected_version=_doc(db, invoice_id).version
        )
    at = select_row(ok(page("sponsor/finance.py", sponsor, finance_section="💳 Pay")), "pay_pick")
    at.text_input(key="card_number").input("4000 0000 0000 0002")
    at.text_input(key="card_expiry").input("12/39")
    at.text_input(key="card_cvc").input("123")
    at.text_input(key="card_name").input("Bright Wave Ltd")
    at = at.button(key="pay").click().run()
    assert [e.value for e in at.error] == ["The card was declined. Nothing was charged."]
    assert _doc(db, invoice_id).status == "approved"


def test_a_selection_is_dropped_when_the_rows_change_instead_of_landing_on_another_deliverable(db, deal):
    sponsor, influencer, request_id = deal
    with db.Session.begin() as s:
        deliverables.add_deliverable(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            title="Story set",
            platform="instagram",
            due_date=dt.date.today() + dt.timedelta(days=3),
        )
    at = select_row(ok(page("influencer/deliverables.py", influencer)), "deliverable_pick")  # row 0: Story set
    assert any("Story set" in m.value for m in at.markdown)
    at.text_input(key="deliverable_filter").input("one reel").run()  # now row 0 is the reel
    assert not at.subheader and any("Select a deliverable" in i.value for i in at.info)


def _approved_invoice(db, sponsor, influencer, request_id: int, cents: int) -> None:
    """The deal delivered, then invoiced on its purchase order for cents and approved by the sponsor (unpaid)."""
    _deliver(db, sponsor, influencer, _only_deliverable(db, request_id).id)
    with db.ReadSession.begin() as s:
        po_id = s.scalars(select(FinancialDocument.id).where(FinancialDocument.kind == "po")).one()
    invoice_id = _invoice(db, influencer, po_id, cents)
    with db.Session.begin() as s:
        documents.approve_document(
            s, actor=sponsor, document_id=invoice_id, expected_version=_doc(db, invoice_id).version
        )


def test_the_sponsor_dashboard_shows_what_was_invoiced_paid_and_is_owed(db, deal):
    sponsor, influencer, request_id = deal
    _approved_invoice(db, sponsor, influencer, request_id, 15_000)
    at = ok(page("sponsor/dashboard.py", sponsor))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Invoiced"], metrics["Paid"], metrics["Owed"]) == ("$150.00", "$0.00", "$150.00")


def test_the_campaign_page_shows_what_its_deals_invoiced_and_paid(db, deal):
    sponsor, influencer, request_id = deal
    _deliver(db, sponsor, influencer, _only_deliverable(db, request_id).id)
    with db.ReadSession.begin() as s:
        po_id = s.scalars(select(FinancialDocument.id).where(FinancialDocument.kind == "po")).one()
    _invoice(db, influencer, po_id, 5_000)
    at = ok(page("sponsor/campaigns.py", sponsor))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Committed"], metrics["Invoiced"], metrics["Paid"]) == ("$200.00", "$50.00", "$0.00")


def test_a_fully_invoiced_po_offers_no_new_invoice_and_tables_show_no_literal_none(db, deal):
    sponsor, influencer, request_id = deal
    _deliver(db, sponsor, influencer, _only_deliverable(db, request_id).id)
    with db.ReadSession.begin() as s:
        po_id = s.scalars(select(FinancialDocument.id).where(FinancialDocument.kind == "po")).one()
    _invoice(db, influencer, po_id, 20_000)
    at = select_row(ok(page("influencer/invoices.py", influencer)), "po_pick")
    assert any("Fully invoiced" in s.value for s in at.success)
    assert not [b for b in at.button if b.label == "Send invoice"]
    shown = at.dataframe[0].value
    assert (shown["Due"] == "—").all()  # a PO has no due date: a dash, not the grid's "None"
    assert not (shown.astype(str) == "None").any().any()


def test_the_sponsor_cancels_a_deal_from_its_page_only_after_ticking_the_confirmation(db, deal):
    sponsor, _, request_id = deal
    at = select_row(ok(page("sponsor/content_approvals.py", sponsor, approvals_all=True)), "approval_pick")
    at.text_area(key=f"cancel_reason_{request_id}").input("Launch postponed")
    at = ok(at.button(key="cancel_deal").click().run())
    assert [w.value for w in at.warning if "Tick the confirmation" in w.value]
    with db.ReadSession.begin() as s:
        assert s.get(AdRequest, request_id).status == "accepted"  # nothing happened without the tick

    at.checkbox(key=f"cancel_tick_{request_id}").check()
    ok(at.button(key="cancel_deal").click().run())

    with db.ReadSession.begin() as s:
        assert s.get(AdRequest, request_id).status == "withdrawn"
        assert s.scalars(select(FinancialDocument.status).where(FinancialDocument.kind == "po")).one() == "cancelled"
    assert deliverable_status(db, request_id) == "cancelled"


def test_the_campaigns_page_shows_what_was_invoiced_and_paid_on_the_picked_campaign(db, deal):
    sponsor, influencer, request_id = deal
    _approved_invoice(db, sponsor, influencer, request_id, 15_000)
    at = ok(page("sponsor/campaigns.py", sponsor))
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Invoiced"], metrics["Paid"]) == ("$150.00", "$0.00")
