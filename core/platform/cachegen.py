"""Cache generations: a counter per scope bumped inside the writing transaction.

Cache keys embed the scope's generation, so a write committed by any process (app replica,
worker) makes every process miss on its next read; see core/platform/cache.py.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.models import CacheGeneration

STATS = "stats"
INFLUENCERS = "influencers"
CAMPAIGNS = "campaigns"


def org_scope(organization_id: int | None) -> str:
    """The scope of one organization's cached reads (dashboards, finance): shared by its members only."""
    return f"org:{organization_id}"


def influencer_scope(influencer_id: int) -> str:
    return f"influencer:{influencer_id}"


# Writes that change what another scope's cached reads show bump these (table: docs/decisions/cache.md).


def sponsor_profile_changed(organization_id: int | None) -> tuple[str, ...]:
    """A sponsor's profile shows on their organization's dashboard and, as the sponsor name, in campaign search."""
    return (org_scope(organization_id), CAMPAIGNS)


def influencer_profile_changed(influencer_id: int) -> tuple[str, ...]:
    """A profile shows in influencer search and its filter options, and its category in the admin's statistics."""
    return (INFLUENCERS, influencer_scope(influencer_id), STATS)


def bump(session: Session, *scopes: str) -> None:
    """Increment each scope's generation in the caller's transaction: one upsert statement for all of them."""
    unique = sorted(set(scopes))  # one order for every writer: two transactions never lock the rows crosswise
    if not unique:
        return
    statement = _bump_statement(session.get_bind().dialect.name, len(unique))
    # On the session's connection: Session.execute would take an INSERT with a parameter dict for an ORM bulk insert.
    session.connection().execute(statement, {f"scope{i}": scope for i, scope in enumerate(unique)})


@functools.cache
def _bump_statement(dialect_name: str, count: int):
    """The upsert of count scopes (parameters scope0, scope1, ...), built once per engine kind and count:
    building it on every write cost more CPU than the write's round trip."""
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    statement = insert(CacheGeneration).values([{"scope": bindparam(f"scope{i}"), "version": 1} for i in range(count)])
    return statement.on_conflict_do_update(
        index_elements=[CacheGeneration.scope], set_={"version": CacheGeneration.version + 1}
    )


# Built once: constructing the IN (...) statement on every read cost more than running it.
_GENERATIONS = select(CacheGeneration.scope, CacheGeneration.version).where(
    CacheGeneration.scope.in_(bindparam("scopes", expanding=True))
)


def generations(session: Session, *scopes: str) -> tuple[int, ...]:
    """Current generation of each scope (0 when never bumped)."""
    if not scopes:
        return ()
    # Not dict(result): a Result has .keys() (its column names), so dict() would take it for a mapping.
    found = {scope: version for scope, version in session.execute(_GENERATIONS, {"scopes": list(scopes)})}
    return tuple(found.get(scope, 0) for scope in scopes)
