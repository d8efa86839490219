"""Builders of users, campaigns and requests through the real services (no mocks of our code)."""

from __future__ import annotations

import datetime as dt
import itertools
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from core.marketplace import accounts, ad_requests, campaigns, invites
from core.models import User
from core.permissions import Actor
from core.platform.db import Database
from core.platform.timeutil import today

PASSWORD = "Secret-pass-1"
_counter = itertools.count(1)


def admin(db: Database) -> Actor:
    with db.Session.begin() as s:
        admin_id = s.scalar(select(User.id).where(User.role == "admin"))
        return accounts.load_actor(s, admin_id)


def influencer(
    db: Database,
    *,
    name: str | None = None,
    category: str = "Fitness",
    niche: str = "yoga",
    platform: str = "instagram",
    followers: int = 50_000,
    engagement_rate: float = 4.0,
    is_public: bool = True,
    bio: str = "",
) -> Actor:
    n = next(_counter)
    with db.Session.begin() as s:
        user_id = accounts.register_influencer(
            s,
            username=f"inf{n}",
            email=f"inf{n}@example.com",
            password=PASSWORD,
            display_name=name or f"Influencer {n}",
            category=category,
            niche=niche,
            platform=platform,
            followers=followers,
            engagement_rate=engagement_rate,
            is_public=is_public,
            bio=bio,
        )
        return accounts.load_actor(s, user_id)


def sponsor(db: Database, *, approved: bool = True, name: str | None = None) -> Actor | int:
    """An approved sponsor's Actor, or the pending sponsor's user id when approved=False."""
    n = next(_counter)
    with db.Session.begin() as s:
        user_id = accounts.register_sponsor(
            s,
            username=f"spo{n}",
            email=f"spo{n}@example.com",
            password=PASSWORD,
            name=name or f"Sponsor {n} Ltd",
            kind="company",
            industry="Retail",
            budget_cents=10_000_000,
        )
        if not approved:
            return user_id
        # Signed up and approved in one transaction: the same services, fewer commits (faster tests).
        the_admin = accounts.load_actor(s, s.scalar(select(User.id).where(User.role == "admin")))
        accounts.approve_sponsor(s, actor=the_admin, user_id=user_id)
        return accounts.load_actor(s, user_id)


def teammate(db: Database, owner: Actor, *, org_role: str = "manager") -> Actor:
    """A new member of owner's organization, invited by owner and joined through the invitation link."""
    n = next(_counter)
    with db.Session.begin() as s:
        created = invites.invite_member(s, actor=owner, email=f"mate{n}@example.com", org_role=org_role)
        token = parse_qs(urlsplit(created.link).query)[invites.LINK_PARAMETER][0]
        user_id = invites.accept_invite(
            s, token=token, username=f"mate{n}", password=PASSWORD, display_name=f"Teammate {n}"
        )
        return accounts.load_actor(s, user_id)


def campaign(
    db: Database,
    owner: Actor,
    *,
    budget_cents: int = 100_000,
    is_public: bool = True,
    name: str | None = None,
    category: str = "Fitness",
    niche: str = "yoga",
    status: str = "active",
    start: dt.date | None = None,
    end: dt.date | None = None,
    description: str = "",
) -> int:
    start = start or today() - dt.timedelta(days=1)
    end = end or today() + dt.timedelta(days=30)
    with db.Session.begin() as s:
        return campaigns.create_campaign(
            s,
            actor=owner,
            name=name or f"Campaign {next(_counter)}",
            category=category,
            niche=niche,
            start_date=start,
            end_date=end,
            budget_cents=budget_cents,
            is_public=is_public,
            status=status,
            description=description,
        )


def request(db: Database, owner: Actor, campaign_id: int, influencer: Actor, *, payment_cents: int = 10_000) -> int:
    with db.Session.begin() as s:
        return ad_requests.send_ad_request(
            s,
            actor=owner,
            campaign_id=campaign_id,
            influencer_id=influencer.id,
            payment_cents=payment_cents,
            requirements="Two posts and a story",
            message="Hi!",
        )


# ---- added for the core suite ------------------------------------------------------------------------------


def actor(db: Database, user_id: int) -> Actor | None:
    """The Actor of user_id as the app would load it (None when that user may not be logged in)."""
    with db.Session.begin() as s:
        return accounts.load_actor(s, user_id)


def write(db: Database, fn):
    """Run fn(session) as one write transaction (committed unless it raises) and return its result."""
    with db.Session.begin() as s:
        return fn(s)


def read(db: Database, fn):
    """Run fn(session) in a read transaction and return its result."""
    with db.ReadSession.begin() as s:
        return fn(s)


def ask(db: Database, who: Actor, campaign_id: int, *, payment_cents: int = 10_000) -> int:
    """An influencer's ask-to-join request on a public campaign (the sponsor's turn)."""
    with db.Session.begin() as s:
        return ad_requests.ask_to_join(
            s,
            actor=who,
            campaign_id=campaign_id,
            payment_cents=payment_cents,
            message="I'd love to join",
            requirements="One reel",
        )


def influencers(db: Database, specs: list[dict]) -> list[int]:
    """Register many influencers in one transaction (fast); each spec overrides the defaults."""
    ids = []
    with db.Session.begin() as s:
        for spec in specs:
            n = next(_counter)
            fields = {
                "display_name": f"Influencer {n}",
                "category": "Fitness",
                "niche": "yoga",
                "platform": "instagram",
                "followers": 50_000,
                "engagement_rate": 4.0,
                "bio": "",
            }
            fields.update(spec)
            ids.append(
                accounts.register_influencer(
                    s, username=f"inf{n}", email=f"inf{n}@example.com", password=PASSWORD, **fields
                )
            )
    return ids


def snapshot(db: Database, tables: tuple[str, ...] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (or of the named ones), in primary-key order: compare two snapshots to prove
    nothing changed."""
    from core.models import Base

    result = {}
    with db.ReadSession.begin() as s:
        for table in Base.metadata.sorted_tables:
            if tables is not None and table.name not in tables:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            result[table.name] = [tuple(row) for row in s.execute(select(table).order_by(*order))]
    return result
