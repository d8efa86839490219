"""Daily reminders: everyone with ad requests awaiting their answer, or open deal items, gets one digest a day per channel.

The deal items (drafts, live posts, invoices, forms, payments) come from core/messaging/deal_digest.py.

Idempotence: a reminder_deliveries row (unique user, day, channel) is claimed in its own
transaction *before* anything is sent, then marked sent or failed. A second run the same day (a
double-fired periodic task, a restarted consumer, the catch-up run) finds the row and sends nothing.
A failed email or chat message is retried by later runs with exponential backoff until
MAX_ATTEMPTS, every attempt counted and its error kept; one channel failing never blocks the others.
A worker killed between claim and send leaves a "pending" row: once its claim is older than
CLAIM_LEASE, reclaim_stale_claims marks it failed ("the worker stopped") and it is retried like any
other failure (at-least-once after a crash, never silently lost).
The in-app channel is a database write, so its claim, notification and "sent" mark are one
transaction: exactly once.

A sweep that finishes writes an audit row (action "reminders.sweep", target the day), so the
catch-up run can tell a day whose sweep never ran, or died half-way, from one that is complete.

These functions manage their own short transactions (claim, send, mark) and therefore take the
Database, not a Session: a send must never happen inside an open transaction that could roll back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, permissions, standing, validate
from core.messaging import deal_digest, mailer, notifications, webhooks
from core.models import (
    OPEN_AD_REQUEST_STATUSES,
    AdRequest,
    AuditLog,
    Campaign,
    InfluencerProfile,
    ReminderDelivery,
    SponsorProfile,
    User,
)
from core.money import format_cents
from core.permissions import Actor
from core.platform import templating
from core.platform.config import Settings, get_settings
from core.platform.db import Database
from core.platform.timeutil import utcnow

log = logging.getLogger("iescp.reminders")

CHANNELS = ("email", "gchat", "inapp")
MAX_ATTEMPTS = 5
# A send is bounded by the SMTP/webhook timeouts (seconds); a "pending" claim this old lost its worker.
CLAIM_LEASE = dt.timedelta(minutes=15)
WORKER_STOPPED = "The worker stopped between claiming and sending this reminder; it will be retried."
RETRY_BASE = dt.timedelta(minutes=10)  # retry after 10, 20, 40, 80 minutes
ITEMS_SHOWN = 20
USER_BATCH = 500
SWEEP_ACTION = "reminders.sweep"
PARTY_PAGES = {"influencer": "influencer-inbox", "sponsor": "sponsor-campaigns"}


# ---- clock -------------------------------------------------------------------------------------------------


def local_time(utc_naive: dt.datetime, settings: Settings | None = None) -> dt.datetime:
    """A naive UTC datetime as naive wall-clock time in the configured time zone (IESCP_TIMEZONE)."""
    settings = settings or get_settings()
    try:
        zone = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown IESCP_TIMEZONE %r, using UTC", settings.timezone)
        return utc_naive
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(zone).replace(tzinfo=None)


def reminder_day(now: dt.datetime | None = None, settings: Settings | None = None) -> dt.date:
    """The local calendar day a run at now (naive UTC) belongs to."""
    return local_time(now or utcnow(), settings).date()


def _retry_due_at(created_at: dt.datetime, attempts: int) -> dt.datetime:
    """When a row that failed `attempts` times may be tried again (cumulative exponential backoff)."""
    return created_at + RETRY_BASE * (2 ** max(attempts, 1) - 1)


# ---- who is waiting for what -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderItem:
    ad_request_id: int
    campaign: str
    counterpart: str
    payment_cents: int
    status: str
    updated_at: dt.datetime


@dataclass
class Recipient:
    user_id: int
    party: str  # "influencer" or "sponsor"
    username: str
    email: str
    display_name: str
    notify_email: bool
    notify_gchat: bool
    notify_inapp: bool
    gchat_webhook_url: str | None
    total: int = 0
    items: list[ReminderItem] = field(default_factory=list)
    deal_items: list[deal_digest.DealItem] = field(default_factory=list)

    @property
    def deal_total(self) -> int:
        return len(self.deal_items)

    @property
    def item_count(self) -> int:
        return self.total + self.deal_total


def _awaiting_conditions(party: str):
    user_column = AdRequest.influencer_id if party == "influencer" else Campaign.sponsor_id
    return user_column, [
        AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES),
        AdRequest.turn == party,
        # Frozen negotiations (campaign or either party not in good standing) are not reminded about.
        standing.negotiation_open(AdRequest.influencer_id),
        User.role == party,
        User.is_active.is_(True),
        User.approval == "approved",
        User.flagged.is_(False),
    ]


def awaiting_user_ids(session: Session, party: str, *, now: dt.datetime | None = None) -> list[int]:
    """Ids of active, approved, unflagged users of party with a request awaiting them or an open deal item."""
    now = now or utcnow()
    deal_ids = deal_digest.user_ids(session, party, today=reminder_day(now), now=now)
    return sorted(set(_request_user_ids(session, party)) | set(deal_ids))


def _request_user_ids(session: Session, party: str) -> list[int]:
    user_column, conditions = _awaiting_conditions(party)
    stmt = (
        select(user_column)
        .distinct()
        .select_from(AdRequest)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(User, User.id == user_column)
        .where(*conditions)
        .order_by(user_column)
    )
    return [int(i) for i in session.scalars(stmt)]


def load_recipients(
    session: Session, party: str, user_ids: list[int], *, now: dt.datetime | None = None
) -> list[Recipient]:
    """The recipients among user_ids with their newest awaiting requests (at most ITEMS_SHOWN each) and deal items."""
    if not user_ids:
        return []
    now = now or utcnow()
    recipients = _with_requests(session, party, user_ids)
    deal_items = deal_digest.items_for(session, party, user_ids, today=reminder_day(now), now=now)
    missing = [user_id for user_id in deal_items if user_id not in recipients]
    recipients.update(_people(session, party, missing))
    for user_id, items in deal_items.items():
        if user_id in recipients:
            recipients[user_id].deal_items = items
    return [recipients[user_id] for user_id in sorted(recipients)]


def _people(session: Session, party: str, user_ids: list[int]) -> dict[int, Recipient]:
    """Recipients without awaiting requests (their deal items are added by the caller), one query."""
    if not user_ids:
        return {}
    profile, name = (
        (InfluencerProfile, InfluencerProfile.display_name)
        if party == "influencer"
        else (SponsorProfile, SponsorProfile.name)
    )
    rows = session.execute(
        select(
            User.id,
            User.username,
            User.email,
            User.notify_email,
            User.notify_gchat,
            User.notify_inapp,
            User.gchat_webhook_url,
            name.label("display_name"),
        )
        .join(profile, profile.user_id == User.id)
        .where(User.id.in_(user_ids), User.role == party)
    ).mappings()
    return {
        int(row["id"]): Recipient(
            user_id=int(row["id"]),
            party=party,
            username=row["username"],
            email=row["email"],
            display_name=row["display_name"],
            notify_email=bool(row["notify_email"]),
            notify_gchat=bool(row["notify_gchat"]),
            notify_inapp=bool(row["notify_inapp"]),
            gchat_webhook_url=row["gchat_webhook_url"],
        )
        for row in rows
    }


def _with_requests(session: Session, party: str, user_ids: list[int]) -> dict[int, Recipient]:
    user_column, conditions = _awaiting_conditions(party)
    sponsor_name = SponsorProfile.name
    influencer_name = InfluencerProfile.display_name
    own_name, counterpart = (
        (influencer_name, sponsor_name) if party == "influencer" else (sponsor_name, influencer_name)
    )
    order = (AdRequest.updated_at.desc(), AdRequest.id.desc())
    inner = (
        select(
            user_column.label("user_id"),
            User.username,
            User.email,
            User.notify_email,
            User.notify_gchat,
            User.notify_inapp,
            User.gchat_webhook_url,
            own_name.label("display_name"),
            AdRequest.id.label("ad_request_id"),
            Campaign.name.label("campaign"),
            counterpart.label("counterpart"),
            AdRequest.payment_cents,
            AdRequest.status,
            AdRequest.updated_at,
            func.row_number().over(partition_by=user_column, order_by=order).label("position"),
            func.count().over(partition_by=user_column).label("total"),
        )
        .select_from(AdRequest)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(SponsorProfile, SponsorProfile.user_id == Campaign.sponsor_id)
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .join(User, User.id == user_column)
        .where(*conditions, user_column.in_(user_ids))
        .subquery()
    )
    rows = session.execute(
        select(inner).where(inner.c.position <= ITEMS_SHOWN).order_by(inner.c.user_id, inner.c.position)
    ).mappings()
    recipients: dict[int, Recipient] = {}
    for row in rows:
        recipient = recipients.get(row["user_id"])
        if recipient is None:
            recipient = recipients[row["user_id"]] = Recipient(
                user_id=int(row["user_id"]),
                party=party,
                username=row["username"],
                email=row["email"],
                display_name=row["display_name"],
                notify_email=bool(row["notify_email"]),
                notify_gchat=bool(row["notify_gchat"]),
                notify_inapp=bool(row["notify_inapp"]),
                gchat_webhook_url=row["gchat_webhook_url"],
                total=int(row["total"]),
            )
        recipient.items.append(
            ReminderItem(
                int(row["ad_request_id"]),
                row["campaign"],
                row["counterpart"],
                int(row["payment_cents"]),
                row["status"],
                row["updated_at"],
            )
        )
    return recipients


def channels_for(recipient: Recipient, settings: Settings) -> list[str]:
    """The channels the recipient chose that can be used (chat needs a webhook address somewhere)."""
    chosen = []
    if recipient.notify_email and recipient.email:
        chosen.append("email")
    if recipient.notify_gchat and (recipient.gchat_webhook_url or settings.gchat_webhook_url):
        chosen.append("gchat")
    if recipient.notify_inapp:
        chosen.append("inapp")
    return chosen


# ---- message content ---------------------------------------------------------------------------------------


def _page(recipient: Recipient) -> str:
    """Where the digest sends them: the inbox when requests await, else the page their deal items are on."""
    return PARTY_PAGES[recipient.party] if recipient.total else deal_digest.DEAL_PAGES[recipient.party]


def _context(recipient: Recipient, day: dt.date, settings: Settings) -> dict:
    page = f"{settings.base_url.rstrip('/')}/{_page(recipient)}"
    return {
        "recipient": recipient,
        "items": recipient.items,
        "deal_items": recipient.deal_items[:ITEMS_SHOWN],
        "deal_total": recipient.deal_total,
        "deal_more": max(0, recipient.deal_total - ITEMS_SHOWN),
        "total": recipient.total,
        "more": max(0, recipient.total - len(recipient.items)),
        "day": day,
        "link": page,
        "headline": headline(recipient),
    }


def headline(recipient: Recipient) -> str:
    parts = []
    if n := recipient.total:
        parts.append(f"{n} ad request awaits your answer" if n == 1 else f"{n} ad requests await your answer")
    if n := recipient.deal_total:
        parts.append(f"{n} deal item needs your attention" if n == 1 else f"{n} deal items need your attention")
    return " and ".join(parts)


def build_email(recipient: Recipient, day: dt.date, settings: Settings):
    context = _context(recipient, day, settings)
    return mailer.build_message(
        to=recipient.email,
        subject=f"[IESCP] {context['headline']}",
        text=templating.render("emails/reminder.txt.j2", **context),
        html=templating.render("emails/reminder.html.j2", **context),
        settings=settings,
    )


def chat_text(recipient: Recipient, day: dt.date, settings: Settings) -> str:
    return templating.render("chat/reminder.txt.j2", **_context(recipient, day, settings)).strip()


def _inapp_body(recipient: Recipient) -> str:
    lines = [
        f"• {i.campaign} — {i.counterpart} — {format_cents(i.payment_cents)} ({i.status})" for i in recipient.items[:5]
    ]
    if recipient.total > 5:
        lines.append(f"…and {recipient.total - 5} more.")
    lines += [f"• {_deal_line(i)}" for i in recipient.deal_items[:5]]
    if recipient.deal_total > 5:
        lines.append(f"…and {recipient.deal_total - 5} more deal items.")
    return "\n".join(lines)


def _deal_line(item: deal_digest.DealItem) -> str:
    amount = "" if item.amount_cents is None else f" — {format_cents(item.amount_cents)}"
    due = "" if item.due is None else f" (due {item.due:%d %b})"
    where = " — ".join(part for part in (item.campaign, item.counterpart) if part)
    return f"{item.label}: {item.subject} — {where}{amount}{due}"


# ---- a run -------------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """What one run did, per channel: sent, failed, skipped (already handled today)."""

    day: dt.date
    recipients: int = 0
    sent: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    swept: bool = False

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "recipients": self.recipients,
            "sent": dict(self.sent),
            "failed": dict(self.failed),
            "skipped": dict(self.skipped),
            "swept": self.swept,
        }


@dataclass(frozen=True)
class Outgoing:
    """The run's senders: each stops trying a server for the rest of the run once it is down."""

    mail: mailer.Mailer
    chat: webhooks.Sender


