"""Good standing as SQL predicates: who may move a negotiation forward, and which negotiations are frozen.

The rule (docs/decisions/neg.md): a negotiation is *open* while its campaign is active, unflagged and not
ended, and both parties are active, approved and unflagged. When it is not open it is frozen, not
withdrawn: every forward step (send, ask, edit, counter, accept) refuses, reject and withdraw stay
allowed so the other side can get out, and reminders skip it. Kept here, below marketplace and
messaging, so the services and the reminder query share one definition.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from core.models import Campaign, User
from core.platform.timeutil import today


def user_in_good_standing(user_id_column):
    """EXISTS: the user is active, approved and not flagged."""
    # An alias: queries that already join `users` (the reminders) would otherwise correlate to their row.
    user = aliased(User)
    return exists(
        select(user.id).where(
            user.id == user_id_column, user.is_active.is_(True), user.approval == "approved", user.flagged.is_(False)
        )
    )


def campaign_open():
    """The campaign (the `Campaign` entity in the query) takes negotiation steps: active, unflagged, not ended."""
    return and_(Campaign.status == "active", Campaign.flagged.is_(False), Campaign.end_date >= today())


def negotiation_open(influencer_id_column):
    """The campaign is open and both its sponsor and the influencer are in good standing."""
    return and_(
        campaign_open(),
        user_in_good_standing(Campaign.sponsor_id),
        user_in_good_standing(influencer_id_column),
    )
