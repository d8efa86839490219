"""Accounts: registration, login, approval, moderation and own-profile use cases."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, permissions, validate
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import listing, organizations, scoring, stats
from core.messaging import mailer, notifications
from core.models import PLATFORMS, SPONSOR_KINDS, InfluencerProfile, SponsorProfile, User
from core.money import cents_or_typed
from core.permissions import Actor
from core.platform import cachegen
from core.platform.config import get_settings
from core.platform.passwords import burn_equal_time, hash_password, verify_password
from core.platform.timeutil import utcnow

GCHAT_WEBHOOK_HOSTS = frozenset({"chat.googleapis.com"})
# The one answer to every failed login, whatever the reason: it must not tell a guesser which usernames exist,
# which are locked, or how many tries are left (the owner learns about a lockout by email and in the app).
LOGIN_FAILED = (
    "Wrong username or password. Repeated failures lock an account for a while; its owner is then told by email."
)


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: an actor, or a message saying why not."""

    actor: Actor | None
    message: str = ""
    session_version: int = 0  # signed into the login cookie; see session_actor()
    locked_out_user_id: int | None = None  # set once, by the attempt that locked an account: email its owner

    @property
    def ok(self) -> bool:
        return self.actor is not None


def _display_name(user: User) -> str:
    if user.influencer_profile is not None:
        return user.influencer_profile.display_name
    if user.sponsor_profile is not None:
        return user.sponsor_profile.name
    return user.username


def actor_for(session: Session, user: User) -> Actor:
    """Build the Actor for a user row: its role's permissions, for a sponsor narrowed by its org role."""
    granted = permissions.permissions_of(session, user.role)
    if user.role != "sponsor":
        return Actor(id=user.id, role=user.role, username=user.username, display_name=_display_name(user),
                     permissions=granted)  # fmt: skip
    member = user.membership
    if member is None or member.status != "active":  # no organization: nothing on the sponsor side
        return Actor(id=user.id, role=user.role, username=user.username, display_name=_display_name(user))
    return Actor(
        id=user.id,
        role=user.role,
        username=user.username,
        display_name=_display_name(user),
        permissions=granted & permissions.org_permissions_of(session, member.org_role),
        organization_id=member.organization_id,
        org_role=member.org_role,
    )


def standing_problem(user: User) -> str | None:
    """Why user may not be logged in right now, or None when they may.

    A login lockout is not here: it stops password guessing, not the owner's open sessions (else a guesser
    could log anyone out by failing five times); authenticate() checks it.
    """
    if not user.is_active:
        return "This account has been deactivated. Contact support if you think this is a mistake."
    if user.approval == "pending":
        return "Your sponsor account is awaiting approval by an administrator. You will be notified by email."
    if user.approval == "rejected":
        note = f" Reason: {user.approval_note}" if user.approval_note else ""
        return f"Your sponsor sign-up was not approved.{note}"
    if user.flagged:
        reason = f" Reason: {user.flag_reason}" if user.flag_reason else ""
        return f"This account has been flagged by an administrator and cannot log in.{reason}"
    if user.role == "sponsor" and (user.membership is None or user.membership.status != "active"):
        return "This account is no longer a member of its organization. Ask an owner there to invite you again."
    return None


def _login_name(username) -> str | None:
    """The username to look up, or None for input no account can have (controls, surrogates, over-long).

    Such input never reaches the database: PostgreSQL refuses a NUL byte in text with an error, not a miss.
    """
    name = username.strip().lower() if isinstance(username, str) else ""
    if not name or len(name) > 40 or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        return None
    return name


