"""The pipeline board as plain data: columns per stage, cards with name, tier, followers, last contact; card detail.

Reads need `crm.view` (owners, managers and analysts of the organization); admins have no pipeline access.
A campaign board shows the cards linked to that campaign (crm_record_campaigns: shortlisted for it, or sent
one of its ad requests).
"""

from __future__ import annotations

import functools

import pandas as pd
from sqlalchemy import Integer, bindparam, false, func, select, union_all
from sqlalchemy.orm import Session, aliased

from core import permissions
from core.crm import stages, tiers
from core.errors import NotFound
from core.models import (
    Campaign,
    CrmRecord,
    CrmRecordCampaign,
    CrmRecordEvent,
    CrmRecordNote,
    CrmRecordTag,
    CrmStage,
    InfluencerProfile,
    Prospect,
    OrgMember,
    SponsorProfile,
    User,
)
from core.permissions import Actor

READ = "crm.view"
CARD_COLUMNS = (
    "record_id",
    "version",
    "stage_id",
    "influencer_id",
    "prospect_id",
    "name",
    "platform",
    "followers",
    "tier",
    "last_contact_at",
    "owner_id",
    "owner",
    "tags",
)


def tier_of(followers: int | None) -> str:
    """The configured tier (core/crm/tiers.py); '' when followers are unknown (a prospect without a count)."""
    if followers is None or pd.isna(followers):
        return ""
    return tiers.tier_of(int(followers))


def _member_name():
    """(User alias, SponsorProfile alias, label expression) naming a teammate: their profile name, else username."""
    user, profile = aliased(User), aliased(SponsorProfile)
    return user, profile, func.coalesce(profile.name, user.username)


def board(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int | None = None,
    owner_id: int | None = None,
    tag: str | None = None,
    per_stage: int | None = None,
    stage_limits: dict[int, int] | None = None,
) -> dict:
    """{"stages": [...], "cards": DataFrame, "totals": {stage_id: cards}} for the actor's organization.

    Filtered by campaign, owner and tag. per_stage keeps the first n cards of each column (most recently
    contacted first) in SQL; stage_limits sets another n for some columns (a column's "Show more"). totals
    counts every card of each column under the same filters, shown or not. None shows every card.
    """
    org_id = _readable_board(session, actor, campaign_id)
    columns = stages.list_stages(session, actor=actor)
    params: dict[str, object] = {"org_id": org_id, "campaign_id": campaign_id, "owner_id": owner_id, "tag": tag}
    saved = [stage["id"] for stage in columns if stage["id"] is not None]  # none before the board's first write
    limits = stage_limits or {}
    for i, stage_id in enumerate(saved if per_stage is not None else []):
        params[f"stage_{i}"] = stage_id
        params[f"limit_{i}"] = _limit(limits.get(stage_id, per_stage))
    filtered = campaign_id is not None or owner_id is not None or bool(tag)
    cards_stmt, totals_stmt, _ = _board_statements(
        campaign_id is not None, owner_id is not None, bool(tag), len(saved) if per_stage is not None else None
    )
    rows = session.execute(cards_stmt, params).all()
    tags = _tags_of(session, org_id, [row.record_id for row in rows])
    # One frame from finished rows (tier, tags, a prospect's fallback name), not columns patched afterwards.
    cards = pd.DataFrame(
        [
            (
                row.record_id,
                row.version,
                row.stage_id,
                row.influencer_id,
                row.prospect_id,
                row.name or f"Prospect #{row.prospect_id}",
                row.platform,
                row.followers,
                tier_of(row.followers),
                row.last_contact_at,
                row.owner_id,
                row.owner,
                row_tags,
            )
            for row, row_tags in zip(rows, tags)
        ],
        columns=list(CARD_COLUMNS),
    )
    if filtered:
        totals = {int(stage_id): int(n) for stage_id, n in session.execute(totals_stmt, params)}
    else:  # the stage list counted every card of each stage already
        totals = {stage["id"]: stage["cards"] for stage in columns if stage["id"] is not None and stage["cards"]}
    return {"stages": columns, "cards": cards, "totals": totals}


