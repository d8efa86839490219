"""Ad requests: the negotiation state machine between a campaign's sponsor and an influencer.

States: pending → (accept) accepted → (complete) completed; pending/negotiating → (counter)
negotiating; → rejected (answer by the party on turn) or withdrawn (retracted by the waiting party).
`turn` names the party who must answer next. Every transition is guarded in SQL, written to the
append-only history and, when it moves money, to the audit log.

Act on what the user saw: every transition takes `expected_version=`, the token the page rendered
(`version_token`: newest history event id, status, amount), and runs with the campaign and the request
locked, so a request that moved since refuses with "changed while you were looking". Good standing
(core/standing.py): forward steps need an open campaign and both parties in good standing; reject and
withdraw never do, so either side can leave a frozen negotiation.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Integer, and_, bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, permissions, standing, validate, versioning
from core.crm import pipeline
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import onetrip, organizations
from core.messaging import notifications
from core.models import (
    AD_REQUEST_STATUSES,
    OPEN_AD_REQUEST_STATUSES,
    AdRequest,
    AdRequestEvent,
    AuditLog,
    Campaign,
    InfluencerProfile,
    Notification,
    Organization,
    User,
)
from core.money import check_cents, format_cents
from core.permissions import Actor
from core.platform import cachegen
from core.platform.db import affected_rows
from core.platform.timeutil import utcnow

OTHER_PARTY = {"sponsor": "influencer", "influencer": "sponsor"}


def load_for_update(session: Session, ad_request_id: int) -> tuple[AdRequest, Campaign]:
    """The request and its campaign, both rows locked in the order every transition takes them (deals use it)."""
    return _load(session, ad_request_id, lock=True)


@functools.cache
def _load_statement():
    """_load()'s select of the request and its campaign, built once per process with the request id bound."""
    return (
        select(AdRequest, Campaign)
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .where(AdRequest.id == bindparam("ad_request_id"))
        # Objects loaded earlier in this transaction may hold values from before the lock.
        .execution_options(populate_existing=True)
    )


def _load(session: Session, ad_request_id: int, *, lock: bool = False) -> tuple[AdRequest, Campaign]:
    """The request and its campaign, fresh from the database; with lock, both rows locked (PostgreSQL)."""
    if lock:
        campaign_id = session.scalar(select(AdRequest.campaign_id).where(AdRequest.id == ad_request_id))
        if campaign_id is None:
            raise NotFound("That ad request does not exist.")
        # Campaign first, then request: the order set_status (complete/cancel) takes them in, so the two
        # cannot deadlock. A cancel or flag waiting on the campaign sees this transition's result.
        session.execute(select(Campaign.id).where(Campaign.id == campaign_id).with_for_update())
        session.execute(select(AdRequest.id).where(AdRequest.id == ad_request_id).with_for_update())
    row = session.execute(_load_statement(), {"ad_request_id": ad_request_id}).first()
    if row is None:
        raise NotFound("That ad request does not exist.")
    return row[0], row[1]


# ---- versions: act on what the user saw --------------------------------------------------------------------


def version_token(last_event_id: int | None, status: str, payment_cents: int) -> str:
    """The version of a request as a page shows it: its newest history event (history is append-only and
    every transition writes one), with status and amount so a refusal can say what changed."""
    return versioning.token(last_event_id, status, int(payment_cents))


def _last_event_id():
    return (
        select(func.max(AdRequestEvent.id))
        .where(AdRequestEvent.ad_request_id == AdRequest.id)
        .correlate(AdRequest)
        .scalar_subquery()
    )


def current_version(session: Session, ad_request_id: int) -> str:
    """The request's version now, for callers that act without a page (scripts, demo data, tests)."""
    row = session.execute(
        select(_last_event_id(), AdRequest.status, AdRequest.payment_cents).where(AdRequest.id == ad_request_id)
    ).first()
    if row is None:
        raise NotFound("That ad request does not exist.")
    return version_token(*row)


def _require_version(session: Session, request: AdRequest, expected_version: str) -> None:
    """Conflict unless the request (loaded under lock) is still at the version the user saw."""
    last_event = session.scalar(select(func.max(AdRequestEvent.id)).where(AdRequestEvent.ad_request_id == request.id))
    now = format_cents(request.payment_cents) if request.status in OPEN_AD_REQUEST_STATUSES else request.status
    versioning.require(expected_version, version_token(last_event, request.status, request.payment_cents), now=now)


def _require_negotiable(session: Session, campaign: Campaign, influencer_id: int, actor: Actor) -> None:
    """The one "open for negotiation" rule of every forward step: campaign active, unflagged and not ended,
    both parties active, approved and unflagged (core/standing.py: negotiation_hold, and in SQL)."""
    held = standing.negotiation_hold(session, campaign, influencer_id, viewer_id=actor.id)
    if held:
        raise Conflict(held)


def _over_budget(campaign: Campaign, amount: int) -> str | None:
    """Why accepting amount would break the campaign's budget, or None."""
    remaining = campaign.budget_cents - campaign.committed_cents
    if amount <= remaining:
        return None
    return f"Accepting {format_cents(amount)} would exceed the campaign budget: only {format_cents(remaining)} is left."


