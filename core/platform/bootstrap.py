"""Create or upgrade the database, seed roles and permissions, and make sure an admin exists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, Engine

from core import permissions
from core.models import User
from core.platform.config import InsecureConfiguration, get_settings
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


NO_ADMIN_PASSWORD = (
    "IESCP_ENV=production needs IESCP_ADMIN_PASSWORD while no admin account exists: production never generates "
    "or prints a password. Set IESCP_ADMIN_PASSWORD for the first start (it is only used to create the admin)."
)


def admin_exists(engine: Engine) -> bool:
    """True when the users table exists and holds an admin (a database not yet migrated has none)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(User.__tablename__):  # not migrated yet: the first start creates it
            return False
        return conn.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None


def check_admin_available(engine: Engine) -> None:
    """Under IESCP_ENV=production refuse to run when no admin exists and IESCP_ADMIN_PASSWORD is unset."""
    settings = get_settings()
    if settings.production and not settings.admin_password and not admin_exists(engine):
        raise InsecureConfiguration(NO_ADMIN_PASSWORD)


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
        if not password and settings.production:
            raise InsecureConfiguration(NO_ADMIN_PASSWORD)
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
