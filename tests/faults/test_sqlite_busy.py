"""SQLite locked by another writer for longer than the busy timeout: a clear DomainError, never a raw traceback."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.models import Campaign
from core.platform import db as dbmod
from tests import factories as f
from tests.pages.conftest import app_test
from tests.pages.test_sponsor_pages import fill_new_campaign

pytestmark = pytest.mark.timeout(120)


def _campaign_count(db) -> int:
    with db.ReadSession.begin() as s:
        return s.scalar(select(func.count()).select_from(Campaign))


def test_a_locked_database_gives_a_retryable_domain_error_and_saves_nothing(sqlite_database):
    sponsor = f.sponsor(sqlite_database)
    impatient = dbmod.connect(str(sqlite_database.engine.url), sqlite_busy_timeout_ms=200)
    holder = sqlite3.connect(sqlite_database.engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(DomainError) as raised:
            f.campaign(impatient, sponsor, name="Spring Launch")
        assert isinstance(raised.value, dbmod.DatabaseBusy)
        assert raised.value.message == dbmod.BUSY_MESSAGE
        holder.execute("ROLLBACK")

        assert _campaign_count(impatient) == 0  # nothing half-saved
        f.campaign(impatient, sponsor, name="Spring Launch")  # trying again once the other writer is done works
        assert _campaign_count(impatient) == 1
    finally:
        holder.close()
        impatient.dispose()


def test_other_database_errors_are_not_disguised_as_busy(sqlite_database):
    with pytest.raises(Exception) as raised, sqlite_database.Session.begin() as s:
        s.execute(select(func.no_such_function()))
    assert not isinstance(raised.value, DomainError)


def test_the_page_shows_the_busy_message_and_no_traceback_when_the_lock_outlasts_the_timeout(app_db):
    """The real page and its run_action, with SQLite's default busy timeout (15 s) running out."""
    sponsor = f.sponsor(app_db)
    at = app_test("pages/sponsor/campaigns.py", sponsor.id)
    at.default_timeout = (dbmod.SQLITE_BUSY_TIMEOUT_MS / 1000) * 4
    at.run()
    holder = sqlite3.connect(app_db.engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go
        fill_new_campaign(at)
    finally:
        holder.close()

    assert [e.value for e in at.error] == [dbmod.BUSY_MESSAGE]
    assert not at.exception
    assert _campaign_count(app_db) == 0