def _party_of(actor: Actor, request: AdRequest, campaign: Campaign) -> str:
    """Which side of the request the actor is on; PermissionDenied when neither."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    if (
        actor.role == "sponsor"
        and actor.organization_id is not None
        and campaign.organization_id == actor.organization_id
    ):
        return "sponsor"
    if actor.role == "influencer" and request.influencer_id == actor.id:
        return "influencer"
    raise PermissionDenied("That ad request is not yours.")


def _require_permission_for(actor: Actor, party: str) -> None:
    permissions.require(actor, "ad_request.negotiate" if party == "sponsor" else "ad_request.respond")


def _user_id_of(party: str, request: AdRequest, campaign: Campaign) -> int:
    return campaign.sponsor_id if party == "sponsor" else request.influencer_id


def _message(value) -> str:
    return validate.text(value, "Message", max_len=2000, required=False, multiline=True)


def _record(
    session: Session,
    request: AdRequest,
    actor: Actor,
    party: str,
    action: str,
    from_status: str | None,
    to_status: str,
    amount_cents: int | None,
    message: str,
) -> None:
    session.add(
        AdRequestEvent(
            ad_request_id=request.id,
            actor_id=actor.id,
            actor_party=party,
            action=action,
            from_status=from_status,
            to_status=to_status,
            amount_cents=amount_cents,
            message=message,
        )
    )


def _bump(session: Session, request: AdRequest, campaign: Campaign) -> None:
    cachegen.bump(
        session,
        cachegen.STATS,
        cachegen.org_scope(campaign.organization_id),
        cachegen.influencer_scope(request.influencer_id),
    )


def _notify_other(session: Session, request: AdRequest, campaign: Campaign, party: str, title: str, body: str) -> None:
    other = OTHER_PARTY[party]
    link = f"campaign:{campaign.id}" if other == "sponsor" else f"request:{request.id}"
    notifications.notify(session, _user_id_of(other, request, campaign), "ad_request", title, body, link=link)


def _check_sponsor_amount(campaign: Campaign, amount: int) -> None:
    remaining = campaign.budget_cents - campaign.committed_cents
    if amount > remaining:
        raise InvalidInput(
            f"{format_cents(amount)} is more than this campaign has left "
            f"({format_cents(remaining)} of {format_cents(campaign.budget_cents)})."
        )


def _guarded_transition(session: Session, request: AdRequest, *, from_statuses, turn: str | None, values: dict) -> None:
    """Apply values only if the row is still in the state we checked; Conflict if someone got there first."""
    conditions = [
        AdRequest.id == request.id,
        AdRequest.status.in_(from_statuses),
        AdRequest.payment_cents == request.payment_cents,
    ]
    if turn is not None:
        conditions.append(AdRequest.turn == turn)
    result = session.execute(
        update(AdRequest)
        .where(*conditions)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        raise Conflict("This request changed while you were looking at it. Please reload and try again.")
    session.expire(request)


def _lock_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign, locked and fresh: a concurrent cancel or flag either waits for this transaction (and then
    sees its request) or commits first (and this one sees the new state)."""
    return session.scalar(
        select(Campaign).where(Campaign.id == campaign_id).with_for_update().execution_options(populate_existing=True)
    )


def _insert(session: Session, request: AdRequest) -> None:
    session.add(request)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("There is already an open or accepted request between this campaign and influencer.") from None


def send_ad_request(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    influencer_id: int,
    payment_cents: int,
    requirements: str,
    message: str = "",
) -> int:
    """Sponsor offers a campaign job to an influencer; returns the new request id."""
    permissions.require(actor, "ad_request.send")
    requirements = validate.text(requirements, "Requirements", max_len=5000, multiline=True)
    message = _message(message)
    amount = check_cents(payment_cents, field="Payment", allow_zero=False)
    campaign = _lock_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound("That campaign does not exist.")
    if campaign.organization_id != actor.organization_id:
        raise PermissionDenied("That campaign belongs to another organization.")
    influencer = session.get(InfluencerProfile, influencer_id)
    if influencer is None or not influencer.listed:
        raise NotFound("That influencer does not exist or is not taking requests.")
    _require_negotiable(session, campaign, influencer_id, actor)
    _check_sponsor_amount(campaign, amount)
    request = AdRequest(
        campaign_id=campaign.id,
        influencer_id=influencer_id,
        initiated_by="sponsor",
        requirements=requirements,
        payment_cents=amount,
        status="pending",
        turn="influencer",
    )
    _insert(session, request)
    _record(session, request, actor, "sponsor", "sent", None, "pending", amount, message)
    pipeline.record_request_sent(session, actor=actor, ad_request_id=request.id)  # Cold card → Active
    notifications.notify(
        session,
        influencer_id,
        "ad_request",
        f"New ad request: {campaign.name}",
        f"{actor.display_name} offers {format_cents(amount)}.",
        link=f"request:{request.id}",
    )
    _bump(session, request, campaign)
    return request.id


def ask_to_join(
    session: Session, *, actor: Actor, campaign_id: int, payment_cents: int, message: str, requirements: str = ""
) -> int:
    """Influencer asks to join a public campaign with an offer; returns the new request id."""
    permissions.require(actor, "ad_request.ask")
    message = validate.text(message, "Message", max_len=2000, multiline=True)
    requirements = validate.text(requirements, "Proposal", max_len=5000, required=False, multiline=True)
    amount = check_cents(payment_cents, field="Your price", allow_zero=False)
    campaign = _lock_campaign(session, campaign_id)
    if campaign is None or not campaign.listed:
        raise NotFound("That campaign does not exist or is not public.")
    _require_negotiable(session, campaign, actor.id, actor)
    request = AdRequest(
        campaign_id=campaign.id,
        influencer_id=actor.id,
        initiated_by="influencer",
        requirements=requirements or message,
        payment_cents=amount,
        status="pending",
        turn="sponsor",
    )
    _insert(session, request)
    _record(session, request, actor, "influencer", "asked", None, "pending", amount, message)
    notifications.notify(
        session,
        campaign.sponsor_id,
        "ad_request",
        f"{actor.display_name} asks to join {campaign.name}",
        f"Asking {format_cents(amount)}.",
        link=f"campaign:{campaign.id}",
    )
    _bump(session, request, campaign)
    return request.id


