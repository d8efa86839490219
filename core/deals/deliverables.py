"""Deliverables and content approval: what an accepted deal owes, drafts, the sponsor's review, the live post.

States: planned → (submit draft) in_review → (approve) approved | (request changes) changes_requested → (resubmit)
in_review …; approved → (live URL) live_submitted → (confirm) confirmed | (reject URL) approved. A deal is
completed when every deliverable is confirmed. Every action carries the version its page showed (core/deals/guard).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core import audit, permissions, validate
from core.deals import compliance, guard, parties, uploads
from core.deals.rules import deal_rules
from core.errors import Conflict, InvalidInput, NotFound
from core.marketplace import ad_requests, organizations
from core.messaging import notifications
from core.models import PLATFORMS, AdRequest, Campaign, Deliverable, DeliverableDraft, InfluencerProfile, User
from core.permissions import Actor
from core.platform import cachegen
from core.platform.timeutil import today, utcnow

EDITABLE = ("planned",)
SUBMITTABLE = ("planned", "changes_requested")


def _load(session: Session, deliverable_id: int) -> tuple[Deliverable, parties.Deal]:
    deliverable = session.get(Deliverable, deliverable_id)
    if deliverable is None:
        raise NotFound("That deliverable does not exist.")
    return deliverable, parties.load(session, deliverable.ad_request_id)


def _bump(session: Session, deal: parties.Deal) -> None:
    cachegen.bump(session, cachegen.org_scope(deal.organization_id), cachegen.influencer_scope(deal.influencer_id))


def _fields(title, platform, due_date, hashtags, mentions) -> dict:
    return {
        "title": validate.text(title, "What to deliver", max_len=200),
        "platform": validate.choice(platform, "Platform", PLATFORMS),
        "due_date": validate.date(due_date, "Due date"),
        "required_hashtags": " ".join(
            compliance.tags(validate.text(hashtags, "Hashtags", max_len=400, required=False), "#")
        ),
        "required_mentions": " ".join(
            compliance.tags(validate.text(mentions, "Mentions", max_len=400, required=False), "@")
        ),
    }


def plan_from_request(session: Session, deal: parties.Deal) -> Deliverable:
    """The first deliverable of a newly accepted deal, prefilled from its requirements (the sponsor may edit it)."""
    requirements = deal.request.requirements or ""
    platform = session.scalar(select(InfluencerProfile.platform).where(InfluencerProfile.user_id == deal.influencer_id))
    due = min(deal.campaign.end_date, today() + dt.timedelta(days=14))
    deliverable = Deliverable(
        ad_request_id=deal.request.id,
        title=(requirements.strip().splitlines() or [f"Content for {deal.campaign.name}"])[0][:200],
        platform=platform if platform in PLATFORMS else "instagram",
        due_date=max(due, today()),
        required_hashtags=" ".join(re.findall(r"#\w+", requirements.lower())),
        required_mentions=" ".join(re.findall(r"@\w+", requirements.lower())),
        disclosure_required=True,
    )
    session.add(deliverable)
    session.flush()
    return deliverable


@permissions.actor_required
def add_deliverable(
    session: Session,
    *,
    actor: Actor,
    ad_request_id: int,
    title: str,
    platform: str,
    due_date,
    hashtags: str = "",
    mentions: str = "",
    disclosure_required: bool = True,
) -> int:
    """The sponsor adds one more deliverable to an accepted deal."""
    deal = parties.load(session, ad_request_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    if deal.request.status != "accepted":
        raise Conflict(f"Deliverables can be planned only on accepted deals; this one is {deal.request.status}.")
    values = _fields(title, platform, due_date, hashtags, mentions)
    deliverable = Deliverable(ad_request_id=ad_request_id, disclosure_required=bool(disclosure_required), **values)
    session.add(deliverable)
    session.flush()
    _bump(session, deal)
    return deliverable.id


@permissions.actor_required
def edit_deliverable(
    session: Session,
    *,
    actor: Actor,
    deliverable_id: int,
    expected_version: int,
    title: str,
    platform: str,
    due_date,
    hashtags: str = "",
    mentions: str = "",
    disclosure_required: bool = True,
) -> None:
    """The sponsor changes a deliverable the influencer has not submitted anything for yet."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    if deliverable.status not in EDITABLE:
        raise Conflict("The influencer has already submitted content for this deliverable; it can no longer change.")
    values = _fields(title, platform, due_date, hashtags, mentions)
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=EDITABLE,
        what="deliverable",
        disclosure_required=bool(disclosure_required),
        **values,
    )
    notifications.notify(
        session,
        deal.influencer_id,
        "deliverable",
        f"Deliverable updated: {values['title']}",
        link=f"deliverable:{deliverable.id}",
    )
    _bump(session, deal)