def authenticate(session: Session, *, username: str, password: str) -> LoginResult:
    """Check credentials and standing; counts failures in the database and locks out repeat offenders.

    Every attempt costs exactly one bcrypt verification and every failure gets LOGIN_FAILED; only a correct
    password (which proves ownership) earns the specific reason an account may not log in. Returns a
    LoginResult instead of raising so that the caller commits the failure counter.
    """
    settings = get_settings()
    name = _login_name(username)
    # The row lock serialises attempts on one account, so parallel wrong guesses cannot overwrite each
    # other's failure count (a lost update would let a brute force slip past the lockout).
    user = session.scalar(select(User).where(User.username == name).with_for_update()) if name else None
    if user is None:
        burn_equal_time()
        return LoginResult(None, LOGIN_FAILED)
    now = utcnow()
    password_ok = verify_password(password, user.password_hash)  # also when locked: a fast answer would tell
    if user.locked_until and user.locked_until > now:
        return LoginResult(None, LOGIN_FAILED)  # not even a right password gets in, nor is told it was right
    if not password_ok:
        user.failed_logins += 1
        if user.failed_logins < settings.max_failed_logins:
            return LoginResult(None, LOGIN_FAILED)
        user.failed_logins = 0
        user.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
        audit.record(session, None, "user.locked_out", "user", user.id)
        notifications.notify(session, user.id, "security", _LOCKED_TITLE, _lockout_text(settings.lockout_minutes))
        return LoginResult(None, LOGIN_FAILED, locked_out_user_id=user.id)
    problem = standing_problem(user)
    if problem:
        return LoginResult(None, problem)
    user.failed_logins = 0
    user.locked_until = None
    if stats.login_adds_active_user(user.last_login_at, now):  # only then does the admin's count change
        cachegen.bump(session, cachegen.STATS)
    user.last_login_at = now
    return LoginResult(actor_for(session, user), session_version=user.session_version)


_LOCKED_TITLE = "Your account was locked after repeated failed logins"


def _lockout_text(minutes: int) -> str:
    return (
        f"Someone typed a wrong password for your account several times, so logins are blocked for {minutes} "
        "minutes. If it was you, just wait. If it was not, someone may be guessing your password: once the lock "
        'ends, log in, change your password on My account and use "Log out everywhere".'
    )


def lockout_notice(session: Session, user_id: int) -> EmailMessage | None:
    """The email telling an account's owner it was just locked (None when it is not locked any more)."""
    user = session.get(User, user_id)
    if user is None or not user.locked_until or user.locked_until <= utcnow():
        return None
    settings = get_settings()
    text = (
        f"Hello {user.username},\n\n{_lockout_text(settings.lockout_minutes)}\n\n"
        f"Locked until {user.locked_until:%Y-%m-%d %H:%M} UTC.\n{settings.base_url}\n"
    )
    return mailer.build_message(to=user.email, subject=f"[IESCP] {_LOCKED_TITLE}", text=text, settings=settings)


def load_actor(session: Session, user_id: int) -> Actor | None:
    """The Actor for user_id if that user may be logged in now, else None (cheap PK lookup)."""
    user = session.get(User, user_id)
    if user is None or standing_problem(user) is not None:
        return None
    return actor_for(session, user)


def load_actor_by_username(session: Session, username: str) -> Actor | None:
    """The Actor for a username if that user may be logged in now, else None."""
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None or standing_problem(user) is not None:
        return None
    return actor_for(session, user)


ACCOUNT_GONE = "This account no longer exists."


def login_problem_for(session: Session, username: str) -> str | None:
    """Why username cannot log in (for a cookie that no longer works), or None."""
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        return ACCOUNT_GONE
    return standing_problem(user)


SESSION_ENDED = "Your session has ended (a log-out, a password change or a log-out everywhere). Please log in again."


def session_actor(session: Session, username: str, session_version: int) -> Actor | None:
    """The Actor of a login cookie or live session at session_version, if it still holds, else None."""
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None or user.session_version != session_version or standing_problem(user) is not None:
        return None
    return actor_for(session, user)


def session_problem(session: Session, username: str, session_version: int) -> str | None:
    """Why a cookie or live session at session_version no longer holds, or None when it does."""
    problem = login_problem_for(session, username)
    if problem:
        return problem
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:  # deleted since login_problem_for() looked
        return ACCOUNT_GONE
    return SESSION_ENDED if user.session_version != session_version else None


def _revoke_sessions(user: User) -> int:
    """Invalidate every cookie and live session of user (they carry the old version); returns the new one."""
    user.session_version += 1
    return user.session_version


def log_out(session: Session, *, actor: Actor) -> None:
    """End the actor's sessions: the cookie is a bearer token that may have been copied, so logout revokes it."""
    _revoke_sessions(_own_user(session, actor))


