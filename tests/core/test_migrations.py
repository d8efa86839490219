"""Alembic migrations: empty → head on SQLite and PostgreSQL, the models match the migrated schema,
downgrade to base and back works, and upgrading keeps data."""

from __future__ import annotations

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