def card_names(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int | None = None,
    owner_id: int | None = None,
    tag: str | None = None,
) -> dict[int, str]:
    """{record_id: name} of every card under board()'s filters, shown on the board or not, by name: a picker's
    options, so a card beyond "Show more" is reachable too. Read only when a picker is drawn (1,454 names cost
    the Pipeline page ~5 ms a run, bench/analysis.md, 2026-11-30 session 9)."""
    org_id = _readable_board(session, actor, campaign_id)
    params = {"org_id": org_id, "campaign_id": campaign_id, "owner_id": owner_id, "tag": tag}
    *_, named_stmt = _board_statements(campaign_id is not None, owner_id is not None, bool(tag), None)
    return {int(rid): (label or f"Prospect #{pid}") for rid, label, pid in session.execute(named_stmt, params)}


def _readable_board(session: Session, actor: Actor, campaign_id) -> int:
    """The actor's organization, once they may read its pipeline and campaign_id (if any) is one of its campaigns."""
    org_id = permissions.require_member(actor, READ)
    if campaign_id is not None:
        owner = permissions.campaign_organization(session, campaign_id) if isinstance(campaign_id, int) else None
        if owner is None or owner[0] != org_id:
            raise NotFound("That campaign does not exist in your organization.")
    return org_id


@functools.cache
def _board_statements(by_campaign: bool, by_owner: bool, by_tag: bool, columns: int | None):
    """board()'s three selects (the cards, the totals per stage, every card's name) for one combination of filters,
    built once per process with bound values: building them anew cost more CPU than running them (bench/analysis.md,
    2026-11-30). columns: how many stages keep only their first cards (stage_i, limit_i); None keeps every card."""
    filters = [CrmRecord.organization_id == bindparam("org_id")]
    if by_campaign:
        on_board = select(CrmRecordCampaign.record_id).where(CrmRecordCampaign.campaign_id == bindparam("campaign_id"))
        filters.append(CrmRecord.id.in_(on_board))
    if by_owner:
        filters.append(CrmRecord.owner_id == bindparam("owner_id"))
    if by_tag:
        tagged = select(CrmRecordTag.record_id).where(CrmRecordTag.tag == bindparam("tag"))
        filters.append(CrmRecord.id.in_(tagged))
    # Never-contacted cards first (they wait for a first contact), then the most recently contacted, then the newest
    # card: PostgreSQL's own order under DESC, so a column is ix_crm_records_board_order read backwards there. SQLite
    # puts NULLs last under DESC unless told; it sorts each column's (few hundred) index entries instead.
    order = (CrmRecord.stage_id, CrmRecord.last_contact_at.desc().nulls_first(), CrmRecord.id.desc())
    owner, owner_profile, owner_label = _member_name()
    p = InfluencerProfile
    name = func.coalesce(p.display_name, func.nullif(Prospect.display_name, ""), Prospect.handle, "")
    # The cards under the filters with their influencer's or prospect's profile: the board's query and the
    # picker's both start here.
    profiled = (
        select(CrmRecord.id)
        .outerjoin(p, p.user_id == CrmRecord.influencer_id)
        .outerjoin(Prospect, Prospect.id == CrmRecord.prospect_id)
        .where(*filters)
    )
    cards = (
        profiled.with_only_columns(
            CrmRecord.id.label("record_id"),
            CrmRecord.version,
            CrmRecord.stage_id,
            CrmRecord.influencer_id,
            CrmRecord.prospect_id,
            name.label("name"),
            func.coalesce(p.platform, Prospect.platform).label("platform"),
            func.coalesce(p.followers, Prospect.followers).label("followers"),
            CrmRecord.last_contact_at,
            CrmRecord.owner_id,
            owner_label.label("owner"),
        )
        .outerjoin(owner, owner.id == CrmRecord.owner_id)
        .outerjoin(owner_profile, owner_profile.user_id == CrmRecord.owner_id)
        .order_by(*order)
    )
    if columns is not None:
        # Joined, not "id IN (...)": PostgreSQL answered the IN with a hash semi join over every card of the
        # organization; a join starts from the few ids and fetches each by its key.
        firsts = _first_of_each_stage(filters, order, columns).subquery()
        cards = cards.join(firsts, firsts.c.id == CrmRecord.id)
    totals = select(CrmRecord.stage_id, func.count()).where(*filters).group_by(CrmRecord.stage_id)
    named = profiled.with_only_columns(CrmRecord.id, name, CrmRecord.prospect_id).order_by(name, CrmRecord.id)
    return cards, totals, named


