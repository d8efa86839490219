"""Shared fixtures: a migrated database per test on SQLite (and PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.models import Base
from core.platform import bootstrap
from core.platform import db as dbmod
from core.platform.config import reset_settings

ADMIN_PASSWORD = "Admin-pass-1"
POSTGRES_URL = os.environ.get("IESCP_TEST_POSTGRES_URL")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Every test gets its own data folder and fast password hashing; settings are re-read."""
    for key in list(os.environ):
        if key.startswith("IESCP_") and not key.startswith("IESCP_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("IESCP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IESCP_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("IESCP_ADMIN_PASSWORD", ADMIN_PASSWORD)
    reset_settings()
    yield
    reset_settings()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = dbmod.connect(f"sqlite:///{path}")
    bootstrap.migrate(database.engine)
    database.dispose()
    return path


def _admin_execute(base_url: str, statement: str) -> None:
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(request):
    if not POSTGRES_URL:
        pytest.skip("IESCP_TEST_POSTGRES_URL is not set")
    # One database per test process (xdist worker or not), so parallel runs never share one.
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    name = f"iescp_test_{worker}_{os.getpid()}"
    _admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = dbmod.make_engine(url)
    bootstrap.migrate(engine)
    engine.dispose()
    yield url
    _admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(database: dbmod.Database) -> None:
    """Delete every row, children first (much faster than TRUNCATE for the few rows a test makes)."""
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path, sqlite_template):
    """A ready database (schema at head, permissions, admin) on each configured backend."""
    if request.param == "sqlite":
        path = tmp_path / f"iescp-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copy(sqlite_template, path)
        database = dbmod.connect(f"sqlite:///{path}")
    else:
        database = dbmod.connect(request.getfixturevalue("postgres_url"))
        _empty_postgres(database)
    bootstrap.init_database(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_database(tmp_path, sqlite_template):
    """A ready SQLite database only (for tests about SQLite itself or the UI)."""
    path = tmp_path / "iescp.sqlite3"
    shutil.copy(sqlite_template, path)
    database = dbmod.connect(f"sqlite:///{path}")
    bootstrap.init_database(database)
    yield database
    database.dispose()
