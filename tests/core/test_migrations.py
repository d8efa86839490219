"""Alembic migrations: empty → head on SQLite and PostgreSQL, the models match the migrated schema,
downgrade to base and back works, and upgrading keeps data."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from core.marketplace import ad_requests
from core.models import AdRequest, Base, Campaign, User
from core.platform import bootstrap, fulltext
from core.platform import db as dbmod
from tests import factories as f
from tests.conftest import POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    """The URL of a brand-new empty database: a fresh SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("IESCP_TEST_POSTGRES_URL is not set")
    name = f"iescp_mig_{uuid.uuid4().hex[:12]}"
    server = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _schema_differences(engine) -> list:
    """What autogenerate would write for this database, run through core/migrations/env.py (its include_object)."""
    differences: list = []
    with engine.connect() as conn:
        config = bootstrap.alembic_config(conn)
        script = ScriptDirectory.from_config(config)

        def compare(_revision, context: MigrationContext):
            differences.extend(compare_metadata(context, Base.metadata))
            return []

        with EnvironmentContext(config, script, fn=compare):
            script.run_env()
    return differences


def _current_revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _head() -> str:
    return ScriptDirectory.from_config(bootstrap.alembic_config()).get_current_head()


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_an_empty_database_migrates_to_head_and_matches_the_models(empty_url):
    engine = dbmod.make_engine(empty_url)
    try:
        assert _current_revision(engine) is None
        bootstrap.migrate(engine)
        assert _current_revision(engine) == _head()
        assert {t.name for t in Base.metadata.sorted_tables} <= _tables(engine)
        assert _schema_differences(engine) == []
        if engine.dialect.name == "sqlite":
            assert set(fulltext.FTS_TABLES) <= _tables(engine)
        else:
            indexes = {i["name"] for i in inspect(engine).get_indexes("campaigns")}
            assert "ix_campaigns_fulltext" in indexes
        # Running the migration again (every app start does) is a no-op.
        bootstrap.migrate(engine)
        assert _current_revision(engine) == _head()
    finally:
        engine.dispose()


def test_downgrading_to_base_removes_everything_and_upgrading_again_works(empty_url):
    engine = dbmod.make_engine(empty_url)
    try:
        bootstrap.migrate(engine)
        with engine.begin() as conn:
            command.downgrade(bootstrap.alembic_config(conn), "base")
        assert _current_revision(engine) is None
        assert _tables(engine) <= {"alembic_version"}
        bootstrap.migrate(engine)
        assert _current_revision(engine) == _head()
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


def test_a_schema_drift_would_be_detected(empty_url):
    """The comparison above can fail: a table the models do not know about is reported."""
    engine = dbmod.make_engine(empty_url)
    try:
        bootstrap.migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE stray_table (id INTEGER PRIMARY KEY)"))
        assert [d[0] for d in _schema_differences(engine)] == ["remove_table"]
    finally:
        engine.dispose()


def test_upgrading_revision_by_revision_keeps_data_written_at_the_first_one(empty_url):
    engine = dbmod.make_engine(empty_url)
    try:
        script = ScriptDirectory.from_config(bootstrap.alembic_config())
        revisions = [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]
        bootstrap.migrate(engine, revisions[0])
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO roles (name, description) VALUES ('influencer', 'Creator')"))
            conn.execute(
                text(
                    "INSERT INTO users (username, email, password_hash, role, is_active, approval, flagged, created_at, "
                    "failed_logins, notify_email, notify_gchat, notify_inapp) VALUES ('early', 'early@example.com', "
                    "'x', 'influencer', :t, 'approved', :f, CURRENT_TIMESTAMP, 0, :t, :f, :t)"
                ),
                {"t": True, "f": False},
            )
        for revision in revisions[1:]:
            bootstrap.migrate(engine, revision)
        bootstrap.migrate(engine)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT email FROM users WHERE username = 'early'")).scalar() == "early@example.com"
            )
    finally:
        engine.dispose()


