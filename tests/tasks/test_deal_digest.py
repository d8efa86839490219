"""The daily digest also lists each party's open deal items: drafts, live posts, invoices, forms and payments."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.deals import deliverables, documents
from core.messaging import deal_digest, reminders
from core.models import FinancialDocument, Notification
from core.platform.timeutil import utcnow
from tests import deal_steps as steps
from tests import factories as f

HOSTILE = '<script>alert("x")</script> & <b>Sale</b>'


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("IESCP_UPLOADS_DIR", str(tmp_path / "uploads"))


@pytest.fixture
def deals(database):
    """Acme runs one deal per state with Ana and Ben; Other Co has a pending invoice from Ana."""
    acme, other = f.sponsor(database, name="Acme"), f.sponsor(database, name="Other Co")
    ana, ben = f.influencer(database, name="Ana Trails"), f.influencer(database, name="Ben Lifts")
    # Ana's side: her to-dos, and one paid invoice.
    _, d, _ = steps.deal(database, acme, ana, "Changes")
    steps.draft(database, ana, d)
    steps.step(database, deliverables.request_changes, acme, d, reason="Brighter, please")
    steps.deal(database, acme, ana, "Due soon", due_in_days=1)
    steps.deal(database, acme, ana, "Due later", due_in_days=20)  # not yet worth a reminder
    _, d, _ = steps.deal(database, acme, ana, "Approved")
    steps.approved(database, acme, ana, d)
    _, d, po = steps.deal(database, acme, ana, "Rejected invoice")
    steps.decide(
        database, documents.reject_document, acme, steps.invoice(database, acme, ana, d, po), reason="Wrong tax id"
    )
    _, d, po = steps.deal(database, acme, ana, "Paid")
    invoice = steps.invoice(database, acme, ana, d, po)
    steps.decide(database, documents.approve_document, acme, invoice)
    steps.pay(database, acme, invoice)
    # Acme's side, with Ben: a draft to review, a live post to confirm, an invoice to approve, an overdue one.
    _, d, _ = steps.deal(database, acme, ben, "Review me")
    steps.draft(database, ben, d)
    _, d, _ = steps.deal(database, acme, ben, "Confirm me")
    steps.live(database, acme, ben, d)
    _, d, po = steps.deal(database, acme, ben, "Approve me")
    steps.invoice(database, acme, ben, d, po)
    _, d, po = steps.deal(database, acme, ben, "Overdue")
    overdue = steps.invoice(database, acme, ben, d, po)
    steps.decide(database, documents.approve_document, acme, overdue)
    with database.Session.begin() as s:
        s.execute(
            update(FinancialDocument)
            .where(FinancialDocument.id == overdue)
            .values(due_date=utcnow().date() - dt.timedelta(days=3))
        )
        documents.mark_overdue(s, on=utcnow().date())
    # Other Co's pending invoice from Ana belongs to Other Co only.
    _, d, po = steps.deal(database, other, ana, "Elsewhere")
    steps.invoice(database, other, ana, d, po)
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
    _, d, _ = steps.deal(database, sponsor, influencer, HOSTILE)
    steps.draft(database, influencer, d)

    reminders.run_daily_reminders(database, now=utcnow() + dt.timedelta(minutes=1))

    (mail,) = outbox.messages
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>Sale</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Sale&lt;/b&gt;" in html
    assert HOSTILE in mail.get_body(("plain",)).get_content()


def test_a_deal_event_is_in_app_at_once_and_reaches_email_only_through_the_digest(database, outbox):
    sponsor, influencer = f.sponsor(database, name="Acme"), f.influencer(database, name="Ana Trails")
    _, d, _ = steps.deal(database, sponsor, influencer, "Spring")

    steps.draft(database, influencer, d)

    with database.ReadSession.begin() as s:
        kinds = set(s.scalars(select(Notification.kind).where(Notification.user_id == sponsor.id)))
    assert kinds and "reminder" not in kinds  # the event's own in-app notification, written with the draft
    assert outbox.messages == []  # no mail at event time: no mail storm from a busy deal
    reminders.run_daily_reminders(database, now=utcnow() + dt.timedelta(minutes=1))
    (mail,) = outbox.messages
    assert "Draft awaiting your approval" in mail.get_body(("plain",)).get_content()
