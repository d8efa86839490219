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


# ---- the same rule on loaded rows, with the reason a user reads -------------------------------------------
# One wording for the services' refusals and the pages' "why not": get_thread shows exactly the message the
# service would raise, so a button is hidden for the reason its click would fail.

ANSWER_STILL_POSSIBLE = "You can still decline or withdraw it."


def campaign_hold(campaign, *, deal: bool = False) -> str | None:
    """Why the campaign stops forward steps, or None. A deal (accepted work) is held only by a flag;
    a negotiation also by a campaign that is not active or has ended."""
    if campaign.flagged:
        reason = (campaign.flag_reason or "").strip() or "no reason given"
        if deal:
            return f"This campaign is flagged by an administrator ({reason}), so its deals are on hold."
        return (
            f"This campaign is flagged by an administrator ({reason}), so its negotiations are on hold until "
            f"it is reviewed. {ANSWER_STILL_POSSIBLE}"
        )
    if deal:
        return None
    if campaign.status != "active":
        return f"This campaign is {campaign.status}; only active campaigns take requests and offers."
    if campaign.end_date < today():
        return "This campaign has ended, so its requests can no longer move forward."
    return None


def blocked_users(session, user_ids) -> set[int]:
    """Which of user_ids are not in good standing (inactive, unapproved, flagged or missing)."""
    ids = set(user_ids)
    rows = session.execute(select(User.id, User.is_active, User.approval, User.flagged).where(User.id.in_(ids))).all()
    good = {row.id for row in rows if row.is_active and row.approval == "approved" and not row.flagged}
    return ids - good


def parties_hold(blocked: set[int], *, sponsor_id: int, influencer_id: int, viewer_id: int | None) -> str | None:
    """Why the parties stop forward steps, or None. Another user's flag reason stays private: only the fact."""
    if viewer_id is not None and viewer_id in blocked:
        return "Your account is not in good standing, so you cannot move deals forward."
    if sponsor_id in blocked:
        return f"The sponsor's account is on hold, so this negotiation is frozen. {ANSWER_STILL_POSSIBLE}"
    if influencer_id in blocked:
        return f"The influencer's account is on hold, so this negotiation is frozen. {ANSWER_STILL_POSSIBLE}"
    return None


def negotiation_hold(session, campaign, influencer_id: int, *, viewer_id: int | None, deal: bool = False) -> str | None:
    """Why no forward step (send, counter, edit, accept; complete when deal=True) can succeed, or None.

    The Python twin of negotiation_open(): the services raise this text, get_thread shows it."""
    return campaign_hold(campaign, deal=deal) or parties_hold(
        blocked_users(session, (campaign.sponsor_id, influencer_id)),
        sponsor_id=campaign.sponsor_id,
        influencer_id=influencer_id,
        viewer_id=viewer_id,
    )
