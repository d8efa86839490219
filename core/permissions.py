"""Role permissions are data (roles, permissions, role_permissions); this module seeds and checks them."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from core.models import Campaign, OrgRole, Permission, Role, org_role_permissions, role_permissions

# The grants written to the database at bootstrap; the database is the source of truth at run time.
DEFAULT_GRANTS: dict[str, dict[str, str]] = {
    "admin": {
        "user.approve": "Approve or reject sponsor sign-ups",
        "user.moderate": "Flag, unflag, deactivate and reactivate users",
        "user.list": "List and search all users",
        "campaign.moderate": "Flag and unflag campaigns",
        "campaign.view_any": "Open any campaign, private ones included",
        "ad_request.view_any": "Open any ad request with its history",
        "stats.view": "See platform statistics",
        "audit.view": "Read the audit log",
        "report.run": "Run monthly reports on demand",
        "export.any": "Export and download any data",
        "deal.view_any": "Read any deal's deliverables, documents and payments",
        "review.moderate": "Hide abusive reviews",
    },
    "sponsor": {
        "campaign.manage": "Create, edit and delete own campaigns",
        "ad_request.send": "Send ad requests to influencers",
        "ad_request.negotiate": "Accept, reject and counter on own campaigns' requests",
        "influencer.search": "Search influencers",
        "export.own": "Export own campaigns and requests",
        "report.view_own": "Read own monthly reports",
        "profile.edit": "Edit own profile",
        "deal.manage": "Plan deliverables and approve content on own deals",
        "finance.approve": "Approve or reject invoices and payee forms",
        "finance.pay": "Pay approved invoices (billing)",
        "review.write": "Rate the other side of own completed deals",
        "org.members": "Invite teammates, change their roles and remove them",
        "org.edit": "Edit the organization's details and brands",
        "crm.view": "Read the organization's pipeline, products, imports and snapshots",
        "pipeline.manage": "Add creators to the pipeline, move cards, tag and take notes",
        "product.manage": "Edit the product catalogue and attach products to campaigns",
        "import.run": "Import creator profiles from a CSV or JSON export",
    },
    "influencer": {
        "ad_request.respond": "Accept, reject and counter requests sent to me",
        "ad_request.ask": "Ask to join a public campaign",
        "campaign.search": "Search public campaigns",
        "profile.edit": "Edit own profile",
        "deal.deliver": "Submit drafts and live posts for own deals",
        "finance.invoice": "Raise invoices and submit payee forms",
        "review.write": "Rate the other side of own completed deals",
    },
}

# What each role inside an organization may do (seeded into org_role_permissions; the database is the truth).
# A sponsor's effective permissions are the platform sponsor role's grants that their org role also grants.
_SPONSOR_READS = ("influencer.search", "export.own", "report.view_own", "crm.view", "profile.edit")
_MANAGER_WRITES = (
    "campaign.manage",
    "ad_request.send",
    "ad_request.negotiate",
    "deal.manage",
    "finance.approve",
    "review.write",
    "pipeline.manage",
    "product.manage",
    "import.run",
)
ORG_ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    "owner": (*_SPONSOR_READS, *_MANAGER_WRITES, "finance.pay", "org.members", "org.edit"),
    "manager": (*_SPONSOR_READS, *_MANAGER_WRITES),
    "analyst": _SPONSOR_READS,
}
ORG_ROLE_DESCRIPTIONS = {
    "owner": ("Everything, including teammates and billing", 0),
    "manager": ("Campaigns, deals, pipeline; approves content and invoices", 1),
    "analyst": ("Reads everything of the organization and exports; no changes", 2),
}

ROLE_DESCRIPTIONS = {
    "admin": "Keeps the marketplace honest",
    "sponsor": "Brand or person running campaigns",
    "influencer": "Creator hired for campaigns",
}


@dataclass(frozen=True)
class Actor:
    """The logged-in user a service acts for, with the permissions their role holds."""

    id: int
    role: str
    username: str
    display_name: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    organization_id: int | None = None  # sponsors only: the one organization they are an active member of
    org_role: str | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def require(actor: Actor | None, permission: str) -> Actor:
    """Raise PermissionDenied unless actor holds permission."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    if not actor.can(permission):
        raise PermissionDenied("Your account is not allowed to do that.")
    return actor


NOT_A_MEMBER = "Your account does not belong to an organization."


def require_member(actor: Actor | None, permission: str | None = None) -> int:
    """The actor's organization id; PermissionDenied unless a sponsor member (holding permission, if given)."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    if actor.role != "sponsor" or actor.organization_id is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if permission is not None:
        require(actor, permission)
    return actor.organization_id


def actor_required(service):
    """Decorator: refuse a call whose `actor=` is missing (None) with PermissionDenied before the body runs.

    For services that check ownership rather than a permission, or look a row up first: without it they
    fail with an AttributeError on `actor.id`, or answer NotFound/InvalidInput, which tells a caller without
    an actor which ids exist.
    """

    @functools.wraps(service)
    def checked(*args, **kwargs):
        if kwargs.get("actor") is None:
            raise PermissionDenied("Please log in first.")
        return service(*args, **kwargs)

    return checked


@functools.cache
def _campaign_organization_statement():
    """The organization column of one campaign, built once per process with the campaign id bound."""
    return select(Campaign.organization_id).where(Campaign.id == bindparam("campaign_id"))


def campaign_organization(session: Session, campaign_id: int) -> Row | None:
    """The (organization_id,) row of campaign_id, None when there is no such campaign: what an ownership check
    needs, one column instead of the whole campaign."""
    return session.execute(_campaign_organization_statement(), {"campaign_id": campaign_id}).first()


def permissions_of(session: Session, role: str) -> frozenset[str]:
    """The permissions granted to role in the database."""
    rows = session.scalars(select(role_permissions.c.permission).where(role_permissions.c.role == role))
    return frozenset(rows)


def org_permissions_of(session: Session, org_role: str) -> frozenset[str]:
    """The permissions granted to an organization role in the database."""
    rows = session.scalars(select(org_role_permissions.c.permission).where(org_role_permissions.c.org_role == org_role))
    return frozenset(rows)


def _seed_org_roles(session: Session) -> None:
    existing = set(session.scalars(select(OrgRole.name)))
    for name, (description, rank) in ORG_ROLE_DESCRIPTIONS.items():
        if name not in existing:
            session.add(OrgRole(name=name, description=description, rank=rank))
    session.flush()
    _grant_missing(session, org_role_permissions, "org_role", ORG_ROLE_GRANTS)


def _grant_missing(session: Session, table, role_column: str, grants) -> None:
    """Insert the (role, permission) rows of grants that table lacks (grants: role → permission names)."""
    have = set(session.execute(select(table.c[role_column], table.c.permission)))
    missing = [
        {role_column: role, "permission": perm} for role, perms in grants.items() for perm in perms
        if (role, perm) not in have
    ]  # fmt: skip
    if missing:
        session.execute(table.insert(), missing)


def seed(session: Session) -> None:
    """Insert missing roles, permissions and grants (idempotent)."""
    existing_roles = set(session.scalars(select(Role.name)))
    for name, description in ROLE_DESCRIPTIONS.items():
        if name not in existing_roles:
            session.add(Role(name=name, description=description))
    existing_perms = set(session.scalars(select(Permission.name)))
    for grants in DEFAULT_GRANTS.values():
        for name, description in grants.items():
            if name not in existing_perms:
                session.add(Permission(name=name, description=description))
                existing_perms.add(name)
    session.flush()
    _grant_missing(session, role_permissions, "role", DEFAULT_GRANTS)
    _seed_org_roles(session)
