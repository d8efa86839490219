"""Demo deals in every state after "accepted": drafts pending and sent back, live posts, invoices (one overdue),
payments and reviews — built through the real services, so the demo shows what the rules allow.

Each deal is a story on the demo's timeline: it starts the given number of days ago and each step follows the last
by the hours or days a real deal takes, so payments fall in different months and every reply follows its request."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select, update

from core.deals import deliverables, documents, lifecycle, payments, reviews
from core.deals.rules import deal_rules
from core.demo.content import campaigns as campaign_text
from core.demo.content import conversation, feedback
from core.demo.timeline import Timeline
from core.errors import Conflict
from core.marketplace import ad_requests, campaigns
from core.models import Deliverable, FinancialDocument, InfluencerProfile, User
from core.permissions import Actor
from core.platform.db import Database
from core.platform.timeutil import today

# (stage, the influencer's username or None for "another creator", days ago the offer was sent)
# Finished stages come first: a finished deal frees its campaign for the same influencer's next one.
STAGES = (
    ("paid_reviewed", "main", 150),
    ("invoiced", "main", 16),
    ("planned", "main", 3),
    ("draft_pending", "main", 7),
    ("changes_requested", "main", 10),
    ("live_submitted", None, 16),
    ("overdue", None, 62),
    ("paid", None, 110),
    ("paid", None, 205),
    ("paid", None, 80),
    ("paid", None, 48),
)
PROGRAMME = (
    ("Creator content programme", "Tech", "audio gear"),
    ("Unboxing week", "Tech", "gadget reviews"),
    ("Winter launch reels", "Tech", "audio gear"),
)
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/35", "cvc": "123", "name": "Bright Wave Audio Ltd"}
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/35", "cvc": "123", "name": "Bright Wave Audio Ltd"}


def _version(db: Database, model, row_id: int) -> int:
    with db.ReadSession.begin() as s:
        return s.get(model, row_id).version


def _deliverable(db: Database, request_id: int) -> int:
    with db.ReadSession.begin() as s:
        return s.scalars(select(Deliverable.id).where(Deliverable.ad_request_id == request_id)).first()


def seed_deals(
    db: Database,
    rng: random.Random,
    *,
    sponsor: Actor,
    main: Actor,
    others: list[Actor],
    clock: Timeline | None = None,
    words: random.Random | None = None,
) -> int:
    """One deal per stage in STAGES between sponsor and the main (or another) influencer; returns how many."""
    clock, words = clock or Timeline(), words or random.Random(rng.random())
    with clock.story(clock.now - dt.timedelta(days=215)), db.Session.begin() as s:  # an always-on programme
        programme = [
            (
                campaigns.create_campaign(
                    s,
                    actor=sponsor,
                    name=name,
                    category=category,
                    niche=niche,
                    is_public=True,
                    description=f"{name}: short-form reviews and unboxings from creators our customers trust.",
                    goals="Two reels per creator, honest reviews, link in bio for launch week.",
                    start_date=today() - dt.timedelta(days=210),
                    end_date=today() + dt.timedelta(days=90),
                    budget_cents=3_000_000,
                ),
                name,
                category,
            )
            for name, category, niche in PROGRAMME
        ]
    made, spare = 0, list(others)
    for stage, who, days_ago in STAGES:
        influencer = main if who == "main" else (spare.pop(0) if spare else None)
        if influencer is None:
            continue
        for campaign_id, campaign_name, category in programme:
            parties = (sponsor, influencer)
            try:
                with clock.story(clock.now - dt.timedelta(days=days_ago, hours=rng.uniform(0, 12))):
                    _one_deal(db, rng, words, clock, stage, parties, campaign_id, campaign_name, category)
            except Conflict:
                continue  # this pair already has a live deal on that campaign: try the next one
            made += 1
            break
    return made


def _one_deal(db, rng, words, clock, stage, parties, campaign_id, campaign_name, category) -> None:
    sponsor, influencer = parties
    said = {
        "first": influencer.display_name.split()[0],
        "campaign": campaign_name,
        "niche": category.lower(),
        "sponsor": sponsor.display_name,
    }
    amount = rng.choice([600, 900, 1200, 1800, 2500]) * 100
    with db.Session.begin() as s:
        request_id = ad_requests.send_ad_request(
            s,
            actor=sponsor,
            campaign_id=campaign_id,
            influencer_id=influencer.id,
            payment_cents=amount,
            requirements=f"Short video for {campaign_name}\n30–45 seconds with the product on camera; use "
            f"#{category.lower()}, tag @brightwave and put #ad first in the caption.",
            message=conversation.line(words, "sponsor", "sent", **said),
        )
    clock.step(rng, 3 * HOUR, 2 * DAY)
    with db.Session.begin() as s:
        lifecycle.accept_offer(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            message=conversation.line(words, "influencer", "accepted", **said),
        )
    if stage == "planned":
        return
    deliverable_id = _deliverable(db, request_id)
    tags = f"#{category.lower()} @brightwave"

    def submit(disclose: bool) -> None:
        with db.Session.begin() as s:
            deliverables.submit_draft(
                s,
                actor=influencer,
                deliverable_id=deliverable_id,
                expected_version=_version(db, Deliverable, deliverable_id),
                caption=campaign_text.caption(category, campaign_name, tags, disclose=disclose),
                link="https://drive.example.com/drafts/reel-v1",
            )

    clock.step(rng, 3 * DAY, 6 * DAY)  # filming and editing
    submit(disclose=stage != "changes_requested")
    if stage == "draft_pending":
        return
    clock.step(rng, 4 * HOUR, 2 * DAY)
    if stage == "changes_requested":
        with db.Session.begin() as s:
            deliverables.request_changes(
                s,
                actor=sponsor,
                deliverable_id=deliverable_id,
                expected_version=_version(db, Deliverable, deliverable_id),
                reason=feedback.change_request(words),
            )
        return
    with db.Session.begin() as s:
        deliverables.approve_draft(
            s, actor=sponsor, deliverable_id=deliverable_id, expected_version=_version(db, Deliverable, deliverable_id)
        )
    clock.step(rng, 1 * DAY, 3 * DAY)
    with db.Session.begin() as s:
        deliverables.submit_live_url(
            s,
            actor=influencer,
            deliverable_id=deliverable_id,
            expected_version=_version(db, Deliverable, deliverable_id),
            url=f"https://www.instagram.com/p/{rng.randrange(10**9):x}",
        )
    if stage == "live_submitted":
        return
    clock.step(rng, 2 * HOUR, 1 * DAY)
    with db.Session.begin() as s:
        deliverables.confirm_live(
            s, actor=sponsor, deliverable_id=deliverable_id, expected_version=_version(db, Deliverable, deliverable_id)
        )
    clock.step(rng, 1 * DAY, 4 * DAY)
    with db.Session.begin() as s:
        po = documents.purchase_order_of(s, request_id)
        if po is None:  # accept_offer issued it a moment ago
            raise Conflict("The demo deal has no purchase order.")
        invoice_id = documents.raise_invoice(
            s,
            actor=influencer,
            po_id=po.id,
            amount_cents=po.amount_cents,
            legal_name=influencer.display_name,
            payment_details="IBAN GB33 BUKB 2020 1555 5555 55",
            external_number=f"{influencer.username.upper()}-{rng.randint(3, 40):03d}",
        )
    invoiced = clock.current
    if stage == "invoiced":
        return
    clock.step(rng, 1 * DAY, 3 * DAY)
    with db.Session.begin() as s:
        documents.approve_document(
            s, actor=sponsor, document_id=invoice_id, expected_version=_version(db, FinancialDocument, invoice_id)
        )
    if stage == "overdue":  # never paid: on the day after its due date the daily job flags it
        issued = invoiced.date()
        due = issued + dt.timedelta(days=deal_rules().net_terms_days)
        clock.at(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(5)))
        with db.Session.begin() as s:
            s.execute(
                update(FinancialDocument)
                .where(FinancialDocument.id == invoice_id)
                .values(issue_date=issued, due_date=due)
            )
            documents.mark_overdue(s, on=due + dt.timedelta(days=1))
        return
    clock.step(rng, 5 * DAY, 20 * DAY)  # paid within the 30-day terms
    with db.Session.begin() as s:
        payments.pay_invoice(
            s,
            actor=sponsor,
            invoice_id=invoice_id,
            expected_version=_version(db, FinancialDocument, invoice_id),
            idempotency_key=f"demo-{invoice_id}",
            **CARD,
        )
    if stage == "paid_reviewed":
        clock.step(rng, 1 * DAY, 4 * DAY)
        with db.Session.begin() as s:
            reviews.write_review(
                s,
                actor=sponsor,
                ad_request_id=request_id,
                stars=5,
                text=feedback.review(words, "sponsor", 5, first=said["first"], format="reel"),
            )
        clock.step(rng, 3 * HOUR, 2 * DAY)
        with db.Session.begin() as s:
            reviews.write_review(
                s,
                actor=influencer,
                ad_request_id=request_id,
                stars=4,
                text=feedback.review(words, "influencer", 4),
            )


def demo_others(db: Database, count: int, *, exclude: str) -> list[int]:
    """Ids of listed influencers other than the main one, to fill the remaining stages."""
    with db.ReadSession.begin() as s:
        return list(
            s.scalars(
                select(User.id)
                .join(InfluencerProfile, InfluencerProfile.user_id == User.id)
                .where(InfluencerProfile.listed.is_(True), User.username != exclude)
                .order_by(User.id)
                .limit(count)
            )
        )