def _limit(n) -> int:
    """A per-column card count from the page: a positive int, at most 500 (anything else reads as 1)."""
    return min(n, 500) if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1


def _first_of_each_stage(filters, order, columns: int):
    """The ids of the first limit_i cards of the stage stage_i under filters, in the board's order, for i < columns.

    One LIMITed select per stage, glued with UNION ALL: each is a range of ix_crm_records_board_order, read only as
    far as its limit. Ranking every card of the organization (row_number per stage) sorted them all: 5.6 ms at
    1,500 cards on PostgreSQL once analyzed, growing with the board (bench/analysis.md, 2026-11-30 session 9).
    """
    if columns == 0:
        return select(CrmRecord.id).where(false())
    firsts = [
        select(CrmRecord.id)
        .where(*filters, CrmRecord.stage_id == bindparam(f"stage_{i}", type_=Integer))
        .order_by(*order[1:])
        .limit(bindparam(f"limit_{i}", type_=Integer))
        .subquery()  # SQLite takes ORDER BY and LIMIT in a compound select's members only inside a subquery
        for i in range(columns)
    ]
    return union_all(*(select(first.c.id) for first in firsts))


def _prospect_name(prospect: Prospect | None, prospect_id: int | None) -> str:
    if prospect is None:
        return f"Prospect #{prospect_id}"
    return f"{prospect.display_name or prospect.handle} (prospect, @{prospect.handle})"


@functools.cache
def _tags_statement():
    """_tags_of()'s select, built once per process (the organization and an expanding list of record ids bound)."""
    return (
        select(CrmRecordTag.record_id, CrmRecordTag.tag)
        .join(CrmRecord, CrmRecord.id == CrmRecordTag.record_id)
        .where(
            CrmRecord.organization_id == bindparam("org_id"),
            CrmRecordTag.record_id.in_(bindparam("record_ids", expanding=True)),
        )
        .order_by(CrmRecordTag.record_id, CrmRecordTag.tag)
    )


def _tags_of(session: Session, org_id: int, record_ids: list[int]) -> list[list[str]]:
    """Each record's tags in record_ids order (one query for the whole board, not one per card)."""
    by_record: dict[int, list[str]] = {rid: [] for rid in record_ids}
    if record_ids:
        rows = session.execute(_tags_statement(), {"org_id": org_id, "record_ids": record_ids})
        for record_id, tag in rows:
            if record_id in by_record:
                by_record[record_id].append(tag)
    return [by_record[rid] for rid in record_ids]


@functools.cache
def _filter_statements():
    """filter_options()'s three selects (campaigns with cards, active teammates, tags in use), built once per
    process with the organization bound."""
    org_id = bindparam("org_id")
    with_cards = (
        select(CrmRecordCampaign.campaign_id)
        .join(CrmRecord, CrmRecord.id == CrmRecordCampaign.record_id)
        .where(CrmRecord.organization_id == org_id)
    )
    campaigns = (
        select(Campaign.id, Campaign.name)
        .where(Campaign.organization_id == org_id, Campaign.id.in_(with_cards))
        .order_by(Campaign.id.desc())
    )
    user, profile, label = _member_name()
    members = (
        select(OrgMember.user_id, label)
        .join(user, user.id == OrgMember.user_id)
        .outerjoin(profile, profile.user_id == OrgMember.user_id)
        .where(OrgMember.organization_id == org_id, OrgMember.status == "active")
        .order_by(label)
    )
    tags = (
        select(CrmRecordTag.tag)
        .join(CrmRecord, CrmRecord.id == CrmRecordTag.record_id)
        .where(CrmRecord.organization_id == org_id)
        .distinct()
        .order_by(CrmRecordTag.tag)
    )
    return campaigns, members, tags


