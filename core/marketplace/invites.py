"""Teammate invitations: an owner invites by email; the link is single-use, valid 7 days, and joins the org.

The link carries 256 random bits; only their SHA-256 is stored, so a database leak reveals no usable link and
an owner can revoke one (a signed token could not be revoked or used once). Accepting creates the sponsor
account inside the organization: an approved organization's members need no second admin approval.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import audit, validate
from core.errors import Conflict, InvalidInput, NotFound
from core.marketplace import accounts, organizations
from core.messaging import mailer, notifications
from core.models import ORG_ROLES, OrgInvite, OrgMember, Organization, SponsorProfile, User
from core.permissions import Actor, actor_required
from core.platform.config import get_settings
from core.platform.timeutil import utcnow

VALID_FOR = dt.timedelta(days=7)
LINK_PARAMETER = "invite"
NOT_VALID = "This invitation link is not valid. Ask the person who invited you to send a new one."


@dataclass(frozen=True)
class NewInvite:
    """A created invitation: its id and the link (shown once to the owner and emailed; never stored)."""

    invite_id: int
    link: str
    email: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for(token: str) -> str:
    """The URL a teammate opens to accept: the app's base URL with ?invite=<token>."""
    return f"{get_settings().base_url.rstrip('/')}/?{urlencode({LINK_PARAMETER: token})}"


