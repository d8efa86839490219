"""Campaigns: a sponsor's own CRUD and visibility, admin moderation, and the read models over them."""

from __future__ import annotations

import functools

import pandas as pd
from sqlalchemy import bindparam, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from core import audit, permissions, validate
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import listing, organizations
from core.messaging import notifications
from core.models import CAMPAIGN_STATUSES, AdRequest, Brand, Campaign, Organization
from core.money import cents_or_typed, format_cents
from core.permissions import Actor
from core.platform import cachegen

# Which status changes a sponsor may make; others raise Conflict.
STATUS_TRANSITIONS = {
    "draft": {"active", "cancelled"},
    "active": {"completed", "cancelled", "draft"},
    "completed": set(),
    "cancelled": set(),
}
EDITABLE_STATUSES = ("draft", "active")


def _fields(*, name, description, category, niche, goals, start_date, end_date, budget_cents, is_public) -> dict:
    values = validate.each(
        name=lambda: validate.text(name, "Campaign name", max_len=120),
        description=lambda: validate.text(description, "Description", max_len=5000, required=False, multiline=True),
        category=lambda: validate.text(category, "Category", max_len=60),
        niche=lambda: validate.text(niche, "Niche", max_len=80, required=False),
        goals=lambda: validate.text(goals, "Goals", max_len=2000, required=False, multiline=True),
        dates=lambda: validate.date_range(start_date, end_date),
        budget_cents=lambda: cents_or_typed(budget_cents, field="Budget"),
    )
    start, end = values.pop("dates")
    return {**values, "start_date": start, "end_date": end, "is_public": bool(is_public)}


def _bump(session: Session, campaign: Campaign) -> None:
    cachegen.bump(session, cachegen.STATS, cachegen.CAMPAIGNS, cachegen.org_scope(campaign.organization_id))


def own_campaign(
    session: Session, actor: Actor, campaign_id: int, *, lock: bool = False, permission: str = "campaign.manage"
) -> Campaign:
    """The campaign if the actor's organization owns it and their org role grants permission; else raises."""
    organizations.require_member(actor, permission)
    stmt = select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        # Refresh too: a campaign loaded earlier in this transaction keeps its old values in the session,
        # and rules checked against them (the budget against committed_cents) would be checked against a
        # past that a concurrent accept has already changed.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    campaign = session.scalar(stmt)
    if campaign is None:
        raise NotFound("That campaign does not exist.")
    if campaign.organization_id != actor.organization_id:
        raise PermissionDenied("That campaign belongs to another organization.")
    return campaign


def _brand_of_org(session: Session, org_id: int, brand_id: int | None) -> int | None:
    """brand_id if it is one of the organization's brands; the organization's first brand when None."""
    if brand_id is None:
        return session.scalar(select(Brand.id).where(Brand.organization_id == org_id).order_by(Brand.id).limit(1))
    brand = session.get(Brand, brand_id)
    if brand is None or brand.organization_id != org_id:
        raise InvalidInput("Please choose one of your organization's brands.")
    return brand.id


def create_campaign(
    session: Session,
    *,
    actor: Actor,
    name: str,
    category: str,
    start_date,
    end_date,
    budget_cents: int,
    description: str = "",
    niche: str = "",
    goals: str = "",
    is_public: bool = True,
    status: str = "active",
    brand_id: int | None = None,
) -> int:
    """Create a campaign owned by the actor's organization, under one of its brands; returns its id."""
    org_id = organizations.require_member(actor, "campaign.manage")
    brand_id = _brand_of_org(session, org_id, brand_id)
    fields = _fields(
        name=name,
        description=description,
        category=category,
        niche=niche,
        goals=goals,
        start_date=start_date,
        end_date=end_date,
        budget_cents=budget_cents,
        is_public=is_public,
    )
    status = validate.choice(status, "Status", ("draft", "active"))
    campaign = Campaign(sponsor_id=actor.id, organization_id=org_id, brand_id=brand_id, status=status, **fields)
    session.add(campaign)
    session.flush()
    listing.refresh_campaigns(session, campaign_id=campaign.id)
    audit.record(session, actor, "campaign.created", "campaign", campaign.id, amount_cents=fields["budget_cents"])
    _bump(session, campaign)
    return campaign.id