def _locked_party(
    session: Session, actor: Actor, ad_request_id: int, expected_version: str
) -> tuple[AdRequest, Campaign, str]:
    """Lock the request, check who the actor is, then that the request is still what they saw."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    request, campaign = _load(session, ad_request_id, lock=True)
    party = _party_of(actor, request, campaign)
    _require_permission_for(actor, party)
    _require_version(session, request, expected_version)
    return request, campaign, party


def _on_turn(
    session: Session, actor: Actor, ad_request_id: int, expected_version: str
) -> tuple[AdRequest, Campaign, str]:
    request, campaign, party = _locked_party(session, actor, ad_request_id, expected_version)
    if request.status not in OPEN_AD_REQUEST_STATUSES:
        raise Conflict(f"This request is already {request.status}.")
    if request.turn != party:
        raise Conflict(f"It is the {request.turn}'s turn to answer; wait for their reply.")
    return request, campaign, party


# ---- the fast path: the writes check what the page saw -----------------------------------------------------
# A transition used to lock, load, read the version, read standing, update, refresh and insert row by row:
# ~16 statements, each a round trip on PostgreSQL. Now: one statement locks the campaign and reads what the
# checks need, one guarded UPDATE (state, turn, amount, newest history id) writes everything else with it
# (core/marketplace/onetrip.py). When any check fails, the full path below runs the checks in their old order,
# so the refusal is the same words it always was (the failure path may cost more trips).


@dataclass(frozen=True)
class _Seen:
    """The version token the page rendered, read back: the request as the user saw it."""

    last_event_id: int
    status: str
    payment_cents: int


@dataclass(frozen=True)
class _Move:
    """What a fast transition knows after its one read: the locked campaign and the actor's side."""

    request_id: int
    campaign: Campaign
    influencer_id: int
    party: str
    seen: _Seen


def _seen(expected_version) -> _Seen | None:
    """The token parsed (versioning.token: newest event id, status, amount), or None if it is not one."""
    try:
        last_event_id, status, amount = str(expected_version).split(":")
        return _Seen(int(last_event_id), status, int(amount))
    except ValueError:
        return None


@functools.cache
def _lock_with_standing():
    """The request's campaign, locked (before the request: the order every writer takes them in), with the
    request's influencer and whether both parties are in good standing, in one statement (parameter
    lock_rid). Built once per process: constructing its two EXISTS cost ~1 ms of an accept's CPU."""
    return (
        select(
            Campaign,
            AdRequest.influencer_id,
            standing.user_in_good_standing(Campaign.sponsor_id).label("sponsor_ok"),
            standing.user_in_good_standing(AdRequest.influencer_id).label("influencer_ok"),
        )
        .join(AdRequest, AdRequest.campaign_id == Campaign.id)
        .where(AdRequest.id == bindparam("lock_rid", type_=Integer))
        .with_for_update(of=Campaign)
        .execution_options(populate_existing=True)
    )


def _fast(session: Session, actor: Actor, ad_request_id: int, expected_version, *, forward: bool) -> _Move | None:
    """Lock and check in one read; None whenever a check would refuse (the full path then says why)."""
    seen = _seen(expected_version)
    party = actor.role if actor.role in OTHER_PARTY else None
    if seen is None or party is None or seen.status not in OPEN_AD_REQUEST_STATUSES:
        return None
    if not actor.can("ad_request.negotiate" if party == "sponsor" else "ad_request.respond"):
        return None
    row = session.execute(_lock_with_standing(), {"lock_rid": ad_request_id}).first()
    if row is None:
        return None
    campaign, influencer_id, sponsor_ok, influencer_ok = row
    if party == "sponsor":
        mine = actor.organization_id is not None and campaign.organization_id == actor.organization_id
    else:
        mine = influencer_id == actor.id
    if not mine:
        return None
    if forward:
        blocked = {user for user, ok in ((campaign.sponsor_id, sponsor_ok), (influencer_id, influencer_ok)) if not ok}
        held = standing.campaign_hold(campaign) or standing.parties_hold(
            blocked, sponsor_id=campaign.sponsor_id, influencer_id=influencer_id, viewer_id=actor.id
        )
        if held:
            return None
    return _Move(ad_request_id, campaign, influencer_id, party, seen)


_EVENT_COLUMNS = (
    "ad_request_id",
    "actor_id",
    "actor_party",
    "action",
    "from_status",
    "to_status",
    "amount_cents",
    "message",
    "at",
)
_NOTIFICATION_COLUMNS = ("user_id", "kind", "title", "body", "link", "created_at")
_AUDIT_COLUMNS = ("at", "actor_id", "action", "target_type", "target_id", "amount_cents", "detail")


def _shape(sets: tuple[str, ...], *, accept: bool = False) -> onetrip.Shape:
    """A transition's writes, bound: the request UPDATE guarded by exactly what the user saw (state, turn,
    amount, newest history id), the history row and notification; for accept also the budget charge
    (checked and charged in one statement) and the audit row."""
    # Parameter names are never column names: Core would read such a key as one more SET column.
    newest = select(func.coalesce(func.max(AdRequestEvent.id), 0)).where(
        AdRequestEvent.ad_request_id == bindparam("rid")
    )
    guarded = (
        update(AdRequest)
        .where(
            AdRequest.id == bindparam("rid"),
            AdRequest.status == bindparam("seen_status"),
            AdRequest.turn == bindparam("seen_turn"),
            AdRequest.payment_cents == bindparam("seen_amount"),
            newest.scalar_subquery() == bindparam("seen_event"),
        )
        .values(updated_at=bindparam("now"), **{column: bindparam(f"to_{column}") for column in sets})
    )
    inserts = [(AdRequestEvent, _EVENT_COLUMNS), (Notification, _NOTIFICATION_COLUMNS)]
    if not accept:
        return onetrip.Shape(guarded, inserts=tuple(inserts))
    amount = bindparam("charge_amount", type_=Campaign.committed_cents.type)
    charge = (
        update(Campaign)
        .where(
            Campaign.id == bindparam("charge_campaign"),
            Campaign.status == "active",
            Campaign.flagged.is_(False),
            Campaign.committed_cents + amount <= Campaign.budget_cents,
        )
        # updated_at explicitly: inside a CTE SQLAlchemy leaves the column's onupdate out (it would be NULL).
        .values(committed_cents=Campaign.committed_cents + amount, updated_at=bindparam("now"))
    )
    return onetrip.Shape(guarded, then_update=(charge,), inserts=(*inserts, (AuditLog, _AUDIT_COLUMNS)))


