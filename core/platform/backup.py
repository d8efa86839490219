"""Backup and restore of the whole database: `python -m core.platform.backup backup|restore FILE` (or make backup/restore).

SQLite: the online backup API (a consistent copy while the app and workers keep running), checked
with PRAGMA integrity_check. PostgreSQL: pg_dump's custom format and pg_restore, after checking that
the client tools are at least as new as the server (an older pg_dump refuses or writes an
incomplete dump). A restore replaces every table, then migrates the schema to head, so a backup
taken by an older version of the app comes back usable.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from core.platform import bootstrap
from core.platform import db as dbmod
from core.platform.config import get_settings


class BackupError(Exception):
    """The backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    path: Path
    backend: str
    size_bytes: int


def backup(path: Path | str, *, database_url: str | None = None) -> Outcome:
    """Write a consistent copy of the database to path (replaced atomically when it exists)."""
    url = make_url(database_url or get_settings().database_url)
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_file(url, must_exist=True), partial)
        elif url.get_backend_name() == "postgresql":
            _pg_run("pg_dump", url, ["--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"])
        else:
            raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path, url.get_backend_name(), path.stat().st_size)


def restore(path: Path | str, *, database_url: str | None = None) -> Outcome:
    """Replace the database's contents with the backup at path, then migrate it to head.

    Stop the app and the workers first: sessions open during a restore would see it half-done.
    """
    url = make_url(database_url or get_settings().database_url)
    path = Path(path).resolve()
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if url.get_backend_name() == "sqlite":
        _sqlite_restore(path, _sqlite_file(url, must_exist=False))
    elif url.get_backend_name() == "postgresql":
        _pg_restore(path, url)
    else:
        raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")
    engine = dbmod.make_engine(url.render_as_string(hide_password=False))
    try:
        bootstrap.migrate(engine)
    finally:
        engine.dispose()
    return Outcome(path, url.get_backend_name(), path.stat().st_size)


# ---- SQLite ------------------------------------------------------------------------------------------------


def _sqlite_file(url: URL, *, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    file = Path(url.database).resolve()
    if must_exist and not file.is_file():
        raise BackupError(f"There is no database file at {file} yet (run the app or `make db` first).")
    return file


def _sqlite_backup(source_file: Path, target: Path) -> None:
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # page by page; writers may carry on, the copy is one consistent snapshot
        _check_sqlite(copy, target)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        source.close()


def _check_sqlite(connection: sqlite3.Connection, where: Path) -> None:
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        has_schema = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{where} is not an SQLite database: {error}") from None
    if verdict != "ok":
        raise BackupError(f"{where} is damaged (integrity check: {verdict}).")
    if not has_schema:
        raise BackupError(f"{where} is not an IESCP database (it has no alembic_version table).")


def _sqlite_restore(backup_file: Path, target_file: Path) -> None:
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check_sqlite(source, backup_file)
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_file, timeout=30)
        try:
            source.backup(target)  # replaces every page of the live file under SQLite's own locks
        finally:
            target.close()
    finally:
        source.close()


# ---- PostgreSQL --------------------------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq URI without the password (kept out of `ps`), and the environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools (apt-get install postgresql-client)."
        )
    return found


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if not match:
        raise BackupError(f"Cannot read a PostgreSQL version from {version_text!r}.")
    return int(match.group(1))


def check_pg_versions(url: URL, tool: str = "pg_dump") -> tuple[int, int]:
    """(client major, server major); BackupError when the client tools are older than the server."""
    client = _major(subprocess.run([_tool(tool), "--version"], capture_output=True, text=True, check=True).stdout)
    engine = dbmod.make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10_000
    finally:
        engine.dispose()
    if client < server:
        raise BackupError(
            f"{tool} is PostgreSQL {client} but the server is {server}: install client tools {server} or newer."
        )
    return client, server


def _pg_run(tool: str, url: URL, args: list[str]) -> None:
    check_pg_versions(url, tool)
    uri, env = _libpq(url)
    done = subprocess.run([_tool(tool), *args, f"--dbname={uri}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-2000:]}")


def _pg_restore(path: Path, url: URL) -> None:
    """Empty the schema and load the dump in ONE transaction (psql -1): a failed restore changes nothing."""
    check_pg_versions(url, "pg_restore")
    script = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)], capture_output=True
    )
    if script.returncode != 0 or b"alembic_version" not in script.stdout:
        raise BackupError(f"{path} is not a pg_dump backup of an IESCP database.")
    uri, env = _libpq(url)
    done = subprocess.run(
        [
            _tool("psql"),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            # Start from an empty schema, so tables added after the backup was taken do not linger.
            "--command=DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
            "--file=-",
            f"--dbname={uri}",
        ],
        input=script.stdout,
        env=env,
        capture_output=True,
    )
    if done.returncode != 0:
        raise BackupError(f"psql failed, nothing was changed: {done.stderr.decode(errors='replace').strip()[-2000:]}")


# ---- command line ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.platform.backup", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("backup", "restore"))
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        outcome = (backup if args.action == "backup" else restore)(args.file)
    except BackupError as error:
        print(f"{args.action} failed: {error}", file=sys.stderr)
        return 1
    verb = "Backed up to" if args.action == "backup" else "Restored from"
    print(f"{verb} {outcome.path} ({outcome.backend}, {outcome.size_bytes:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
