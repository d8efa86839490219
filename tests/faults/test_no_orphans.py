"""Deactivating users and deleting campaigns follow the documented rules (docs/decisions/faults.md) and leave no
orphan: every foreign key points to an existing row, and SQLite's full-text index matches its tables."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import and_, exists, func, select, text

from core.errors import Conflict
from core.marketplace import accounts, ad_requests, campaigns
from core.messaging import reminders
from core.models import AuditLog, Base, Campaign
from core.platform import fulltext
from core.reporting import exports, reports
from tests import factories as f

pytestmark = pytest.mark.timeout(120)


def dangling_references(db) -> list[str]:
    """'child.column -> parent: n rows' for every foreign key with rows pointing at nothing (generic, all tables)."""
    problems = []
    with db.ReadSession.begin() as s:
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_key_constraints:
                children = [element.parent for element in fk.elements]
                parents = [element.column for element in fk.elements]
                points_somewhere = exists().where(and_(*(p == c for p, c in zip(parents, children))))
                count = s.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(*(c.is_not(None) for c in children), ~points_somewhere)
                )
                if count:
                    names = ", ".join(c.name for c in children)
                    problems.append(f"{table.name}.{names} -> {fk.referred_table.name}: {count} rows")
        if db.is_sqlite:
            for fts in fulltext.FTS_TABLES:  # raises if the index and its content table disagree
                s.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))
    return problems


def _row_counts(db) -> dict[str, int]:
    with db.ReadSession.begin() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _busy_marketplace(db):
    """A sponsor and an influencer with a bit of everything: campaign, accepted request, history, notifications,
    audit rows, an export, a monthly report and a reminder delivery."""
    sponsor, influencer = f.sponsor(db), f.influencer(db)
    campaign_id = f.campaign(db, sponsor)
    request_id = f.request(db, sponsor, campaign_id, influencer)
    f.write(
        db,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    f.request(db, sponsor, f.campaign(db, sponsor), influencer)  # one still awaiting her answer
    with db.Session.begin() as s:
        job_id = exports.start_export(s, actor=sponsor, kind="ad_requests")
    exports.run_export(db, job_id)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    reports.generate_report(db, sponsor_id=sponsor.id, month=dt.date(now.year, now.month, 1))
    reminders.run_daily_reminders(db)
    return sponsor, influencer


def test_the_orphan_check_finds_a_row_pointing_at_nothing(sqlite_database):
    """The check itself can fail: a notification for a user that does not exist is reported."""
    raw = sqlite3.connect(sqlite_database.engine.url.database, isolation_level=None)  # foreign keys OFF here
    raw.execute(
        "INSERT INTO notifications (user_id, kind, title, body, created_at) VALUES (9999, 'x', 't', '', '2026-01-01')"
    )
    raw.close()
    assert dangling_references(sqlite_database) == ["notifications.user_id -> users: 1 rows"]


def test_deactivating_users_keeps_all_their_history_and_leaves_no_orphan(database, outbox):
    sponsor, influencer = _busy_marketplace(database)
    admin = f.admin(database)
    before = _row_counts(database)
    assert dangling_references(database) == []

    for user in (sponsor, influencer):
        f.write(database, lambda s, u=user: accounts.deactivate_user(s, actor=admin, user_id=u.id, reason="Closed"))

    assert dangling_references(database) == []
    after = _row_counts(database)
    kept = {name: count for name, count in after.items() if name not in ("audit_log", "cache_generations")}
    assert kept == {name: before[name] for name in kept}  # nothing deleted; only audit rows were added
    assert after["audit_log"] == before["audit_log"] + 2


def test_deleting_a_campaign_without_requests_leaves_no_orphan_and_keeps_its_audit_trail(database, outbox):
    sponsor, _ = _busy_marketplace(database)
    spare = f.campaign(database, sponsor, name="Never used")

    f.write(database, lambda s: campaigns.delete_campaign(s, actor=sponsor, campaign_id=spare))

    assert dangling_references(database) == []
    with database.ReadSession.begin() as s:
        assert s.get(Campaign, spare) is None
        trail = s.scalar(select(AuditLog.action).where(AuditLog.target_type == "campaign", AuditLog.target_id == spare,
                                                       AuditLog.action == "campaign.deleted"))  # fmt: skip
    assert trail == "campaign.deleted"


def test_a_campaign_with_requests_cannot_be_deleted_so_their_history_stays(database, outbox):
    sponsor, _ = _busy_marketplace(database)
    with database.ReadSession.begin() as s:
        used = s.scalar(select(Campaign.id).where(Campaign.sponsor_id == sponsor.id).order_by(Campaign.id))
    before = _row_counts(database)

    with pytest.raises(Conflict), database.Session.begin() as s:
        campaigns.delete_campaign(s, actor=sponsor, campaign_id=used)

    assert _row_counts(database) == before
    assert dangling_references(database) == []