def update_campaign(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    name: str,
    category: str,
    start_date,
    end_date,
    budget_cents: int,
    description: str = "",
    niche: str = "",
    goals: str = "",
    is_public: bool = True,
) -> None:
    """Replace a campaign's editable fields; the budget may not drop below what is committed."""
    fields = _fields(
        name=name,
        description=description,
        category=category,
        niche=niche,
        goals=goals,
        start_date=start_date,
        end_date=end_date,
        budget_cents=budget_cents,
        is_public=is_public,
    )
    campaign = own_campaign(session, actor, campaign_id, lock=True)
    if campaign.status not in EDITABLE_STATUSES:
        raise Conflict(f"A {campaign.status} campaign can no longer be edited.")
    if fields["budget_cents"] < campaign.committed_cents:
        raise InvalidInput(
            f"Budget cannot be lower than the {format_cents(campaign.committed_cents)} already "
            "committed to accepted requests."
        )
    old_budget = campaign.budget_cents
    for key, value in fields.items():
        setattr(campaign, key, value)
    session.flush()
    listing.refresh_campaigns(session, campaign_id=campaign.id)
    if old_budget != campaign.budget_cents:
        audit.record(
            session,
            actor,
            "campaign.budget_changed",
            "campaign",
            campaign.id,
            amount_cents=campaign.budget_cents,
            detail=f"from {old_budget} to {campaign.budget_cents} cents",
        )
    _bump(session, campaign)


def set_visibility(session: Session, *, actor: Actor, campaign_id: int, is_public: bool) -> None:
    """Make a campaign public or private."""
    campaign = own_campaign(session, actor, campaign_id)
    campaign.is_public = bool(is_public)
    session.flush()
    listing.refresh_campaigns(session, campaign_id=campaign.id)
    _bump(session, campaign)


@permissions.actor_required
def set_status(session: Session, *, actor: Actor, campaign_id: int, status: str, note: str = "") -> None:
    """Move a campaign through draft → active → completed, or cancel it; open requests are withdrawn."""
    from core.marketplace import ad_requests  # local import: ad_requests depends on this module

    status = validate.choice(status, "Status", CAMPAIGN_STATUSES)
    note = validate.text(note, "Note", max_len=2000, required=False, multiline=True)
    campaign = own_campaign(session, actor, campaign_id, lock=True)
    if status not in STATUS_TRANSITIONS[campaign.status]:
        raise Conflict(f"A {campaign.status} campaign cannot become {status}.")
    previous = campaign.status
    campaign.status = status
    session.flush()
    if status in ("completed", "cancelled"):
        ad_requests.withdraw_open_requests(
            session, actor=actor, campaign_id=campaign.id, message=note or f"The campaign was {status}."
        )
    listing.refresh_campaigns(session, campaign_id=campaign.id)
    audit.record(session, actor, "campaign.status", "campaign", campaign.id, detail=f"{previous} → {status}")
    _bump(session, campaign)


def delete_campaign(session: Session, *, actor: Actor, campaign_id: int) -> None:
    """Delete a campaign that has no ad requests; with requests, it must be cancelled to keep history."""
    campaign = own_campaign(session, actor, campaign_id, lock=True)
    has_requests = session.scalar(select(exists().where(AdRequest.campaign_id == campaign.id)))
    if has_requests:
        raise Conflict(
            "This campaign has ad requests, so deleting it would lose their history. Cancel the campaign instead."
        )
    audit.record(
        session,
        actor,
        "campaign.deleted",
        "campaign",
        campaign.id,
        amount_cents=campaign.budget_cents,
        detail=campaign.name,
    )
    _bump(session, campaign)
    session.delete(campaign)
    session.flush()


def flag_campaign(session: Session, *, actor: Actor, campaign_id: int, reason: str) -> None:
    """Admin: hide a campaign from everyone but its sponsor and admins, with a reason."""
    permissions.require(actor, "campaign.moderate")
    reason = validate.text(reason, "Reason", max_len=500)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("That campaign does not exist.")
    if campaign.flagged:
        raise Conflict("This campaign is already flagged.")
    campaign.flagged, campaign.flag_reason = True, reason
    session.flush()
    listing.refresh_campaigns(session, campaign_id=campaign.id)
    audit.record(session, actor, "campaign.flagged", "campaign", campaign.id, detail=reason)
    notifications.notify(
        session,
        campaign.sponsor_id,
        "moderation",
        f"Your campaign “{campaign.name}” was flagged",
        f"Reason: {reason}",
        link=f"campaign:{campaign.id}",
    )
    _bump(session, campaign)


def unflag_campaign(session: Session, *, actor: Actor, campaign_id: int, note: str = "") -> None:
    """Admin: lift a campaign's flag."""
    permissions.require(actor, "campaign.moderate")
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("That campaign does not exist.")
    if not campaign.flagged:
        raise Conflict("This campaign is not flagged.")
    campaign.flagged, campaign.flag_reason = False, None
    session.flush()
    listing.refresh_campaigns(session, campaign_id=campaign.id)
    audit.record(
        session,
        actor,
        "campaign.unflagged",
        "campaign",
        campaign.id,
        detail=validate.text(note, "Note", max_len=500, required=False),
    )
    notifications.notify(session, campaign.sponsor_id, "moderation", f"Your campaign “{campaign.name}” was unflagged")
    _bump(session, campaign)


