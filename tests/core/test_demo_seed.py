"""The demo seed (issue #11): believable text per niche, messages in their sender's voice, months of history with
consistent timestamps, and the past months' reports archived. The seed runs once for the whole module."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from faker.providers.lorem.en_US import Provider as LoremProvider
from sqlalchemy import func, select

from core.demo import seed
from core.demo.content import conversation
from core.models import (
    AdRequest,
    AdRequestEvent,
    Campaign,
    CrmRecordNote,
    FinancialDocument,
    InfluencerProfile,
    MonthlyReport,
    Notification,
    OrgMember,
    Payment,
    Review,
    User,
)
from core.platform import bootstrap
from core.platform import db as dbmod
from core.platform.config import reset_settings
from core.platform.timeutil import previous_month, utcnow

LOREM = frozenset(LoremProvider.word_list)
NEGOTIATION_ACTIONS = ("sent", "asked", "countered", "accepted", "rejected", "withdrawn")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template):
    """A database with the demo seeded once (its own data folder, fast hashing)."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IESCP_DATA_DIR", str(folder / "data"))
        patch.setenv("IESCP_BCRYPT_ROUNDS", "4")
        patch.delenv("IESCP_SMTP_HOST", raising=False)
        reset_settings()
        database = dbmod.connect(f"sqlite:///{path}")
        bootstrap.init_database(database, admin_password="Admin-pass-1")
        started = utcnow()
        seed.seed_demo(database)
        reset_settings()
    yield database, started
    database.dispose()


def _texts(session) -> list[str]:
    columns = (
        InfluencerProfile.bio,
        Campaign.description,
        Campaign.goals,
        AdRequest.requirements,
        AdRequestEvent.message,
        Review.text,
        CrmRecordNote.body,
    )
    return [text for column in columns for text in session.scalars(select(column)) if text]


def _lorem_share(text: str) -> float:
    words = re.findall(r"[a-z]+", text.lower())
    return sum(word in LOREM for word in words) / len(words) if words else 0.0


def test_no_demo_bio_description_or_message_is_faker_lorem(demo):
    db, _ = demo
    with db.ReadSession.begin() as s:
        texts = _texts(s)
    assert len(texts) > 300
    # Faker's sentences are made only of its word list; real English sentences always use words outside it.
    lorem = [text for text in texts if len(re.findall(r"[a-z]+", text.lower())) >= 5 and _lorem_share(text) >= 0.9]
    assert lorem == []


def test_no_two_demo_creators_share_a_bio(demo):
    db, _ = demo
    with db.ReadSession.begin() as s:
        bios = list(s.scalars(select(InfluencerProfile.bio)))
    assert len(set(bios)) == len(bios) > 40


def test_every_negotiation_message_is_in_the_voice_of_the_side_that_sent_it(demo):
    db, _ = demo
    with db.ReadSession.begin() as s:
        events = s.execute(select(AdRequestEvent.actor_party, AdRequestEvent.action, AdRequestEvent.message)).all()
    wrong = []
    for party, action, message in events:
        voices = conversation.voice_of(message or "")
        other = "sponsor" if party == "influencer" else "influencer"
        if other in voices or (action in NEGOTIATION_ACTIONS and voices != {party}):
            wrong.append((party, action, message))
    assert wrong == []
    assert sum(1 for _, action, _ in events if action in NEGOTIATION_ACTIONS) > 100


def test_notifications_and_messages_are_spread_over_more_than_thirty_days(demo):
    db, started = demo
    with db.ReadSession.begin() as s:
        notified = set(s.scalars(select(Notification.created_at)))
        said = set(s.scalars(select(AdRequestEvent.at)))
    assert len({at.date() for at in notified}) > 30
    assert len({at.date() for at in said}) > 30
    assert max(notified | said) <= started + dt.timedelta(minutes=5)  # nothing in the future


def test_each_story_keeps_its_order_reply_after_request_payment_after_invoice(demo):
    db, _ = demo
    with db.ReadSession.begin() as s:
        rows = s.execute(
            select(AdRequestEvent.ad_request_id, AdRequestEvent.id, AdRequestEvent.at).order_by(
                AdRequestEvent.ad_request_id, AdRequestEvent.id
            )
        ).all()
        early_requests = s.scalar(
            select(func.count())
            .select_from(AdRequest)
            .join(Campaign, Campaign.id == AdRequest.campaign_id)
            .join(User, User.id == AdRequest.influencer_id)
            .where((AdRequest.created_at < Campaign.created_at) | (AdRequest.created_at < User.created_at))
        )
        early_payments = s.scalar(
            select(func.count())
            .select_from(Payment)
            .join(FinancialDocument, FinancialDocument.id == Payment.invoice_id)
            .where(Payment.created_at <= FinancialDocument.created_at)
        )
        paid_months = {at.strftime("%Y-%m") for at in s.scalars(select(Payment.created_at))}
    previous: dict[int, dt.datetime] = {}
    for request_id, _, at in rows:
        assert at >= previous.get(request_id, at), f"request {request_id} has a reply before its request"
        previous[request_id] = at
    assert early_requests == 0
    assert early_payments == 0
    assert len(paid_months) >= 3  # not all paid "today": the paid trend has months to show


def test_the_reports_of_every_past_month_each_organization_was_active_in_are_archived(demo):
    db, started = demo
    with db.ReadSession.begin() as s:
        first_campaigns = s.execute(
            select(Campaign.organization_id, func.min(Campaign.start_date))
            .where(Campaign.start_date < started.date())
            .group_by(Campaign.organization_id)
        ).all()
        owners = set(s.scalars(select(OrgMember.organization_id).where(OrgMember.org_role == "owner")))
        archived = {tuple(row) for row in s.execute(select(MonthlyReport.organization_id, MonthlyReport.month))}
        ready = s.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "report"))
    last = previous_month(started.date())
    expected = set()
    for org_id, first in first_campaigns:
        if org_id not in owners:
            continue
        month = first.replace(day=1)
        while month <= last:
            expected.add((org_id, month))
            month = (month + dt.timedelta(days=32)).replace(day=1)
    assert len(expected) >= 10
    assert expected <= archived
    assert ready >= len(expected)
