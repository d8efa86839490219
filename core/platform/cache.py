"""The one caching layer of pages and tasks: dogpile.cache on Redis, or in-process memory.

Backends: with IESCP_REDIS_URL set, `dogpile.cache.redis` with a distributed lock (one process
computes a missing value while the others wait for it: no stampede of identical admin-statistics
queries when a generation changes); otherwise `dogpile.cache.memory_pickle` on a bounded LRU dict
with dogpile's per-key thread lock. Values are pickled in both, so every reader gets its own copy
and no page can mutate what another user will read.

Keys (see `key()`): the deployment namespace (settings.namespace, IESCP_NAMESPACE: two deployments
can share one Redis), a code version, the database's identity, the kind, every argument that
changes the answer (including the viewer's scope when results depend on it) and the current
generation of each cachegen scope the answer depends on. Writes bump those generations in their own
transaction (core/platform/cachegen.py), so a write committed by any process — another replica, a worker —
changes the key and every process misses on its next read. Reading the generations is one primary-
key lookup in the reader's transaction; nothing has to be deleted from the cache.

TTL per kind bounds what generations do not track (time passing: users leaving the 30-day login window).
A few kinds also have a floor (MIN_AGE_SECONDS): a value younger than it is served even when a write has
changed the generations since, so a busy platform recomputes them at most once per floor, in all processes.

Redis unreachable: the first failure logs one warning, then Redis is skipped for
REDIS_RETRY_SECONDS and values are computed uncached (with an in-process lock against stampedes);
the app keeps working. Recovery is logged once too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, TypeVar

from dogpile.cache import make_region
from dogpile.cache.api import NO_VALUE
from dogpile.cache.proxy import ProxyBackend
from dogpile.cache.region import CacheRegion
from sqlalchemy.orm import Session

from core.platform import cachegen
from core.platform.config import get_settings, resolved_database_url
from core.platform.db import Database
from core.platform.timeutil import utcnow

log = logging.getLogger("iescp.cache")
T = TypeVar("T")

KEY_VERSION = 1  # bump when the shape of a cached value changes
TTL_SECONDS: dict[str, float] = {
    "stats": 60,  # admin statistics
    "finance": 60,  # the admin's finance overview (same scope as the statistics, no floor)
    "dashboard": 30,  # a sponsor's campaign table and budget burn
    "search": 30,  # one page of influencer or campaign search
    "facets": 300,  # distinct categories and niches for filter pickers
}
DEFAULT_TTL = 30.0
# Kinds recomputed at most once per this many seconds however often their scopes change (a floor, not a TTL):
# admin statistics aggregate whole tables (~1 s at 1M requests), and every send, accept or flag bumps their
# scope, so under steady writes each admin run would recompute them. A write shows within this many seconds.
MIN_AGE_SECONDS: dict[str, float] = {"stats": 15.0}
MEMORY_MAX_ENTRIES = 4096
REDIS_RETRY_SECONDS = 30.0
REDIS_TIMEOUT_SECONDS = 0.5
LOCK_TIMEOUT_SECONDS = 30  # a crashed creator cannot hold a distributed lock longer than this


# ---- in-process store ---------------------------------------------------------------------------------


class _LRUDict(OrderedDict):
    """The dict behind the memory backend: bounded, least recently used out first, thread-safe."""

    def __init__(self, max_entries: int):
        super().__init__()
        self.max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            if key not in self:
                return default
            self.move_to_end(key)
            return super().__getitem__(key)

    def __setitem__(self, key, value):
        with self._lock:
            super().__setitem__(key, value)
            self.move_to_end(key)
            while len(self) > self.max_entries:
                self.popitem(last=False)

    def pop(self, key, default=None):
        with self._lock:
            return super().pop(key, default)


# ---- Redis fault tolerance ----------------------------------------------------------------------------


class _Health:
    """Whether Redis answered lately; one warning per outage."""

    def __init__(self, url: str):
        self.url = url
        self.down_until = 0.0
        self.lock = threading.Lock()

    def usable(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, error: BaseException) -> None:
        with self.lock:
            first = self.down_until == 0.0
            self.down_until = time.monotonic() + REDIS_RETRY_SECONDS
        if first:
            log.warning(
                "Redis cache at %s is unreachable (%s); computing uncached and retrying every %.0f s",
                _redacted(self.url),
                error.__class__.__name__,
                REDIS_RETRY_SECONDS,
            )

    def succeeded(self) -> None:
        if not self.down_until:  # the common case: no lock taken
            return
        with self.lock:
            was_down, self.down_until = self.down_until != 0.0, 0.0
        if was_down:
            log.warning("Redis cache at %s is reachable again", _redacted(self.url))


def _redacted(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1) if "://" in url else ("", url)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


class _SafeMutex:
    """A distributed lock that degrades to 'no lock' when Redis fails mid-way.

    dogpile shares one mutex object per key between threads, so it keeps no state of its own.
    """

    def __init__(self, inner, health: _Health):
        self.inner, self.health = inner, health

    def acquire(self, wait: bool = True):
        try:
            return self.inner.acquire(wait)
        except Exception as error:  # redis.RedisError, OSError: proceed without the lock
            self.health.failed(error)
            return True

    def release(self):
        try:
            return self.inner.release()
        except Exception:  # not held (Redis failed at acquire), expired, or Redis gone: nothing to release
            return None

    def locked(self):
        try:
            return self.inner.locked()
        except Exception:
            return False


class _FailSoft(ProxyBackend):
    """Turns Redis errors into cache misses (and skipped writes) instead of page errors."""

    def __init__(self, health: _Health):
        super().__init__()
        self.health = health

    def _guard(self, fn: Callable[[], T], fallback: T) -> T:
        if not self.health.usable():
            return fallback
        try:
            value = fn()
        except Exception as error:
            self.health.failed(error)
            return fallback
        self.health.succeeded()
        return value

    def get_serialized(self, key):
        return self._guard(lambda: self.proxied.get_serialized(key), NO_VALUE)

    def get(self, key):
        return self._guard(lambda: self.proxied.get(key), NO_VALUE)

    def set_serialized(self, key, value):
        self._guard(lambda: self.proxied.set_serialized(key, value), None)

    def set(self, key, value):
        self._guard(lambda: self.proxied.set(key, value), None)

    def delete(self, key):
        self._guard(lambda: self.proxied.delete(key), None)

    def get_mutex(self, key):
        if not self.health.usable():
            return None  # dogpile falls back to its in-process lock
        mutex = self.proxied.get_mutex(key)
        return _SafeMutex(mutex, self.health) if mutex is not None else None


# ---- the cache ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cached:
    """A cached value and when its computation started (naive UTC): it holds every write committed before."""

    value: Any
    as_of: dt.datetime


class Cache:
    """A dogpile region with per-kind TTLs; get_or_create never fails because of the cache."""

    def __init__(
        self,
        region: CacheRegion,
        backend: str,
        *,
        namespace: str,
        ttls: dict[str, float] | None = None,
        min_ages: dict[str, float] | None = None,
        health: _Health | None = None,
    ):
        self.region = region
        self.backend = backend  # "redis" or "memory"
        self.namespace = namespace  # first part of every key: deployments sharing one Redis never meet
        self.ttls = {**TTL_SECONDS, **(ttls or {})}
        self.min_ages = {**MIN_AGE_SECONDS, **(min_ages or {})}
        self.health = health

    def ttl(self, kind: str) -> float:
        return self.ttls.get(kind, DEFAULT_TTL)

    def min_age(self, kind: str) -> float:
        """The kind's floor in seconds (0: every generation change is seen on the next read)."""
        return self.min_ages.get(kind, 0.0)

    def recent(self, kind: str, key: str) -> Cached | None:
        """The value last stored under key if it was stored less than the kind's floor ago, else None."""
        value = self._tolerating_backend_errors(
            lambda: self.region.get(key, expiration_time=self.min_age(kind)), lambda: NO_VALUE
        )
        return None if value is NO_VALUE else value

    def remember(self, key: str, cached: Cached) -> None:
        """Store cached under key (the kind's newest value, whatever its generations); never fails the read."""
        self._tolerating_backend_errors(lambda: self.region.set(key, cached), lambda: None)

    def get_or_create(self, kind: str, key: str, creator: Callable[[], T]) -> Cached:
        """The cached value for key, computing and storing it (once across waiters) when missing or expired."""
        computed: list[Cached] = []

        def create() -> Cached:
            # Stamped when the computation starts: every write committed before then is in the value.
            started = utcnow()
            result = Cached(creator(), started)
            computed.append(result)
            return result

        return self._tolerating_backend_errors(
            lambda: self.region.get_or_create(key, create, expiration_time=self.ttl(kind)),
            lambda: computed[0] if computed else create(),
        )

    def _tolerating_backend_errors(self, action: Callable[[], T], fallback: Callable[[], T]) -> T:
        """action(), or fallback() when the cache backend failed (noted in health); any other error propagates."""
        try:
            return action()
        except Exception as error:
            if not _is_backend_error(error):
                raise
            if self.health:
                self.health.failed(error)
            return fallback()

    def invalidate(self) -> None:
        """Treat everything cached before now as missing, in this process (tests, cold benchmarks)."""
        self.region.invalidate(hard=True)


