"""Pipeline records (cards): add from search in bulk, move between stages, owner, tags, notes, automatic moves.

Writes need `pipeline.manage` (owners and managers); analysts read the board (core/crm/board.py) but every
write here refuses them. Admins have no pipeline access. A card of another organization is NotFound, so its
existence is not revealed. Every stage change, by hand or automatic, writes a crm_record_events row; moves,
owner and tag changes carry the card's version. Notes are append-only.

The automatic moves (`record_request_sent`, `record_deal_accepted`) are hooks called by the marketplace and
deals services after their own checks: they check nothing themselves and record the triggering user.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import permissions, validate
from core.crm import guard, stages
from core.errors import Conflict, InvalidInput, NotFound
from core.models import (
    AdRequest,
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
)
from core.permissions import Actor
from core.platform.timeutil import utcnow

WRITE = "pipeline.manage"
MAX_BULK = 500
MAX_TAGS = 20
CARD_NOT_FOUND = "That card does not exist in your pipeline."


def _ids(values) -> list[int]:
    """Distinct positive ints in their first order; InvalidInput for anything else."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InvalidInput("Choose the influencers to add.")
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidInput("Choose the influencers to add.")
        if value not in ids:
            ids.append(value)
    if not ids:
        raise InvalidInput("Choose at least one influencer to add.")
    if len(ids) > MAX_BULK:
        raise InvalidInput(f"Add at most {MAX_BULK} influencers at a time.")
    return ids


def _campaign_of_org(session: Session, org_id: int, campaign_id) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = session.get(Campaign, campaign_id) if isinstance(campaign_id, int) else None
    if campaign is None or campaign.organization_id != org_id:
        raise NotFound("That campaign does not exist in your organization.")
    return campaign


def _record_in_org(session: Session, org_id: int, record_id) -> CrmRecord:
    ok = isinstance(record_id, int) and not isinstance(record_id, bool)
    record = session.get(CrmRecord, record_id) if ok else None
    if record is None or record.organization_id != org_id:
        raise NotFound(CARD_NOT_FOUND)
    return record


def _event(session: Session, record_id: int, actor_id: int | None, before, after: CrmStage, *, auto: bool, note: str):
    session.add(
        CrmRecordEvent(
            record_id=record_id,
            actor_id=actor_id,
            from_stage_id=before.id if before is not None else None,
            from_stage=before.name if before is not None else None,
            to_stage_id=after.id,
            to_stage=after.name,
            automatic=auto,
            note=note,
        )
    )


def _link(session: Session, record_id: int, campaign_id: int | None, actor_id: int | None) -> None:
    if campaign_id is None:
        return
    linked = session.get(CrmRecordCampaign, (record_id, campaign_id))
    if linked is None:
        session.add(CrmRecordCampaign(record_id=record_id, campaign_id=campaign_id, added_by=actor_id))
        session.flush()


def _create(session: Session, org_id: int, influencer_id: int, stage: CrmStage, **fields) -> CrmRecord | None:
    """Insert a card; None when a concurrent writer inserted the same (organization, influencer) first."""
    return _insert(session, CrmRecord(organization_id=org_id, influencer_id=influencer_id, stage_id=stage.id, **fields))


def _insert(session: Session, record: CrmRecord) -> CrmRecord | None:
    """Insert record in a savepoint; None when the unique (organization, subject) index says it exists already."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return None
    return record


def _card_of(session: Session, org_id: int, influencer_id: int) -> CrmRecord | None:
    return session.scalar(
        select(CrmRecord).where(CrmRecord.organization_id == org_id, CrmRecord.influencer_id == influencer_id)
    )


def _shortlist(session: Session, actor: Actor, org_id: int, column: str, ids: list[int], campaign, note: str) -> dict:
    """Put each subject (influencer_id or prospect_id) into Cold unless already a card; link the campaign's board."""
    cold = stages.stage_of_kind(session, org_id, "cold")
    subject = getattr(CrmRecord, column)
    mine = (CrmRecord.organization_id == org_id,)
    existing: dict[int, int] = dict(session.execute(select(subject, CrmRecord.id).where(*mine, subject.in_(ids))).all())
    added = 0
    for subject_id in ids:
        record_id = existing.get(subject_id)
        if record_id is None:
            card = CrmRecord(organization_id=org_id, stage_id=cold.id, owner_id=actor.id, created_by=actor.id)
            setattr(card, column, subject_id)
            record = _insert(session, card)
            if record is None:  # a teammate added the same one a moment ago
                record_id = session.scalars(select(CrmRecord.id).where(*mine, subject == subject_id)).one()
            else:
                added += 1
                record_id = record.id
                _event(session, record.id, actor.id, None, cold, auto=False, note=note)
        _link(session, record_id, campaign.id if campaign else None, actor.id)
    session.flush()
    return {"added": added, "already": len(ids) - added}