def filter_options(session: Session, *, actor: Actor) -> dict:
    """The board's filter choices: the campaigns that have cards, active teammates and tags in use.

    A campaign without cards has an empty board; leaving it out keeps the picker short (a busy organization
    has 1,000 campaigns, most never shortlisted for).
    """
    org_id = permissions.require_member(actor, READ)
    campaigns_stmt, members_stmt, tags_stmt = _filter_statements()
    params = {"org_id": org_id}
    campaigns = session.execute(campaigns_stmt, params).all()
    members = session.execute(members_stmt, params).all()
    tags = session.scalars(tags_stmt, params).all()
    return {
        "campaigns": {int(i): n for i, n in campaigns},
        "members": {int(i): n for i, n in members},
        "tags": list(tags),
    }


def record_detail(session: Session, *, actor: Actor, record_id: int) -> dict:
    """One card with its notes (newest first), stage history and campaigns; NotFound outside the organization."""
    org_id = permissions.require_member(actor, READ)
    ok = isinstance(record_id, int) and not isinstance(record_id, bool)
    record = session.get(CrmRecord, record_id) if ok else None
    if record is None or record.organization_id != org_id:
        raise NotFound("That card does not exist in your pipeline.")
    profile = session.get(InfluencerProfile, record.influencer_id) if record.influencer_id else None
    stage = session.get(CrmStage, record.stage_id)
    author, author_profile, author_label = _member_name()
    notes = session.execute(
        select(CrmRecordNote.created_at, author_label.label("author"), CrmRecordNote.body)
        .outerjoin(author, author.id == CrmRecordNote.author_id)
        .outerjoin(author_profile, author_profile.user_id == CrmRecordNote.author_id)
        .where(CrmRecordNote.record_id == record.id)
        .order_by(CrmRecordNote.id.desc())
    ).all()
    who, who_profile, who_label = _member_name()
    events = session.execute(
        select(
            CrmRecordEvent.at,
            func.coalesce(who_label, "").label("by"),
            CrmRecordEvent.from_stage,
            CrmRecordEvent.to_stage,
            CrmRecordEvent.automatic,
            CrmRecordEvent.note,
        )
        .outerjoin(who, who.id == CrmRecordEvent.actor_id)
        .outerjoin(who_profile, who_profile.user_id == CrmRecordEvent.actor_id)
        .where(CrmRecordEvent.record_id == record.id)
        .order_by(CrmRecordEvent.id.desc())
    ).all()
    campaigns = session.execute(
        select(Campaign.id, Campaign.name)
        .join(CrmRecordCampaign, CrmRecordCampaign.campaign_id == Campaign.id)
        .where(CrmRecordCampaign.record_id == record.id)
        .order_by(Campaign.id)
    ).all()
    tags = session.scalars(
        select(CrmRecordTag.tag).where(CrmRecordTag.record_id == record.id).order_by(CrmRecordTag.tag)
    ).all()
    prospect = session.get(Prospect, record.prospect_id) if record.prospect_id else None
    return {
        "record_id": record.id,
        "version": record.version,
        "influencer_id": record.influencer_id,
        "prospect_id": record.prospect_id,
        "name": profile.display_name if profile else _prospect_name(prospect, record.prospect_id),
        "followers": profile.followers if profile else (prospect.followers if prospect else None),
        "tier": tier_of(profile.followers if profile else (prospect.followers if prospect else None)),
        "stage_id": record.stage_id,
        "stage": stage.name if stage else "",
        "stage_kind": stage.kind if stage else "",
        "owner_id": record.owner_id,
        "last_contact_at": record.last_contact_at,
        "tags": list(tags),
        "notes": pd.DataFrame(notes, columns=["created_at", "author", "body"]),
        "events": pd.DataFrame(events, columns=["at", "by", "from_stage", "to_stage", "automatic", "note"]),
        "campaigns": {int(i): n for i, n in campaigns},
    }