def _fast_write(
    session: Session,
    move: _Move,
    actor: Actor,
    *,
    name: str,
    turn: str,
    sets: dict,
    event: tuple[str, int | None, str],
    notice: tuple[str, str],
    audit_detail: str | None = None,
) -> bool:
    """Write the transition `name` in one trip; True if the request was still as the user saw it."""
    now = utcnow()
    action, amount, message = event
    to_status = sets["status"]
    other = OTHER_PARTY[move.party]
    campaign = move.campaign
    if other == "sponsor":
        user_id, link = campaign.sponsor_id, f"campaign:{campaign.id}"
    else:
        user_id, link = move.influencer_id, f"request:{move.request_id}"
    params = {
        "rid": move.request_id,
        "seen_status": move.seen.status,
        "seen_turn": turn,
        "seen_amount": move.seen.payment_cents,
        "seen_event": move.seen.last_event_id,
        "now": now,
        **{f"to_{column}": value for column, value in sets.items()},
        **onetrip.row_params(
            AdRequestEvent,
            {
                "ad_request_id": move.request_id,
                "actor_id": actor.id,
                "actor_party": move.party,
                "action": action,
                "from_status": move.seen.status,
                "to_status": to_status,
                "amount_cents": amount,
                "message": message,
                "at": now,
            },
        ),
        **onetrip.row_params(Notification, notifications.row(user_id, "ad_request", *notice, link=link)),
    }
    if audit_detail is not None:
        params |= {"charge_amount": move.seen.payment_cents, "charge_campaign": campaign.id}
        params |= onetrip.row_params(
            AuditLog,
            audit.row(
                actor,
                f"ad_request.{to_status}",
                "ad_request",
                move.request_id,
                amount_cents=move.seen.payment_cents,
                detail=audit_detail,
            ),
        )
    scopes = (
        cachegen.STATS,
        cachegen.org_scope(campaign.organization_id),
        cachegen.influencer_scope(move.influencer_id),
    )
    moved, charged = onetrip.write(
        session, name, lambda: _shape(tuple(sets), accept=audit_detail is not None), params, bump=scopes
    )
    if moved and not charged:  # the campaign is locked and was checked: only a bug gets here; roll back
        raise Conflict("This campaign changed while you were looking; reload it.")
    return _moved(session, move, moved)


def _moved(session: Session, move: _Move, done: bool) -> bool:
    """After a fast write: drop this session's stale copies (the write bypassed the ORM)."""
    if done:
        onetrip.forget(session, AdRequest, move.request_id)
        onetrip.forget(session, Campaign, move.campaign.id)
    return done


@permissions.actor_required
def accept(session: Session, *, actor: Actor, ad_request_id: int, expected_version: str, message: str = "") -> None:
    """The party on turn accepts the amount they saw; the campaign's budget is charged atomically."""
    message = _message(message)
    move = _fast(session, actor, ad_request_id, expected_version, forward=True)
    if move is not None and _over_budget(move.campaign, move.seen.payment_cents) is None:
        amount, campaign = move.seen.payment_cents, move.campaign
        if _fast_write(
            session,
            move,
            actor,
            name="accept",
            turn=move.party,
            sets={"status": "accepted", "turn": None, "accepted_at": utcnow()},
            event=("accepted", amount, message),
            notice=(f"Accepted: {campaign.name}", f"{actor.display_name} accepted {format_cents(amount)}."),
            audit_detail=f"campaign {campaign.id}",
        ):
            return
    _accept_checked(session, actor, ad_request_id, expected_version, message)


def _charge(campaign_id: int, amount: int):
    """Check and charge the budget in one statement: concurrent accepts cannot both pass the budget test."""
    return (
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.status == "active",
            Campaign.flagged.is_(False),
            Campaign.committed_cents + amount <= Campaign.budget_cents,
        )
        .values(committed_cents=Campaign.committed_cents + amount)
        .execution_options(synchronize_session=False)
    )


def _accept_checked(session: Session, actor: Actor, ad_request_id: int, expected_version: str, message: str) -> None:
    """Accept with every check in turn: says why the fast path refused (or, after a race, accepts)."""
    request, campaign, party = _on_turn(session, actor, ad_request_id, expected_version)
    _require_negotiable(session, campaign, request.influencer_id, actor)
    amount, previous = request.payment_cents, request.status
    now = utcnow()
    _guarded_transition(
        session,
        request,
        from_statuses=OPEN_AD_REQUEST_STATUSES,
        turn=party,
        values={"status": "accepted", "turn": None, "accepted_at": now},
    )
    charged = session.execute(_charge(campaign.id, amount))
    if affected_rows(charged) != 1:
        session.refresh(campaign)
        # The same words the thread showed: the campaign's hold (e.g. flagged meanwhile), else the budget.
        raise Conflict(
            standing.campaign_hold(campaign)
            or _over_budget(campaign, amount)
            or "This campaign changed while you were looking; reload it."
        )
    session.expire(campaign)
    _record(session, request, actor, party, "accepted", previous, "accepted", amount, message)
    audit.record(
        session,
        actor,
        "ad_request.accepted",
        "ad_request",
        request.id,
        amount_cents=amount,
        detail=f"campaign {campaign.id}",
    )
    _notify_other(
        session,
        request,
        campaign,
        party,
        f"Accepted: {campaign.name}",
        f"{actor.display_name} accepted {format_cents(amount)}.",
    )
    _bump(session, request, campaign)


