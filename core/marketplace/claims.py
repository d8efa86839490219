"""Claiming a prospect profile: the organization mails a single-use link; the creator turns it into an account.

An organization member with `pipeline.manage` asks for an invite (request_claim_invite); a Huey task
(tasks.imports.send_claim_invite) mints the token, stores only its SHA-256 and mails the link
(deliver_claim_invite) — so the token never sits in the queue or the database. The link opens
pages/account/claim.py without login (app.py routes `?claim=<token>`); claim_profile creates an
influencer account (accounts.register_influencer) prefilled from the prospect, with the email on file,
and marks the prospect claimed. Administrators cannot send invites (an organization's outreach).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, InvalidInput, NotFound
from core.marketplace import accounts
from core.messaging import mailer
from core.models import Organization, Prospect, ProspectClaim
from core.permissions import Actor, require_member
from core.platform import templating
from core.platform.config import Settings, get_settings
from core.platform.timeutil import utcnow

VALID_FOR = dt.timedelta(days=7)
INVALID_LINK = "This claim link is invalid, was already used or has expired. Ask the brand for a new one."


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def claim_link(token: str, settings: Settings | None = None) -> str:
    return f"{(settings or get_settings()).base_url.rstrip('/')}/?claim={token}"


def request_claim_invite(session: Session, *, actor: Actor, prospect_id: int) -> int:
    """Queue a claim invite to the prospect's email (older pending invites are revoked); returns the claim id.

    The caller commits, then enqueues tasks.imports.send_claim_invite(claim id).
    """
    org_id = require_member(actor, "pipeline.manage")
    prospect = session.get(Prospect, int(prospect_id))
    if prospect is None or prospect.organization_id != org_id:
        raise NotFound("That prospect does not exist.")
    if prospect.claimed_user_id is not None:
        raise Conflict("This creator already claimed the profile.")
    if not prospect.email:
        raise InvalidInput("This prospect has no email on file; import one before sending a claim invite.")
    now = utcnow()
    session.execute(
        update(ProspectClaim)
        .where(
            ProspectClaim.prospect_id == prospect.id,
            ProspectClaim.claimed_at.is_(None),
            ProspectClaim.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    claim = ProspectClaim(
        prospect_id=prospect.id,
        organization_id=org_id,
        email=prospect.email,
        invited_by=actor.id,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(claim)
    session.flush()
    audit.record(session, actor, "prospect.claim_invited", "prospect", prospect.id, detail=prospect.email)
    return claim.id


def deliver_claim_invite(session: Session, *, claim_id: int, settings: Settings | None = None) -> bool:
    """Mint the token of a not-yet-sent invite, store its hash and mail the link; False when nothing to send.

    Runs in the task's transaction: if sending fails the hash is rolled back with it and a retry mints anew.
    """
    settings = settings or get_settings()
    row = session.execute(
        select(ProspectClaim, Prospect, Organization.name)
        .join(Prospect, Prospect.id == ProspectClaim.prospect_id)
        .join(Organization, Organization.id == ProspectClaim.organization_id)
        .where(ProspectClaim.id == int(claim_id))
    ).first()
    if row is None:
        return False
    claim, prospect, org_name = row
    if claim.sent_at is not None or claim.revoked_at is not None or claim.claimed_at is not None:
        return False
    token = secrets.token_urlsafe(32)
    claim.token_hash = token_hash(token)
    claim.sent_at = utcnow()
    session.flush()
    text = templating.render(
        "emails/prospect_claim.txt.j2",
        name=prospect.display_name or prospect.handle,
        organization=org_name,
        platform=prospect.platform,
        handle=prospect.handle,
        link=claim_link(token, settings),
        expires=f"{claim.expires_at:%d %b %Y %H:%M}",
    )
    message = mailer.build_message(
        to=claim.email,
        subject=f"[IESCP] {org_name} invites you to claim your creator profile",
        text=text,
        settings=settings,
    )
    mailer.send(message, settings)
    return True


def _open_claim(session: Session, token: str) -> tuple[ProspectClaim, Prospect]:
    claim = session.scalar(select(ProspectClaim).where(ProspectClaim.token_hash == token_hash(token)))
    if (
        not token
        or claim is None
        or claim.claimed_at is not None
        or claim.revoked_at is not None
        or claim.expires_at <= utcnow()
    ):
        raise NotFound(INVALID_LINK)
    prospect = session.get(Prospect, claim.prospect_id)
    if prospect is None or prospect.claimed_user_id is not None:
        raise NotFound(INVALID_LINK)
    return claim, prospect


def claim_details(session: Session, *, token: str) -> dict:
    """What the claim page shows and prefills (no login: the token is the credential)."""
    claim, prospect = _open_claim(session, token)
    organization = session.get(Organization, claim.organization_id)
    return {
        "organization": organization.name if organization else "",
        "email": claim.email,
        "platform": prospect.platform,
        "handle": prospect.handle,
        "display_name": prospect.display_name or prospect.handle,
        "category": prospect.category,
        "niche": prospect.niche,
        "followers": prospect.followers,
        "engagement_rate": prospect.engagement_rate or 0.0,
        "profile_url": prospect.profile_url,
        "bio": prospect.bio,
    }


def claim_profile(
    session: Session,
    *,
    token: str,
    username: str,
    password: str,
    display_name: str | None = None,
    category: str | None = None,
) -> int:
    """Create the creator's influencer account from the prospect (email on file) and mark it claimed; the user id."""
    claim, prospect = _open_claim(session, token)
    now = utcnow()
    taken = session.execute(
        update(ProspectClaim)
        .where(ProspectClaim.id == claim.id, ProspectClaim.claimed_at.is_(None), ProspectClaim.revoked_at.is_(None))
        .values(claimed_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    if taken != 1:  # a second tab or a replay got here first
        raise NotFound(INVALID_LINK)
    user_id = accounts.register_influencer(
        session,
        username=username,
        email=claim.email,
        password=password,
        display_name=display_name or prospect.display_name or prospect.handle,
        category=category or prospect.category or "Lifestyle",
        platform=prospect.platform,
        followers=prospect.followers,
        engagement_rate=prospect.engagement_rate or 0.0,
        niche=prospect.niche,
        profile_url=prospect.profile_url,
        bio=prospect.bio,
    )
    session.execute(
        update(ProspectClaim).where(ProspectClaim.id == claim.id).values(claimed_user_id=user_id),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Prospect)
        .where(Prospect.id == prospect.id)
        .values(claimed_user_id=user_id, claimed_at=now, version=Prospect.version + 1),
        execution_options={"synchronize_session": False},
    )
    audit.record(session, None, "prospect.claimed", "prospect", prospect.id, detail=f"user {user_id}")
    return user_id