@permissions.actor_required
def remove_deliverable(session: Session, *, actor: Actor, deliverable_id: int, expected_version: int) -> None:
    """The sponsor drops a planned deliverable (kept as cancelled, so nothing disappears from history)."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=EDITABLE,
        what="deliverable",
        status="cancelled",
    )
    _bump(session, deal)


def _next_draft_number(session: Session, deliverable_id: int) -> int:
    return (
        session.scalar(
            select(func.max(DeliverableDraft.number)).where(DeliverableDraft.deliverable_id == deliverable_id)
        )
        or 0
    ) + 1


@permissions.actor_required
def submit_draft(
    session: Session,
    *,
    actor: Actor,
    deliverable_id: int,
    expected_version: int,
    caption: str,
    link: str | None = None,
    file_bytes: bytes | None = None,
    file_name: str = "",
) -> int:
    """The influencer submits a draft (caption, optional link and file) for the sponsor's review."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "influencer", "deal.deliver")
    parties.require_good_standing(session, deal)
    if deal.request.status != "accepted":
        raise Conflict(f"This deal is {deal.request.status}; drafts can be submitted only on accepted deals.")
    if deliverable.status not in SUBMITTABLE:
        raise Conflict(f"This deliverable is {deliverable.status.replace('_', ' ')}; there is nothing to submit now.")
    caption = validate.text(caption, "Caption", max_len=5000)
    link = validate.url(link, "Link")
    rules = deal_rules()
    stored = uploads.store(file_bytes, original_name=file_name, folder=rules.uploads_dir) if file_bytes else None
    check = compliance.check_caption(
        caption,
        hashtags=deliverable.required_hashtags,
        mentions=deliverable.required_mentions,
        disclosure_required=deliverable.disclosure_required,
        markers=rules.disclosure_markers,
    )
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=SUBMITTABLE,
        what="deliverable",
        status="in_review",
    )
    draft = DeliverableDraft(
        deliverable_id=deliverable.id,
        number=_next_draft_number(session, deliverable.id),
        caption=caption,
        link=link,
        file_name=stored.name if stored else None,
        file_mime=stored.mime if stored else None,
        file_size=stored.size if stored else None,
        file_path=stored.path if stored else None,
        compliance=check,
        submitted_by=actor.id,
    )
    session.add(draft)
    session.flush()
    notifications.notify(
        session,
        deal.sponsor_id,
        "draft_submitted",
        f"Draft to review: {deliverable.title}",
        f"{actor.display_name} submitted draft {draft.number} for {deal.campaign.name}.",
        link=f"deliverable:{deliverable.id}",
    )
    _bump(session, deal)
    return draft.id


def _latest_draft(session: Session, deliverable_id: int) -> DeliverableDraft:
    draft = session.scalars(
        select(DeliverableDraft)
        .where(DeliverableDraft.deliverable_id == deliverable_id)
        .order_by(DeliverableDraft.number.desc())
        .limit(1)
    ).first()
    if draft is None:  # in_review always has a draft; this is a broken row, not a user error
        raise NotFound("This deliverable has no draft to review.")
    return draft