def can_view(session: Session, actor: Actor, campaign: Campaign) -> bool:
    """Visibility rule: sponsor and admins always; influencers when listed or when holding a request."""
    if actor is None:
        return False
    if organizations.can_read_org(actor, campaign.organization_id):
        return True
    if actor.role != "influencer":
        return False
    if campaign.listed:
        return True
    return bool(
        session.scalar(
            select(exists().where(AdRequest.campaign_id == campaign.id, AdRequest.influencer_id == actor.id))
        )
    )


@functools.cache
def _campaign_statement():
    """get_campaign()'s select of the campaign and its sponsor's name, built once per process with the id bound."""
    return (
        select(Campaign, Organization.name.label("sponsor_name"))
        .join(Organization, Organization.id == Campaign.organization_id)
        .where(Campaign.id == bindparam("campaign_id"))
    )


@permissions.actor_required
def get_campaign(session: Session, *, actor: Actor, campaign_id: int) -> dict:
    """One campaign as plain data, if the actor may see it."""
    row = session.execute(_campaign_statement(), {"campaign_id": campaign_id}).first()
    if row is None or not can_view(session, actor, row[0]):
        raise NotFound("That campaign does not exist or is private.")
    c, sponsor_name = row
    owner_view = organizations.can_read_org(actor, c.organization_id)
    data = {
        "id": c.id,
        "sponsor_id": c.sponsor_id,
        "organization_id": c.organization_id,
        "brand_id": c.brand_id,
        "sponsor_name": sponsor_name,
        "name": c.name,
        "description": c.description,
        "category": c.category,
        "niche": c.niche,
        "goals": c.goals,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "budget_cents": c.budget_cents,
        "is_public": c.is_public,
        "status": c.status,
        "flagged": c.flagged,
        "flag_reason": c.flag_reason if owner_view else None,
        "created_at": c.created_at,
        "committed_cents": c.committed_cents if owner_view else None,
        "remaining_cents": c.budget_cents - c.committed_cents if owner_view else None,
    }
    return data


def _status_count(status: str):
    return func.coalesce(func.sum(case((AdRequest.status == status, 1), else_=0)), 0).label(status)


CAMPAIGN_LIST_COLUMNS = [
    "id",
    "name",
    "category",
    "niche",
    "status",
    "is_public",
    "flagged",
    "flag_reason",
    "start_date",
    "end_date",
    "budget_cents",
    "committed_cents",
    "remaining_cents",
    "pending",
    "negotiating",
    "accepted",
    "rejected",
    "withdrawn",
    "completed",
    "awaiting_me",
    "requests",
]


def list_sponsor_campaigns(session: Session, *, actor: Actor, status: str | None = None) -> pd.DataFrame:
    """The actor's organization's campaigns with request counts by status and budget use (one query)."""
    org_id = organizations.require_member(actor)
    counts = [
        *[_status_count(s) for s in ("pending", "negotiating", "accepted", "rejected", "withdrawn", "completed")],
        func.coalesce(
            func.sum(
                case((((AdRequest.status.in_(("pending", "negotiating"))) & (AdRequest.turn == "sponsor")), 1), else_=0)
            ),
            0,
        ).label("awaiting_me"),
        # campaign_id, not id: same count, and the (campaign_id, status, turn, ...) index covers it.
        func.count(AdRequest.campaign_id).label("requests"),
    ]
    campaign_columns = (
        Campaign.id,
        Campaign.name,
        Campaign.category,
        Campaign.niche,
        Campaign.status,
        Campaign.is_public,
        Campaign.flagged,
        Campaign.flag_reason,
        Campaign.start_date,
        Campaign.end_date,
        Campaign.budget_cents,
        Campaign.committed_cents,
        (Campaign.budget_cents - Campaign.committed_cents).label("remaining_cents"),
    )
    if session.get_bind().dialect.name == "postgresql":
        # One small aggregate per campaign through the covering index. As a join + GROUP BY, a
        # sponsor with ~1000 campaigns made PostgreSQL hash-join a sequential scan of every request.
        per_campaign = select(*counts).where(AdRequest.campaign_id == Campaign.id).lateral("request_counts")
        stmt = (
            select(*campaign_columns, *[per_campaign.c[c.name] for c in counts])
            .select_from(Campaign)
            .outerjoin(per_campaign, true())
            .where(Campaign.organization_id == org_id)
            .order_by(Campaign.id.desc())
        )
    else:
        stmt = (
            select(*campaign_columns, *counts)
            .outerjoin(AdRequest, AdRequest.campaign_id == Campaign.id)
            .where(Campaign.organization_id == org_id)
            .group_by(Campaign.id)
            .order_by(Campaign.id.desc())
        )
    if status:
        stmt = stmt.where(Campaign.status == validate.choice(status, "Status", CAMPAIGN_STATUSES))
    # Plain tuples in CAMPAIGN_LIST_COLUMNS order: pandas builds a frame from tuples several times
    # faster than from mappings or Row objects (~1000 rows for a busy sponsor).
    return pd.DataFrame([tuple(row) for row in session.execute(stmt)], columns=CAMPAIGN_LIST_COLUMNS)