def _day_key(day: dt.date) -> int:
    return int(day.strftime("%Y%m%d"))


def sweep_completed(session: Session, day: dt.date) -> bool:
    """Whether a full sweep for day has finished (see the module docstring)."""
    return (
        session.scalar(
            select(AuditLog.id)
            .where(
                AuditLog.target_type == "reminder_day",
                AuditLog.target_id == _day_key(day),
                AuditLog.action == SWEEP_ACTION,
            )
            .limit(1)
        )
        is not None
    )


def run_daily_reminders(
    db: Database, *, now: dt.datetime | None = None, settings: Settings | None = None, sweep: bool = True
) -> RunResult:
    """Retry today's failed deliveries that are due, then (sweep=True) remind everyone not yet reminded today."""
    settings = settings or get_settings()
    now = now or utcnow()
    day = reminder_day(now, settings)
    result = RunResult(day=day)
    parties = ["influencer"] + (["sponsor"] if settings.remind_sponsors else [])
    with mailer.Mailer(settings) as mail:
        outgoing = Outgoing(mail, webhooks.Sender(timeout=settings.webhook_timeout_seconds))
        _retry_failed(db, day, now, outgoing, settings, result)
        if not sweep:
            return result
        for party in parties:
            with db.ReadSession.begin() as session:
                user_ids = awaiting_user_ids(session, party, now=now)
            for start in range(0, len(user_ids), USER_BATCH):
                chunk = user_ids[start : start + USER_BATCH]
                with db.ReadSession.begin() as session:
                    recipients = load_recipients(session, party, chunk, now=now)
                    handled = {
                        (row.user_id, row.channel)
                        for row in session.execute(
                            select(ReminderDelivery.user_id, ReminderDelivery.channel).where(
                                ReminderDelivery.day == day, ReminderDelivery.user_id.in_(chunk)
                            )
                        )
                    }
                for recipient in recipients:
                    result.recipients += 1
                    for channel in channels_for(recipient, settings):
                        if (recipient.user_id, channel) in handled:
                            result.skipped[channel] += 1
                            continue
                        _deliver_new(db, recipient, channel, day, now, outgoing, settings, result)
    with db.Session.begin() as session:
        if not sweep_completed(session, day):
            audit.record(
                session,
                None,
                SWEEP_ACTION,
                "reminder_day",
                _day_key(day),
                detail=f"{day.isoformat()}: {result.recipients} recipients, sent {dict(result.sent)}, "
                f"failed {dict(result.failed)}",
            )
    result.swept = True
    log.info("reminders for %s: %s", day, result.as_dict())
    return result