@permissions.actor_required
def approve_draft(
    session: Session, *, actor: Actor, deliverable_id: int, expected_version: int, override_reason: str = ""
) -> None:
    """The sponsor approves the draft under review; a draft failing the checklist needs a written reason."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    parties.require_good_standing(session, deal)
    draft = _latest_draft(session, deliverable.id) if deliverable.status == "in_review" else None
    override_reason = validate.text(override_reason, "Override reason", max_len=1000, required=False)
    if draft is not None and not draft.compliance.get("passed", True) and not override_reason:
        raise InvalidInput("This draft fails the compliance checklist; approve it only with a written reason.")
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=("in_review",),
        what="deliverable",
        status="approved",
    )
    if draft is None:  # the transition above only succeeds from in_review, which always has a draft
        raise Conflict(guard.CHANGED.format(what="deliverable"))
    draft.decision, draft.decided_by, draft.decided_at = "approved", actor.id, utcnow()
    draft.override_reason = override_reason
    if override_reason:
        audit.record(
            session, actor, "draft.approved_with_override", "deliverable", deliverable.id, detail=override_reason
        )
    notifications.notify(
        session,
        deal.influencer_id,
        "draft_approved",
        f"Draft approved: {deliverable.title}",
        "Publish it and submit the live post's URL.",
        link=f"deliverable:{deliverable.id}",
    )
    _bump(session, deal)


@permissions.actor_required
def request_changes(session: Session, *, actor: Actor, deliverable_id: int, expected_version: int, reason: str) -> None:
    """The sponsor sends the draft back with a reason, at most `max_change_rounds` times."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    reason = validate.text(reason, "Reason", max_len=2000)
    limit = deal_rules().max_change_rounds
    if deliverable.change_rounds >= limit:
        raise Conflict(f"Changes were requested {limit} times already; approve this draft or cancel the deal.")
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=("in_review",),
        what="deliverable",
        status="changes_requested",
        change_rounds=Deliverable.change_rounds + 1,
    )
    draft = _latest_draft(session, deliverable.id)
    draft.decision, draft.decision_reason, draft.decided_by, draft.decided_at = (
        "changes_requested",
        reason,
        actor.id,
        utcnow(),
    )
    notifications.notify(
        session,
        deal.influencer_id,
        "changes_requested",
        f"Changes requested: {deliverable.title}",
        reason,
        link=f"deliverable:{deliverable.id}",
    )
    _bump(session, deal)


@permissions.actor_required
def submit_live_url(session: Session, *, actor: Actor, deliverable_id: int, expected_version: int, url: str) -> None:
    """The influencer reports where the approved content went live."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "influencer", "deal.deliver")
    parties.require_good_standing(session, deal)
    live_url = validate.url(url, "Live post URL", required=True)
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=("approved",),
        what="deliverable",
        status="live_submitted",
        live_url=live_url,
        live_submitted_at=utcnow(),
    )
    notifications.notify(
        session,
        deal.sponsor_id,
        "live_submitted",
        f"Live post to confirm: {deliverable.title}",
        live_url or "",
        link=f"deliverable:{deliverable.id}",
    )
    _bump(session, deal)


@permissions.actor_required
def reject_live_url(session: Session, *, actor: Actor, deliverable_id: int, expected_version: int, reason: str) -> None:
    """The sponsor sends the live URL back (wrong post, not public yet); the influencer submits another."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    reason = validate.text(reason, "Reason", max_len=2000)
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=("live_submitted",),
        what="deliverable",
        status="approved",
    )
    notifications.notify(
        session,
        deal.influencer_id,
        "live_rejected",
        f"Live post not confirmed: {deliverable.title}",
        reason,
        link=f"deliverable:{deliverable.id}",
    )
    _bump(session, deal)