@actor_required
def invite_member(session: Session, *, actor: Actor, email: str, org_role: str) -> NewInvite:
    """Invite a teammate by email into the actor's organization (owners); a newer invite replaces an older one."""
    org_id = organizations.require_member(actor, "org.members")
    email = validate.email(email)
    org_role = validate.choice(org_role, "Role", ORG_ROLES)
    org = session.get(Organization, org_id, with_for_update=True)
    if org is None or org.approval != "approved":
        raise Conflict("Your organization must be approved by an administrator before it can invite teammates.")
    if session.scalar(select(User.id).where(func.lower(User.email) == email.lower())):
        raise Conflict(
            "That email already has an IESCP account. A sponsor account belongs to one organization, "
            "so invite a different address."
        )
    now = utcnow()
    session.execute(  # one live invitation per address: resending revokes the older link
        update(OrgInvite)
        .where(
            OrgInvite.organization_id == org_id,
            func.lower(OrgInvite.email) == email.lower(),
            OrgInvite.accepted_at.is_(None),
            OrgInvite.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    invite = OrgInvite(
        organization_id=org_id,
        email=email,
        org_role=org_role,
        token_hash=_hash(token),
        invited_by=actor.id,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(invite)
    session.flush()
    audit.record(session, actor, "member.invited", "organization", org_id, detail=f"{email} as {org_role}")
    return NewInvite(invite.id, link_for(token), email)


def invite_message(session: Session, *, invite_id: int, link: str) -> EmailMessage | None:
    """The invitation email (None once the invite is no longer open, e.g. revoked before the worker ran)."""
    invite = session.get(OrgInvite, invite_id)
    if invite is None or invite.accepted_at or invite.revoked_at or invite.expires_at <= utcnow():
        return None
    org = session.get(Organization, invite.organization_id)
    inviter = session.get(User, invite.invited_by) if invite.invited_by else None
    who = f"@{inviter.username}" if inviter else "A teammate"
    text = (
        f"Hello,\n\n{who} invited you to join {org.name if org else 'their organization'} on IESCP "
        f"as {invite.org_role}.\n\nAccept the invitation and choose your login here (valid until "
        f"{invite.expires_at:%Y-%m-%d %H:%M} UTC, once):\n{link}\n\nIf you did not expect this, ignore this email.\n"
    )
    return mailer.build_message(
        to=invite.email, subject=f"[IESCP] Join {org.name if org else 'your team'} on IESCP", text=text
    )


def _open_invite(session: Session, token: str, *, lock: bool = False) -> OrgInvite:
    if not isinstance(token, str) or not 16 <= len(token) <= 100:
        raise InvalidInput(NOT_VALID)
    stmt = select(OrgInvite).where(OrgInvite.token_hash == _hash(token))
    invite = session.scalar(stmt.with_for_update() if lock else stmt)
    if invite is None:
        raise InvalidInput(NOT_VALID)
    if invite.accepted_at is not None:
        raise Conflict("This invitation was already used. Log in with the account it created.")
    if invite.revoked_at is not None:
        raise Conflict("This invitation was withdrawn. Ask the person who invited you for a new one.")
    if invite.expires_at <= utcnow():
        raise Conflict("This invitation has expired (links are valid for 7 days). Ask for a new one.")
    return invite


def preview_invite(session: Session, *, token: str) -> dict:
    """What an invitation offers (organization, role, email), for the page before accepting; no login needed."""
    invite = _open_invite(session, token)
    org = session.get(Organization, invite.organization_id)
    if org is None or org.approval != "approved":
        raise Conflict("This organization cannot take new members right now.")
    return {"organization": org.name, "org_role": invite.org_role, "email": invite.email,
            "expires_at": invite.expires_at}  # fmt: skip


def accept_invite(session: Session, *, token: str, username: str, password: str, display_name: str) -> int:
    """Create the invited teammate's account inside the organization (once per link); returns the user id."""
    invite = _open_invite(session, token, lock=True)  # locked: two tabs accepting at once create one account
    org = session.get(Organization, invite.organization_id)
    if org is None or org.approval != "approved":
        raise Conflict("This organization cannot take new members right now.")
    name = validate.text(display_name, "Your name", max_len=120)
    user = accounts.create_user(
        session, username=username, email=invite.email, password=password, role="sponsor", approval="approved"
    )
    session.add(SponsorProfile(user_id=user.id, name=name, kind="individual"))
    session.add(OrgMember(user_id=user.id, organization_id=org.id, org_role=invite.org_role, status="active"))
    invite.accepted_at, invite.accepted_user_id = utcnow(), user.id
    session.flush()
    audit.record(
        session, None, "member.joined", "organization", org.id, detail=f"@{user.username} as {invite.org_role}"
    )
    if invite.invited_by:
        notifications.notify(
            session, invite.invited_by, "organization", f"@{user.username} accepted your invitation ({invite.org_role})"
        )
    return user.id


@actor_required
def revoke_invite(session: Session, *, actor: Actor, invite_id: int) -> None:
    """Withdraw an invitation that has not been used (owners)."""
    org_id = organizations.require_member(actor, "org.members")
    invite = session.get(OrgInvite, invite_id, with_for_update=True)
    if invite is None or invite.organization_id != org_id:
        raise NotFound("That invitation does not exist.")
    if invite.accepted_at is not None:
        raise Conflict("That invitation was already accepted; remove the member instead.")
    if invite.revoked_at is not None:
        raise Conflict("That invitation was already withdrawn.")
    invite.revoked_at = utcnow()
    audit.record(session, actor, "member.invite_revoked", "organization", org_id, detail=invite.email)


@actor_required
def list_invites(session: Session, *, actor: Actor) -> pd.DataFrame:
    """The organization's invitations still open (not used, withdrawn or expired), newest first."""
    org_id = organizations.require_member(actor)
    stmt = (
        select(
            OrgInvite.id,
            OrgInvite.email,
            OrgInvite.org_role,
            OrgInvite.created_at,
            OrgInvite.expires_at,
            User.username.label("invited_by"),
        )  # fmt: skip
        .outerjoin(User, User.id == OrgInvite.invited_by)
        .where(
            OrgInvite.organization_id == org_id,
            OrgInvite.accepted_at.is_(None),
            OrgInvite.revoked_at.is_(None),
            OrgInvite.expires_at > utcnow(),
        )
        .order_by(OrgInvite.id.desc())
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=list(stmt.selected_columns.keys()))