def catch_up(db: Database, *, now: dt.datetime | None = None, settings: Settings | None = None) -> RunResult | None:
    """The frequent safety run: after the reminder hour, finish a day whose sweep was missed; retry failures.

    Returns None before the reminder hour (nothing to do yet).
    """
    settings = settings or get_settings()
    now = now or utcnow()
    local = local_time(now, settings)
    if local.hour < settings.reminder_hour:
        return None
    with db.ReadSession.begin() as session:
        done = sweep_completed(session, local.date())
    return run_daily_reminders(db, now=now, settings=settings, sweep=not done)


def send_reminders_now(
    db: Database, *, actor: Actor, now: dt.datetime | None = None, settings: Settings | None = None
) -> RunResult:
    """Admin: run today's reminders now, with the scheduled run's code (retries due, then everyone not yet reminded).

    Runs in the caller's process rather than the queue so the admin sees what it did: the queue keeps no results.
    Idempotent like the scheduled run: whoever was reminded today on a channel is skipped.
    """
    permissions.require(actor, "report.run")
    now = now or utcnow()
    day = reminder_day(now, settings)
    with db.Session.begin() as session:
        audit.record(session, actor, "reminders.run_requested", "reminder_day", _day_key(day))
    return run_daily_reminders(db, now=now, settings=settings)