@permissions.actor_required
def reject(session: Session, *, actor: Actor, ad_request_id: int, expected_version: str, message: str = "") -> None:
    """The party on turn turns the request down (allowed even while the negotiation is frozen)."""
    message = _message(message)
    move = _fast(session, actor, ad_request_id, expected_version, forward=False)
    if move is not None and _fast_write(
        session,
        move,
        actor,
        name="reject",
        turn=move.party,
        sets={"status": "rejected", "turn": None},
        event=("rejected", None, message),
        notice=(
            f"Declined: {move.campaign.name}",
            f"{actor.display_name} declined." + (f" “{message}”" if message else ""),
        ),
    ):
        return
    _reject_checked(session, actor, ad_request_id, expected_version, message)


def _reject_checked(session: Session, actor: Actor, ad_request_id: int, expected_version: str, message: str) -> None:
    """Reject with every check in turn (the fast path's refusals, in their words)."""
    request, campaign, party = _on_turn(session, actor, ad_request_id, expected_version)
    previous = request.status
    _guarded_transition(
        session,
        request,
        from_statuses=OPEN_AD_REQUEST_STATUSES,
        turn=party,
        values={"status": "rejected", "turn": None},
    )
    _record(session, request, actor, party, "rejected", previous, "rejected", None, message)
    _notify_other(
        session,
        request,
        campaign,
        party,
        f"Declined: {campaign.name}",
        f"{actor.display_name} declined." + (f" “{message}”" if message else ""),
    )
    _bump(session, request, campaign)


@permissions.actor_required
def counter_offer(
    session: Session, *, actor: Actor, ad_request_id: int, expected_version: str, payment_cents: int, message: str
) -> None:
    """The party on turn proposes a new amount; the turn passes to the other party."""
    message = validate.text(message, "Message", max_len=2000, multiline=True)
    amount = check_cents(payment_cents, field="Counter-offer", allow_zero=False)
    move = _fast(session, actor, ad_request_id, expected_version, forward=True)
    if (
        move is not None
        and amount != move.seen.payment_cents
        and not (move.party == "sponsor" and amount > move.campaign.budget_cents - move.campaign.committed_cents)
    ):
        if _fast_write(
            session,
            move,
            actor,
            name="counter",
            turn=move.party,
            sets={"status": "negotiating", "turn": OTHER_PARTY[move.party], "payment_cents": amount},
            event=("countered", amount, message),
            notice=(f"Counter-offer: {move.campaign.name}", f"{actor.display_name} proposes {format_cents(amount)}."),
        ):
            return
    _counter_checked(session, actor, ad_request_id, expected_version, amount, message)


def _counter_checked(
    session: Session, actor: Actor, ad_request_id: int, expected_version: str, amount: int, message: str
) -> None:
    """Counter with every check in turn (the fast path's refusals, in their words)."""
    request, campaign, party = _on_turn(session, actor, ad_request_id, expected_version)
    _require_negotiable(session, campaign, request.influencer_id, actor)
    if amount == request.payment_cents:
        raise InvalidInput("A counter-offer needs a different amount. To agree to this amount, accept it.")
    if party == "sponsor":
        _check_sponsor_amount(campaign, amount)
    previous = request.status
    _guarded_transition(
        session,
        request,
        from_statuses=OPEN_AD_REQUEST_STATUSES,
        turn=party,
        values={"status": "negotiating", "turn": OTHER_PARTY[party], "payment_cents": amount},
    )
    _record(session, request, actor, party, "countered", previous, "negotiating", amount, message)
    _notify_other(
        session,
        request,
        campaign,
        party,
        f"Counter-offer: {campaign.name}",
        f"{actor.display_name} proposes {format_cents(amount)}.",
    )
    _bump(session, request, campaign)


@permissions.actor_required
def withdraw(session: Session, *, actor: Actor, ad_request_id: int, expected_version: str, message: str = "") -> None:
    """The waiting party retracts its open offer (the party on turn rejects instead); allowed while frozen."""
    message = _message(message)
    move = _fast(session, actor, ad_request_id, expected_version, forward=False)
    if move is not None and _fast_write(
        session,
        move,
        actor,
        name="withdraw",
        turn=OTHER_PARTY[move.party],
        sets={"status": "withdrawn", "turn": None},
        event=("withdrawn", None, message),
        notice=(f"Withdrawn: {move.campaign.name}", f"{actor.display_name} withdrew the request."),
    ):
        return
    _withdraw_checked(session, actor, ad_request_id, expected_version, message)


def _withdraw_checked(session: Session, actor: Actor, ad_request_id: int, expected_version: str, message: str) -> None:
    """Withdraw with every check in turn (the fast path's refusals, in their words)."""
    request, campaign, party = _locked_party(session, actor, ad_request_id, expected_version)
    if request.status not in OPEN_AD_REQUEST_STATUSES:
        raise Conflict(f"This request is already {request.status}.")
    if request.turn == party:
        raise Conflict("It is your turn to answer: reject the request instead of withdrawing it.")
    previous = request.status
    _guarded_transition(
        session,
        request,
        from_statuses=OPEN_AD_REQUEST_STATUSES,
        turn=OTHER_PARTY[party],
        values={"status": "withdrawn", "turn": None},
    )
    _record(session, request, actor, party, "withdrawn", previous, "withdrawn", None, message)
    _notify_other(
        session, request, campaign, party, f"Withdrawn: {campaign.name}", f"{actor.display_name} withdrew the request."
    )
    _bump(session, request, campaign)


