"""SMTP and webhook receivers that are down, refuse, or freeze: every wait is bounded, failures are recorded and
retried later, a frozen server costs one timeout per run (not one per recipient), other channels carry on."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from werkzeug import Response

from core.marketplace import ad_requests
from core.messaging import mailer, reminders, webhooks
from core.models import ReminderDelivery, User
from core.platform.config import get_settings, reset_settings
from tests import factories as f
from tests.tasks.conftest import SmtpSink, free_port, use_smtp

pytestmark = pytest.mark.timeout(90)
MORNING = dt.datetime(2026, 12, 1, 8, 0)


class FreezingSink(SmtpSink):
    """Accepts the connection and the envelope, then never answers the message's DATA while frozen."""

    def __init__(self):
        super().__init__()
        self.frozen = threading.Event()
        self.frozen.set()
        self.stalled = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.frozen.is_set():
            self.stalled += 1
            while self.frozen.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"  # the client gave up long ago; never count this one as delivered
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def freezing_smtp(monkeypatch):
    sink = FreezingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("IESCP_SMTP_TIMEOUT_SECONDS", "1")
    use_smtp(monkeypatch, controller.port)
    yield sink
    sink.frozen.clear()
    controller.stop()


@pytest.fixture
def silent_port():
    """A port that accepts TCP connections and never says a word (a hung server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.fixture
def waiting_room(database):
    """Three users with requests awaiting them (Ana, Ben, and the sponsor after Cleo's counter-offer)."""
    sponsor = f.sponsor(database)
    ana, ben, cleo = (f.influencer(database) for _ in range(3))
    campaign = f.campaign(database, sponsor)
    f.request(database, sponsor, campaign, ana)
    f.request(database, sponsor, campaign, ben)
    countered = f.request(database, sponsor, campaign, cleo)
    with database.Session.begin() as s:
        ad_requests.counter_offer(
            s,
            actor=cleo,
            ad_request_id=countered,
            expected_version=ad_requests.current_version(s, countered),
            payment_cents=15_000,
            message="More",
        )
    return [ana.id, ben.id, sponsor.id]


def _deliveries(db, channel: str) -> list[ReminderDelivery]:
    with db.ReadSession.begin() as s:
        return list(s.scalars(select(ReminderDelivery).where(ReminderDelivery.channel == channel)))


def test_a_mail_server_that_never_greets_fails_the_send_within_the_timeout(monkeypatch, silent_port):
    monkeypatch.setenv("IESCP_SMTP_TIMEOUT_SECONDS", "1")
    use_smtp(monkeypatch, silent_port)
    message = mailer.build_message(to="ana@example.com", subject="Hi", text="Hello")

    with pytest.raises(mailer.MailError, match="did not answer within 1 s"):
        mailer.send(message)


def test_a_frozen_mail_server_costs_one_timeout_per_run_and_every_email_is_retried_when_it_thaws(
    database, waiting_room, freezing_smtp
):
    result = reminders.run_daily_reminders(database, now=MORNING)

    assert freezing_smtp.stalled == 1  # the other recipients were not made to wait for it
    assert (result.failed["email"], result.sent["inapp"]) == (3, 3)  # in-app reminders went out regardless
    rows = _deliveries(database, "email")
    assert {r.status for r in rows} == {"failed"}
    assert all("did not answer within 1 s" in r.last_error for r in rows)

    freezing_smtp.frozen.clear()
    later = reminders.run_daily_reminders(database, now=MORNING + dt.timedelta(minutes=11), sweep=False)

    assert later.sent["email"] == 3
    assert {r.status for r in _deliveries(database, "email")} == {"sent"}
    assert sorted(m["To"] for m in freezing_smtp.messages) == sorted(
        _emails(database, waiting_room)
    )  # each exactly once


def _emails(db, user_ids: list[int]) -> list[str]:
    with db.ReadSession.begin() as s:
        return list(s.scalars(select(User.email).where(User.id.in_(user_ids))))


def test_a_refused_mail_connection_is_recorded_and_sent_once_the_server_is_up(database, waiting_room, smtp_down):
    result = reminders.run_daily_reminders(database, now=MORNING)

    assert result.failed["email"] == 3
    assert all("connection refused" in r.last_error for r in _deliveries(database, "email"))
    smtp_down.start()
    assert reminders.run_daily_reminders(database, now=MORNING + dt.timedelta(minutes=11)).sent["email"] == 3
    assert len(smtp_down.messages) == 3


@pytest.fixture
def frozen_webhook(httpserver, monkeypatch):
    """A chat receiver that holds every request without answering until the test ends."""
    release = threading.Event()
    calls = []

    def hold(request):
        calls.append(request.path)
        release.wait(30)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/space-hook", method="POST").respond_with_handler(hold)
    monkeypatch.setenv("IESCP_GCHAT_WEBHOOK_URL", httpserver.url_for("/space-hook") + "?key=secret&token=t")
    monkeypatch.setenv("IESCP_WEBHOOK_TIMEOUT_SECONDS", "1")
    reset_settings()
    yield calls
    release.set()


def test_a_frozen_chat_webhook_times_out_once_and_email_still_goes_out(database, waiting_room, frozen_webhook, outbox):
    with database.Session.begin() as s:
        s.execute(update(User).where(User.id.in_(waiting_room)).values(notify_gchat=True))

    result = reminders.run_daily_reminders(database, now=MORNING)

    assert len(frozen_webhook) == 1
    assert (result.failed["gchat"], result.sent["email"]) == (3, 3)
    errors = [r.last_error for r in _deliveries(database, "gchat")]
    assert all("no answer within 1 s" in e for e in errors)
    assert not any("secret" in e for e in errors)  # the webhook's key never lands in the log


def test_webhook_timeouts_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("IESCP_WEBHOOK_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("IESCP_SMTP_TIMEOUT_SECONDS", "7")
    reset_settings()
    settings = get_settings()
    assert (settings.webhook_timeout_seconds, settings.smtp_timeout_seconds) == (3, 7)
    assert webhooks.Sender(settings.webhook_timeout_seconds).timeout == 3