def log_out_everywhere(session: Session, *, actor: Actor) -> None:
    """End every session of the actor on every device (e.g. after using a shared computer)."""
    user = _own_user(session, actor)
    _revoke_sessions(user)
    audit.record(session, actor, "user.logged_out_everywhere", "user", user.id)


def create_user(session: Session, *, username: str, email: str, password: str, role: str, approval: str) -> User:
    """Insert a user after validating the login fields; Conflict when the username or email is taken."""
    username = validate.username(username)
    email = validate.email(email)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in email):  # the email pattern lets a NUL through
        raise InvalidInput("Please enter a valid email address, like name@example.com.")
    password_hash = hash_password(password)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("That username is taken. Please choose another.")
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("An account with that email already exists. Try logging in instead.")
    user = User(username=username, email=email, password_hash=password_hash, role=role, approval=approval)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent sign-up took the name between the check and the insert
        raise Conflict("That username or email was just taken. Please choose another.") from None
    return user


def _influencer_fields(
    *, display_name, category, niche, platform, followers, engagement_rate, profile_url, bio, is_public
) -> dict:
    values = validate.each(
        display_name=lambda: validate.text(display_name, "Display name", max_len=120),
        category=lambda: validate.text(category, "Category", max_len=60),
        niche=lambda: validate.text(niche, "Niche", max_len=80, required=False),
        platform=lambda: validate.choice(platform, "Platform", PLATFORMS),
        followers=lambda: validate.whole_number(followers, "Followers", maximum=10**10),
        engagement_rate=lambda: validate.percent(engagement_rate, "Engagement rate"),
        profile_url=lambda: validate.url(profile_url, "Profile URL"),
        bio=lambda: validate.text(bio, "Bio", max_len=2000, required=False, multiline=True),
    )
    reach = scoring.estimated_reach(values["followers"], values["engagement_rate"])
    return {
        **values,
        "is_public": bool(is_public),
        "reach": reach,
        "score": scoring.relevance_score(reach, values["engagement_rate"]),
    }


def _sponsor_fields(*, name, kind, industry, budget_cents) -> dict:
    return validate.each(
        name=lambda: validate.text(name, "Company or name", max_len=120),
        kind=lambda: validate.choice(kind, "Sponsor type", SPONSOR_KINDS),
        industry=lambda: validate.text(industry, "Industry", max_len=80, required=False),
        budget_cents=lambda: cents_or_typed(budget_cents, field="Budget"),
    )


def _login_fields(*, username, email, password) -> None:
    """Check a sign-up's login fields without touching the database (create_user checks them again, cheaply)."""
    validate.each(
        username=lambda: validate.username(username),
        email=lambda: validate.email(email),
        password=lambda: validate.password(password),
    )


def register_influencer(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str,
    category: str,
    platform: str,
    followers: int,
    engagement_rate: float = 0.0,
    niche: str = "",
    profile_url: str | None = None,
    bio: str = "",
    is_public: bool = True,
) -> int:
    """Create an influencer account (usable at once); returns the user id."""
    fields = validate.each(
        login=lambda: _login_fields(username=username, email=email, password=password),
        profile=lambda: _influencer_fields(
            display_name=display_name,
            category=category,
            niche=niche,
            platform=platform,
            followers=followers,
            engagement_rate=engagement_rate,
            profile_url=profile_url,
            bio=bio,
            is_public=is_public,
        ),
    )["profile"]
    user = create_user(
        session, username=username, email=email, password=password, role="influencer", approval="approved"
    )
    session.add(InfluencerProfile(user_id=user.id, **fields))
    session.flush()
    listing.refresh_influencer(session, user.id)
    cachegen.bump(session, cachegen.STATS, cachegen.INFLUENCERS)
    return user.id


def register_sponsor(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    name: str,
    kind: str = "company",
    industry: str = "",
    budget_cents: int = 0,
) -> int:
    """Create a sponsor account awaiting admin approval; returns the user id."""
    fields = validate.each(
        login=lambda: _login_fields(username=username, email=email, password=password),
        profile=lambda: _sponsor_fields(name=name, kind=kind, industry=industry, budget_cents=budget_cents),
    )["profile"]
    user = create_user(session, username=username, email=email, password=password, role="sponsor", approval="pending")
    session.add(SponsorProfile(user_id=user.id, **fields))
    organizations.found(session, owner=user, name=fields["name"], approval="pending")
    notifications.notify_admins(
        session,
        "approval",
        f"New sponsor awaiting approval: {fields['name']}",
        f"@{user.username} ({fields['industry'] or 'no industry given'}) signed up.",
        link="approvals",
    )
    cachegen.bump(session, cachegen.STATS)
    return user.id


