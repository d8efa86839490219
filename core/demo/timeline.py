"""Demo time travel: the seed runs through the real services in seconds; a Timeline then moves each story's rows
onto the demo's months, in the order they were written (a reply after its request, a payment after its invoice).

A story is a run of steps: `at(when)` or `step(...)` before each transaction says when that step seems to happen,
and every timestamp the services write until the next mark is moved there (keeping its sub-second offset, so rows of
one step keep their order). Rows written outside a story keep their real time. `apply` rewrites the database.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import random
from collections.abc import Iterator

from sqlalchemy import DateTime, and_, bindparam, or_, select, update
from sqlalchemy.engine import Connection

from core.marketplace.invites import VALID_FOR
from core.models import AdRequest, Base, Campaign, Deliverable, FinancialDocument, OrgInvite
from core.platform.db import Database
from core.platform.timeutil import utcnow

LATEST = dt.timedelta(minutes=5)  # a step never lands closer to the demo's "now" than this


def waking(when: dt.datetime) -> dt.datetime:
    """when, moved later into waking hours (07:00-23:00) if it falls at night: people reply in the morning."""
    if when.hour < 7:
        return when + dt.timedelta(hours=8)
    if when.hour == 23:
        return when + dt.timedelta(hours=9)
    return when


class Timeline:
    """Marks of (real instant, demo instant or None for "not in a story") recorded while the seed runs."""

    def __init__(self, now: dt.datetime | None = None):
        self.now = now or utcnow()
        self._real: list[dt.datetime] = []
        self._demo: list[dt.datetime | None] = []
        self._current: dt.datetime | None = None

    @property
    def current(self) -> dt.datetime:
        """The demo time of the step being written (only inside a story)."""
        if self._current is None:
            raise RuntimeError("not inside a demo story")
        return self._current

    def at(self, when: dt.datetime) -> dt.datetime:
        """Rows written from here on happen at when (never later than just before now); returns that time."""
        when = min(when, self.now - LATEST)
        self._mark(when)
        return when

    def step(self, rng: random.Random, low: dt.timedelta, high: dt.timedelta) -> dt.datetime:
        """The next step of the story, low..high after the current one, but at most 40% of the time left before
        now (so a late story still ends in the past with its steps in order)."""
        left = self.now - LATEST - self.current
        gap = min(dt.timedelta(seconds=rng.uniform(low.total_seconds(), high.total_seconds())), left * 0.4)
        return self.at(waking(self.current + max(gap, dt.timedelta(seconds=1))))

    @contextlib.contextmanager
    def story(self, start: dt.datetime, *, daytime: bool = True) -> Iterator[Timeline]:
        """A story starting at start (moved into waking hours unless daytime is False, as for a nightly job);
        rows written after it ends are left alone."""
        self.at(waking(start) if daytime else start)
        try:
            yield self
        finally:
            self._mark(None)

    def _mark(self, demo: dt.datetime | None) -> None:
        real = utcnow()
        if self._real and real <= self._real[-1]:  # two marks in one clock tick: keep them ordered
            real = self._real[-1] + dt.timedelta(microseconds=1)
        if demo is not None and self._current is not None:
            # Never before what the last step already wrote (steps clamped near "now" would otherwise overlap).
            demo = max(demo, self._current + (real - self._real[-1]))
        self._real.append(real)
        self._demo.append(demo)
        self._current = demo

    def map(self, value: dt.datetime | None) -> dt.datetime | None:
        """Where a timestamp written by the seed belongs in demo time (unchanged outside every story)."""
        if value is None or not self._real or value < self._real[0]:
            return value
        index = bisect.bisect_right(self._real, value) - 1
        demo = self._demo[index]
        return value if demo is None else demo + (value - self._real[index])

    def apply(self, db: Database) -> None:
        """Move every timestamp written inside a story to its demo time, then the dates derived from them."""
        if not self._real:
            return
        if self._current is not None:
            self._mark(None)
        with db.engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                _move_table(conn, table, self)
            _fix_document_dates(conn, self._real[0])
            _fix_deliverable_dates(conn, self._real[0])
            _fix_invite_expiry(conn, self._real[0])
        self._real.clear()
        self._demo.clear()
        self._current = None


def _move_table(conn: Connection, table, timeline: Timeline) -> None:
    columns = [c for c in table.columns if isinstance(c.type, DateTime)]
    keys = list(table.primary_key.columns)
    if not columns or len(keys) != 1:
        return
    key = keys[0]
    first, last = timeline._real[0], timeline._real[-1]
    rows = conn.execute(select(key, *columns).where(or_(*(and_(c >= first, c <= last) for c in columns)))).all()
    if not rows:
        return
    params = [
        {"_key": row[0], **{f"_{c.name}": timeline.map(value) for c, value in zip(columns, row[1:], strict=True)}}
        for row in rows
    ]
    statement = update(table).where(key == bindparam("_key")).values({c.name: bindparam(f"_{c.name}") for c in columns})
    conn.execute(statement, params)


def _fix_document_dates(conn: Connection, seed_started: dt.datetime) -> None:
    """Issue, due and paid dates the services set to the seed's today follow their rows' demo timestamps."""
    seed_day = seed_started.date()
    docs = conn.execute(
        select(
            FinancialDocument.id,
            FinancialDocument.kind,
            FinancialDocument.po_id,
            FinancialDocument.created_at,
            FinancialDocument.updated_at,
            FinancialDocument.issue_date,
            FinancialDocument.due_date,
            FinancialDocument.paid_date,
        )
    ).all()
    paid_by_po: dict[int, dt.date] = {}
    changes = []
    for doc in docs:
        issue, due, paid = doc.issue_date, doc.due_date, doc.paid_date
        if issue >= seed_day and doc.created_at < seed_started:  # issued by the seed, moved into the past
            shift = doc.created_at.date() - issue
            issue, due = issue + shift, due + shift if due else None
        if paid is not None and paid >= seed_day and doc.kind == "invoice" and doc.updated_at < seed_started:
            paid = doc.updated_at.date()
            if doc.po_id is not None:
                paid_by_po[doc.po_id] = max(paid, paid_by_po.get(doc.po_id, paid))
        changes.append({"_id": doc.id, "_issue": issue, "_due": due, "_paid": paid})
    for change in changes:
        if change["_id"] in paid_by_po and change["_paid"] is not None:
            change["_paid"] = paid_by_po[change["_id"]]
    if changes:
        conn.execute(
            update(FinancialDocument)
            .where(FinancialDocument.id == bindparam("_id"))
            .values(issue_date=bindparam("_issue"), due_date=bindparam("_due"), paid_date=bindparam("_paid")),
            changes,
        )


def _fix_deliverable_dates(conn: Connection, seed_started: dt.datetime) -> None:
    """A moved deliverable is due two weeks after its deal (within the campaign), as the service would have set it."""
    rows = conn.execute(
        select(Deliverable.id, Deliverable.created_at, Campaign.end_date)
        .join(AdRequest, AdRequest.id == Deliverable.ad_request_id)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(Deliverable.created_at < seed_started)
    ).all()
    changes = [
        {
            "_id": row.id,
            "_due": max(min(row.end_date, row.created_at.date() + dt.timedelta(days=14)), row.created_at.date()),
        }
        for row in rows
    ]
    if changes:
        conn.execute(
            update(Deliverable).where(Deliverable.id == bindparam("_id")).values(due_date=bindparam("_due")), changes
        )


def _fix_invite_expiry(conn: Connection, seed_started: dt.datetime) -> None:
    """A moved invitation expires a week after it was sent, as the service would have set it."""
    rows = conn.execute(
        select(OrgInvite.id, OrgInvite.created_at).where(
            OrgInvite.created_at < seed_started, OrgInvite.expires_at >= seed_started
        )
    ).all()
    changes = [{"_id": row.id, "_expires": row.created_at + VALID_FOR} for row in rows]
    if changes:
        conn.execute(
            update(OrgInvite).where(OrgInvite.id == bindparam("_id")).values(expires_at=bindparam("_expires")), changes
        )