def add_to_pipeline(session: Session, *, actor: Actor, influencer_ids, campaign_id: int | None = None) -> dict:
    """Shortlist influencers into the Cold stage (optionally onto a campaign's board); skips ones already there.

    Returns {"added": n, "already": m}. An influencer already in the pipeline keeps its stage (and is put on
    the campaign's board when a campaign is given).
    """
    org_id = permissions.require_member(actor, WRITE)
    ids = _ids(influencer_ids)
    campaign = _campaign_of_org(session, org_id, campaign_id)
    known = set(
        session.scalars(
            select(InfluencerProfile.user_id).where(InfluencerProfile.user_id.in_(ids), InfluencerProfile.listed)
        )
    )
    if len(known) != len(ids):
        raise NotFound("Some of the chosen influencers no longer exist or are not taking requests; search again.")
    return _shortlist(session, actor, org_id, "influencer_id", ids, campaign, "Added to the pipeline")


def add_prospects_to_pipeline(session: Session, *, actor: Actor, prospect_ids, campaign_id: int | None = None) -> dict:
    """Shortlist the organization's imported prospects into Cold; skips ones already there. Returns counts."""
    org_id = permissions.require_member(actor, WRITE)
    ids = _ids(prospect_ids)
    campaign = _campaign_of_org(session, org_id, campaign_id)
    known = set(session.scalars(select(Prospect.id).where(Prospect.id.in_(ids), Prospect.organization_id == org_id)))
    if len(known) != len(ids):
        raise NotFound("Some of the chosen prospects are not in your organization's imports; search again.")
    return _shortlist(session, actor, org_id, "prospect_id", ids, campaign, "Added to the pipeline (prospect)")


def move_record(
    session: Session, *, actor: Actor, record_id: int, to_stage_id: int, expected_version: int, note: str = ""
) -> None:
    """Move a card to another stage of the same pipeline (one click on the board), recorded with who and when."""
    org_id = permissions.require_member(actor, WRITE)
    note = validate.text(note, "Note", max_len=500, required=False, multiline=True)
    record = _record_in_org(session, org_id, record_id)
    target = stages.stage_in_org(session, org_id, to_stage_id)
    current = session.get(CrmStage, record.stage_id)
    if current is not None and current.id == target.id and record.version == expected_version:
        raise Conflict(f"This card is already in “{target.name}”.")
    guard.update_versioned(session, record, expected_version=expected_version, what="card", stage_id=target.id)
    _event(session, record.id, actor.id, current, target, auto=False, note=note)
    session.flush()


def set_owner(session: Session, *, actor: Actor, record_id: int, owner_id: int | None, expected_version: int) -> None:
    """Give a card to a teammate (an active member of the organization), or to nobody with owner_id=None."""
    org_id = permissions.require_member(actor, WRITE)
    record = _record_in_org(session, org_id, record_id)
    if owner_id is not None:
        valid = isinstance(owner_id, int) and not isinstance(owner_id, bool)
        member = session.get(OrgMember, owner_id) if valid else None
        if member is None or member.organization_id != org_id or member.status != "active":
            raise InvalidInput("The owner must be an active teammate of your organization.")
    guard.update_versioned(session, record, expected_version=expected_version, what="card", owner_id=owner_id)


def _tags(values) -> list[str]:
    if isinstance(values, str):
        values = values.split(",")
    tags: list[str] = []
    for value in values or []:
        tag = validate.text(value, "Tag", max_len=40, required=False)
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"A card has at most {MAX_TAGS} tags.")
    return tags


