"""Demo deals in every state after "accepted": drafts pending and sent back, live posts, invoices (one overdue),
payments and reviews — built through the real services, so the demo shows what the rules allow."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select, update

from core.deals import deliverables, documents, lifecycle, payments, reviews
from core.errors import Conflict
from core.marketplace import ad_requests, campaigns
from core.models import Deliverable, FinancialDocument, InfluencerProfile, User
from core.permissions import Actor
from core.platform.db import Database
from core.platform.timeutil import today

# (stage, the influencer's username or None for "another creator")
# Finished stages come first: a finished deal frees its campaign for the same influencer's next one.
STAGES = (
    ("paid_reviewed", "main"),
    ("invoiced", "main"),
    ("planned", "main"),
    ("draft_pending", "main"),
    ("changes_requested", "main"),
    ("live_submitted", None),
    ("overdue", None),
    ("paid", None),
)
PROGRAMME = (
    ("Creator content programme", "Tech", "audio gear"),
    ("Unboxing week", "Tech", "gadget reviews"),
    ("Winter launch reels", "Tech", "audio gear"),
)
CAPTIONS = {
    "Tech": "Spent a week with the new {campaign} gear — the battery is unreal. {tags}",
    "Beauty": "My 3-step morning routine, now with {campaign}. Skin feels amazing. {tags}",
    "Fitness": "20-minute session powered by {campaign}. Who's joining tomorrow? {tags}",
    "Food": "Weeknight dinner in 15 minutes thanks to {campaign}. Recipe in the comments! {tags}",
    "Travel": "Packing light for the coast with {campaign} in my bag. {tags}",
}
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/35", "cvc": "123", "name": "Bright Wave Audio Ltd"}


def _version(db: Database, model, row_id: int) -> int:
    with db.ReadSession.begin() as s:
        return s.get(model, row_id).version


def _deliverable(db: Database, request_id: int) -> int:
    with db.ReadSession.begin() as s:
        return s.scalars(select(Deliverable.id).where(Deliverable.ad_request_id == request_id)).first()


def _caption(category: str, campaign: str, tags: str, *, disclose: bool) -> str:
    text = CAPTIONS.get(category, CAPTIONS["Tech"]).format(campaign=campaign, tags=tags)
    return f"#ad {text}" if disclose else text


def seed_deals(db: Database, rng: random.Random, *, sponsor: Actor, main: Actor, others: list[Actor]) -> int:
    """One deal per stage in STAGES between sponsor and the main (or another) influencer; returns how many."""
    with db.Session.begin() as s:
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
                    start_date=today() - dt.timedelta(days=30),
                    end_date=today() + dt.timedelta(days=90),
                    budget_cents=2_000_000,
                ),
                name,
                category,
            )
            for name, category, niche in PROGRAMME
        ]
    made, spare = 0, list(others)
    for stage, who in STAGES:
        influencer = main if who == "main" else (spare.pop(0) if spare else None)
        if influencer is None:
            continue
        for campaign_id, campaign_name, category in programme:
            try:
                _one_deal(db, rng, stage, sponsor, influencer, campaign_id, campaign_name, category)
            except Conflict:
                continue  # this pair already has a live deal on that campaign: try the next one
            made += 1
            break
    return made


def _one_deal(db, rng, stage, sponsor, influencer, campaign_id, campaign_name, category) -> None:
    amount = rng.choice([600, 900, 1200, 1800, 2500]) * 100
    with db.Session.begin() as s:
        request_id = ad_requests.send_ad_request(
            s,
            actor=sponsor,
            campaign_id=campaign_id,
            influencer_id=influencer.id,
            payment_cents=amount,
            requirements=f"One {category.lower()} reel featuring {campaign_name} #{category.lower()} @brightwave",
            message="We loved your last series — would you create a reel for us?",
        )
    with db.Session.begin() as s:
        lifecycle.accept_offer(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            message="Happy to — I'll start on a draft.",
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
                caption=_caption(category, campaign_name, tags, disclose=disclose),
                link="https://drive.example.com/drafts/reel-v1",
            )

    submit(disclose=stage != "changes_requested")
    if stage == "draft_pending":
        return
    if stage == "changes_requested":
        with db.Session.begin() as s:
            deliverables.request_changes(
                s,
                actor=sponsor,
                deliverable_id=deliverable_id,
                expected_version=_version(db, Deliverable, deliverable_id),
                reason="Lovely shot! Please add the #ad disclosure at the start of the caption and show the logo.",
            )
        return
    with db.Session.begin() as s:
        deliverables.approve_draft(
            s, actor=sponsor, deliverable_id=deliverable_id, expected_version=_version(db, Deliverable, deliverable_id)
        )
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
    with db.Session.begin() as s:
        deliverables.confirm_live(
            s, actor=sponsor, deliverable_id=deliverable_id, expected_version=_version(db, Deliverable, deliverable_id)
        )
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
            external_number=f"{influencer.username.upper()}-014",
        )
    if stage == "invoiced":
        return
    with db.Session.begin() as s:
        documents.approve_document(
            s, actor=sponsor, document_id=invoice_id, expected_version=_version(db, FinancialDocument, invoice_id)
        )
    if stage == "overdue":
        with db.Session.begin() as s:  # as if invoiced six weeks ago on 30-day terms
            s.execute(
                update(FinancialDocument)
                .where(FinancialDocument.id == invoice_id)
                .values(issue_date=today() - dt.timedelta(days=44), due_date=today() - dt.timedelta(days=14))
            )
            documents.mark_overdue(s)
        return
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
        with db.Session.begin() as s:
            reviews.write_review(
                s,
                actor=sponsor,
                ad_request_id=request_id,
                stars=5,
                text="On brief, on time, and the reel outperformed our ads.",
            )
            reviews.write_review(
                s,
                actor=influencer,
                ad_request_id=request_id,
                stars=4,
                text="Clear brief and quick approvals. Payment arrived the same week.",
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
