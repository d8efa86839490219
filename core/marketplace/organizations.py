"""Organizations: a sponsor's firm, its brands and its teammates (roles, removal), as seen by its members.

Every sponsor user is a member of exactly one organization (org_members.user_id is the primary key). The
sponsor side of every rule is "an active member of the owning organization whose org role grants it": the
Actor carries organization_id and the permissions its org role grants (core/marketplace/accounts.actor_for).
Invitations live in core/marketplace/invites.py.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import audit, permissions, validate
from core.errors import Conflict, InvalidInput, NotFound
from core.messaging import notifications
from core.models import ORG_ROLES, Brand, OrgMember, OrgRole, Organization, User
from core.permissions import Actor, actor_required
from core.platform import cachegen
from core.platform.db import affected_rows
from core.platform.timeutil import utcnow

ORG_FIELDS = ("name", "email", "phone", "address", "city", "state", "zip_code", "country")

# The one membership check, in the kernel so that core/crm (below marketplace) uses it too.
require_member = permissions.require_member


def can_read_org(actor: Actor, organization_id: int | None) -> bool:
    """True when actor may read data owned by organization_id (its members, or an admin)."""
    return actor.is_admin or (actor.organization_id is not None and actor.organization_id == organization_id)


def found(session: Session, *, owner: User, name: str, approval: str) -> Organization:
    """Create the organization a new sponsor owns, with one brand of the same name (sign-up and demo data)."""
    org = Organization(name=name, email=owner.email, approval=approval)
    session.add(org)
    session.flush()
    session.add(Brand(organization_id=org.id, name=name, email=owner.email))
    session.add(OrgMember(user_id=owner.id, organization_id=org.id, org_role="owner", status="active"))
    session.flush()
    return org


def organization_of_user(session: Session, user_id: int) -> int | None:
    """The organization a sponsor user belongs to (removed members included), or None."""
    return session.scalar(select(OrgMember.organization_id).where(OrgMember.user_id == user_id))


def contact_user(session: Session, organization_id: int) -> int | None:
    """The member told about organization-wide events (a payee form to review): the longest-standing owner."""
    return session.scalar(
        select(OrgMember.user_id)
        .where(
            OrgMember.organization_id == organization_id, OrgMember.status == "active", OrgMember.org_role == "owner"
        )
        .order_by(OrgMember.joined_at, OrgMember.user_id)
        .limit(1)
    )


def set_approval(session: Session, *, user_id: int, approval: str) -> None:
    """Mirror the admin's decision on a sponsor sign-up onto the organization it founded."""
    org_id = organization_of_user(session, user_id)
    if org_id is not None:
        session.execute(update(Organization).where(Organization.id == org_id).values(approval=approval))


# ---- reading ---------------------------------------------------------------------------------------------------


@actor_required
def get_organization(session: Session, *, actor: Actor) -> dict:
    """The actor's organization: its details, brands and role catalogue."""
    org_id = require_member(actor)
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("Your organization no longer exists.")
    brands = session.execute(select(Brand.id, Brand.name, Brand.email, Brand.phone, Brand.address)
                             .where(Brand.organization_id == org_id).order_by(Brand.name))  # fmt: skip
    return {
        "id": org.id,
        **{field: getattr(org, field) for field in ORG_FIELDS},
        "approval": org.approval,
        "brands": [dict(row._mapping) for row in brands],
        "roles": list_org_roles(session),
    }


def list_org_roles(session: Session) -> list[dict]:
    """The org roles with what each may do, most powerful first (the data behind the role picker)."""
    roles = session.scalars(select(OrgRole).order_by(OrgRole.rank)).all()
    return [
        {"name": r.name, "description": r.description,
         "permissions": sorted(permissions.org_permissions_of(session, r.name))}
        for r in roles
    ]  # fmt: skip


@actor_required
def list_members(session: Session, *, actor: Actor, include_removed: bool = False) -> pd.DataFrame:
    """The organization's teammates with role, status and version (for role changes), owners first."""
    org_id = require_member(actor)
    stmt = (
        select(
            OrgMember.user_id,
            User.username,
            User.email,
            OrgMember.org_role,
            OrgMember.status,
            OrgMember.joined_at,
            OrgMember.removed_at,
            OrgMember.version,
            User.last_login_at,
        )
        .join(User, User.id == OrgMember.user_id)
        .join(OrgRole, OrgRole.name == OrgMember.org_role)
        .where(OrgMember.organization_id == org_id)
        .order_by(OrgMember.status, OrgRole.rank, User.username)
    )
    if not include_removed:
        stmt = stmt.where(OrgMember.status == "active")
    return pd.DataFrame(session.execute(stmt).mappings().all(), columns=list(stmt.selected_columns.keys()))


def brand_ids(session: Session, organization_id: int) -> list[int]:
    """The organization's brand ids, oldest first (the first is the default brand of new campaigns)."""
    return list(session.scalars(select(Brand.id).where(Brand.organization_id == organization_id).order_by(Brand.id)))


# ---- editing the organization ----------------------------------------------------------------------------------