@permissions.actor_required
def edit_ad_request(
    session: Session,
    *,
    actor: Actor,
    ad_request_id: int,
    expected_version: str,
    requirements: str,
    payment_cents: int,
    message: str = "",
) -> None:
    """The initiator changes a request nobody has answered yet."""
    requirements = validate.text(requirements, "Requirements", max_len=5000, multiline=True)
    amount = check_cents(payment_cents, field="Payment", allow_zero=False)
    message = _message(message)
    request, campaign, party = _locked_party(session, actor, ad_request_id, expected_version)
    if request.initiated_by != party:
        raise PermissionDenied("Only the side that sent a request can edit it; counter-offer instead.")
    if request.status != "pending":
        raise Conflict("This request has been answered already and can no longer be edited.")
    _require_negotiable(session, campaign, request.influencer_id, actor)
    if party == "sponsor":
        _check_sponsor_amount(campaign, amount)
    _guarded_transition(
        session,
        request,
        from_statuses=("pending",),
        turn=OTHER_PARTY[party],
        values={"requirements": requirements, "payment_cents": amount},
    )
    _record(session, request, actor, party, "edited", "pending", "pending", amount, message)
    _notify_other(
        session,
        request,
        campaign,
        party,
        f"Request updated: {campaign.name}",
        f"{actor.display_name} changed the request ({format_cents(amount)}).",
    )
    _bump(session, request, campaign)


@permissions.actor_required
def mark_completed(
    session: Session, *, actor: Actor, ad_request_id: int, expected_version: str, message: str = ""
) -> None:
    """The sponsor confirms an accepted job was delivered (both parties in good standing, campaign unflagged)."""
    message = _message(message)
    request, campaign, party = _locked_party(session, actor, ad_request_id, expected_version)
    if party != "sponsor":
        raise PermissionDenied("Only the campaign's sponsor can mark work as completed.")
    if request.status != "accepted":
        raise Conflict(f"Only accepted requests can be completed; this one is {request.status}.")
    # Completing moves money forward, so a frozen party or a flagged campaign holds it; an ended, completed
    # or cancelled campaign does not (accepted deals survive those).
    held = standing.negotiation_hold(session, campaign, request.influencer_id, viewer_id=actor.id, deal=True)
    if held:
        raise Conflict(held)
    _guarded_transition(
        session,
        request,
        from_statuses=("accepted",),
        turn=None,
        values={"status": "completed", "completed_at": utcnow()},
    )
    _record(session, request, actor, party, "completed", "accepted", "completed", request.payment_cents, message)
    audit.record(session, actor, "ad_request.completed", "ad_request", request.id, amount_cents=request.payment_cents)
    _notify_other(
        session,
        request,
        campaign,
        party,
        f"Completed: {campaign.name}",
        f"{actor.display_name} marked the job as completed.",
    )
    _bump(session, request, campaign)


def withdraw_open_requests(session: Session, *, actor: Actor, campaign_id: int, message: str) -> int:
    """Withdraw every open request of a campaign the actor owns (campaign completed or cancelled)."""
    permissions.require(actor, "campaign.manage")  # before the row locks below: strangers lock nothing
    message = _message(message)
    # Locked, so a reply landing meanwhile is either seen here (and the request skipped) or waits and then
    # finds the request withdrawn, never overwritten.
    requests = session.scalars(
        select(AdRequest)
        .where(AdRequest.campaign_id == campaign_id, AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES))
        .with_for_update()
    ).all()
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or actor.organization_id is None or campaign.organization_id != actor.organization_id:
        raise PermissionDenied("That campaign belongs to another organization.")
    for request in requests:
        previous = request.status
        request.status, request.turn, request.updated_at = "withdrawn", None, utcnow()
        _record(session, request, actor, "sponsor", "withdrawn", previous, "withdrawn", None, message)
        notifications.notify(
            session,
            request.influencer_id,
            "ad_request",
            f"Withdrawn: {campaign.name}",
            message,
            link=f"request:{request.id}",
        )
        cachegen.bump(session, cachegen.influencer_scope(request.influencer_id))
    return len(requests)


def bulk_reject(session: Session, *, actor: Actor, expected_versions: Mapping[int, str], message: str = "") -> int:
    """Influencer declines several requests awaiting them, each only as it was shown; all or nothing."""
    permissions.require(actor, "ad_request.respond")
    versions = {int(ad_request_id): version for ad_request_id, version in dict(expected_versions or {}).items()}
    if not versions:
        raise InvalidInput("Select at least one request.")
    for ad_request_id in sorted(versions):  # one order for everyone, so two bulk declines cannot deadlock
        reject(
            session, actor=actor, ad_request_id=ad_request_id, expected_version=versions[ad_request_id], message=message
        )
    return len(versions)


# ---- read side -------------------------------------------------------------------------------------------


def _last_message():
    return (
        select(AdRequestEvent.message)
        .where(AdRequestEvent.ad_request_id == AdRequest.id)
        .order_by(AdRequestEvent.id.desc())
        .limit(1)
        .correlate(AdRequest)
        .scalar_subquery()
    )


def _request_state(awaiting) -> tuple:
    """The columns both request lists show about where a negotiation stands (awaiting: the viewer's turn)."""
    return (
        AdRequest.requirements,
        AdRequest.payment_cents,
        AdRequest.status,
        AdRequest.turn,
        AdRequest.initiated_by,
        case((awaiting, True), else_=False).label("awaiting_me"),
        AdRequest.updated_at,
        _last_message().label("last_message"),
    )


