"""One frozen settings object read lazily from IESCP_* environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"IESCP_{name}")
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw is not None else default


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Every knob of the product; see README's configuration table."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    huey_sqlite_path: Path
    outbox_dir: Path
    exports_dir: Path
    admin_username: str
    admin_email: str
    admin_password: str | None
    cookie_name: str
    cookie_key_path: Path
    cookie_key_env: str | None
    cookie_expiry_days: float
    max_failed_logins: int
    lockout_minutes: int
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    gchat_webhook_url: str | None
    reminder_hour: int
    report_day: int
    remind_sponsors: bool
    base_url: str
    timezone: str
    bcrypt_rounds: int
    # Bounds on one network wait of the worker (faults engineer): a dead or frozen server costs this, not a hang.
    smtp_timeout_seconds: float = 20.0
    webhook_timeout_seconds: float = 10.0

    @property
    def cookie_key(self) -> str:
        """The cookie signing key: from the environment, else generated once into data/."""
        if self.cookie_key_env:
            return self.cookie_key_env
        path = self.cookie_key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written with O_EXCL so two processes starting together agree on one key.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(48))
            except FileExistsError:
                pass
        return path.read_text().strip()


def load_settings() -> Settings:
    """Read settings from the environment now (use get_settings() in code)."""
    data_dir = Path(_env("DATA_DIR", str(PROJECT_ROOT / "data"))).resolve()
    return Settings(
        data_dir=data_dir,
        database_url=_env("DATABASE_URL", f"sqlite:///{data_dir / 'iescp.sqlite3'}"),
        redis_url=_env("REDIS_URL"),
        huey_sqlite_path=Path(_env("HUEY_SQLITE_PATH", str(data_dir / "huey.sqlite3"))),
        outbox_dir=Path(_env("OUTBOX_DIR", str(data_dir / "outbox"))),
        exports_dir=Path(_env("EXPORTS_DIR", str(data_dir / "exports"))),
        admin_username=_env("ADMIN_USERNAME", "admin"),
        admin_email=_env("ADMIN_EMAIL", "admin@iescp.local"),
        admin_password=_env("ADMIN_PASSWORD"),
        cookie_name=_env("COOKIE_NAME", "iescp_auth"),
        cookie_key_path=data_dir / "cookie.key",
        cookie_key_env=_env("COOKIE_KEY"),
        cookie_expiry_days=float(_env("COOKIE_EXPIRY_DAYS", "1")),
        max_failed_logins=_env_int("MAX_FAILED_LOGINS", 5),
        lockout_minutes=_env_int("LOCKOUT_MINUTES", 15),
        smtp_host=_env("SMTP_HOST"),
        smtp_port=_env_int("SMTP_PORT", 25),
        smtp_user=_env("SMTP_USER"),
        smtp_password=_env("SMTP_PASSWORD"),
        smtp_starttls=_env_bool("SMTP_STARTTLS", False),
        mail_from=_env("MAIL_FROM", "IESCP <noreply@iescp.local>"),
        gchat_webhook_url=_env("GCHAT_WEBHOOK_URL"),
        reminder_hour=_env_int("REMINDER_HOUR", 8),
        report_day=_env_int("REPORT_DAY", 1),
        remind_sponsors=_env_bool("REMIND_SPONSORS", True),
        base_url=_env("BASE_URL", "http://localhost:8501"),
        timezone=_env("TIMEZONE", "UTC"),
        bcrypt_rounds=_env_int("BCRYPT_ROUNDS", 12),
        smtp_timeout_seconds=float(_env_int("SMTP_TIMEOUT_SECONDS", 20)),
        webhook_timeout_seconds=float(_env_int("WEBHOOK_TIMEOUT_SECONDS", 10)),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
