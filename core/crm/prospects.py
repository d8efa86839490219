"""Prospect profiles: creators an organization imported, searchable by its members, claimable by the creator.

Prospects belong to one organization (another organization's members never see them) and have no
login until claimed (core/marketplace/claims.py). Every member reads (`crm.view`); administrators get
PermissionDenied: prospects are an organization's private CRM data.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import validate
from core.errors import NotFound
from core.models import PLATFORMS, Prospect
from core.permissions import Actor, require_member

SEARCH_COLUMNS = [
    "id",
    "platform",
    "handle",
    "display_name",
    "followers",
    "engagement_rate",
    "category",
    "niche",
    "country",
    "email",
    "profile_url",
    "claimed",
    "updated_at",
]
SORTS: dict[str, Any] = {
    "followers": Prospect.followers.desc(),
    "recent": Prospect.updated_at.desc(),
    "handle": Prospect.handle,
}


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_prospects(
    session: Session,
    *,
    actor: Actor,
    text: str | None = None,
    platform: str | None = None,
    min_followers: int | None = None,
    claimed: bool | None = None,
    sort: str = "followers",
    limit: int = 50,
    offset: int = 0,
) -> pd.DataFrame:
    """One page of the organization's prospects (frame.attrs["total"]: how many match); ids are what the pipeline stores."""
    org_id = require_member(actor, "crm.view")
    conditions = [Prospect.organization_id == org_id]
    if text:
        pattern = _like(validate.text(text, "Search text", max_len=100))
        conditions.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (Prospect.handle, Prospect.display_name, Prospect.category, Prospect.niche)
                )
            )
        )
    if platform:
        conditions.append(Prospect.platform == validate.choice(platform, "Platform", PLATFORMS))
    if min_followers:
        conditions.append(Prospect.followers >= validate.integer(min_followers, field="Minimum followers"))
    if claimed is not None:
        conditions.append(Prospect.claimed_user_id.is_not(None) if claimed else Prospect.claimed_user_id.is_(None))
    total = session.scalar(select(func.count()).select_from(Prospect).where(*conditions)) or 0
    rows = session.execute(
        select(
            Prospect.id,
            Prospect.platform,
            Prospect.handle,
            Prospect.display_name,
            Prospect.followers,
            Prospect.engagement_rate,
            Prospect.category,
            Prospect.niche,
            Prospect.country,
            Prospect.email,
            Prospect.profile_url,
            Prospect.claimed_user_id.is_not(None).label("claimed"),
            Prospect.updated_at,
        )
        .where(*conditions)
        .order_by(SORTS.get(sort, SORTS["followers"]), Prospect.id)
        .limit(max(1, min(int(limit), 500)))
        .offset(max(0, int(offset)))
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=SEARCH_COLUMNS)
    frame.attrs["total"] = int(total)
    return frame


def get_prospect(session: Session, *, actor: Actor, prospect_id: int) -> dict:
    """One prospect of the actor's organization (NotFound for another organization's)."""
    org_id = require_member(actor, "crm.view")
    prospect = session.get(Prospect, int(prospect_id))
    if prospect is None or prospect.organization_id != org_id:
        raise NotFound("That prospect does not exist.")
    return {c.key: getattr(prospect, c.key) for c in Prospect.__table__.columns}