INBOX_COLUMNS = [
    "id",
    "campaign_id",
    "campaign",
    "sponsor",
    "category",
    "niche",
    "end_date",
    "requirements",
    "payment_cents",
    "status",
    "turn",
    "initiated_by",
    "awaiting_me",
    "updated_at",
    "last_message",
    "campaign_flagged",
    "version",
]


@functools.cache
def _inbox_statement(by_status: bool, awaiting_only: bool):
    """inbox()'s select for one combination of filters, built once per process with bound values: building it anew
    cost more CPU than running it for the busiest influencer (bench/analysis.md, 2026-11-30)."""
    awaiting = and_(AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES), AdRequest.turn == "influencer")
    stmt = (
        select(
            AdRequest.id,
            Campaign.id.label("campaign_id"),
            Campaign.name.label("campaign"),
            Organization.name.label("sponsor"),
            Campaign.category,
            Campaign.niche,
            Campaign.end_date,
            *_request_state(awaiting),
            Campaign.flagged.label("campaign_flagged"),  # the list marks requests on hold (get_thread says why)
            _last_event_id().label("last_event_id"),
        )
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(Organization, Organization.id == Campaign.organization_id)
        .where(AdRequest.influencer_id == bindparam("influencer_id"))
        .order_by(case((awaiting, 0), else_=1), AdRequest.updated_at.desc(), AdRequest.id.desc())
        .limit(bindparam("limit"))
    )
    if by_status:
        stmt = stmt.where(AdRequest.status == bindparam("status"))
    if awaiting_only:
        stmt = stmt.where(awaiting)
    return stmt


def inbox(
    session: Session, *, actor: Actor, status: str | None = None, awaiting_only: bool = False, limit: int = 200
) -> pd.DataFrame:
    """The influencer's requests: those awaiting their answer first, then most recently updated."""
    permissions.require(actor, "ad_request.respond")
    params: dict[str, object] = {"influencer_id": actor.id, "limit": max(1, min(limit, 1000))}
    if status:
        params["status"] = validate.choice(status, "Status", AD_REQUEST_STATUSES)
    stmt = _inbox_statement(bool(status), bool(awaiting_only))
    # Fast path: tuples; the last column (newest event id) becomes the version the page sends back.
    rows = [
        (*row[:-1], version_token(int(row[-1] or 0), row.status, row.payment_cents))
        for row in session.execute(stmt, params)
    ]
    return pd.DataFrame(rows, columns=INBOX_COLUMNS)


CAMPAIGN_REQUEST_COLUMNS = [
    "id",
    "influencer_id",
    "influencer",
    "platform",
    "followers",
    "requirements",
    "payment_cents",
    "status",
    "turn",
    "initiated_by",
    "awaiting_me",
    "updated_at",
    "last_message",
    "version",
]


@functools.cache
def _campaign_requests_statement():
    """campaign_requests()'s select, built once per process with the campaign id bound (as _inbox_statement)."""
    awaiting = and_(AdRequest.status.in_(OPEN_AD_REQUEST_STATUSES), AdRequest.turn == "sponsor")
    return (
        select(
            AdRequest.id,
            AdRequest.influencer_id,
            InfluencerProfile.display_name.label("influencer"),
            InfluencerProfile.platform,
            InfluencerProfile.followers,
            *_request_state(awaiting),
            _last_event_id().label("last_event_id"),
        )
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .where(AdRequest.campaign_id == bindparam("campaign_id"))
        .order_by(case((awaiting, 0), else_=1), AdRequest.updated_at.desc(), AdRequest.id.desc())
    )


def campaign_requests(session: Session, *, actor: Actor, campaign_id: int) -> pd.DataFrame:
    """A campaign's requests for its sponsor (or an admin): awaiting the sponsor first."""
    if actor is None:
        raise PermissionDenied("Please log in first.")
    found = permissions.campaign_organization(session, campaign_id)
    if found is None:
        raise NotFound("That campaign does not exist.")
    if not (actor.is_admin and actor.can("ad_request.view_any")) and not (
        actor.role == "sponsor" and actor.organization_id is not None and found[0] == actor.organization_id
    ):
        raise PermissionDenied("That campaign belongs to another organization.")
    # Tuples, not mappings: the last column (newest event id) becomes the version the page sends back.
    rows = [
        (*row[:-1], version_token(row[-1], row.status, row.payment_cents))
        for row in session.execute(_campaign_requests_statement(), {"campaign_id": campaign_id})
    ]
    return pd.DataFrame(rows, columns=CAMPAIGN_REQUEST_COLUMNS)


@functools.cache
def _thread_names_statement():
    """get_thread()'s two names (the creator's, the sponsor organization's) in one round trip, None when missing."""
    return select(
        select(InfluencerProfile.display_name)
        .where(InfluencerProfile.user_id == bindparam("influencer_id"))
        .scalar_subquery(),
        select(Organization.name).where(Organization.id == bindparam("organization_id")).scalar_subquery(),
    )


@functools.cache
def _thread_events_statement():
    """get_thread()'s history select, built once per process with the request id bound."""
    return (
        select(
            AdRequestEvent.id,
            AdRequestEvent.at,
            AdRequestEvent.actor_party,
            User.username.label("actor"),
            AdRequestEvent.action,
            AdRequestEvent.from_status,
            AdRequestEvent.to_status,
            AdRequestEvent.amount_cents,
            AdRequestEvent.message,
        )
        .outerjoin(User, User.id == AdRequestEvent.actor_id)
        .where(AdRequestEvent.ad_request_id == bindparam("ad_request_id"))
        .order_by(AdRequestEvent.id)
    )