def test_starting_the_app_again_keeps_all_data_and_the_admin(empty_url):
    database = dbmod.connect(empty_url)
    try:
        first = bootstrap.init_database(database)
        assert first.admin_created
        sponsor, influencer = f.sponsor(database), f.influencer(database)
        campaign_id = f.campaign(database, sponsor)
        request_id = f.request(database, sponsor, campaign_id, influencer)
        f.write(
            database,
            lambda s: ad_requests.accept(
                s,
                actor=influencer,
                ad_request_id=request_id,
                expected_version=ad_requests.current_version(s, request_id),
            ),
        )
        before = f.snapshot(database)

        again = bootstrap.init_database(database)

        assert (again.admin_created, again.generated_admin_password) == (False, None)
        assert f.snapshot(database) == before
        with database.ReadSession.begin() as s:
            assert s.scalar(select(Campaign.committed_cents).where(Campaign.id == campaign_id)) == 10_000
            assert s.get(AdRequest, request_id).status == "accepted"
            assert s.scalar(select(User.id).where(User.role == "admin")) is not None
    finally:
        database.dispose()


# ---- upgrading from every earlier revision with data present -------------------------------------------------

_AT = dt.datetime(2026, 3, 14, 15, 9, 26)
_DAY = dt.date(2026, 3, 1)
# Representative rows of every table, written with raw SQL as an older release would have written them. Each is
# inserted with the columns that exist at the revision under test; a NOT NULL column added later without a
# default makes the insert (and so this test) fail, which is the point: such a migration would lose data.
REPRESENTATIVE_ROWS: list[tuple[str, dict]] = [
    ("roles", {"name": "sponsor", "description": "Brand"}),
    ("roles", {"name": "influencer", "description": "Creator"}),
    ("permissions", {"name": "campaign.manage", "description": "Manage campaigns"}),
    ("role_permissions", {"role": "sponsor", "permission": "campaign.manage"}),
    *(
        (
            "users",
            {
                "id": user_id,
                "username": name,
                "email": f"{name}@example.com",
                "password_hash": "$2b$04$" + "x" * 53,
                "role": role,
                "is_active": True,
                "approval": "approved",
                "approval_note": None,
                "flagged": False,
                "flag_reason": None,
                "created_at": _AT,
                "last_login_at": _AT,
                "failed_logins": 1,
                "locked_until": None,
                "notify_email": True,
                "notify_gchat": False,
                "notify_inapp": True,
                "gchat_webhook_url": None,
            },
        )
        for user_id, name, role in ((101, "acme", "sponsor"), (102, "ana", "influencer"))
    ),
    (
        "sponsor_profiles",
        {"user_id": 101, "name": "Acme Outdoor", "kind": "company", "industry": "Outdoor", "budget_cents": 5_000_000},
    ),  # fmt: skip
    (
        "influencer_profiles",
        {
            "user_id": 102,
            "display_name": "Ana Trails",
            "category": "Fitness",
            "niche": "Trail running",
            "platform": "instagram",
            "profile_url": "https://example.com/ana",
            "followers": 12_500,
            "engagement_rate": 3.5,
            "bio": "Mountains & more",
            "is_public": True,
            "reach": 9_000,
            "score": 61,
            "listed": True,
        },
    ),
    (
        "campaigns",
        {
            "id": 201,
            "sponsor_id": 101,
            "name": "Spring Launch",
            "description": "New shoes",
            "category": "Fitness",
            "niche": "Running",
            "goals": "Awareness",
            "start_date": _DAY,
            "end_date": dt.date(2026, 5, 31),
            "budget_cents": 1_000_000,
            "committed_cents": 25_000,
            "is_public": True,
            "status": "active",
            "flagged": False,
            "flag_reason": None,
            "listed": True,
            "created_at": _AT,
            "updated_at": _AT,
        },
    ),
    (
        "ad_requests",
        {
            "id": 301,
            "campaign_id": 201,
            "influencer_id": 102,
            "initiated_by": "sponsor",
            "requirements": "Two posts",
            "payment_cents": 25_000,
            "status": "accepted",
            "turn": None,
            "created_at": _AT,
            "updated_at": _AT,
            "accepted_at": _AT,
            "completed_at": None,
        },
    ),
    (
        "ad_request_events",
        {
            "id": 401,
            "ad_request_id": 301,
            "actor_id": 102,
            "actor_party": "influencer",
            "action": "accept",
            "from_status": "pending",
            "to_status": "accepted",
            "amount_cents": 25_000,
            "message": "Deal",
            "at": _AT,
        },
    ),  # fmt: skip
    (
        "notifications",
        {
            "id": 501,
            "user_id": 101,
            "kind": "ad_request",
            "title": "Accepted",
            "body": "Ana accepted",
            "link": "sponsor-campaigns",
            "created_at": _AT,
            "read_at": None,
        },
    ),  # fmt: skip
    (
        "audit_log",
        {
            "id": 601,
            "at": _AT,
            "actor_id": 102,
            "action": "ad_request.accepted",
            "target_type": "ad_request",
            "target_id": 301,
            "amount_cents": 25_000,
            "detail": "Spring Launch",
        },
    ),  # fmt: skip
    (
        "reminder_deliveries",
        {
            "id": 701,
            "user_id": 102,
            "day": _DAY,
            "channel": "email",
            "status": "sent",
            "attempts": 1,
            "item_count": 2,
            "last_error": None,
            "created_at": _AT,
            "sent_at": _AT,
        },
    ),  # fmt: skip
    (
        "monthly_reports",
        {
            "id": 801,
            "sponsor_id": 101,
            "month": dt.date(2026, 2, 1),
            "html": "<h1>February</h1>",
            "pdf": b"%PDF-1.7 tiny",
            "summary": {"sent": 3, "accepted": 1},
            "created_at": _AT,
            "email_status": "sent",
            "email_attempts": 1,
            "emailed_at": _AT,
            "last_error": None,
        },
    ),
    (
        "export_jobs",
        {
            "id": 901,
            "owner_id": 101,
            "kind": "ad_requests",
            "filters": {"status": "accepted"},
            "status": "done",
            "row_count": 1,
            "size_bytes": 321,
            "duration_ms": 12,
            "file_name": "ad_requests-901-token.csv",
            "error": None,
            "created_at": _AT,
            "started_at": _AT,
            "finished_at": _AT,
        },
    ),
    ("cache_generations", {"scope": "campaigns", "version": 7}),
]
JSON_COLUMNS = {("monthly_reports", "summary"), ("export_jobs", "filters")}


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(bootstrap.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def _insert_representative_rows(engine) -> None:
    present = {t: {c["name"] for c in inspect(engine).get_columns(t)} for t in inspect(engine).get_table_names()}
    with engine.begin() as conn:
        for table, row in REPRESENTATIVE_ROWS:
            values = {
                k: (json.dumps(v) if (table, k) in JSON_COLUMNS else v) for k, v in row.items() if k in present[table]
            }
            columns = ", ".join(values)
            conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)})"), values)


