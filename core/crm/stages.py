"""Pipeline stages: an organization's board columns, Cold → Active → Final by default; owners rename, add, reorder.

The three default stages are created on the organization's first pipeline write (`ensure_defaults`), not at
sign-up, so organizations made by any path (sign-up, migration, bulk demo data) get them the same way. They
keep their `kind` (cold/active/final) when renamed or reordered, because automatic moves and the daily
snapshots find them by kind; they cannot be deleted. Added stages are `custom` and can be deleted while
empty (a stage with cards refuses: move the cards first, so no card changes stage without a recorded move).
Managing stages needs `org.edit` (owners); reading needs `crm.view` (every org role). Admins have no
pipeline access: it is an organization's private working data.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import permissions, validate
from core.crm import guard
from core.errors import Conflict, InvalidInput, NotFound
from core.models import CrmRecord, CrmStage
from core.permissions import Actor
from core.platform.timeutil import utcnow

DEFAULT_STAGES = (("cold", "Cold"), ("active", "Active"), ("final", "Final"))
MANAGE = "org.edit"
MAX_STAGES = 12  # a board wider than this is no longer readable on a laptop
NOT_FOUND = "That stage does not exist in your pipeline."


def ensure_defaults(session: Session, organization_id: int) -> None:
    """Create the default stages of an organization unless it has stages (idempotent, safe under a race)."""
    if session.scalar(select(CrmStage.id).where(CrmStage.organization_id == organization_id).limit(1)) is not None:
        return
    try:
        with session.begin_nested():
            for position, (kind, name) in enumerate(DEFAULT_STAGES):
                session.add(CrmStage(organization_id=organization_id, name=name, kind=kind, position=position))
            session.flush()
    except IntegrityError:
        pass  # a concurrent first write created them; its rows are the ones to use


def stage_of_kind(session: Session, organization_id: int, kind: str) -> CrmStage:
    """The organization's stage of a default kind (cold/active/final), created on first use."""
    ensure_defaults(session, organization_id)
    stage = session.scalar(select(CrmStage).where(CrmStage.organization_id == organization_id, CrmStage.kind == kind))
    assert stage is not None  # ensure_defaults created it, and default stages cannot be deleted
    return stage


def stage_in_org(session: Session, organization_id: int, stage_id) -> CrmStage:
    """A stage of this organization, else NotFound (another organization's stage looks like a missing one)."""
    stage = session.get(CrmStage, stage_id) if isinstance(stage_id, int) and not isinstance(stage_id, bool) else None
    if stage is None or stage.organization_id != organization_id:
        raise NotFound(NOT_FOUND)
    return stage


@functools.cache
def _stages_statement():
    """list_stages()'s select, built once per process with the organization bound."""
    cards = (
        select(CrmRecord.stage_id, func.count().label("cards"))
        .where(CrmRecord.organization_id == bindparam("org_id"))
        .group_by(CrmRecord.stage_id)
        .subquery()
    )
    return (
        select(CrmStage.id, CrmStage.name, CrmStage.kind, CrmStage.position, CrmStage.version, cards.c.cards)
        .outerjoin(cards, cards.c.stage_id == CrmStage.id)
        .where(CrmStage.organization_id == bindparam("org_id"))
        .order_by(CrmStage.position, CrmStage.id)
    )


def list_stages(session: Session, *, actor: Actor) -> list[dict]:
    """The board's columns in order with their card counts (the defaults, unsaved, before the first write)."""
    org_id = permissions.require_member(actor, "crm.view")
    rows = session.execute(_stages_statement(), {"org_id": org_id}).all()
    if not rows:
        return [
            {"id": None, "name": name, "kind": kind, "position": i, "version": 0, "cards": 0}
            for i, (kind, name) in enumerate(DEFAULT_STAGES)
        ]
    return [
        {
            "id": r.id,
            "name": r.name,
            "kind": r.kind,
            "position": r.position,
            "version": r.version,
            "cards": r.cards or 0,
        }
        for r in rows
    ]