def _target_user(session: Session, user_id: int) -> User:
    # Locked: two admins deciding at once must not both pass the state check (approve and reject).
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("That user does not exist.")
    return user


def approve_sponsor(session: Session, *, actor: Actor, user_id: int) -> None:
    """Let a pending sponsor in."""
    permissions.require(actor, "user.approve")
    user = _target_user(session, user_id)
    if user.role != "sponsor":
        raise Conflict("Only sponsor sign-ups need approval.")
    if user.approval != "pending":
        raise Conflict(f"This sponsor is already {user.approval}.")
    user.approval = "approved"
    user.approval_note = None
    organizations.set_approval(session, user_id=user.id, approval="approved")
    session.flush()
    listing.refresh_user(session, user.id)
    audit.record(session, actor, "sponsor.approved", "user", user.id)
    notifications.notify(session, user.id, "approval", "Your sponsor account was approved — welcome!")
    cachegen.bump(session, cachegen.STATS, cachegen.CAMPAIGNS)


def reject_sponsor(session: Session, *, actor: Actor, user_id: int, reason: str) -> None:
    """Turn down a pending sponsor with a reason they will see when they try to log in."""
    permissions.require(actor, "user.approve")
    reason = validate.text(reason, "Reason", max_len=500)
    user = _target_user(session, user_id)
    if user.role != "sponsor":
        raise Conflict("Only sponsor sign-ups need approval.")
    if user.approval != "pending":
        raise Conflict(f"This sponsor is already {user.approval}.")
    user.approval = "rejected"
    user.approval_note = reason
    organizations.set_approval(session, user_id=user.id, approval="rejected")
    audit.record(session, actor, "sponsor.rejected", "user", user.id, detail=reason)
    cachegen.bump(session, cachegen.STATS)


def _moderated_user(session: Session, actor: Actor, user_id: int) -> User:
    permissions.require(actor, "user.moderate")
    user = _target_user(session, user_id)
    if user.role == "admin":
        raise PermissionDenied("Administrator accounts cannot be moderated here.")
    return user


def _after_standing_change(session: Session, actor: Actor, user: User, action: str, detail: str = "") -> None:
    session.flush()
    listing.refresh_user(session, user.id)
    audit.record(session, actor, action, "user", user.id, detail=detail)
    cachegen.bump(session, cachegen.STATS, cachegen.INFLUENCERS, cachegen.CAMPAIGNS)


def flag_user(session: Session, *, actor: Actor, user_id: int, reason: str) -> None:
    """Flag a user: hidden from search, unable to log in, until unflagged."""
    reason = validate.text(reason, "Reason", max_len=500)
    user = _moderated_user(session, actor, user_id)
    if user.flagged:
        raise Conflict("This user is already flagged.")
    user.flagged, user.flag_reason = True, reason
    _revoke_sessions(user)
    _after_standing_change(session, actor, user, "user.flagged", reason)


def unflag_user(session: Session, *, actor: Actor, user_id: int, note: str = "") -> None:
    """Lift a flag."""
    user = _moderated_user(session, actor, user_id)
    if not user.flagged:
        raise Conflict("This user is not flagged.")
    user.flagged, user.flag_reason = False, None
    _after_standing_change(
        session, actor, user, "user.unflagged", validate.text(note, "Note", max_len=500, required=False)
    )


def deactivate_user(session: Session, *, actor: Actor, user_id: int, reason: str) -> None:
    """Deactivate an account (kept with all its history; can be reactivated)."""
    reason = validate.text(reason, "Reason", max_len=500)
    user = _moderated_user(session, actor, user_id)
    if not user.is_active:
        raise Conflict("This user is already deactivated.")
    user.is_active = False
    _revoke_sessions(user)
    _after_standing_change(session, actor, user, "user.deactivated", reason)


