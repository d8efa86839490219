"""The daily digest also lists each party's open deal items: drafts, live posts, invoices, forms and payments."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.deals import deliverables, documents, lifecycle, payments
from core.marketplace import ad_requests
from core.messaging import deal_digest, reminders
from core.models import Deliverable, FinancialDocument, Notification
from core.platform.timeutil import utcnow
from tests import factories as f

CARD = dict(card_number="4242 4242 4242 4242", expiry="12/39", cvc="123", name="Acme Ltd")
HOSTILE = '<script>alert("x")</script> & <b>Sale</b>'


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


def _act(db, fn, **kwargs):
    with db.Session.begin() as s:
        return fn(s, **kwargs)


def _deliverable(db, request_id) -> tuple[int, int]:
    with db.ReadSession.begin() as s:
        row = s.scalars(select(Deliverable).where(Deliverable.ad_request_id == request_id)).one()
        return row.id, row.version


def _doc_version(db, document_id) -> int:
    with db.ReadSession.begin() as s:
        return s.get(FinancialDocument, document_id).version


def _deal(db, sponsor, influencer, name, *, due_in_days=30):
    """An accepted deal on a new campaign called name: (request id, deliverable id, PO id)."""
    campaign_id = f.campaign(db, sponsor, name=name, budget_cents=100_000)
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=20_000)
    with db.Session.begin() as s:
        po_id = lifecycle.accept_offer(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
    deliverable_id, _ = _deliverable(db, request_id)
    with db.Session.begin() as s:
        due = utcnow().date() + dt.timedelta(days=due_in_days)
        s.execute(update(Deliverable).where(Deliverable.id == deliverable_id).values(due_date=due))
    return request_id, deliverable_id, po_id


def _step(db, fn, actor, deliverable_id, **kwargs):
    with db.ReadSession.begin() as s:
        version = s.get(Deliverable, deliverable_id).version
    _act(db, fn, actor=actor, deliverable_id=deliverable_id, expected_version=version, **kwargs)


def _draft(db, influencer, d):
    _step(db, deliverables.submit_draft, influencer, d, caption="Loving it #ad")


def _approved(db, sponsor, influencer, d):
    _draft(db, influencer, d)
    _step(db, deliverables.approve_draft, sponsor, d)


def _live(db, sponsor, influencer, d):
    _approved(db, sponsor, influencer, d)
    _step(db, deliverables.submit_live_url, influencer, d, url="https://instagram.com/p/abc")


def _confirmed(db, sponsor, influencer, d):
    _live(db, sponsor, influencer, d)
    _step(db, deliverables.confirm_live, sponsor, d)


def _invoice(db, sponsor, influencer, d, po_id) -> int:
    _confirmed(db, sponsor, influencer, d)
    return _act(
        db,
        documents.raise_invoice,
        actor=influencer,
        po_id=po_id,
        amount_cents=20_000,
        legal_name="Ana Trails",
        payment_details="IBAN DE00 1234",
    )


def _decide(db, fn, sponsor, invoice_id, **kwargs):
    _act(db, fn, actor=sponsor, document_id=invoice_id, expected_version=_doc_version(db, invoice_id), **kwargs)


@pytest.fixture
def deals(database):
    """Acme runs one deal per state with Ana and Ben; Other Co has a pending invoice from Ana."""
    acme, other = f.sponsor(database, name="Acme"), f.sponsor(database, name="Other Co")
    ana, ben = f.influencer(database, name="Ana Trails"), f.influencer(database, name="Ben Lifts")
    # Ana's side: her to-dos, and one paid invoice.
    _, d, _ = _deal(database, acme, ana, "Changes")
    _draft(database, ana, d)
    _step(database, deliverables.request_changes, acme, d, reason="Brighter, please")
    _deal(database, acme, ana, "Due soon", due_in_days=1)
    _deal(database, acme, ana, "Due later", due_in_days=20)  # not yet worth a reminder
    _, d, _ = _deal(database, acme, ana, "Approved")
    _approved(database, acme, ana, d)
    _, d, po = _deal(database, acme, ana, "Rejected invoice")
    _decide(database, documents.reject_document, acme, _invoice(database, acme, ana, d, po), reason="Wrong tax id")
    _, d, po = _deal(database, acme, ana, "Paid")
    invoice = _invoice(database, acme, ana, d, po)
    _decide(database, documents.approve_document, acme, invoice)
    _act(
        database,
        payments.pay_invoice,
        actor=acme,
        invoice_id=invoice,
        expected_version=_doc_version(database, invoice),
        idempotency_key="k1",
        **CARD,
    )
    # Acme's side, with Ben: a draft to review, a live post to confirm, an invoice to approve, an overdue one.
    _, d, _ = _deal(database, acme, ben, "Review me")
    _draft(database, ben, d)
    _, d, _ = _deal(database, acme, ben, "Confirm me")
    _live(database, acme, ben, d)
    _, d, po = _deal(database, acme, ben, "Approve me")
    _invoice(database, acme, ben, d, po)
    _, d, po = _deal(database, acme, ben, "Overdue")
    overdue = _invoice(database, acme, ben, d, po)
    _decide(database, documents.approve_document, acme, overdue)
    with database.Session.begin() as s:
        s.execute(
            update(FinancialDocument)
            .where(FinancialDocument.id == overdue)
            .values(due_date=utcnow().date() - dt.timedelta(days=3))
        )
        documents.mark_overdue(s, on=utcnow().date())
    # Other Co's pending invoice from Ana belongs to Other Co only.
    _, d, po = _deal(database, other, ana, "Elsewhere")
    _invoice(database, other, ana, d, po)
    return {"acme": acme, "other": other, "ana": ana, "ben": ben}


def _items(db, party, user_id, now) -> set[tuple[str, str]]:
    with db.ReadSession.begin() as s:
        found = deal_digest.items_for(s, party, [user_id], today=now.date(), now=now)
    return {(item.kind, item.campaign) for item in found.get(user_id, [])}


def test_an_influencers_digest_lists_their_own_open_deal_items_only(database, deals):
    now = utcnow() + dt.timedelta(minutes=1)
    assert _items(database, "influencer", deals["ana"].id, now) == {
        ("changes_requested", "Changes"),
        ("draft_due", "Due soon"),
        ("live_url_needed", "Approved"),
        ("invoice_rejected", "Rejected invoice"),
        ("payment_received", "Paid"),
    }
    assert _items(database, "influencer", deals["ben"].id, now) == set()  # Ben only waits on Acme


def test_a_sponsors_digest_lists_their_own_open_deal_items_only(database, deals):
    now = utcnow() + dt.timedelta(minutes=1)
    assert _items(database, "sponsor", deals["acme"].id, now) == {
        ("draft_to_review", "Review me"),
        ("live_to_confirm", "Confirm me"),
        ("invoice_to_approve", "Approve me"),
        ("invoice_overdue", "Overdue"),
    }
    assert _items(database, "sponsor", deals["other"].id, now) == {("invoice_to_approve", "Elsewhere")}


def test_a_payment_is_listed_in_the_first_digest_after_it_and_not_again(database, deals, outbox):
    now = utcnow() + dt.timedelta(minutes=1)
    reminders.run_daily_reminders(database, now=now)
    tomorrow = now + dt.timedelta(days=1)

    assert ("payment_received", "Paid") not in _items(database, "influencer", deals["ana"].id, tomorrow)


def test_users_with_only_deal_items_get_the_digest_on_every_channel_and_users_with_nothing_get_none(
    database, deals, outbox
):
    idle = f.influencer(database, name="Idle Ivy")
    now = utcnow() + dt.timedelta(minutes=1)

    result = reminders.run_daily_reminders(database, now=now)

    by_address = {msg["To"]: msg for msg in outbox.messages}
    assert set(by_address) == {f"{u.username}@example.com" for u in (deals["ana"], deals["acme"], deals["other"])}
    assert f"{idle.username}@example.com" not in by_address and f"{deals['ben'].username}@example.com" not in by_address
    assert result.sent == {"email": 3, "inapp": 3}
    ana = by_address[f"{deals['ana'].username}@example.com"]
    assert ana["Subject"] == "[IESCP] 5 deal items need your attention"
    text = ana.get_body(("plain",)).get_content()
    assert "Changes requested on your draft" in text and "Payment received" in text and "$200.00" in text
    assert "Elsewhere" not in text and "Review me" not in text
    assert "influencer-deliverables" in text
    with database.ReadSession.begin() as s:
        inapp = s.scalars(
            select(Notification).where(Notification.user_id == deals["acme"].id, Notification.kind == "reminder")
        ).one()
    assert inapp.title == "4 deal items need your attention" and "Invoice overdue" in inapp.body


def test_requests_and_deal_items_share_one_digest(database, deals, outbox):
    campaign_id = f.campaign(database, deals["acme"], name="Fresh offer")
    f.request(database, deals["acme"], campaign_id, deals["ana"], payment_cents=5_000)

    reminders.run_daily_reminders(database, now=utcnow() + dt.timedelta(minutes=1))

    ana = next(m for m in outbox.messages if m["To"] == f"{deals['ana'].username}@example.com")
    assert ana["Subject"].strip() == "[IESCP] 1 ad request awaits your answer and 5 deal items need your attention"
    text = ana.get_body(("plain",)).get_content()
    assert "Fresh offer" in text and "Due soon" in text


def test_hostile_campaign_names_are_escaped_in_the_digest_email(database, outbox):
    sponsor, influencer = f.sponsor(database, name="Acme"), f.influencer(database, name="Ana Trails")
    _, d, _ = _deal(database, sponsor, influencer, HOSTILE)
    _draft(database, influencer, d)

    reminders.run_daily_reminders(database, now=utcnow() + dt.timedelta(minutes=1))

    (mail,) = outbox.messages
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>Sale</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Sale&lt;/b&gt;" in html
    assert HOSTILE in mail.get_body(("plain",)).get_content()


def test_a_deal_event_is_in_app_at_once_and_reaches_email_only_through_the_digest(database, outbox):
    sponsor, influencer = f.sponsor(database, name="Acme"), f.influencer(database, name="Ana Trails")
    _, d, _ = _deal(database, sponsor, influencer, "Spring")

    _draft(database, influencer, d)

    with database.ReadSession.begin() as s:
        kinds = set(s.scalars(select(Notification.kind).where(Notification.user_id == sponsor.id)))
    assert kinds and "reminder" not in kinds  # the event's own in-app notification, written with the draft
    assert outbox.messages == []  # no mail at event time: no mail storm from a busy deal
    reminders.run_daily_reminders(database, now=utcnow() + dt.timedelta(minutes=1))
    (mail,) = outbox.messages
    assert "Draft awaiting your approval" in mail.get_body(("plain",)).get_content()