@actor_required
def update_organization(session: Session, *, actor: Actor, **fields) -> None:
    """Edit the organization's contact details (owners)."""
    org_id = require_member(actor, "org.edit")
    unknown = set(fields) - set(ORG_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown organization fields: {', '.join(sorted(unknown))}.")
    org = session.get(Organization, org_id, with_for_update=True)
    if org is None:
        raise NotFound("Your organization no longer exists.")
    for field, value in fields.items():
        if field == "name":
            setattr(org, field, validate.text(value, "Organization name", max_len=120))
        elif field == "email":
            setattr(org, field, validate.email(value) if value else "")
        else:
            setattr(org, field, validate.text(value, field.replace("_", " ").capitalize(), max_len=200, required=False))
    audit.record(session, actor, "organization.updated", "organization", org_id, detail=", ".join(sorted(fields)))
    cachegen.bump(session, cachegen.CAMPAIGNS, cachegen.org_scope(org_id))


@actor_required
def add_brand(session: Session, *, actor: Actor, name: str, email: str = "", phone: str = "", address: str = "") -> int:
    """Add a brand (the CRM's store) to the actor's organization; returns its id."""
    org_id = require_member(actor, "org.edit")
    name = validate.text(name, "Brand name", max_len=120)
    if session.scalar(select(Brand.id).where(Brand.organization_id == org_id, func.lower(Brand.name) == name.lower())):
        raise Conflict("Your organization already has a brand with that name.")
    brand = Brand(
        organization_id=org_id,
        name=name,
        email=validate.email(email) if email else "",
        phone=validate.text(phone, "Phone", max_len=40, required=False),
        address=validate.text(address, "Address", max_len=200, required=False),
    )
    session.add(brand)
    session.flush()
    audit.record(session, actor, "brand.added", "brand", brand.id, detail=name)
    return brand.id


# ---- teammates -------------------------------------------------------------------------------------------------


def _member_in_org(session: Session, org_id: int, user_id: int) -> OrgMember:
    member = session.get(OrgMember, user_id, with_for_update=True)
    if member is None or member.organization_id != org_id:
        raise NotFound("That person is not a member of your organization.")
    return member


def _owners_left(session: Session, org_id: int) -> int:
    return session.scalar(  # type: ignore[return-value]  # COUNT(*) is never NULL
        select(func.count()).where(
            OrgMember.organization_id == org_id, OrgMember.status == "active", OrgMember.org_role == "owner"
        )
    )


def _lock_members(session: Session, org_id: int) -> None:
    """Serialise role changes and removals in one organization, so two owners cannot demote each other at once."""
    session.get(Organization, org_id, with_for_update=True)


@actor_required
def change_member_role(session: Session, *, actor: Actor, user_id: int, org_role: str, expected_version: int) -> None:
    """Give a teammate another org role (owners); the last owner cannot be demoted."""
    org_id = require_member(actor, "org.members")
    org_role = validate.choice(org_role, "Role", ORG_ROLES)
    _lock_members(session, org_id)
    member = _member_in_org(session, org_id, user_id)
    if member.status != "active":
        raise Conflict("That person was removed from your organization; invite them again instead.")
    if member.org_role == org_role:
        raise Conflict(f"They are already {org_role}.")
    if member.org_role == "owner" and _owners_left(session, org_id) <= 1:
        raise Conflict("An organization needs at least one owner: make someone else owner first.")
    before = member.org_role
    moved = session.execute(
        update(OrgMember)
        .where(OrgMember.user_id == user_id, OrgMember.version == expected_version)
        .values(org_role=org_role, version=OrgMember.version + 1)
    )
    if affected_rows(moved) != 1:
        raise Conflict("This teammate was changed by someone else meanwhile. Reload to see their current role.")
    _revoke_sessions(session, user_id)  # their open pages must pick up the new permissions
    audit.record(session, actor, "member.role_changed", "user", user_id, detail=f"{before} → {org_role}")
    notifications.notify(session, user_id, "organization", f"Your role in your organization is now {org_role}")


@actor_required
def remove_member(session: Session, *, actor: Actor, user_id: int, expected_version: int) -> None:
    """Remove a teammate (owners), or leave oneself; history stays, their sessions end, the last owner stays."""
    org_id = require_member(actor)
    if user_id != actor.id:
        permissions.require(actor, "org.members")
    _lock_members(session, org_id)
    member = _member_in_org(session, org_id, user_id)
    if member.status != "active":
        raise Conflict("That person is no longer a member.")
    if member.org_role == "owner" and _owners_left(session, org_id) <= 1:
        raise Conflict("The last owner cannot leave: make someone else owner first.")
    moved = session.execute(
        update(OrgMember)
        .where(OrgMember.user_id == user_id, OrgMember.version == expected_version)
        .values(status="removed", removed_at=utcnow(), version=OrgMember.version + 1)
    )
    if affected_rows(moved) != 1:
        raise Conflict("This teammate was changed by someone else meanwhile. Reload and try again.")
    _revoke_sessions(session, user_id)
    action = "member.left" if user_id == actor.id else "member.removed"
    audit.record(session, actor, action, "user", user_id)


def _revoke_sessions(session: Session, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))
