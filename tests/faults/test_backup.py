"""Backup and restore round trips with data, on SQLite and PostgreSQL, through the API and the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.marketplace import ad_requests
from core.models import Campaign
from core.platform import backup
from core.platform.config import PROJECT_ROOT
from tests import factories as f
from tests.faults.conftest import child_env
from tests.tasks.conftest import database_url

pytestmark = pytest.mark.timeout(120)


def _marketplace(db) -> int:
    sponsor, influencer = f.sponsor(db, name="Acme Outdoor"), f.influencer(db, name="Ana Trails")
    campaign_id = f.campaign(db, sponsor, name="Spring Launch")
    request_id = f.request(db, sponsor, campaign_id, influencer)
    f.write(
        db,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    return sponsor


def test_a_backup_restores_every_row_after_later_changes(database, tmp_path):
    sponsor = _marketplace(database)
    before = f.snapshot(database)
    file = tmp_path / "backups" / "iescp.backup"

    made = backup.backup(file, database_url=database_url(database))
    assert made.size_bytes > 0 and file.is_file()

    f.campaign(database, sponsor, name="Made after the backup")  # changes the backup must undo
    with database.Session.begin() as s:
        s.execute(Campaign.__table__.update().values(name="Renamed"))
    database.dispose()  # a restore is done with the app and workers stopped

    backup.restore(file, database_url=database_url(database))

    assert f.snapshot(database) == before
    with database.ReadSession.begin() as s:
        assert list(s.scalars(select(Campaign.name))) == ["Spring Launch"]


def test_restoring_something_that_is_not_a_backup_changes_nothing(database, tmp_path):
    _marketplace(database)
    before = f.snapshot(database)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)

    with pytest.raises(backup.BackupError):
        backup.restore(junk, database_url=database_url(database))

    assert f.snapshot(database) == before


@pytest.mark.postgres
def test_the_postgres_client_tools_are_checked_against_the_server(postgres_url):
    client, server = backup.check_pg_versions(make_url(postgres_url))
    assert client >= server


def test_the_command_line_backs_up_and_restores_the_configured_database(sqlite_database, tmp_path):
    _marketplace(sqlite_database)
    before = f.snapshot(sqlite_database)
    env = {**child_env(), "IESCP_DATABASE_URL": database_url(sqlite_database)}
    file = tmp_path / "cli.backup"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "core.platform.backup", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    made = cli("backup", str(file))
    assert made.returncode == 0, made.stderr
    assert "Backed up to" in made.stdout
    f.campaign(sqlite_database, f.sponsor(sqlite_database), name="After")
    sqlite_database.dispose()

    restored = cli("restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert f.snapshot(sqlite_database) == before

    missing = cli("restore", str(tmp_path / "nope.backup"))
    assert missing.returncode == 1
    assert "No backup file" in missing.stderr and "Traceback" not in missing.stderr