def reactivate_user(session: Session, *, actor: Actor, user_id: int) -> None:
    """Reactivate a deactivated account."""
    user = _moderated_user(session, actor, user_id)
    if user.is_active:
        raise Conflict("This user is already active.")
    user.is_active = True
    _after_standing_change(session, actor, user, "user.reactivated")


def _own_user(session: Session, actor: Actor) -> User:
    if actor is None:
        raise PermissionDenied("Please log in first.")
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound("Your account no longer exists.")
    return user


def update_influencer_profile(
    session: Session,
    *,
    actor: Actor,
    display_name: str,
    category: str,
    platform: str,
    followers: int,
    engagement_rate: float,
    niche: str = "",
    profile_url: str | None = None,
    bio: str = "",
    is_public: bool = True,
) -> None:
    """Replace the acting influencer's own profile fields (reach and score are recomputed)."""
    permissions.require(actor, "profile.edit")
    if actor.role != "influencer":
        raise PermissionDenied("Only influencers have an influencer profile.")
    fields = _influencer_fields(
        display_name=display_name,
        category=category,
        niche=niche,
        platform=platform,
        followers=followers,
        engagement_rate=engagement_rate,
        profile_url=profile_url,
        bio=bio,
        is_public=is_public,
    )
    profile = session.get(InfluencerProfile, actor.id)
    if profile is None:
        raise NotFound("Your profile is missing; please contact support.")
    for key, value in fields.items():
        setattr(profile, key, value)
    # The sponsors' ratings stay part of the score when the influencer edits her own numbers.
    profile.score = scoring.relevance_score(
        profile.reach, profile.engagement_rate, profile.rating_avg, profile.rating_count
    )
    session.flush()
    listing.refresh_influencer(session, actor.id)
    cachegen.bump(session, *cachegen.influencer_profile_changed(actor.id))


def update_sponsor_profile(
    session: Session, *, actor: Actor, name: str, kind: str, industry: str, budget_cents: int
) -> None:
    """Replace the acting sponsor's own profile fields."""
    permissions.require(actor, "profile.edit")
    if actor.role != "sponsor":
        raise PermissionDenied("Only sponsors have a sponsor profile.")
    fields = _sponsor_fields(name=name, kind=kind, industry=industry, budget_cents=budget_cents)
    profile = session.get(SponsorProfile, actor.id)
    if profile is None:
        raise NotFound("Your profile is missing; please contact support.")
    for key, value in fields.items():
        setattr(profile, key, value)
    cachegen.bump(session, *cachegen.sponsor_profile_changed(actor.organization_id))


def change_password(session: Session, *, actor: Actor, current_password: str, new_password: str) -> int:
    """Change the actor's own password after checking the current one; every other session ends.

    Returns the new session version, for the browser that made the change to keep its session.
    """
    user = _own_user(session, actor)
    if not verify_password(current_password, user.password_hash):
        raise InvalidInput("Your current password is not correct.")
    if current_password == new_password:
        raise InvalidInput("The new password must differ from the current one.")
    user.password_hash = hash_password(new_password)
    audit.record(session, actor, "user.password_changed", "user", user.id)
    return _revoke_sessions(user)


def update_notification_settings(
    session: Session, *, actor: Actor, email: bool, gchat: bool, inapp: bool, gchat_webhook_url: str | None = None
) -> None:
    """Choose the reminder channels of the acting user."""
    user = _own_user(session, actor)
    webhook = validate.url(gchat_webhook_url, "Google Chat webhook URL")
    if webhook and not webhook.lower().startswith("https://"):
        raise InvalidInput("Google Chat webhook URL must start with https://.")
    # The worker POSTs to this address: only Google Chat's host, so a user cannot aim it elsewhere.
    if webhook and urlsplit(webhook).hostname not in GCHAT_WEBHOOK_HOSTS:
        raise InvalidInput(
            "Google Chat webhook URL must be a https://chat.googleapis.com/… address "
            "(copy it from the space's Apps & integrations → Webhooks)."
        )
    user.notify_email, user.notify_gchat, user.notify_inapp = bool(email), bool(gchat), bool(inapp)
    user.gchat_webhook_url = webhook


