"""Who may do what on deals: every role against every deals service, on the deal's own objects.

Five actors meet the same prepared deals (each attempt in its own rolled-back transaction): the admin, the
sponsor of the deals, another sponsor, the deals' influencer and another influencer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from core.deals import cancellation, deliverables, documents, finance, lifecycle, payments, reviews
from core.errors import Conflict, NotFound, PermissionDenied
from core.marketplace import ad_requests
from core.models import Deliverable, FinancialDocument
from core.reporting import bookkeeping, documents_pdf
from tests import factories as f
from tests.core.test_deals import GOOD_CARD, _deliver, _doc, _invoice, _only_deliverable
from tests.core.test_permissions_matrix import ROLES, _outcome

OK = "ok"
PD, NF, CF = PermissionDenied, NotFound, Conflict


@dataclass
class World:
    actors: dict
    planned: Deliverable  # the first deal's deliverable, planned
    in_review: Deliverable  # the second deal's deliverable, draft submitted
    po: FinancialDocument  # the third deal's PO: deliverables confirmed, nothing invoiced yet
    pending_invoice: FinancialDocument
    approved_invoice: FinancialDocument
    completed_request: int
    review: int


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


def _one_sponsor_deals(db):
    """Four deals between one sponsor and one influencer, at the stages the matrix needs."""
    sponsor, influencer = f.sponsor(db), f.influencer(db)
    made = []
    for _ in range(4):
        campaign_id = f.campaign(db, sponsor, budget_cents=100_000)
        request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=20_000)

        f.write(
            db,
            lambda s, r=request_id: lifecycle.accept_offer(
                s, actor=influencer, ad_request_id=r, expected_version=ad_requests.current_version(s, r)
            ),
        )
        made.append(request_id)
    return sponsor, influencer, made


def _build(db) -> World:
    sponsor, influencer, (first, second, third, fourth) = _one_sponsor_deals(db)
    in_review = _only_deliverable(db, second)
    f.write(
        db,
        lambda s: deliverables.submit_draft(
            s, actor=influencer, deliverable_id=in_review.id, expected_version=in_review.version, caption="#ad hello"
        ),
    )
    for request_id in (third, fourth):
        _deliver(db, sponsor, influencer, _only_deliverable(db, request_id).id)
    po_id = f.read(db, lambda s: documents.purchase_order_of(s, third).id)
    pending_id = _invoice(db, influencer, f.read(db, lambda s: documents.purchase_order_of(s, fourth).id), 5_000)
    approved_id = _invoice(db, influencer, f.read(db, lambda s: documents.purchase_order_of(s, fourth).id), 5_000)
    f.write(
        db,
        lambda s: documents.approve_document(
            s, actor=sponsor, document_id=approved_id, expected_version=_doc(db, approved_id).version
        ),
    )
    review_id = f.write(db, lambda s: reviews.write_review(s, actor=sponsor, ad_request_id=fourth, stars=4))
    actors = {
        "admin": f.admin(db),
        "sponsor": sponsor,
        "other_sponsor": f.sponsor(db),
        "influencer": influencer,
        "other_influencer": f.influencer(db),
    }
    return World(
        actors,
        _only_deliverable(db, first),
        _only_deliverable(db, second),
        _doc(db, po_id),
        _doc(db, pending_id),
        _doc(db, approved_id),
        third,
        review_id,
    )


TODAY = dt.date.today()
MATRIX = {
    "deliverables.add_deliverable": (
        lambda s, a, w: deliverables.add_deliverable(
            s,
            actor=a,
            ad_request_id=w.planned.ad_request_id,
            title="More",
            platform="instagram",
            due_date=TODAY + dt.timedelta(days=3),
        ),
        (PD, OK, PD, PD, PD),
    ),
    "deliverables.edit_deliverable": (
        lambda s, a, w: deliverables.edit_deliverable(
            s,
            actor=a,
            deliverable_id=w.planned.id,
            expected_version=w.planned.version,
            title="Changed",
            platform="tiktok",
            due_date=TODAY + dt.timedelta(days=4),
        ),
        (PD, OK, PD, PD, PD),
    ),
    "deliverables.submit_draft": (
        lambda s, a, w: deliverables.submit_draft(
            s, actor=a, deliverable_id=w.planned.id, expected_version=w.planned.version, caption="#ad hi"
        ),
        (PD, PD, PD, OK, PD),
    ),
    "deliverables.approve_draft": (
        lambda s, a, w: deliverables.approve_draft(
            s, actor=a, deliverable_id=w.in_review.id, expected_version=w.in_review.version
        ),
        (PD, OK, PD, PD, PD),
    ),
    "deliverables.request_changes": (
        lambda s, a, w: deliverables.request_changes(
            s, actor=a, deliverable_id=w.in_review.id, expected_version=w.in_review.version, reason="More light"
        ),
        (PD, OK, PD, PD, PD),
    ),
    "deliverables.get_deliverable": (
        lambda s, a, w: deliverables.get_deliverable(s, actor=a, deliverable_id=w.in_review.id),
        (OK, OK, PD, OK, PD),
    ),
    "deliverables.sponsor_queue": (lambda s, a, w: deliverables.sponsor_queue(s, actor=a), (PD, OK, OK, PD, PD)),
    "deliverables.influencer_queue": (lambda s, a, w: deliverables.influencer_queue(s, actor=a), (PD, PD, PD, OK, OK)),
    "documents.raise_invoice": (
        lambda s, a, w: documents.raise_invoice(
            s, actor=a, po_id=w.po.id, amount_cents=1_000, legal_name="Me", payment_details="IBAN"
        ),
        (PD, PD, PD, OK, PD),
    ),
    "documents.approve_document": (
        lambda s, a, w: documents.approve_document(
            s, actor=a, document_id=w.pending_invoice.id, expected_version=w.pending_invoice.version
        ),
        (PD, OK, PD, PD, PD),
    ),
    "documents.reject_document": (
        lambda s, a, w: documents.reject_document(
            s, actor=a, document_id=w.pending_invoice.id, expected_version=w.pending_invoice.version, reason="Wrong"
        ),
        (PD, OK, PD, PD, PD),
    ),
    "documents.get_document": (
        lambda s, a, w: documents.get_document(s, actor=a, document_id=w.pending_invoice.id),
        (OK, OK, PD, OK, PD),
    ),
    "documents.submit_form": (
        lambda s, a, w: documents.submit_form(
            s,
            actor=a,
            organization_id=w.actors["sponsor"].organization_id,
            legal_name="Me",
            country="ES",
            tax_id="1",
            payment_details="IBAN",
        ),
        (PD, PD, PD, OK, NF),  # another influencer has no deal with that sponsor
    ),
    "documents.set_form_required": (
        lambda s, a, w: documents.set_form_required(s, actor=a, required=True),
        (PD, OK, OK, PD, PD),
    ),
    "payments.pay_invoice": (
        lambda s, a, w: payments.pay_invoice(
            s,
            actor=a,
            invoice_id=w.approved_invoice.id,
            expected_version=w.approved_invoice.version,
            idempotency_key="m",
            **GOOD_CARD,
        ),
        (PD, OK, PD, PD, PD),
    ),
    "payments.list_payments": (lambda s, a, w: payments.list_payments(s, actor=a), (OK, OK, OK, OK, OK)),
    "reviews.write_review": (
        lambda s, a, w: reviews.write_review(s, actor=a, ad_request_id=w.completed_request, stars=5),
        (PD, OK, PD, OK, PD),
    ),
    "reviews.edit_review": (
        lambda s, a, w: reviews.edit_review(s, actor=a, review_id=w.review, stars=2),
        (PD, OK, PD, PD, PD),
    ),
    "reviews.hide_review": (
        lambda s, a, w: reviews.hide_review(s, actor=a, review_id=w.review, reason="Abuse"),
        (OK, PD, PD, PD, PD),
    ),
    "cancellation.cancel_deal": (
        lambda s, a, w: cancellation.cancel_deal(
            s,
            actor=a,
            ad_request_id=w.planned.ad_request_id,
            expected_version=ad_requests.current_version(s, w.planned.ad_request_id),
            reason="Plans changed",
        ),
        (PD, OK, PD, PD, PD),
    ),
    "finance.budget_burn": (lambda s, a, w: finance.budget_burn(s, actor=a), (PD, OK, OK, PD, PD)),
    "finance.finance_overview": (lambda s, a, w: finance.finance_overview(s, actor=a), (OK, PD, PD, PD, PD)),
    "documents_pdf.document_html": (
        lambda s, a, w: documents_pdf.document_html(s, actor=a, document_id=w.po.id),
        (OK, OK, PD, OK, PD),
    ),
    "bookkeeping.documents_csv": (
        lambda s, a, w: bookkeeping.documents_csv(s, actor=a, start=TODAY, end=TODAY),
        (OK, OK, OK, OK, OK),
    ),
}


def test_each_role_is_allowed_or_refused_each_deals_service(database):
    world = _build(database)
    outcomes, expected = {}, {}
    for service, (call, allowed) in MATRIX.items():
        for role, wanted in zip(ROLES, allowed, strict=True):
            outcomes[service, role] = _outcome(
                database, lambda s, a, w, r, c=call: c(s, a, w), world.actors[role], world, role
            )
            expected[service, role] = wanted
    assert {k: v for k, v in outcomes.items() if v != expected[k]} == {}


def test_nobody_logged_in_is_refused_every_deals_service(database):
    world = _build(database)
    outcomes = {}
    for service, (call, _) in MATRIX.items():
        try:
            outcomes[service] = _outcome(database, lambda s, a, w, r, c=call: c(s, a, w), None, world, "admin")
        except Exception as error:  # a crash instead of a refusal is what this test looks for
            outcomes[service] = type(error)
    assert {service: o for service, o in outcomes.items() if o not in (PermissionDenied, NotFound)} == {}