@permissions.actor_required
def confirm_live(session: Session, *, actor: Actor, deliverable_id: int, expected_version: int) -> bool:
    """The sponsor confirms the live post; returns True when that completed the whole deal."""
    deliverable, deal = _load(session, deliverable_id)
    parties.require_side(actor, deal, "sponsor", "deal.manage")
    parties.require_good_standing(session, deal)
    guard.transition(
        session,
        deliverable,
        expected_version=expected_version,
        from_statuses=("live_submitted",),
        what="deliverable",
        status="confirmed",
        confirmed_at=utcnow(),
    )
    open_left = session.scalar(
        select(func.count()).where(
            Deliverable.ad_request_id == deal.request.id, Deliverable.status.notin_(("confirmed", "cancelled"))
        )
    )
    _bump(session, deal)
    if open_left:
        notifications.notify(
            session,
            deal.influencer_id,
            "live_confirmed",
            f"Live post confirmed: {deliverable.title}",
            link=f"deliverable:{deliverable.id}",
        )
        return False
    # The sponsor acted on the deliverable's version (checked above); completing follows from it, so the
    # request's own version is read here rather than taken from a page.
    ad_requests.mark_completed(
        session,
        actor=actor,
        ad_request_id=deal.request.id,
        expected_version=ad_requests.current_version(session, deal.request.id),
        message="Every deliverable was confirmed.",
    )
    return True


def auto_approve_stale_drafts(session: Session, *, now: dt.datetime | None = None) -> int:
    """Daily job: approve drafts the sponsor left unanswered for `auto_approve_days`; notifies both sides."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=deal_rules().auto_approve_days)
    latest = (
        select(DeliverableDraft.deliverable_id, func.max(DeliverableDraft.number).label("number"))
        .group_by(DeliverableDraft.deliverable_id)
        .subquery()
    )
    stale = session.execute(
        select(Deliverable, DeliverableDraft)
        .join(latest, latest.c.deliverable_id == Deliverable.id)
        .join(
            DeliverableDraft,
            (DeliverableDraft.deliverable_id == Deliverable.id) & (DeliverableDraft.number == latest.c.number),
        )
        .where(Deliverable.status == "in_review", DeliverableDraft.submitted_at <= cutoff)
    ).all()
    approved = 0
    for deliverable, draft in stale:
        try:
            guard.transition(
                session,
                deliverable,
                expected_version=deliverable.version,
                from_statuses=("in_review",),
                what="deliverable",
                status="approved",
            )
        except Conflict:
            continue  # the sponsor answered meanwhile
        draft.decision, draft.decided_at = "auto_approved", now
        deal = parties.load(session, deliverable.ad_request_id)
        body = f"No answer within {deal_rules().auto_approve_days} days, so the draft was approved automatically."
        for user_id in (deal.sponsor_id, deal.influencer_id):
            notifications.notify(
                session,
                user_id,
                "draft_auto_approved",
                f"Draft approved automatically: {deliverable.title}",
                body,
                link=f"deliverable:{deliverable.id}",
            )
        _bump(session, deal)
        approved += 1
    return approved


def cancel_open(session: Session, ad_request_id: int) -> int:
    """Cancel every deliverable not yet confirmed (the deal was cancelled); returns how many."""
    rows = session.scalars(
        select(Deliverable).where(
            Deliverable.ad_request_id == ad_request_id, Deliverable.status.notin_(("confirmed", "cancelled"))
        )
    ).all()
    for row in rows:
        row.status, row.version, row.updated_at = "cancelled", row.version + 1, utcnow()
    return len(rows)


# --- reads -----------------------------------------------------------------------------------------------------


@permissions.actor_required
def list_for_request(session: Session, *, actor: Actor, ad_request_id: int) -> pd.DataFrame:
    """The deal's deliverables, for either side or an admin."""
    deal = parties.load(session, ad_request_id)
    parties.side_of(actor, deal)
    rows = session.execute(
        select(
            Deliverable.id,
            Deliverable.title,
            Deliverable.platform,
            Deliverable.due_date,
            Deliverable.status,
            Deliverable.change_rounds,
            Deliverable.live_url,
            Deliverable.version,
        )
        .where(Deliverable.ad_request_id == ad_request_id)
        .order_by(Deliverable.id)
    ).all()
    return pd.DataFrame(
        rows, columns=["id", "title", "platform", "due_date", "status", "change_rounds", "live_url", "version"]
    )


