"""Cached money views for pages: a sponsor's budget burn and the admin's finance overview.

Same rules as core/marketplace/cached_reads.py: the permission is checked before the cache is looked at,
and every write to a financial document bumps the scopes read here (documents._bump, payments, reviews).
"""

from __future__ import annotations

import pandas as pd

from core import permissions
from core.deals import finance
from core.errors import PermissionDenied
from core.marketplace import organizations
from core.permissions import Actor
from core.platform import cache, cachegen
from core.platform.db import Database
from core.platform.timeutil import today


@permissions.actor_required
def budget_burn(db: Database, *, actor: Actor) -> pd.DataFrame:
    """finance.budget_burn for the sponsor's organization, shared by its members."""
    organizations.require_member(actor)
    cached = cache.read_through(
        db,
        "dashboard",
        ("finance_burn", actor.organization_id),
        (cachegen.org_scope(actor.organization_id),),
        lambda s: finance.budget_burn(s, actor=actor),
    )
    return cached.value


@permissions.actor_required
def burn_by_day(db: Database, *, actor: Actor) -> pd.DataFrame:
    """finance.burn_by_day for the sponsor's organization, shared by its members."""
    organizations.require_member(actor)
    cached = cache.read_through(
        db,
        "dashboard",
        ("finance_burn_by_day", actor.organization_id),
        (cachegen.org_scope(actor.organization_id),),
        lambda s: finance.burn_by_day(s, actor=actor),
    )
    return cached.value


@permissions.actor_required
def finance_overview(db: Database, *, actor: Actor) -> dict:
    """finance.finance_overview, shared by admins; the day is in the key because overdue ageing moves with it."""
    if not actor.can("deal.view_any"):
        raise PermissionDenied("Only administrators see the finance overview.")
    on = today()
    cached = cache.read_through(
        db,
        "finance",  # not "stats": no floor, a payment shows at once (it costs ~70 ms at 1M requests, not ~1 s)
        ("finance_overview", on.isoformat()),
        (cachegen.STATS,),
        lambda s: finance.finance_overview(s, actor=actor, on=on),
    )
    return cached.value