def _name(value) -> str:
    return validate.text(value, "Stage name", max_len=60)


def _require_free_name(session: Session, org_id: int, name: str, *, other_than: int | None = None) -> None:
    taken = select(CrmStage.id).where(CrmStage.organization_id == org_id, func.lower(CrmStage.name) == name.lower())
    if other_than is not None:
        taken = taken.where(CrmStage.id != other_than)
    if session.scalar(taken.limit(1)) is not None:
        raise Conflict(f"There is already a stage named “{name}”.")


def add_stage(session: Session, *, actor: Actor, name: str) -> int:
    """Add a custom stage at the end of the board (owners); returns its id."""
    org_id = permissions.require_member(actor, MANAGE)
    name = _name(name)
    ensure_defaults(session, org_id)
    count, last = session.execute(
        select(func.count(), func.max(CrmStage.position)).where(CrmStage.organization_id == org_id)
    ).one()
    if count >= MAX_STAGES:
        raise InvalidInput(f"A pipeline has at most {MAX_STAGES} stages; delete an empty one first.")
    _require_free_name(session, org_id, name)
    stage = CrmStage(organization_id=org_id, name=name, kind="custom", position=(last or 0) + 1)
    session.add(stage)
    session.flush()
    return stage.id


def rename_stage(session: Session, *, actor: Actor, stage_id: int, name: str, expected_version: int) -> None:
    """Rename a stage (owners); a default stage keeps its kind, so automatic moves still find it."""
    org_id = permissions.require_member(actor, MANAGE)
    name = _name(name)
    stage = stage_in_org(session, org_id, stage_id)
    _require_free_name(session, org_id, name, other_than=stage.id)
    guard.update_versioned(session, stage, expected_version=expected_version, what="stage", name=name)


def move_stage(session: Session, *, actor: Actor, stage_id: int, offset: int, expected_version: int) -> None:
    """Move a stage one place left (offset -1) or right (+1) on the board (owners)."""
    org_id = permissions.require_member(actor, MANAGE)
    if offset not in (-1, 1):
        raise InvalidInput("A stage moves one place left or right.")
    stage = stage_in_org(session, org_id, stage_id)
    order = list(
        session.scalars(
            select(CrmStage).where(CrmStage.organization_id == org_id).order_by(CrmStage.position, CrmStage.id)
        )
    )
    index = next(i for i, s in enumerate(order) if s.id == stage.id)
    target = index + offset
    if not 0 <= target < len(order):
        raise Conflict("This stage is already at that end of the board.")
    order[index], order[target] = order[target], order[index]
    # The moved stage's guarded UPDATE first: a stale click changes nothing.
    guard.update_versioned(session, stage, expected_version=expected_version, what="stage", position=target)
    for position, other in enumerate(order):
        if other.id != stage.id and other.position != position:
            other.position = position
            other.updated_at = utcnow()
    session.flush()


def delete_stage(session: Session, *, actor: Actor, stage_id: int, expected_version: int) -> None:
    """Delete an empty custom stage (owners); default stages and stages with cards refuse."""
    org_id = permissions.require_member(actor, MANAGE)
    stage = stage_in_org(session, org_id, stage_id)
    if stage.kind != "custom":
        raise Conflict(f"“{stage.name}” is one of the three default stages: rename it instead of deleting it.")
    guard.seen(expected_version)
    if stage.version != expected_version:
        raise Conflict(guard.CHANGED.format(what="stage"))
    cards = session.scalar(select(func.count()).select_from(CrmRecord).where(CrmRecord.stage_id == stage.id)) or 0
    if cards:
        raise Conflict(f"“{stage.name}” still holds {cards} card(s); move them to another stage first.")
    try:
        with session.begin_nested():  # a card moved in meanwhile: the foreign key refuses, nothing changes
            session.execute(delete(CrmStage).where(CrmStage.id == stage.id, CrmStage.version == expected_version))
    except IntegrityError:
        raise Conflict(f"“{stage.name}” just received a card; move it to another stage first.") from None
    session.expunge(stage)
