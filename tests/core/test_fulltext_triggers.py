"""The SQLite full-text triggers survive every migration (batch-mode table copies would silently drop them)."""

from __future__ import annotations

from sqlalchemy import text

from core.platform import bootstrap
from core.platform import db as dbmod


def test_every_full_text_trigger_exists_after_migrating_to_head(tmp_path):
    database = dbmod.connect(f"sqlite:///{tmp_path / 'head.sqlite3'}")
    bootstrap.migrate(database.engine)
    with database.engine.connect() as conn:
        triggers = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    database.dispose()
    expected = {f"{table}_{kind}" for table in ("influencer_fts", "campaign_fts") for kind in ("ai", "ad", "au")}
    assert expected <= triggers