@pytest.mark.parametrize("revision", _revisions())
def test_upgrading_from_each_earlier_revision_keeps_every_row_intact(empty_url, revision):
    engine = dbmod.make_engine(empty_url)
    try:
        bootstrap.migrate(engine, revision)
        _insert_representative_rows(engine)

        bootstrap.migrate(engine)

        assert _current_revision(engine) == _head()
        with engine.connect() as conn:
            for name, row in REPRESENTATIVE_ROWS:
                table = Base.metadata.tables[name]
                key = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
                found = conn.execute(select(table).where(*key)).mappings().one()
                assert {k: found[k] for k in row} == row, name
            # Columns added after the revision got their documented defaults on old rows.
            assert conn.execute(select(Base.metadata.tables["export_jobs"].c.attempts)).scalar() == 0
    finally:
        engine.dispose()


def test_upgrading_to_organizations_makes_each_sponsor_the_owner_of_its_own_one_member_organization(empty_url):
    engine = dbmod.make_engine(empty_url)
    try:
        bootstrap.migrate(engine, "0006")
        _insert_representative_rows(engine)

        bootstrap.migrate(engine)

        with engine.connect() as conn:
            org = conn.execute(text("SELECT id, name, email, approval FROM organizations")).one()
            assert tuple(org) == (101, "Acme Outdoor", "acme@example.com", "approved")
            members = conn.execute(text("SELECT user_id, organization_id, org_role, status FROM org_members")).all()
            assert [tuple(m) for m in members] == [(101, 101, "owner", "active")]
            brand = conn.execute(text("SELECT id, name FROM brands WHERE organization_id = 101")).one()
            assert brand.name == "Acme Outdoor"
            campaign = conn.execute(text("SELECT organization_id, brand_id FROM campaigns WHERE id = 201")).one()
            assert tuple(campaign) == (101, brand.id)
            assert conn.execute(text("SELECT organization_id FROM monthly_reports WHERE id = 801")).scalar() == 101
        # A sponsor signing up after the upgrade gets a fresh organization id (the sequence moved past 101).
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organizations (name, email, phone, address, city, state, zip_code, country, "
                              "approval, require_payee_form, created_at) VALUES ('New', '', '', '', '', '', '', '', "
                              "'pending', :f, CURRENT_TIMESTAMP)"), {"f": False})  # fmt: skip
            assert conn.execute(text("SELECT MAX(id) FROM organizations")).scalar() > 101
    finally:
        engine.dispose()
