"""Demo data: one finished creator import (with rejected rows) for the main demo sponsor's organization."""

from __future__ import annotations

from sqlalchemy import select

from core.crm import imports
from core.marketplace import accounts
from core.models import User
from core.platform.config import PROJECT_ROOT
from core.platform.db import Database

SAMPLE = PROJECT_ROOT / "docs" / "samples" / "creators-sample.csv"


def seed_import(db: Database, username: str) -> int:
    """Import docs/samples/creators-sample.csv as username (runs the job inline); returns the run's id."""
    with db.Session.begin() as s:
        actor = accounts.load_actor(s, s.scalar(select(User.id).where(User.username == username)))
        if actor is None:
            raise RuntimeError(f"demo sponsor {username} cannot act")
        run_pk = imports.start_import(s, actor=actor, file_name=SAMPLE.name, data=SAMPLE.read_bytes(), source="demo")
    imports.run_import(db, run_pk)
    return run_pk
