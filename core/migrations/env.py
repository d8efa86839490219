"""Alembic environment: migrates the database named by the config's URL or IESCP_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from core.models import Base
from core.platform import fulltext
from core.platform.config import get_settings
from core.platform.db import make_engine

config = context.config


# Foreign keys added to existing tables by ALTER TABLE … ADD COLUMN … REFERENCES on SQLite (migration 0007, which
# avoids rebuilding tables that carry full-text triggers): SQLite reflects them without name or ON DELETE, so the
# comparison would report a rename. PostgreSQL reflects them fully and compares them as usual.
INLINE_SQLITE_REFERENCES = frozenset(
    {
        ("campaigns", "organization_id"),
        ("campaigns", "brand_id"),
        ("financial_documents", "organization_id"),
        ("monthly_reports", "organization_id"),
    }
)


def _inline_sqlite_reference(obj, reflected, compare_to) -> bool:
    columns = [c.name for c in obj.columns]
    if len(columns) != 1 or (obj.table.name, columns[0]) not in INLINE_SQLITE_REFERENCES:
        return False
    return (reflected and obj.name is None) or (not reflected and compare_to is None)


def include_object(obj, name, type_, reflected, compare_to):
    """Keep autogenerate away from FTS5 virtual tables and their shadow tables (SQLite) and from the
    full-text GIN expression indexes (PostgreSQL); the migrations manage both with raw DDL."""
    if type_ == "table" and name and fulltext.is_fts_name(name):
        return False
    if type_ == "foreign_key_constraint" and _inline_sqlite_reference(obj, reflected, compare_to):
        return False
    if type_ == "index" and reflected and compare_to is None and name and name.endswith("_fulltext"):
        return False
    if type_ == "column" and reflected and compare_to is None and name == fulltext.PG_DOCUMENT_COLUMN:
        return False  # PostgreSQL's stored tsvector behind the GIN index (migration 0003)
    return True


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run against a database.")
run_migrations_online()
