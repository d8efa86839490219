"""A guarded UPDATE and the rows that go with it (history, audit, notification, cache generations) in one trip.

On PostgreSQL every statement is a network round trip, so a transition that writes five tables after a
guarded UPDATE paid six. Here the guarded UPDATE becomes a data-modifying CTE and every other write reads
from it (`INSERT … SELECT … FROM moved`): one statement, and nothing is written when the guard matched
nothing. SQLite runs in-process, where statements cost microseconds, and has no DML in CTEs: there the
same writes run one after another, and only when the guard matched.

A transition's statement is built once (bind parameters only) and reused: building it per call cost
more Python time (~2 ms) than the database spent running it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, insert, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.dml import Update

from core.models import CacheGeneration
from core.platform import cachegen


@dataclass(frozen=True)
class Shape:
    """A transition's writes with bind parameters: the guarded UPDATE (its table needs an `id`), UPDATEs
    that must also match, and the rows to insert (model, columns), bound as `<table>_<column>`."""

    guarded: Update
    then_update: tuple[Update, ...] = ()
    inserts: tuple[tuple[Any, tuple[str, ...]], ...] = ()  # (model, columns)


def param(model: Any, column: str) -> str:
    """The bind parameter name of an inserted row's column."""
    return f"{model.__tablename__}_{column}"


def row_params(model: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """values of one inserted row under their bind parameter names."""
    return {param(model, column): value for column, value in values.items()}


_BUILT: dict[tuple[str, str, int], Any] = {}


def write(
    session: Session, name: str, shape: Callable[[], Shape], params: dict[str, Any], bump: Sequence[str] = ()
) -> tuple[bool, bool]:
    """Run the transition `name` (its Shape built once by `shape`) with params: the guarded UPDATE and, only if it
    matched a row, the other UPDATEs, the inserts and the cache bumps.

    Returns (moved, every other UPDATE matched). Callers raise when either is False, so the transaction rolls
    back (the services' contract: an exception leaves nothing behind)."""
    scopes = list(dict.fromkeys(bump))
    dialect = session.get_bind().dialect.name
    key = (name, dialect, len(scopes))
    if key not in _BUILT:
        _BUILT[key] = _one_statement(shape(), len(scopes)) if dialect == "postgresql" else _in_turn(shape())
    built = _BUILT[key]
    if dialect == "postgresql":
        result = session.execute(built, {**params, **{f"scope_{i}": s for i, s in enumerate(scopes)}}).one()
        return bool(result[0]), all(bool(v) for v in result[1:])
    guarded, then_update, inserts = built
    if session.execute(guarded, params).first() is None:
        return False, False
    matched = all(session.execute(stmt, params).first() is not None for stmt in then_update)
    for stmt in inserts:
        session.execute(stmt, params)
    cachegen.bump(session, *scopes)
    return True, matched


def _in_turn(shape: Shape):
    """SQLite: the same writes as separate statements, run one after another."""
    inserts = [
        insert(model).values({column: bindparam(param(model, column)) for column in columns})
        for model, columns in shape.inserts
    ]
    returning = [stmt.returning(stmt.table.c.id) for stmt in (shape.guarded, *shape.then_update)]
    return returning[0], returning[1:], inserts


def _one_statement(shape: Shape, scopes: int):
    """PostgreSQL: one statement; every other write reads the guarded UPDATE's RETURNING, so it happens only
    when that matched."""
    moved = shape.guarded.returning(shape.guarded.table.c.id).cte("moved")
    happened = exists(select(moved.c.id))
    updated = [
        stmt.where(happened).returning(stmt.table.c.id).cte(f"updated_{i}") for i, stmt in enumerate(shape.then_update)
    ]
    ctes: list[Any] = [*updated]
    for i, (model, columns) in enumerate(shape.inserts):
        table = model.__table__
        row = select(*(bindparam(param(model, c), type_=table.c[c].type) for c in columns)).select_from(moved)
        ctes.append(insert(model).from_select(list(columns), row).cte(f"inserted_{i}"))
    if scopes:
        # The same increments cachegen.bump makes, as one upsert, in the order it takes the rows.
        rows = union_all(
            *(
                select(
                    bindparam(f"scope_{i}", type_=CacheGeneration.scope.type).label("scope"),
                    bindparam(f"one_{i}", 1).label("version"),
                ).where(happened)
                for i in range(scopes)
            )
        )
        upsert = pg_insert(CacheGeneration).from_select(["scope", "version"], rows)
        upsert = upsert.on_conflict_do_update(
            index_elements=[CacheGeneration.scope], set_={"version": CacheGeneration.version + 1}
        )
        ctes.append(upsert.cte("bumped"))
    flags = [select(moved.c.id).exists().label("moved")]
    flags += [select(u.c.id).exists().label(f"updated_{i}") for i, u in enumerate(updated)]
    return select(*flags).add_cte(*ctes)


def forget(session: Session, model: type, ident: int) -> None:
    """Expire model `ident` if this session holds it: the write above bypassed the ORM, so its copy is stale."""
    held = session.identity_map.get(identity_key(model, ident))
    if held is not None:
        session.expire(held)