def get_own_account(session: Session, *, actor: Actor) -> dict:
    """The acting user's account and profile as plain data."""
    user = _own_user(session, actor)
    data = {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "notify_email": user.notify_email,
        "notify_gchat": user.notify_gchat,
        "notify_inapp": user.notify_inapp,
        "gchat_webhook_url": user.gchat_webhook_url,
        "profile": None,
    }
    if user.influencer_profile is not None:
        p = user.influencer_profile
        data["profile"] = {
            "user_id": p.user_id,
            "display_name": p.display_name,
            "category": p.category,
            "niche": p.niche,
            "platform": p.platform,
            "profile_url": p.profile_url,
            "followers": p.followers,
            "engagement_rate": p.engagement_rate,
            "bio": p.bio,
            "is_public": p.is_public,
            "reach": p.reach,
            "score": p.score,
            "listed": p.listed,
            "score_reasons": scoring.explain_score(p.reach, p.engagement_rate, p.rating_avg, p.rating_count),
        }
    elif user.sponsor_profile is not None:
        sp = user.sponsor_profile
        data["profile"] = {"name": sp.name, "kind": sp.kind, "industry": sp.industry, "budget_cents": sp.budget_cents}
    return data


def get_influencer_profile(session: Session, *, actor: Actor, influencer_id: int) -> dict:
    """An influencer's public profile as sponsors see it; private or flagged ones only for admins and self."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    row = session.execute(
        select(InfluencerProfile, User.username, User.flagged)
        .join(User, User.id == InfluencerProfile.user_id)
        .where(InfluencerProfile.user_id == influencer_id)
    ).first()
    if row is None:
        raise NotFound("That influencer does not exist.")
    profile, username, flagged = row
    if not (profile.listed or actor.is_admin or actor.id == influencer_id):
        raise NotFound("That influencer does not exist or their profile is private.")
    return {
        "user_id": profile.user_id,
        "username": username,
        "display_name": profile.display_name,
        "category": profile.category,
        "niche": profile.niche,
        "platform": profile.platform,
        "profile_url": profile.profile_url,
        "followers": profile.followers,
        "engagement_rate": profile.engagement_rate,
        "bio": profile.bio,
        "reach": profile.reach,
        "score": profile.score,
        "score_reasons": scoring.explain_score(
            profile.reach, profile.engagement_rate, profile.rating_avg, profile.rating_count
        ),
        "rating_avg": profile.rating_avg,
        "rating_count": profile.rating_count,
        "is_public": profile.is_public,
        "flagged": bool(flagged),
    }


USER_STATES = ("any", "active", "pending", "flagged", "deactivated", "rejected")
USERS_COUNT_CAP = 10_000  # list_users counts exactly up to here; past it, total is USERS_COUNT_CAP + 1


def list_users(
    session: Session,
    *,
    actor: Actor,
    text: str = "",
    role: str | None = None,
    state: str = "any",
    after_id: int | None = None,
    limit: int = 50,
) -> tuple[pd.DataFrame, int]:
    """Admin's user table: filtered, keyset-paginated by id (descending), with the total (capped) count."""
    permissions.require(actor, "user.list")
    conditions: list[ColumnElement[bool]] = []
    text = validate.text(text, "Search", max_len=200, required=False)
    if text:
        pattern = f"%{text.lower()}%"
        conditions.append(
            or_(
                User.username.like(pattern),
                User.email.like(pattern),
                func.lower(func.coalesce(SponsorProfile.name, InfluencerProfile.display_name, "")).like(pattern),
            )
        )
    if role:
        conditions.append(User.role == validate.choice(role, "Role", ("admin", "sponsor", "influencer")))
    state = validate.choice(state, "State", USER_STATES)
    conditions.append(
        {
            "any": true(),  # renders exactly as the plain True did (WHERE 1 = 1 / WHERE true)
            "active": and_(User.is_active.is_(True), User.approval == "approved", User.flagged.is_(False)),
            "pending": User.approval == "pending",
            "flagged": User.flagged.is_(True),
            "deactivated": User.is_active.is_(False),
            "rejected": User.approval == "rejected",
        }[state]
    )
    # The profile names matter only to a text search: without one, the count reads a users index alone.
    counted: Select[tuple[Any]] = select(literal_column("1")).select_from(User)
    if text:
        counted = counted.outerjoin(SponsorProfile, SponsorProfile.user_id == User.id).outerjoin(
            InfluencerProfile, InfluencerProfile.user_id == User.id
        )
    # Stop counting past the cap: an exact count walks every matching user (186 ms at 100k users).
    capped = counted.where(*conditions).limit(USERS_COUNT_CAP + 1).subquery()
    page_size = max(1, min(limit, 500))
    # The page's ids come from an index alone (id order, keyset); only those rows are then read from the table,
    # so a filter whose users cluster far from the newest ids never walks the table backwards row by row.
    page_ids = counted.where(*conditions).with_only_columns(User.id).order_by(User.id.desc()).limit(page_size)
    if after_id:
        page_ids = page_ids.where(User.id < after_id)
    stmt = (
        select(
            User.id,
            User.username,
            User.email,
            User.role,
            func.coalesce(SponsorProfile.name, InfluencerProfile.display_name, User.username).label("name"),
            User.approval,
            User.is_active,
            User.flagged,
            User.flag_reason,
            User.created_at,
            User.last_login_at,
        )
        .outerjoin(SponsorProfile, SponsorProfile.user_id == User.id)
        .outerjoin(InfluencerProfile, InfluencerProfile.user_id == User.id)
        .where(User.id.in_(page_ids.scalar_subquery()))
        .order_by(User.id.desc())
    )
    rows = session.execute(stmt).mappings().all()
    if not after_id and len(rows) < page_size:
        total = len(rows)  # a short first page is every match: a narrow text search scans the users once, not twice
    else:
        total = session.scalar(select(func.count()).select_from(capped)) or 0
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "username",
            "email",
            "role",
            "name",
            "approval",
            "is_active",
            "flagged",
            "flag_reason",
            "created_at",
            "last_login_at",
        ],
    )
    return frame, total


