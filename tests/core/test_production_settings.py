"""IESCP_ENV=production refuses what only a single development machine can live with, and says how to fix it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from core.demo import seed
from core.platform import bootstrap
from core.platform import db as dbmod
from core.platform.config import PROJECT_ROOT, InsecureConfiguration, check_production, get_settings, reset_settings

MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def _production(monkeypatch, **env: str) -> None:
    monkeypatch.setenv("IESCP_ENV", "production")
    for name, value in env.items():
        monkeypatch.setenv(f"IESCP_{name}", value)
    reset_settings()


def test_development_is_the_default_and_production_is_off():
    settings = get_settings()
    assert (settings.environment, settings.production, settings.log_format) == ("development", False, "text")


def test_an_unknown_environment_name_is_refused_rather_than_treated_as_development(monkeypatch):
    monkeypatch.setenv("IESCP_ENV", "prod")
    reset_settings()
    with pytest.raises(ValueError, match="IESCP_ENV"):
        get_settings()


def test_production_without_a_cookie_key_refuses_and_says_how_to_make_one(monkeypatch):
    _production(monkeypatch)
    with pytest.raises(InsecureConfiguration) as refused:
        check_production()
    assert "IESCP_COOKIE_KEY" in str(refused.value) and MAKE_A_KEY in str(refused.value)


def test_production_never_generates_a_per_machine_cookie_key_file(monkeypatch):
    _production(monkeypatch)
    settings = get_settings()
    with pytest.raises(InsecureConfiguration, match="same on every replica"):
        settings.cookie_key
    assert not settings.cookie_key_path.exists()


def test_development_still_generates_the_cookie_key_file():
    settings = get_settings()
    assert len(settings.cookie_key) >= 32 and settings.cookie_key_path.exists()


def test_production_with_a_strong_cookie_key_is_accepted_and_logs_json_by_default(monkeypatch):
    key = secrets.token_urlsafe(48)
    _production(monkeypatch, COOKIE_KEY=key)
    settings = check_production()
    assert (settings.cookie_key, settings.log_format) == (key, "json")


def test_production_with_a_weak_cookie_key_is_refused(monkeypatch):
    _production(monkeypatch, COOKIE_KEY="changeme" * 6)
    with pytest.raises(InsecureConfiguration, match="too predictable"):
        check_production()


def test_the_log_format_can_be_chosen_and_a_wrong_one_is_refused(monkeypatch):
    _production(monkeypatch, COOKIE_KEY=secrets.token_urlsafe(48), LOG_FORMAT="text", REPLICA="app2")
    assert (get_settings().log_format, get_settings().replica) == ("text", "app2")
    monkeypatch.setenv("IESCP_LOG_FORMAT", "xml")
    reset_settings()
    with pytest.raises(ValueError, match="IESCP_LOG_FORMAT"):
        get_settings()


@pytest.mark.parametrize(
    "database_url", [None, "sqlite:////srv/iescp/iescp.sqlite3"], ids=["default-sqlite-file", "explicit-sqlite"]
)
def test_production_behind_redis_refuses_a_sqlite_database(monkeypatch, database_url):
    env = {"COOKIE_KEY": secrets.token_urlsafe(48), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    if database_url:
        env["DATABASE_URL"] = database_url
    _production(monkeypatch, **env)
    with pytest.raises(InsecureConfiguration, match="PostgreSQL"):
        check_production()


def test_production_on_postgresql_behind_redis_is_accepted(monkeypatch):
    _production(
        monkeypatch,
        COOKIE_KEY=secrets.token_urlsafe(48),
        REDIS_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgresql+psycopg://iescp@db/iescp",
    )
    assert check_production().redis_url


def test_production_on_one_machine_without_redis_may_keep_sqlite(monkeypatch):
    _production(monkeypatch, COOKIE_KEY=secrets.token_urlsafe(48))
    assert check_production().database_url.startswith("sqlite")


def test_production_without_an_admin_password_refuses_to_create_the_admin(monkeypatch, tmp_path, sqlite_template):
    monkeypatch.delenv("IESCP_ADMIN_PASSWORD")
    _production(monkeypatch, COOKIE_KEY=secrets.token_urlsafe(48))
    database = dbmod.connect(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        with pytest.raises(InsecureConfiguration, match="IESCP_ADMIN_PASSWORD"):
            bootstrap.check_admin_available(database.engine)  # not even migrated yet: no admin
        with pytest.raises(InsecureConfiguration, match="never generates"):
            bootstrap.init_database(database)
    finally:
        database.dispose()


def test_production_accepts_an_existing_admin_without_the_password(monkeypatch, sqlite_database):
    monkeypatch.delenv("IESCP_ADMIN_PASSWORD")
    _production(monkeypatch, COOKIE_KEY=secrets.token_urlsafe(48))
    bootstrap.check_admin_available(sqlite_database.engine)  # the admin was created before: nothing to refuse
    assert bootstrap.admin_exists(sqlite_database.engine)


def test_development_still_generates_and_reports_an_admin_password_once(monkeypatch, tmp_path):
    monkeypatch.delenv("IESCP_ADMIN_PASSWORD")
    reset_settings()
    database = dbmod.connect(f"sqlite:///{tmp_path / 'dev.sqlite3'}")
    try:
        result = bootstrap.init_database(database)
    finally:
        database.dispose()
    assert result.admin_created and result.generated_admin_password


def test_production_never_seeds_demo_data_or_prints_demo_logins(monkeypatch, tmp_path, capsys):
    _production(monkeypatch, COOKIE_KEY=secrets.token_urlsafe(48))
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    with pytest.raises(SystemExit) as refused:
        seed.main(["--url", url])
    out, err = capsys.readouterr()
    assert refused.value.code == seed.EX_CONFIG and "--no-demo" in err
    assert seed.DEMO_PASSWORD not in out + err and not (tmp_path / "prod.sqlite3").exists()


def test_production_no_demo_creates_the_admin_from_the_environment_and_prints_no_password(
    monkeypatch, tmp_path, capsys
):
    _production(monkeypatch, COOKIE_KEY=secrets.token_urlsafe(48), ADMIN_PASSWORD="Prod-admin-pass-9")
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    seed.main(["--url", url, "--no-demo"])
    out = capsys.readouterr().out
    database = dbmod.connect(url)
    try:
        assert bootstrap.admin_exists(database.engine) and not seed.already_seeded(database)
    finally:
        database.dispose()
    assert "Prod-admin-pass-9" not in out and seed.DEMO_PASSWORD not in out


def _import_in_a_new_process(module: str) -> subprocess.CompletedProcess:
    """Import module in a fresh interpreter with this test's environment (startup checks run at import)."""
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_server_refuses_to_start_in_production_without_a_cookie_key_and_logs_why_as_json(monkeypatch):
    _production(monkeypatch)
    done = _import_in_a_new_process("server")  # what `streamlit run server.py` runs first
    assert done.returncode == 78, done.stderr
    assert '"level": "CRITICAL"' in done.stderr and "IESCP_COOKIE_KEY" in done.stderr


def test_the_server_refuses_to_start_in_production_without_an_admin_or_its_password(monkeypatch, tmp_path):
    monkeypatch.delenv("IESCP_ADMIN_PASSWORD")
    _production(monkeypatch, COOKIE_KEY=secrets.token_urlsafe(48), DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    done = _import_in_a_new_process("server")
    assert done.returncode == 78 and "IESCP_ADMIN_PASSWORD" in done.stderr, done.stderr


def test_the_worker_refuses_to_load_its_tasks_in_production_without_a_cookie_key(monkeypatch):
    _production(monkeypatch)
    done = _import_in_a_new_process("tasks")  # what `huey_consumer tasks.huey` imports
    assert done.returncode != 0 and "InsecureConfiguration" in done.stderr and "IESCP_COOKIE_KEY" in done.stderr