@permissions.actor_required
def get_thread(session: Session, *, actor: Actor, ad_request_id: int) -> dict:
    """A request with its full negotiation history, for its two parties and admins."""
    request, campaign = _load(session, ad_request_id)
    if not (actor is not None and actor.is_admin and actor.can("ad_request.view_any")):
        party = _party_of(actor, request, campaign)
    else:
        party = None
    influencer_name, sponsor_name = session.execute(
        _thread_names_statement(),
        {"influencer_id": request.influencer_id, "organization_id": campaign.organization_id},
    ).one()
    actions = _thread_actions(session, actor, party, request, campaign)
    events = session.execute(_thread_events_statement(), {"ad_request_id": request.id}).mappings().all()
    return {
        "id": request.id,
        "campaign_id": campaign.id,
        "campaign": campaign.name,
        "campaign_status": campaign.status,
        "sponsor_id": campaign.sponsor_id,
        "sponsor": sponsor_name or "",
        "influencer_id": request.influencer_id,
        "influencer": influencer_name or "",
        "requirements": request.requirements,
        "payment_cents": request.payment_cents,
        "status": request.status,
        "turn": request.turn,
        "initiated_by": request.initiated_by,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "my_party": party,
        # What the page sends back with any action on this request (see version_token).
        "version": version_token(events[-1]["id"] if events else None, request.status, request.payment_cents),
        "campaign_flagged": campaign.flagged,
        "campaign_flag_reason": campaign.flag_reason if campaign.flagged else None,
        **actions,
        "events": [dict(e) for e in events],
    }


def _thread_actions(session: Session, actor: Actor, party: str | None, request: AdRequest, campaign: Campaign) -> dict:
    """Which of the viewer's actions can succeed, and why the others cannot, by the rules the services raise."""
    is_open = request.status in OPEN_AD_REQUEST_STATUSES
    allowed = party is not None and actor.can("ad_request.negotiate" if party == "sponsor" else "ad_request.respond")
    viewer_id = actor.id if party is not None else None
    held = None
    if is_open:
        held = standing.negotiation_hold(session, campaign, request.influencer_id, viewer_id=viewer_id)
    elif request.status == "accepted":
        held = standing.negotiation_hold(session, campaign, request.influencer_id, viewer_id=viewer_id, deal=True)
    my_turn = party is not None and is_open and request.turn == party
    answer = allowed and my_turn
    accept_blocked = (held or _over_budget(campaign, request.payment_cents)) if answer else None
    return {
        # Why forward steps (accept, counter, edit; complete for an accepted deal) are on hold, or None.
        "blocked_reason": held,
        # Open but on hold (campaign or a party not in good standing): only reject/withdraw are possible.
        "frozen": is_open and held is not None,
        "my_turn": my_turn,
        "can_accept": answer and accept_blocked is None,
        "accept_blocked_reason": accept_blocked,
        "can_counter": answer and held is None,
        "can_decline": answer,
        "can_withdraw": allowed and is_open and request.turn != party,
        "can_edit": allowed and request.status == "pending" and request.initiated_by == party and held is None,
        "can_complete": allowed and party == "sponsor" and request.status == "accepted" and held is None,
    }


SPONSOR_REQUEST_COLUMNS = [
    "id",
    "campaign_id",
    "campaign",
    "influencer",
    "platform",
    "requirements",
    "payment_cents",
    "status",
    "turn",
    "initiated_by",
    "created_at",
    "updated_at",
]


def list_sponsor_requests(
    session: Session, *, actor: Actor, status: str | None = None, campaign_id: int | None = None, limit: int = 5000
) -> pd.DataFrame:
    """All requests across the organization's campaigns (for tables and small CSV downloads)."""
    organizations.require_member(actor)
    stmt = (
        select(
            AdRequest.id,
            Campaign.id.label("campaign_id"),
            Campaign.name.label("campaign"),
            InfluencerProfile.display_name.label("influencer"),
            InfluencerProfile.platform,
            AdRequest.requirements,
            AdRequest.payment_cents,
            AdRequest.status,
            AdRequest.turn,
            AdRequest.initiated_by,
            AdRequest.created_at,
            AdRequest.updated_at,
        )
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .where(Campaign.organization_id == actor.organization_id)
        .order_by(AdRequest.id.desc())
        .limit(max(1, min(limit, 100_000)))
    )
    if status:
        stmt = stmt.where(AdRequest.status == validate.choice(status, "Status", AD_REQUEST_STATUSES))
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    return pd.DataFrame(session.execute(stmt).mappings().all(), columns=SPONSOR_REQUEST_COLUMNS)


def list_all_requests(
    session: Session, *, actor: Actor, status: str | None = None, after_id: int | None = None, limit: int = 50
) -> tuple[pd.DataFrame, int]:
    """Admin: every ad request, keyset-paginated by id (descending), with the total."""
    permissions.require(actor, "ad_request.view_any")
    conditions = []
    if status:
        conditions.append(AdRequest.status == validate.choice(status, "Status", AD_REQUEST_STATUSES))
    total = session.scalar(select(func.count()).select_from(AdRequest).where(*conditions)) or 0
    stmt = (
        select(
            AdRequest.id,
            Campaign.name.label("campaign"),
            Organization.name.label("sponsor"),
            InfluencerProfile.display_name.label("influencer"),
            AdRequest.payment_cents,
            AdRequest.status,
            AdRequest.turn,
            AdRequest.updated_at,
        )
        .join(Campaign, Campaign.id == AdRequest.campaign_id)
        .join(Organization, Organization.id == Campaign.organization_id)
        .join(InfluencerProfile, InfluencerProfile.user_id == AdRequest.influencer_id)
        .where(*conditions)
        .order_by(AdRequest.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    if after_id:
        stmt = stmt.where(AdRequest.id < after_id)
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame(
        rows, columns=["id", "campaign", "sponsor", "influencer", "payment_cents", "status", "turn", "updated_at"]
    ), total
