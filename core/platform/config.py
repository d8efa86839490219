"""One frozen settings object read lazily from IESCP_* environment variables."""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import overload

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]

MIN_COOKIE_KEY_BYTES = 32
# 128 bits: what 32 random bytes give with room to spare even in hex (an estimate from the key's own letters).
MIN_COOKIE_KEY_BITS = 128
_ZLIB_OVERHEAD = 8  # header and checksum bytes of a zlib stream
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
ENVIRONMENTS = ("development", "production")
LOG_FORMATS = ("text", "json")


class InsecureConfiguration(RuntimeError):
    """A setting that would make the deployment unsafe; the app refuses to start until it is fixed."""


def estimated_entropy_bits(key: str) -> float:
    """Bits a key plausibly holds: Shannon entropy of its own letters times its length, capped by its zlib size.

    An estimate that catches the usual weak keys ("changeme", "aaaa…", a word repeated); it cannot prove a
    key random (a keyboard walk of distinct characters passes), which is why the fix it prints generates one.
    """
    if not key:
        return 0.0
    counts, n = Counter(key), len(key)
    per_char = -sum(c / n * math.log2(c / n) for c in counts.values())
    # Letter frequencies miss repetition ("changeme" six times); what zlib cannot squeeze out catches it.
    incompressible = 8 * max(0, len(zlib.compress(key.encode(), 9)) - _ZLIB_OVERHEAD)
    return min(per_char * n, incompressible)


def check_cookie_key(key: str, source: str) -> str:
    """key when it is at least 32 bytes of high entropy, else InsecureConfiguration saying how to fix it."""
    size, bits = len(key.encode()), estimated_entropy_bits(key)
    if size >= MIN_COOKIE_KEY_BYTES and bits >= MIN_COOKIE_KEY_BITS:
        return key
    why = f"it is only {size} bytes long" if size < MIN_COOKIE_KEY_BYTES else "it is too predictable (repeated text)"
    raise InsecureConfiguration(
        f"The login cookie signing key from {source} is too weak: {why}. Anyone who guesses it can forge a login "
        f"cookie for any account, the admin included. Use at least {MIN_COOKIE_KEY_BYTES} random bytes."
        f"\n\n    {MAKE_A_KEY}\n\nSet the output as IESCP_COOKIE_KEY (the same on every replica) and restart, "
        "or unset IESCP_COOKIE_KEY and delete data/cookie.key to have a strong one generated."
    )


@overload
def _env(name: str) -> str | None: ...
@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: str | None) -> str | None: ...


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
    namespace: str  # prefix of every cache key and the default queue name; see deployment_namespace()
    # Bounds on one network wait of the worker (faults engineer): a dead or frozen server costs this, not a hang.
    smtp_timeout_seconds: float = 20.0
    webhook_timeout_seconds: float = 10.0
    # Creator imports (core/crm/imports.py): the biggest upload and the most rows one import may have.
    import_max_bytes: int = 50 * 1024 * 1024
    import_max_rows: int = 200_000
    # Report PDFs in the worker (core/reporting/pdf_child.py): renders per child process (0 = in the worker itself)
    # and the longest one render may take before its child is killed.
    pdf_child_renders: int = 100
    pdf_timeout_seconds: float = 120.0
    # Step 9 (docs/decisions/scale.md): production refuses unsafe defaults; logs are JSON lines there.
    environment: str = "development"
    log_format: str = "text"
    replica: str | None = None
    database_url_explicit: bool = False  # IESCP_DATABASE_URL was set (not the default SQLite file)

    @property
    def production(self) -> bool:
        """True under IESCP_ENV=production: no generated secrets, no demo logins."""
        return self.environment == "production"

    @property
    def cookie_key(self) -> str:
        """The cookie signing key: from the environment, else generated once into data/; weak keys raise."""
        if self.cookie_key_env:
            return check_cookie_key(self.cookie_key_env, "IESCP_COOKIE_KEY")
        if self.production:
            raise InsecureConfiguration(missing_cookie_key_message())
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
        return check_cookie_key(path.read_text().strip(), str(path))


def missing_cookie_key_message() -> str:
    """Why production refuses a generated key, in the same three parts as check_cookie_key's message."""
    return (
        "IESCP_ENV=production needs IESCP_COOKIE_KEY: a generated data/cookie.key belongs to one machine, so "
        "replicas would not accept each other's login cookies and users would be logged out on every switch."
        f"\n\n    {MAKE_A_KEY}\n\nSet the output as IESCP_COOKIE_KEY (the same on every replica and worker) "
        "and restart."
    )


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (_env(name) or default).strip().lower()
    if value not in allowed:
        raise ValueError(f"IESCP_{name} must be one of {', '.join(allowed)} (got {value!r}).")
    return value


