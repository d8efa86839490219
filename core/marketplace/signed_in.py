"""The signed-in user's Actor, re-checked on every page run in one statement.

accounts.load_actor/session_actor read the user, then lazily its membership and profile, then its role's and
org role's permissions: three to six statements, each a round trip on PostgreSQL, on every rerun of every
page. Here one statement reads all of it (permissions aggregated in scalar subqueries); when nothing the Actor
was built from changed (its fingerprint), the caller's previous Actor is reused, else accounts.load_actor
builds it again. Standing and session version are checked on the fresh row every time, so a flag,
deactivation or logout committed by any process stops the very next run: nothing here is a time-based cache.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from core.marketplace import accounts
from core.models import OrgMember, User, org_role_permissions, role_permissions
from core.permissions import Actor

Known = tuple[Actor, tuple[Any, ...]]  # an Actor and the fingerprint it was built from


def _statement():
    granted = (
        select(func.aggregate_strings(role_permissions.c.permission, ","))
        .where(role_permissions.c.role == User.role)
        .scalar_subquery()
    )
    # Nested one level deeper than the users row: correlate explicitly, or it would read every member's row.
    org_role = select(OrgMember.org_role).where(OrgMember.user_id == User.id).correlate(User).scalar_subquery()
    org_granted = (
        select(func.aggregate_strings(org_role_permissions.c.permission, ","))
        .where(org_role_permissions.c.org_role == org_role)
        .scalar_subquery()
    )
    return select(User, granted.label("granted"), org_granted.label("org_granted")).options(
        joinedload(User.membership), joinedload(User.influencer_profile), joinedload(User.sponsor_profile)
    )


@functools.cache
def _statement_by(column: str):
    """The statement for User.<column> == :key, built once per process: building it anew cost ~1-2 ms CPU of every
    page run, more than running it (bench/analysis.md, 2026-11-30)."""
    return _statement().where(getattr(User, column) == bindparam("key"))


def _fingerprint(user: User, granted: str | None, org_granted: str | None) -> tuple[Any, ...]:
    """Everything accounts.actor_for reads, as values: equal fingerprints build equal Actors."""
    member = user.membership
    return (
        user.id,
        user.role,
        user.username,
        user.influencer_profile.display_name if user.influencer_profile else None,
        user.sponsor_profile.name if user.sponsor_profile else None,
        (member.organization_id, member.org_role, member.status) if member else None,
        tuple(sorted((granted or "").split(","))),
        tuple(sorted((org_granted or "").split(","))),
    )


def actor(
    session: Session,
    *,
    user_id: int | None = None,
    username: str | None = None,
    session_version: int | None = None,
    known: Known | None = None,
) -> Known | None:
    """The Actor of user_id (or username) if that user may be logged in now (and, given session_version, the
    session still holds), with its fingerprint to pass back as `known` next time; else None."""
    if user_id is not None:
        row = session.execute(_statement_by("id"), {"key": user_id}).unique().first()
    else:
        row = session.execute(_statement_by("username"), {"key": (username or "").strip().lower()}).unique().first()
    if row is None:
        return None
    user, granted, org_granted = row
    if session_version is not None and user.session_version != session_version:
        return None
    if accounts.standing_problem(user) is not None:
        return None
    fingerprint = _fingerprint(user, granted, org_granted)
    if known is not None and known[1] == fingerprint:
        return known
    # load_actor finds the user already in this session (no statement) and builds the Actor the usual way.
    built = accounts.load_actor(session, user.id)
    return (built, fingerprint) if built is not None else None
