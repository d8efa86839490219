"""The admin user list at scale: capped counts, no profile joins without a text search, index-served filters."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from core.marketplace import accounts
from tests import factories as f


def _statements(database, call) -> list[tuple[str, tuple]]:
    """The SQL (and parameters) that call sent while reading."""
    sent: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        f.read(database, call)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    return [item for item in sent if "FROM users" in item[0]]


def _some_users(database):
    admin = f.admin(database)
    f.sponsor(database, name="Zebra Foods")
    f.sponsor(database, approved=False)
    flagged = f.influencer(database, name="Flaggy")
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=flagged.id, reason="Spam"))
    for _ in range(3):
        f.influencer(database)
    return admin


def test_the_total_stops_counting_one_past_the_cap(database, monkeypatch):
    admin = _some_users(database)
    monkeypatch.setattr(accounts, "USERS_COUNT_CAP", 3)
    frame, total = f.read(database, lambda s: accounts.list_users(s, actor=admin, limit=2))
    assert len(frame) == 2 and total == 4  # 7 users match: "more than 3"
    assert f.read(database, lambda s: accounts.list_users(s, actor=admin, state="flagged"))[1] == 1


def test_without_a_text_search_the_count_joins_no_profile_table(database):
    admin = _some_users(database)

    def count_sql(**filters) -> str:
        sent = _statements(database, lambda s: accounts.list_users(s, actor=admin, limit=1, **filters))
        return next(sql for sql, _ in sent if "count(" in sql.lower())

    assert "profiles" not in count_sql(state="pending")
    assert "sponsor_profiles" in count_sql(text="zebra")  # a search still finds users by their profile name


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"state": "pending"}, "ix_users_approval_id"),
        ({"state": "rejected"}, "ix_users_approval_id"),
        ({"state": "active"}, "ix_users_standing_id"),
        ({"state": "flagged"}, "ix_users_standing_id"),
        ({"role": "sponsor"}, "ix_users_role_id"),
    ],
)
def test_each_filter_is_counted_and_paged_from_a_users_index(sqlite_database, filters, index):
    database = sqlite_database
    admin = _some_users(database)  # no ANALYZE: on a handful of rows its statistics make a table scan cheapest
    sent = _statements(database, lambda s: accounts.list_users(s, actor=admin, after_id=10_000, **filters))
    with database.engine.connect() as conn:
        plans = [
            " / ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in sent
        ]
    assert any(index in plan for plan in plans), plans
    assert all("SCAN users" not in plan.replace("SCAN users USING COVERING INDEX", "") for plan in plans), plans


def test_a_short_first_page_is_its_own_total_without_a_count_query(database):
    admin = _some_users(database)
    sent = _statements(database, lambda s: accounts.list_users(s, actor=admin, text="zebra"))
    assert len(sent) == 1 and "count" not in sent[0][0].lower()
    assert f.read(database, lambda s: accounts.list_users(s, actor=admin, text="zebra"))[1] == 1
    frame, total = f.read(database, lambda s: accounts.list_users(s, actor=admin, limit=2))
    assert len(frame) == 2 and total == 7  # a full page still counts the rest
