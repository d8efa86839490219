"""Daily reminders: who gets one, on which channels, exactly once a day, and what happens when a channel fails."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from core.errors import PermissionDenied
from core.marketplace import accounts, ad_requests
from core.messaging import reminders
from core.models import Notification, ReminderDelivery, User
from core.platform.config import get_settings, reset_settings
from tests import factories as f

MORNING = dt.datetime(2026, 12, 1, 8, 0)


def deliveries(db, **where) -> list[ReminderDelivery]:
    with db.ReadSession.begin() as s:
        stmt = select(ReminderDelivery).order_by(ReminderDelivery.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(ReminderDelivery, key) == value)
        return list(s.scalars(stmt))


def reminder_notifications(db, user_id: int) -> int:
    with db.ReadSession.begin() as s:
        return s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.kind == "reminder")
        )


def set_user(db, user_id: int, **values) -> None:
    with db.Session.begin() as s:
        s.execute(update(User).where(User.id == user_id).values(**values))


@pytest.fixture
def marketplace(database):
    """A sponsor with two campaigns; Ana has two requests awaiting her, Ben countered so the sponsor must answer."""
    sponsor = f.sponsor(database, name="Acme Outdoor")
    ana = f.influencer(database, name="Ana Trails")
    ben = f.influencer(database, name="Ben Lifts")
    spring = f.campaign(database, sponsor, name="Spring Launch")
    summer = f.campaign(database, sponsor, name="Summer Tour")
    f.request(database, sponsor, spring, ana, payment_cents=25_000)
    f.request(database, sponsor, summer, ana, payment_cents=40_000)
    countered = f.request(database, sponsor, spring, ben, payment_cents=10_000)
    with database.Session.begin() as s:
        ad_requests.counter_offer(
            s,
            actor=ben,
            ad_request_id=countered,
            expected_version=ad_requests.current_version(s, countered),
            payment_cents=15_000,
            message="More please",
        )
    return {"sponsor": sponsor, "ana": ana, "ben": ben, "spring": spring, "summer": summer}


def test_everyone_with_requests_awaiting_them_gets_one_reminder_listing_them(database, marketplace, outbox):
    m = marketplace
    result = reminders.run_daily_reminders(database, now=MORNING)

    assert result.recipients == 2
    assert result.sent == {"email": 2, "inapp": 2}
    by_address = {msg["To"]: msg for msg in outbox.messages}
    assert set(by_address) == {f"{m['ana'].username}@example.com", f"{m['sponsor'].username}@example.com"}
    ana_mail = by_address[f"{m['ana'].username}@example.com"]
    assert ana_mail["Subject"] == "[IESCP] 2 ad requests await your answer"
    text = ana_mail.get_body(("plain",)).get_content()
    assert "Spring Launch" in text and "Summer Tour" in text and "$250.00" in text and "$400.00" in text
    sponsor_text = by_address[f"{m['sponsor'].username}@example.com"].get_body(("plain",)).get_content()
    assert "Ben Lifts" in sponsor_text and "$150.00" in sponsor_text
    assert reminder_notifications(database, m["ana"].id) == 1
    assert reminder_notifications(database, m["ben"].id) == 0  # nothing awaits Ben
    assert {(d.user_id, d.channel, d.status, d.item_count) for d in deliveries(database)} == {
        (m["ana"].id, "email", "sent", 2),
        (m["ana"].id, "inapp", "sent", 2),
        (m["sponsor"].id, "email", "sent", 1),
        (m["sponsor"].id, "inapp", "sent", 1),
    }


def test_running_the_same_day_twice_sends_once_per_channel(database, marketplace, outbox):
    first = reminders.run_daily_reminders(database, now=MORNING)
    second = reminders.run_daily_reminders(database, now=MORNING + dt.timedelta(minutes=1))
    late = reminders.catch_up(database, now=MORNING + dt.timedelta(hours=3))

    assert first.sent == {"email": 2, "inapp": 2}
    assert second.sent == {} and second.skipped == {"email": 2, "inapp": 2}
    assert late.sent == {} and late.swept is False  # the day's sweep is complete: only retries are looked at
    assert len(outbox.messages) == 2
    assert reminder_notifications(database, marketplace["ana"].id) == 1
    assert len(deliveries(database)) == 4


def test_the_next_day_brings_a_new_reminder(database, marketplace, outbox):
    reminders.run_daily_reminders(database, now=MORNING)
    reminders.run_daily_reminders(database, now=MORNING + dt.timedelta(days=1))

    assert len(outbox.messages) == 4
    assert {d.day for d in deliveries(database)} == {MORNING.date(), MORNING.date() + dt.timedelta(days=1)}


def test_flagged_deactivated_and_pending_users_get_no_reminder(database, marketplace, outbox):
    m = marketplace
    admin = f.admin(database)
    with database.Session.begin() as s:
        accounts.flag_user(s, actor=admin, user_id=m["ana"].id, reason="Fake followers")
    with database.Session.begin() as s:
        accounts.deactivate_user(s, actor=admin, user_id=m["sponsor"].id, reason="Closed")

    result = reminders.run_daily_reminders(database, now=MORNING)

    assert result.recipients == 0
    assert outbox.messages == [] and deliveries(database) == []


def test_sponsors_are_not_reminded_when_remind_sponsors_is_off(database, marketplace, outbox, monkeypatch):
    monkeypatch.setenv("IESCP_REMIND_SPONSORS", "0")
    reset_settings()

    reminders.run_daily_reminders(database, now=MORNING)

    assert [d.user_id for d in deliveries(database, channel="email")] == [marketplace["ana"].id]


def test_users_get_only_the_channels_they_chose(database, marketplace, outbox, httpserver, monkeypatch):
    m = marketplace
    httpserver.expect_request("/space-hook", method="POST").respond_with_json({})
    monkeypatch.setenv("IESCP_GCHAT_WEBHOOK_URL", httpserver.url_for("/space-hook") + "?key=secret&token=t")
    reset_settings()
    with database.Session.begin() as s:
        accounts.update_notification_settings(s, actor=m["ana"], email=False, gchat=True, inapp=False)

    reminders.run_daily_reminders(database, now=MORNING)

    assert {d.channel for d in deliveries(database, user_id=m["ana"].id)} == {"gchat"}
    assert {d.channel for d in deliveries(database, user_id=m["sponsor"].id)} == {"email", "inapp"}
    assert [msg["To"] for msg in outbox.messages] == [f"{m['sponsor'].username}@example.com"]
    assert len(httpserver.log) == 1


def test_google_chat_webhook_receives_the_reminder_as_json_text(database, marketplace, httpserver):
    m = marketplace
    httpserver.expect_request("/ana-hook", method="POST").respond_with_json({"name": "spaces/x/messages/y"})
    set_user(
        database, m["ana"].id, notify_gchat=True, notify_email=False, gchat_webhook_url=httpserver.url_for("/ana-hook")
    )  # the account page only accepts https://

    result = reminders.run_daily_reminders(database, now=MORNING)

    assert result.sent["gchat"] == 1
    request, _ = httpserver.log[0]
    assert request.headers["Content-Type"].startswith("application/json")
    payload = request.get_json()
    assert set(payload) == {"text"}
    assert payload["text"].startswith("*IESCP* — 2 ad requests await your answer, Ana Trails")
    assert "Spring Launch — Acme Outdoor — $250.00 (pending)" in payload["text"]


def test_chat_text_cannot_mention_everyone_in_the_space(database, httpserver):
    sponsor = f.sponsor(database, name="<users/all> Promo")
    ana = f.influencer(database)
    f.request(database, sponsor, f.campaign(database, sponsor, name="<users/all>"), ana)
    httpserver.expect_request("/hook", method="POST").respond_with_json({})
    set_user(database, ana.id, notify_gchat=True, gchat_webhook_url=httpserver.url_for("/hook"))

    reminders.run_daily_reminders(database, now=MORNING)

    text = httpserver.log[0][0].get_json()["text"]
    assert "<users/all>" not in text and "‹users/all›" in text


def test_reminder_mail_reaches_a_real_smtp_server_well_formed(database, marketplace, smtp_server):
    reminders.run_daily_reminders(database, now=MORNING)

    assert len(smtp_server.messages) == 2
    message = next(m for m in smtp_server.messages if m["To"].startswith(marketplace["ana"].username))
    assert message["From"] == get_settings().mail_from
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    html = message.get_body(("html",)).get_content()
    assert "Summer Tour" in html and "Open IESCP" in html
    envelope = next(e for e in smtp_server.sink.envelopes if e.rcpt_tos[0].startswith(marketplace["ana"].username))
    assert envelope.mail_from == "noreply@iescp.local"


def test_user_text_in_the_reminder_mail_is_escaped(database, outbox):
    sponsor = f.sponsor(database, name="Evil <b>Corp</b>")
    ana = f.influencer(database)
    f.request(database, sponsor, f.campaign(database, sponsor, name="<script>alert(1)</script>"), ana)

    reminders.run_daily_reminders(database, now=MORNING)

    html = outbox.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Evil &lt;b&gt;Corp&lt;/b&gt;" in html


def test_smtp_down_is_recorded_then_retried_later_and_nothing_is_doubled(database, marketplace, smtp_down):
    ana = marketplace["ana"]
    first = reminders.run_daily_reminders(database, now=MORNING)

    assert first.failed == {"email": 2} and first.sent == {"inapp": 2}  # the in-app reminder is not held back
    failed = deliveries(database, user_id=ana.id, channel="email")[0]
    assert failed.status == "failed" and failed.attempts == 1
    assert "connection refused" in failed.last_error

    smtp_down.start()  # the mail server comes back
    too_soon = reminders.catch_up(database, now=MORNING + dt.timedelta(minutes=5))
    assert too_soon.sent == {} and smtp_down.messages == []  # backoff: the first retry waits 10 minutes

    retry = reminders.catch_up(database, now=MORNING + dt.timedelta(minutes=15))
    assert retry.sent == {"email": 2}
    again = reminders.catch_up(database, now=MORNING + dt.timedelta(hours=2))
    assert again.sent == {} and again.failed == {}

    assert sorted(m["To"] for m in smtp_down.messages) == sorted(
        [f"{ana.username}@example.com", f"{marketplace['sponsor'].username}@example.com"]
    )
    sent = deliveries(database, user_id=ana.id, channel="email")[0]
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert sent.sent_at == MORNING + dt.timedelta(minutes=15)


def test_failed_channel_gives_up_after_the_maximum_attempts(database, marketplace, smtp_down):
    for hours in range(0, 16, 3):  # 08:00 … 23:00: every retry is past its backoff
        reminders.catch_up(database, now=MORNING + dt.timedelta(hours=hours))

    rows = deliveries(database, channel="email")
    assert {(r.status, r.attempts) for r in rows} == {("failed", reminders.MAX_ATTEMPTS)}


def test_a_failing_webhook_is_recorded_and_does_not_block_email(database, marketplace, httpserver, outbox):
    ana = marketplace["ana"]
    httpserver.expect_request("/hook", method="POST").respond_with_data("boom", status=500)
    set_user(database, ana.id, notify_gchat=True, gchat_webhook_url=httpserver.url_for("/hook") + "?key=SECRET")

    result = reminders.run_daily_reminders(database, now=MORNING)

    assert result.failed == {"gchat": 1}
    chat = deliveries(database, user_id=ana.id, channel="gchat")[0]
    assert chat.status == "failed" and "HTTP 500" in chat.last_error
    assert "SECRET" not in chat.last_error  # the webhook's key never lands in the log
    assert {d.status for d in deliveries(database, user_id=ana.id) if d.channel != "gchat"} == {"sent"}
    assert len(outbox.messages) == 2


def test_catch_up_does_a_missed_day_but_nothing_before_the_reminder_hour(database, marketplace, outbox):
    early = reminders.catch_up(database, now=MORNING.replace(hour=7, minute=5))
    assert early is None and outbox.messages == []

    late = reminders.catch_up(database, now=MORNING.replace(hour=9, minute=5))
    assert late.swept and late.sent == {"email": 2, "inapp": 2}


def test_only_admins_read_the_delivery_log(database, marketplace, outbox):
    reminders.run_daily_reminders(database, now=MORNING)
    admin = f.admin(database)

    with database.ReadSession.begin() as s:
        log = reminders.list_deliveries(s, actor=admin, day=MORNING.date(), channel="email")
        summary = reminders.delivery_summary(s, actor=admin, days=400)
        with pytest.raises(PermissionDenied):
            reminders.list_deliveries(s, actor=marketplace["sponsor"])

    assert sorted(log["username"]) == sorted([marketplace["ana"].username, marketplace["sponsor"].username])
    assert int(summary["count"].sum()) == 4
