"""Create or upgrade the database, seed roles and permissions, and make sure an admin exists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine

from core import permissions
from core.models import User
from core.platform.config import get_settings
from core.platform.db import Database
from core.platform.passwords import hash_password

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
_PG_MIGRATION_LOCK = 724_001  # any constant: serialises concurrent starts of app and workers


@dataclass(frozen=True)
class BootstrapResult:
    """What init_database did; generated_admin_password is shown once and never stored in clear."""

    admin_created: bool
    generated_admin_password: str | None


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations, optionally bound to an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to revision (idempotent; safe when several processes start at once)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        command.upgrade(alembic_config(conn), revision)


def init_database(db: Database, *, admin_password: str | None = None) -> BootstrapResult:
    """Migrate to head, seed permissions and create the admin on first run."""
    migrate(db.engine)
    settings = get_settings()
    with db.Session.begin() as session:
        permissions.seed(session)
        if session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None:
            return BootstrapResult(False, None)
        password = admin_password or settings.admin_password
        generated = None
        if not password:
            generated = password = secrets.token_urlsafe(12) + "7a"
        session.add(
            User(
                username=settings.admin_username,
                email=settings.admin_email,
                password_hash=hash_password(password),
                role="admin",
                approval="approved",
            )
        )
    return BootstrapResult(True, generated)