def _deliver_new(
    db: Database,
    recipient: Recipient,
    channel: str,
    day: dt.date,
    now: dt.datetime,
    outgoing: Outgoing,
    settings: Settings,
    result: RunResult,
) -> None:
    row = ReminderDelivery(
        user_id=recipient.user_id,
        day=day,
        channel=channel,
        status="pending",
        attempts=1,
        item_count=recipient.item_count,
        created_at=now,
        claimed_at=now,
    )
    try:
        with db.Session.begin() as session:
            session.add(row)
            session.flush()
            if channel == "inapp":
                # A database write: claim, notification and "sent" commit together (exactly once).
                notifications.notify(
                    session,
                    recipient.user_id,
                    "reminder",
                    headline(recipient),
                    _inapp_body(recipient),
                    link=_page(recipient),
                )
                row.status, row.sent_at = "sent", now
    except IntegrityError:
        result.skipped[channel] += 1  # another run claimed it first
        return
    if channel == "inapp":
        result.sent[channel] += 1
        return
    _attempt(db, row.id, recipient, channel, day, now, outgoing, settings, result)


def _attempt(
    db: Database,
    delivery_id: int,
    recipient: Recipient,
    channel: str,
    day: dt.date,
    now: dt.datetime,
    outgoing: Outgoing,
    settings: Settings,
    result: RunResult,
) -> None:
    """Send one claimed delivery and record the outcome; errors are recorded, never raised."""
    try:
        if channel == "email":
            outgoing.mail.send(build_email(recipient, day, settings))
        else:
            url = recipient.gchat_webhook_url or settings.gchat_webhook_url
            assert url is not None, "channels_for() offers gchat only when a webhook address is set"
            outgoing.chat.post_chat_message(url, chat_text(recipient, day, settings))
    except (mailer.MailError, webhooks.WebhookError) as error:
        _mark(db, delivery_id, "failed", str(error))
        result.failed[channel] += 1
        log.warning("reminder %s to user %s failed: %s", channel, recipient.user_id, error)
        return
    except Exception as error:  # a bug: record it for the admin, log it loudly, keep the other channels going
        log.exception("reminder %s to user %s crashed", channel, recipient.user_id)
        _mark(db, delivery_id, "failed", f"internal error: {type(error).__name__}: {error}")
        result.failed[channel] += 1
        return
    _mark(db, delivery_id, "sent", None, sent_at=now)
    result.sent[channel] += 1