def list_pending_sponsors(session: Session, *, actor: Actor, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """Sponsors awaiting approval, oldest first; limit/offset read one page of them (None: all)."""
    permissions.require(actor, "user.approve")
    stmt = (
        select(
            User.id,
            User.username,
            User.email,
            SponsorProfile.name,
            SponsorProfile.kind,
            SponsorProfile.industry,
            SponsorProfile.budget_cents,
            User.created_at,
        )
        .join(SponsorProfile, SponsorProfile.user_id == User.id)
        .where(User.role == "sponsor", User.approval == "pending")
        .order_by(User.created_at, User.id)
    )
    if limit is not None:
        stmt = stmt.limit(max(1, min(int(limit), 500))).offset(max(0, int(offset)))
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame(
        rows, columns=["id", "username", "email", "name", "kind", "industry", "budget_cents", "created_at"]
    )


def pending_sponsors_summary(session: Session, *, actor: Actor) -> dict:
    """{"count", "oldest" (a datetime or None), "budget_cents"} of every pending sponsor, in one query."""
    permissions.require(actor, "user.approve")
    count, oldest, budget = session.execute(
        select(func.count(), func.min(User.created_at), func.coalesce(func.sum(SponsorProfile.budget_cents), 0))
        .join(SponsorProfile, SponsorProfile.user_id == User.id)
        .where(User.role == "sponsor", User.approval == "pending")
    ).one()
    return {"count": int(count or 0), "oldest": oldest, "budget_cents": int(budget or 0)}


def count_pending_sponsors(session: Session, *, actor: Actor) -> int:
    """How many sponsors await approval (for the admin sidebar badge)."""
    permissions.require(actor, "user.approve")
    return (
        session.scalar(select(func.count()).select_from(User).where(User.role == "sponsor", User.approval == "pending"))
        or 0
    )


def authenticator_entry(session: Session, username: str, session_version: int) -> dict | None:
    """The streamlit-authenticator credentials entry for one user whose session at session_version holds, else None.

    The login widget library only ever gets the one user a request is about (never the table); leaving a
    revoked session's user out makes the library refuse its cookie.
    """
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None or user.session_version != session_version or standing_problem(user) is not None:
        return None
    name = _display_name(user)
    return {
        "email": user.email,
        "first_name": name,
        "last_name": "",
        "password": user.password_hash,
        "roles": [user.role],
    }
