"""Deal steps through the real services, shared by the digest, report and cancellation tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from core.deals import deliverables, documents, lifecycle, payments
from core.marketplace import ad_requests
from core.models import Deliverable, FinancialDocument
from core.platform.timeutil import utcnow
from tests import factories as f

CARD = dict(card_number="4242 4242 4242 4242", expiry="12/39", cvc="123", name="Acme Ltd")


def act(db, fn, **kwargs):
    with db.Session.begin() as s:
        return fn(s, **kwargs)


def deliverable(db, request_id) -> tuple[int, int]:
    with db.ReadSession.begin() as s:
        row = s.scalars(select(Deliverable).where(Deliverable.ad_request_id == request_id)).one()
        return row.id, row.version


def doc_version(db, document_id) -> int:
    with db.ReadSession.begin() as s:
        return s.get(FinancialDocument, document_id).version


def deal(db, sponsor, influencer, name, *, due_in_days=30):
    """An accepted deal on a new campaign called name: (request id, deliverable id, PO id)."""
    campaign_id = f.campaign(db, sponsor, name=name, budget_cents=100_000)
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=20_000)
    with db.Session.begin() as s:
        po_id = lifecycle.accept_offer(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    deliverable_id, _ = deliverable(db, request_id)
    with db.Session.begin() as s:
        due = utcnow().date() + dt.timedelta(days=due_in_days)
        s.execute(update(Deliverable).where(Deliverable.id == deliverable_id).values(due_date=due))
    return request_id, deliverable_id, po_id


def step(db, fn, actor, deliverable_id, **kwargs):
    with db.ReadSession.begin() as s:
        version = s.get(Deliverable, deliverable_id).version
    act(db, fn, actor=actor, deliverable_id=deliverable_id, expected_version=version, **kwargs)


def draft(db, influencer, d):
    step(db, deliverables.submit_draft, influencer, d, caption="Loving it #ad")


def approved(db, sponsor, influencer, d):
    draft(db, influencer, d)
    step(db, deliverables.approve_draft, sponsor, d)


def live(db, sponsor, influencer, d):
    approved(db, sponsor, influencer, d)
    step(db, deliverables.submit_live_url, influencer, d, url="https://instagram.com/p/abc")


def confirmed(db, sponsor, influencer, d):
    live(db, sponsor, influencer, d)
    step(db, deliverables.confirm_live, sponsor, d)


def invoice(db, sponsor, influencer, d, po_id) -> int:
    confirmed(db, sponsor, influencer, d)
    return act(
        db,
        documents.raise_invoice,
        actor=influencer,
        po_id=po_id,
        amount_cents=20_000,
        legal_name="Ana Trails",
        payment_details="IBAN DE00 1234",
    )


def decide(db, fn, sponsor, invoice_id, **kwargs):
    act(db, fn, actor=sponsor, document_id=invoice_id, expected_version=doc_version(db, invoice_id), **kwargs)


def pay(db, sponsor, invoice_id, key="k1"):
    return act(
        db,
        payments.pay_invoice,
        actor=sponsor,
        invoice_id=invoice_id,
        expected_version=doc_version(db, invoice_id),
        idempotency_key=key,
        **CARD,
    )