def _mark(db: Database, delivery_id: int, status: str, error: str | None, sent_at: dt.datetime | None = None) -> None:
    values: dict[str, str | dt.datetime | None] = {"status": status, "last_error": error[:2000] if error else None}
    if sent_at is not None:
        values["sent_at"] = sent_at
    with db.Session.begin() as session:
        session.execute(update(ReminderDelivery).where(ReminderDelivery.id == delivery_id).values(**values))


def reclaim_stale_claims(db: Database, *, now: dt.datetime | None = None) -> int:
    """Turn "pending" deliveries claimed over CLAIM_LEASE ago into failed ones (their worker died); returns how many.

    The normal retry path then sends them again with backoff: after a crash exactly during a send the
    user may get the reminder twice, which we prefer to never getting it (see docs/decisions/faults.md).
    """
    now = now or utcnow()
    with db.Session.begin() as session:
        return session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.status == "pending",
                func.coalesce(ReminderDelivery.claimed_at, ReminderDelivery.created_at) < now - CLAIM_LEASE,
            )
            .values(status="failed", last_error=WORKER_STOPPED)
        ).rowcount


def _retry_failed(
    db: Database, day: dt.date, now: dt.datetime, outgoing: Outgoing, settings: Settings, result: RunResult
) -> None:
    reclaim_stale_claims(db, now=now)
    with db.ReadSession.begin() as session:
        failed = session.execute(
            select(
                ReminderDelivery.id,
                ReminderDelivery.user_id,
                ReminderDelivery.channel,
                ReminderDelivery.attempts,
                ReminderDelivery.created_at,
                User.role,
            )
            .join(User, User.id == ReminderDelivery.user_id)
            .where(
                ReminderDelivery.day == day,
                ReminderDelivery.status == "failed",
                ReminderDelivery.attempts < MAX_ATTEMPTS,
            )
            .order_by(ReminderDelivery.id)
        ).all()
    due = [row for row in failed if now >= _retry_due_at(row.created_at, row.attempts)]
    for row in due:
        if row.role not in ("influencer", "sponsor"):
            continue
        with db.ReadSession.begin() as session:
            found = load_recipients(session, row.role, [row.user_id], now=now)
        if not found:
            continue  # nothing awaits them any more (or they lost standing): no reminder needed
        recipient = found[0]
        if row.channel not in channels_for(recipient, settings):
            continue  # they switched the channel off meanwhile
        with db.Session.begin() as session:
            claimed = session.execute(
                update(ReminderDelivery)
                .where(
                    ReminderDelivery.id == row.id,
                    ReminderDelivery.status == "failed",
                    ReminderDelivery.attempts == row.attempts,
                )
                .values(status="pending", attempts=row.attempts + 1, item_count=recipient.item_count, claimed_at=now)
            ).rowcount
        if claimed != 1:
            continue  # a concurrent run took this attempt
        _attempt(db, row.id, recipient, row.channel, day, now, outgoing, settings, result)


