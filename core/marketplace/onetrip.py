"""A guarded UPDATE and the rows that go with it (history, audit, notification, cache generations) in one trip.

On PostgreSQL every statement is a network round trip, so a transition that writes five tables after a
guarded UPDATE paid six. Here the guarded UPDATE becomes a data-modifying CTE and every other write reads
from it (`INSERT … SELECT … FROM moved`): one statement, and nothing is written when the guard matched
nothing. SQLite runs in-process, where statements cost microseconds, and has no DML in CTEs: there the
same writes run one after another, and only when the guard matched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exists, insert, literal, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.dml import Update

from core.models import CacheGeneration
from core.platform import cachegen

Row = tuple[type, Mapping[str, Any]]  # a model and the values of one row to insert


def write(
    session: Session,
    guarded: Update,
    *,
    then_update: Sequence[Update] = (),
    inserts: Sequence[Row] = (),
    bump: Sequence[str] = (),
) -> tuple[bool, bool]:
    """Run `guarded`; only if it matched one row, the `then_update` statements, the inserts and the cache bumps.

    Returns (moved, all then_update matched). Callers raise when either is False, so the transaction
    rolls back (the services' contract: an exception leaves nothing behind)."""
    if session.get_bind().dialect.name == "postgresql":
        return _one_statement(session, guarded, then_update, inserts, bump)
    if session.execute(guarded.returning(guarded.table.c.id)).first() is None:
        return False, False
    matched = all(session.execute(stmt.returning(stmt.table.c.id)).first() is not None for stmt in then_update)
    for model, values in inserts:
        session.execute(insert(model).values(**values))
    cachegen.bump(session, *bump)
    return True, matched


def _one_statement(session, guarded, then_update, inserts, bump) -> tuple[bool, bool]:
    moved = guarded.returning(guarded.table.c.id).cte("moved")
    happened = exists(select(moved.c.id))
    updated = [
        stmt.where(happened).returning(stmt.table.c.id).cte(f"updated_{i}") for i, stmt in enumerate(then_update)
    ]
    ctes = [*updated]
    for i, (model, values) in enumerate(inserts):
        table = model.__table__
        row = select(*(literal(value, table.c[name].type) for name, value in values.items())).select_from(moved)
        ctes.append(insert(model).from_select(list(values), row).cte(f"inserted_{i}"))
    scopes = list(dict.fromkeys(bump))
    if scopes:
        # The same upsert cachegen.bump does, in the order it takes the rows (one order for every writer).
        rows = union_all(
            *(select(literal(scope).label("scope"), literal(1).label("version")).where(happened) for scope in scopes)
        )
        upsert = pg_insert(CacheGeneration).from_select(["scope", "version"], rows)
        upsert = upsert.on_conflict_do_update(
            index_elements=[CacheGeneration.scope], set_={"version": CacheGeneration.version + 1}
        )
        ctes.append(upsert.cte("bumped"))
    counts = [select(moved.c.id).exists().label("moved")]
    counts += [select(u.c.id).exists().label(f"updated_{i}") for i, u in enumerate(updated)]
    result = session.execute(select(*counts).add_cte(*ctes, nest_here=False)).one()
    return bool(result[0]), all(bool(v) for v in result[1:])


def forget(session: Session, model: type, ident: int) -> None:
    """Expire model `ident` if this session holds it: the write above bypassed the ORM, so its copy is stale."""
    held = session.identity_map.get(identity_key(model, ident))
    if held is not None:
        session.expire(held)