def set_tags(session: Session, *, actor: Actor, record_id: int, tags, expected_version: int) -> list[str]:
    """Replace a card's tags (a list, or a comma-separated string); returns the tags kept."""
    org_id = permissions.require_member(actor, WRITE)
    cleaned = _tags(tags)
    record = _record_in_org(session, org_id, record_id)
    guard.update_versioned(session, record, expected_version=expected_version, what="card")
    session.execute(delete(CrmRecordTag).where(CrmRecordTag.record_id == record.id))
    session.add_all(CrmRecordTag(record_id=record.id, tag=tag) for tag in cleaned)
    session.flush()
    return cleaned


def add_note(session: Session, *, actor: Actor, record_id: int, body: str, contacted: bool = False) -> int:
    """Append a timestamped note by the actor; `contacted` also sets the card's last contact to now."""
    org_id = permissions.require_member(actor, WRITE)
    body = validate.text(body, "Note", max_len=5000, multiline=True)
    record = _record_in_org(session, org_id, record_id)
    note = CrmRecordNote(record_id=record.id, author_id=actor.id, body=body)
    session.add(note)
    if contacted:
        # Not a versioned change: logging a contact never invalidates what a teammate is looking at.
        record.last_contact_at = utcnow()
    session.flush()
    return note.id


def _automatic_move(
    session: Session, *, actor: Actor, org_id: int, influencer_id: int, campaign_id: int, to_kind: str, from_kinds, note
) -> None:
    """Create the card in the to_kind stage, or move it there when it stands in one of from_kinds; link the campaign."""
    target = stages.stage_of_kind(session, org_id, to_kind)
    now = utcnow()
    record = _card_of(session, org_id, influencer_id)
    if record is None:
        owner_id = actor.id if actor.organization_id == org_id else None  # the teammate who sent it owns it
        record = _create(
            session, org_id, influencer_id, target, owner_id=owner_id, created_by=actor.id, last_contact_at=now
        )
        if record is not None:
            _event(session, record.id, actor.id, None, target, auto=True, note=note)
            _link(session, record.id, campaign_id, actor.id)
            return
        record = _card_of(session, org_id, influencer_id)  # created concurrently: move that one instead
        assert record is not None
    current = session.get(CrmStage, record.stage_id)
    should_move = current is not None and current.kind in from_kinds and current.id != target.id
    values = {"stage_id": target.id, "last_contact_at": now} if should_move else {"last_contact_at": now}
    guard.update_versioned(session, record, expected_version=None, what="card", **values)
    if should_move:
        _event(session, record.id, actor.id, current, target, auto=True, note=note)
    _link(session, record.id, campaign_id, actor.id)


@permissions.actor_required
def record_request_sent(session: Session, *, actor: Actor, ad_request_id: int) -> None:
    """Hook after a sponsor sends an ad request: a Cold card moves to Active (created in Active if missing)."""
    _on_request(session, actor, ad_request_id, "active", ("cold",), "Ad request #{request} sent for {campaign}")


@permissions.actor_required
def record_deal_accepted(session: Session, *, actor: Actor, ad_request_id: int) -> None:
    """Hook after an offer is accepted (by either side): the card moves to Final from any stage (created if missing)."""
    note = "Deal accepted for {campaign} (ad request #{request})"
    _on_request(session, actor, ad_request_id, "final", ("cold", "active", "custom"), note)


def _on_request(session: Session, actor: Actor, ad_request_id: int, to_kind: str, from_kinds: tuple, note: str) -> None:
    """The automatic move of the request's influencer card in the campaign's organization (recorded as automatic)."""
    request = session.get(AdRequest, ad_request_id)
    campaign = session.get(Campaign, request.campaign_id) if request is not None else None
    if request is None or campaign is None or campaign.organization_id is None:
        return
    _automatic_move(
        session,
        actor=actor,
        org_id=campaign.organization_id,
        influencer_id=request.influencer_id,
        campaign_id=campaign.id,
        to_kind=to_kind,
        from_kinds=from_kinds,
        note=note.format(request=request.id, campaign=campaign.name),
    )