def sponsor_summary(frame: pd.DataFrame) -> dict:
    """Totals over list_sponsor_campaigns' frame (pure function, no query)."""
    if frame.empty:
        return {
            "campaigns": 0,
            "active": 0,
            "flagged": 0,
            "budget_cents": 0,
            "committed_cents": 0,
            "remaining_cents": 0,
            "awaiting_me": 0,
            "open_requests": 0,
            "accepted": 0,
        }
    return {
        "campaigns": int(len(frame)),
        # A flagged campaign takes no step forward (core/standing.py), so it is not counted as active.
        "active": int(((frame["status"] == "active") & ~frame["flagged"].astype(bool)).sum()),
        "flagged": int(frame["flagged"].astype(bool).sum()),
        "budget_cents": int(frame["budget_cents"].sum()),
        "committed_cents": int(frame["committed_cents"].sum()),
        "remaining_cents": int(frame["remaining_cents"].sum()),
        "awaiting_me": int(frame["awaiting_me"].sum()),
        "open_requests": int(frame["pending"].sum() + frame["negotiating"].sum()),
        "accepted": int(frame["accepted"].sum() + frame["completed"].sum()),
    }


def budget_burn(session: Session, *, actor: Actor, campaign_id: int | None = None) -> pd.DataFrame:
    """Money committed per day (accepted_at) over the organization's campaigns, with a running total."""
    org_id = organizations.require_member(actor)
    day = func.date(AdRequest.accepted_at).label("day")
    stmt = (
        select(day, func.sum(AdRequest.payment_cents).label("committed_cents"))
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(
            Campaign.organization_id == org_id,
            AdRequest.status.in_(("accepted", "completed")),
            AdRequest.accepted_at.is_not(None),
        )
        .group_by(day)
        .order_by(day)
    )
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    frame = pd.DataFrame([tuple(row) for row in session.execute(stmt)], columns=["day", "committed_cents"])
    frame["day"] = pd.to_datetime(frame["day"])
    frame["committed_cents"] = frame["committed_cents"].astype("int64")
    frame["cumulative_cents"] = frame["committed_cents"].cumsum()
    return frame


def list_all_campaigns(
    session: Session,
    *,
    actor: Actor,
    text: str = "",
    status: str | None = None,
    flagged: bool | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> tuple[pd.DataFrame, int]:
    """Admin: every campaign, filtered and keyset-paginated by id (descending), with the total."""
    permissions.require(actor, "campaign.view_any")
    conditions = []
    text = validate.text(text, "Search", max_len=200, required=False)
    if text:
        pattern = f"%{text.lower()}%"
        conditions.append(or_(func.lower(Campaign.name).like(pattern), func.lower(Organization.name).like(pattern)))
    if status:
        conditions.append(Campaign.status == validate.choice(status, "Status", CAMPAIGN_STATUSES))
    if flagged is not None:
        conditions.append(Campaign.flagged.is_(bool(flagged)))
    base = select(Campaign.id).join(Organization, Organization.id == Campaign.organization_id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    stmt = (
        select(
            Campaign.id,
            Campaign.name,
            Organization.name.label("sponsor"),
            Campaign.category,
            Campaign.niche,
            Campaign.status,
            Campaign.is_public,
            Campaign.flagged,
            Campaign.flag_reason,
            Campaign.start_date,
            Campaign.end_date,
            Campaign.budget_cents,
            Campaign.committed_cents,
        )
        .join(Organization, Organization.id == Campaign.organization_id)
        .where(*conditions)
        .order_by(Campaign.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    if after_id:
        stmt = stmt.where(Campaign.id < after_id)
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "name",
            "sponsor",
            "category",
            "niche",
            "status",
            "is_public",
            "flagged",
            "flag_reason",
            "start_date",
            "end_date",
            "budget_cents",
            "committed_cents",
        ],
    ), total


def sponsor_campaign_options(session: Session, *, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the organization's campaigns that can take new requests (for pickers)."""
    org_id = organizations.require_member(actor, "ad_request.send")
    rows = session.execute(
        select(Campaign.id, Campaign.name)
        .where(Campaign.organization_id == org_id, Campaign.status == "active", Campaign.flagged.is_(False))
        .order_by(Campaign.id.desc())
    )
    return [(int(r.id), r.name) for r in rows]