def _is_backend_error(error: Exception) -> bool:
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a pinned dependency
        return isinstance(error, OSError)
    return isinstance(error, (redis.RedisError, OSError))


def build(
    redis_url: str | None = None,
    *,
    namespace: str | None = None,
    ttls: dict[str, float] | None = None,
    min_ages: dict[str, float] | None = None,
    max_entries: int = MEMORY_MAX_ENTRIES,
) -> Cache:
    """A new Cache: Redis-backed when redis_url is given, else in-process memory; keys under namespace
    (default: the settings' deployment namespace)."""
    namespace = namespace or get_settings().namespace
    if redis_url:
        health = _Health(redis_url)
        region = make_region().configure(
            "dogpile.cache.redis",
            arguments={
                "url": redis_url,
                "distributed_lock": True,
                "thread_local_lock": False,
                "lock_timeout": LOCK_TIMEOUT_SECONDS,
                "lock_sleep": 0.02,
                "lock_prefix": "iescp:lk:",
                "redis_expiration_time": int(max(TTL_SECONDS.values(), default=300) * 2),
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            },
            wrap=[_FailSoft(health)],
        )
        return Cache(region, "redis", namespace=namespace, ttls=ttls, min_ages=min_ages, health=health)
    region = make_region().configure("dogpile.cache.memory_pickle", arguments={"cache_dict": _LRUDict(max_entries)})
    return Cache(region, "memory", namespace=namespace, ttls=ttls, min_ages=min_ages)