# Open work before finished work, then soonest due.
_WORK_FIRST = case(
    {"changes_requested": 0, "in_review": 1, "live_submitted": 2, "planned": 3, "approved": 4, "confirmed": 8},
    value=Deliverable.status,
    else_=9,
)


def _queue(session: Session, condition, *, statuses: tuple[str, ...] | None) -> pd.DataFrame:
    query = (
        select(
            Deliverable.id,
            Deliverable.ad_request_id,
            Campaign.name.label("campaign"),
            User.username.label("influencer"),
            Deliverable.title,
            Deliverable.platform,
            Deliverable.due_date,
            Deliverable.status,
            Deliverable.change_rounds,
            Deliverable.version,
        )
        .join(AdRequest, AdRequest.id == Deliverable.ad_request_id)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(User, User.id == AdRequest.influencer_id)
        .where(condition)
        .order_by(_WORK_FIRST, Deliverable.due_date, Deliverable.id)
        .limit(500)
    )
    if statuses:
        query = query.where(Deliverable.status.in_(statuses))
    rows = session.execute(query).all()
    columns = [
        "id",
        "ad_request_id",
        "campaign",
        "influencer",
        "title",
        "platform",
        "due_date",
        "status",
        "change_rounds",
        "version",
    ]
    return pd.DataFrame(rows, columns=columns)


@permissions.actor_required
def influencer_queue(session: Session, *, actor: Actor, statuses: tuple[str, ...] | None = None) -> pd.DataFrame:
    """What the influencer owes, soonest due first."""
    permissions.require(actor, "deal.deliver")
    return _queue(session, AdRequest.influencer_id == actor.id, statuses=statuses)


@permissions.actor_required
def sponsor_queue(session: Session, *, actor: Actor, statuses: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The sponsor's deliverables across campaigns (drafts to review first when asked for in_review)."""
    org_id = organizations.require_member(actor)
    return _queue(session, Campaign.organization_id == org_id, statuses=statuses)


@permissions.actor_required
def get_deliverable(session: Session, *, actor: Actor, deliverable_id: int) -> dict:
    """A deliverable with every draft version, newest first, for either side or an admin."""
    deliverable, deal = _load(session, deliverable_id)
    side = parties.side_of(actor, deal)
    drafts = session.scalars(
        select(DeliverableDraft)
        .where(DeliverableDraft.deliverable_id == deliverable.id)
        .order_by(DeliverableDraft.number.desc())
    ).all()
    return {
        "id": deliverable.id,
        "ad_request_id": deliverable.ad_request_id,
        "campaign": deal.campaign.name,
        "request_status": deal.request.status,
        "side": side,
        "title": deliverable.title,
        "platform": deliverable.platform,
        "due_date": deliverable.due_date,
        "hashtags": deliverable.required_hashtags,
        "mentions": deliverable.required_mentions,
        "disclosure_required": deliverable.disclosure_required,
        "status": deliverable.status,
        "change_rounds": deliverable.change_rounds,
        "changes_left": max(deal_rules().max_change_rounds - deliverable.change_rounds, 0),
        "live_url": deliverable.live_url,
        "version": deliverable.version,
        "drafts": [
            {
                "number": d.number,
                "caption": d.caption,
                "link": d.link,
                "file_name": d.file_name,
                "file_mime": d.file_mime,
                "file_path": d.file_path,
                "compliance": d.compliance,
                "submitted_at": d.submitted_at,
                "decision": d.decision,
                "decision_reason": d.decision_reason,
                "override_reason": d.override_reason,
            }
            for d in drafts
        ],
    }