def load_settings() -> Settings:
    """Read settings from the environment now (use get_settings() in code)."""
    data_dir = Path(_env("DATA_DIR", str(PROJECT_ROOT / "data"))).resolve()
    database_url = _env("DATABASE_URL", f"sqlite:///{data_dir / 'iescp.sqlite3'}")
    environment = _choice("ENV", "development", ENVIRONMENTS)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
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
        base_url=_env("BASE_URL") or default_base_url(os.environ),
        timezone=_env("TIMEZONE", "UTC"),
        bcrypt_rounds=_env_int("BCRYPT_ROUNDS", 12),
        namespace=deployment_namespace(_env("NAMESPACE"), data_dir, database_url),
        smtp_timeout_seconds=float(_env_int("SMTP_TIMEOUT_SECONDS", 20)),
        webhook_timeout_seconds=float(_env_int("WEBHOOK_TIMEOUT_SECONDS", 10)),
        import_max_bytes=_env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024),
        import_max_rows=_env_int("IMPORT_MAX_ROWS", 200_000),
        pdf_child_renders=_env_int("PDF_CHILD_RENDERS", 100),
        pdf_timeout_seconds=float(_env_int("PDF_TIMEOUT_SECONDS", 120)),
        environment=environment,
        log_format=_choice("LOG_FORMAT", "json" if environment == "production" else "text", LOG_FORMATS),
        replica=_env("REPLICA"),
        database_url_explicit=_env("DATABASE_URL") is not None,
    )


def production_problems(settings: Settings) -> list[str]:
    """What production refuses in these settings alone (the admin check needs the database: bootstrap)."""
    if not settings.production:
        return []
    problems = []
    if not settings.cookie_key_env:
        problems.append(missing_cookie_key_message())
    if settings.redis_url and (
        not settings.database_url_explicit or make_url(settings.database_url).get_backend_name() == "sqlite"
    ):
        # Redis means several processes, maybe on several machines: each would write its own SQLite file.
        problems.append(
            "IESCP_ENV=production with IESCP_REDIS_URL needs IESCP_DATABASE_URL pointing at a shared PostgreSQL "
            "database: a SQLite file is one machine's, and replicas or workers elsewhere would each write their own."
        )
    return problems


def check_production(settings: Settings | None = None) -> Settings:
    """settings when they are safe to run with; under IESCP_ENV=production raise InsecureConfiguration otherwise."""
    settings = settings or get_settings()
    problems = production_problems(settings)
    if problems:
        raise InsecureConfiguration("\n\n".join(problems))
    if settings.cookie_key_env:
        settings.cookie_key  # a weak key refuses here too, before any process serves or works
    return settings


DEFAULT_PORT = 8501
# Addresses a server binds to that nobody can browse to: links name this machine instead.
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}


def default_base_url(environ: Mapping[str, str]) -> str:
    """Where links point when IESCP_BASE_URL is unset: the address and port Streamlit serves on, when it says.

    Streamlit reads STREAMLIT_SERVER_PORT / STREAMLIT_SERVER_ADDRESS (`make run` sets them); a worker or a server
    started with --server.port cannot be seen from here, which is why `make run` also exports IESCP_BASE_URL.
    """
    port = (environ.get("STREAMLIT_SERVER_PORT") or "").strip() or str(DEFAULT_PORT)
    host = (environ.get("STREAMLIT_SERVER_ADDRESS") or "").strip()
    if host in _ANY_ADDRESS:
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal needs brackets in a URL
    return f"http://{host}:{port}"


_NAMESPACE_RULE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def resolved_database_url(url: str) -> str:
    """The database URL without its password, a relative SQLite path made absolute (what the URL really names)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not parsed.database.startswith("file:"):
            parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed.render_as_string(hide_password=True)


def deployment_namespace(explicit: str | None, data_dir: Path, database_url: str) -> str:
    """IESCP_NAMESPACE, else 'iescp-' and a hash of the absolute data folder and resolved database URL.

    Two deployments sharing one Redis must never share cache entries or a queue; the default keeps
    two folders apart even when both use the same relative SQLite URL. Processes of one deployment
    on several machines must set the same IESCP_NAMESPACE explicitly (their data folders may differ).
    """
    if explicit is not None:
        explicit = explicit.strip()
        if not _NAMESPACE_RULE.fullmatch(explicit):
            raise ValueError("IESCP_NAMESPACE must be 1-64 letters, digits, '.', '_' or '-'.")
        return explicit
    where = f"{data_dir.resolve()}\n{resolved_database_url(database_url)}"
    return "iescp-" + hashlib.sha256(where.encode()).hexdigest()[:12]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