_current: tuple[tuple[str | None, str], Cache] | None = None
_current_lock = threading.Lock()


def _configured() -> tuple[str | None, str]:
    settings = get_settings()
    return settings.redis_url, settings.namespace


def get_cache() -> Cache:
    """The process's cache for the configured IESCP_REDIS_URL and namespace (rebuilt if either changes)."""
    global _current
    configured = _configured()
    current = _current
    if current is not None and current[0] == configured:
        return current[1]
    with _current_lock:
        if _current is None or _current[0] != configured:
            _current = (configured, build(configured[0], namespace=configured[1]))
        return _current[1]


def use(cache: Cache | None) -> None:
    """Install cache as the process's cache (tests, benchmarks); None goes back to the settings."""
    global _current
    with _current_lock:
        _current = (_configured(), cache) if cache is not None else None


# ---- keys and read-through -------------------------------------------------------------------------------

_db_identity: dict[str, str] = {}


def database_identity(db: Database) -> str:
    """A short stable id of the database (resolved URL without password), so databases never share entries."""
    url = db.engine.url.render_as_string(hide_password=True)
    found = _db_identity.get(url)
    if found is None:
        # Resolved: a relative SQLite path names a different file in each working directory.
        found = _db_identity[url] = hashlib.sha1(resolved_database_url(url).encode()).hexdigest()[:12]
    return found


def key(
    namespace: str, db: Database, kind: str, parts: Iterable[Any], scopes: Iterable[str], generations: Iterable[int]
) -> str:
    """The cache key: namespace, version, database, kind, arguments, and each scope with its generation."""
    scope_part = ",".join(f"{s}={g}" for s, g in zip(scopes, generations))
    digest = hashlib.sha1(repr((tuple(parts), scope_part)).encode()).hexdigest()
    return f"iescp:{namespace}:v{KEY_VERSION}:{database_identity(db)}:{kind}:{digest}"


def read_through(
    db: Database,
    kind: str,
    parts: Iterable[Any],
    scopes: Iterable[str],
    compute: Callable[[Session], T],
    *,
    then: Callable[[Session, Cached], Any] | None = None,
    cache: Cache | None = None,
    fresh_after: dt.datetime | None = None,
) -> Any:
    """compute(session)'s result for these arguments, from the cache when the scopes did not change.

    The generations and (on a miss) the value are read in one read transaction, so the value is
    never older than the generations in its key. Returns the Cached value, or then(session, cached)
    when given (to add per-viewer details in the same transaction). A kind with a floor may answer with a
    value computed before the latest writes (at most its floor ago), but never with one computed before
    fresh_after (naive UTC): a reader passes the time of its own last write, which it must see at once.
    """
    scopes, parts = tuple(scopes), tuple(parts)
    store = cache or get_cache()
    # The kind's newest value whatever its generations: served while younger than the kind's floor.
    recent_key = key(store.namespace, db, f"{kind}:recent", parts, scopes, ()) if store.min_age(kind) else None
    with db.ReadSession.begin() as session:
        cached = store.recent(kind, recent_key) if recent_key else None
        if cached is not None and fresh_after is not None and cached.as_of < fresh_after:
            cached = None
        if cached is None:
            generations = cachegen.generations(session, *scopes)
            cache_key = key(store.namespace, db, kind, parts, scopes, generations)
            cached = store.get_or_create(kind, cache_key, lambda: compute(session))
            if recent_key:
                store.remember(recent_key, cached)
        return then(session, cached) if then is not None else cached