# ---- read side for the admin -------------------------------------------------------------------------------

DELIVERY_COLUMNS = [
    "id",
    "day",
    "user_id",
    "username",
    "role",
    "channel",
    "status",
    "attempts",
    "item_count",
    "last_error",
    "created_at",
    "sent_at",
]


def list_deliveries(
    session: Session,
    *,
    actor: Actor,
    day: dt.date | None = None,
    status: str | None = None,
    channel: str | None = None,
    limit: int = 200,
) -> pd.DataFrame:
    """Admin: the reminder delivery log, newest first."""
    permissions.require(actor, "audit.view")
    stmt = (
        select(
            ReminderDelivery.id,
            ReminderDelivery.day,
            ReminderDelivery.user_id,
            User.username,
            User.role,
            ReminderDelivery.channel,
            ReminderDelivery.status,
            ReminderDelivery.attempts,
            ReminderDelivery.item_count,
            ReminderDelivery.last_error,
            ReminderDelivery.created_at,
            ReminderDelivery.sent_at,
        )
        .join(User, User.id == ReminderDelivery.user_id)
        .order_by(ReminderDelivery.id.desc())
        .limit(max(1, min(int(limit), 1000)))
    )
    if day is not None:
        stmt = stmt.where(ReminderDelivery.day == validate.date(day, "Day"))
    if status:
        stmt = stmt.where(ReminderDelivery.status == validate.choice(status, "Status", ("pending", "sent", "failed")))
    if channel:
        stmt = stmt.where(ReminderDelivery.channel == validate.choice(channel, "Channel", CHANNELS))
    return pd.DataFrame(session.execute(stmt).mappings().all(), columns=DELIVERY_COLUMNS)


def delivery_summary(session: Session, *, actor: Actor, days: int = 14) -> pd.DataFrame:
    """Admin: deliveries per day, channel and status over the last `days` days (one aggregate query)."""
    permissions.require(actor, "audit.view")
    since = reminder_day() - dt.timedelta(days=max(1, min(int(days), 366)))
    rows = session.execute(
        select(ReminderDelivery.day, ReminderDelivery.channel, ReminderDelivery.status, func.count().label("count"))
        .where(ReminderDelivery.day > since)
        .group_by(ReminderDelivery.day, ReminderDelivery.channel, ReminderDelivery.status)
        .order_by(ReminderDelivery.day.desc(), ReminderDelivery.channel, ReminderDelivery.status)
    ).all()
    return pd.DataFrame(rows, columns=["day", "channel", "status", "count"])
