"""Property tests of the negotiation state machine: random action sequences by random actors keep every invariant.

How the harness works
- A `World` is built per example through the real services: an admin, two sponsors ("sponsor" owns campaigns 0
  and 1, "rival" owns campaign 2), two influencers ("ana", "ben"). Every Actor is loaded once at the start and
  kept, so a user flagged or deactivated later still "clicks" with a stale login: the core must refuse them.
- Hypothesis draws a list of `Step`s (action name, actor, an index picking the target, an amount, and whether
  to use an old version of the target as the page would have shown it). Each step runs as one transaction.
- After every step, every function in INVARIANTS is checked against database snapshots taken before and after,
  and the action's own `post` condition (when it has one) is checked: a refused action (DomainError) must change
  nothing at all; a stale version or a frozen negotiation must be refused; only a party may move a request.

Extending it (Step 6: deliverables, invoices, payments)
- An action is `@action("name", forward=..., target="request"|"campaign"|"user"|None)` over
  `(world, session, actor, step) -> None`; raise `Skip` when there is nothing to act on. Versioned actions get
  their version from `world.version_for(session, rid, step)` so stale clicks are covered automatically.
- An invariant is `@invariant` over `(before: Snapshot, after: Snapshot) -> None`, asserting on plain rows.
- Add the new tables to `Snapshot` (it reads every table, so append-only checks come for free with `append_only`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import standing
from core.errors import DomainError
from core.marketplace import accounts, ad_requests, campaigns
from core.models import OPEN_AD_REQUEST_STATUSES, AdRequest, Base, Campaign
from core.permissions import Actor
from core.platform import bootstrap
from tests import factories as f

OTHER_PARTY = {"sponsor": "influencer", "influencer": "sponsor"}
ACTOR_KEYS = ("sponsor", "rival", "ana", "ben", "admin")
USER_KEYS = ("sponsor", "rival", "ana", "ben")
AMOUNTS = (1, 2_000, 5_000, 10_000, 15_000, 60_000)
BUDGETS = (20_000, 50_000)


# ---- the world -------------------------------------------------------------------------------------------------


class Skip(Exception):
    """The drawn step has nothing to act on (no request yet): it is not run."""


@dataclass(frozen=True)
class Step:
    action: str
    actor: str
    index: int
    amount: int
    stale: bool


@dataclass
class World:
    db: object
    actors: dict[str, Actor]
    campaign_ids: list[int]
    request_ids: list[int] = field(default_factory=list)
    seen: dict[int, list[str]] = field(default_factory=dict)  # every version a page could have shown

    def request(self, step: Step) -> int:
        if not self.request_ids:
            raise Skip
        return self.request_ids[step.index % len(self.request_ids)]

    def campaign(self, step: Step) -> int:
        return self.campaign_ids[step.index % len(self.campaign_ids)]

    def user(self, step: Step) -> Actor:
        return self.actors[USER_KEYS[step.index % len(USER_KEYS)]]

    def version_for(self, session: Session, request_id: int, step: Step) -> str:
        """The version the clicking page showed: the current one, or (stale) one shown earlier."""
        current = ad_requests.current_version(session, request_id)
        history = self.seen.setdefault(request_id, [])
        if current not in history:
            history.append(current)
        return history[step.index % len(history)] if step.stale else current

    def remember(self, session: Session) -> None:
        """Every request's current version is one a page may have shown (stale clicks pick among these)."""
        for request_id in self.request_ids:
            version = ad_requests.current_version(session, request_id)
            if version not in self.seen.setdefault(request_id, []):
                self.seen[request_id].append(version)


def build_world(db) -> World:
    sponsor, rival = f.sponsor(db, name="Sponsor"), f.sponsor(db, name="Rival")
    ana, ben = f.influencer(db, name="Ana"), f.influencer(db, name="Ben")
    ids = [
        f.campaign(db, sponsor, budget_cents=50_000),
        f.campaign(db, sponsor, budget_cents=20_000),
        f.campaign(db, rival, budget_cents=50_000),
    ]
    actors = {"sponsor": sponsor, "rival": rival, "ana": ana, "ben": ben, "admin": f.admin(db)}
    # Two negotiations from the start (an offer to Ana, an ask by Ben), so request steps have targets at once.
    requests = [f.request(db, sponsor, ids[0], ana, payment_cents=10_000), f.ask(db, ben, ids[1], payment_cents=5_000)]
    return World(db=db, actors=actors, campaign_ids=ids, request_ids=requests)


def reset(db) -> None:
    """An empty, initialised database for the next example (children deleted first)."""
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    bootstrap.init_database(db)


# ---- actions: name → (world, session, actor, step) --------------------------------------------------------------


def _on_turn(world: World, s: Session, step: Step) -> str:
    r = s.get(AdRequest, world.request(step))
    return _key_of(world, s, r, r.turn or "sponsor")


def _waiting(world: World, s: Session, step: Step) -> str:
    r = s.get(AdRequest, world.request(step))
    return _key_of(world, s, r, OTHER_PARTY[r.turn] if r.turn else "sponsor")


def _key_of(world: World, s: Session, request: AdRequest, party: str) -> str:
    user_id = s.get(Campaign, request.campaign_id).sponsor_id if party == "sponsor" else request.influencer_id
    return next(key for key, a in world.actors.items() if a.id == user_id)


def _owner(world: World, s: Session, step: Step) -> str:
    sponsor_id = s.get(Campaign, world.campaign(step)).sponsor_id
    return next(key for key, a in world.actors.items() if a.id == sponsor_id)


@dataclass(frozen=True)
class Action:
    run: Callable[[World, Session, Actor, Step], None]
    forward: bool  # moves a negotiation forward: needs an open campaign and both parties in good standing
    target: str | None  # "request": acts on world.request(step) with a version
    natural: Callable[[World, Session, Step], str]  # who would normally do it (actor "natural" in a Step)


ACTIONS: dict[str, Action] = {}


def action(name: str, *, forward: bool = False, target: str | None = None, natural=lambda world, s, step: "admin"):
    def register(fn):
        ACTIONS[name] = Action(fn, forward, target, natural)
        return fn

    return register


@action("send", forward=True, natural=_owner)
def _send(world, s, actor, step):
    influencer = world.actors[("ana", "ben")[step.index // 3 % 2]]
    rid = ad_requests.send_ad_request(
        s,
        actor=actor,
        campaign_id=world.campaign(step),
        influencer_id=influencer.id,
        payment_cents=step.amount,
        requirements="One post",
    )
    world.request_ids.append(rid)


@action("ask", forward=True, natural=lambda world, s, step: ("ana", "ben")[step.index % 2])
def _ask(world, s, actor, step):
    rid = ad_requests.ask_to_join(
        s, actor=actor, campaign_id=world.campaign(step), payment_cents=step.amount, message="Count me in"
    )
    world.request_ids.append(rid)


@action("accept", forward=True, target="request", natural=_on_turn)
def _accept(world, s, actor, step):
    rid = world.request(step)
    ad_requests.accept(s, actor=actor, ad_request_id=rid, expected_version=world.version_for(s, rid, step))


@action("counter", forward=True, target="request", natural=_on_turn)
def _counter(world, s, actor, step):
    rid = world.request(step)
    ad_requests.counter_offer(
        s,
        actor=actor,
        ad_request_id=rid,
        expected_version=world.version_for(s, rid, step),
        payment_cents=step.amount,
        message="How about this?",
    )


@action("edit", forward=True, target="request", natural=_waiting)
def _edit(world, s, actor, step):
    rid = world.request(step)
    ad_requests.edit_ad_request(
        s,
        actor=actor,
        ad_request_id=rid,
        expected_version=world.version_for(s, rid, step),
        requirements=f"Edited terms {step.index}",
        payment_cents=step.amount,
    )


@action("complete", target="request", natural=_waiting)
def _complete(world, s, actor, step):
    rid = world.request(step)
    ad_requests.mark_completed(s, actor=actor, ad_request_id=rid, expected_version=world.version_for(s, rid, step))


@action("reject", target="request", natural=_on_turn)
def _reject(world, s, actor, step):
    rid = world.request(step)
    ad_requests.reject(s, actor=actor, ad_request_id=rid, expected_version=world.version_for(s, rid, step))


@action("withdraw", target="request", natural=_waiting)
def _withdraw(world, s, actor, step):
    rid = world.request(step)
    ad_requests.withdraw(s, actor=actor, ad_request_id=rid, expected_version=world.version_for(s, rid, step))


@action("bulk_reject", target="request", natural=_on_turn)
def _bulk_reject(world, s, actor, step):
    rid = world.request(step)
    ad_requests.bulk_reject(s, actor=actor, expected_versions={rid: world.version_for(s, rid, step)})


@action("flag_user")
def _flag_user(world, s, actor, step):
    accounts.flag_user(s, actor=actor, user_id=world.user(step).id, reason="Under review")


@action("unflag_user")
def _unflag_user(world, s, actor, step):
    accounts.unflag_user(s, actor=actor, user_id=world.user(step).id)


@action("deactivate_user")
def _deactivate_user(world, s, actor, step):
    accounts.deactivate_user(s, actor=actor, user_id=world.user(step).id, reason="Left")


@action("flag_campaign")
def _flag_campaign(world, s, actor, step):
    campaigns.flag_campaign(s, actor=actor, campaign_id=world.campaign(step), reason="Misleading")


@action("unflag_campaign")
def _unflag_campaign(world, s, actor, step):
    campaigns.unflag_campaign(s, actor=actor, campaign_id=world.campaign(step))


@action("cancel_campaign", natural=_owner)
def _cancel_campaign(world, s, actor, step):
    campaigns.set_status(s, actor=actor, campaign_id=world.campaign(step), status="cancelled")


@action("pause_campaign", natural=_owner)
def _pause_campaign(world, s, actor, step):
    campaigns.set_status(s, actor=actor, campaign_id=world.campaign(step), status="draft")


@action("activate_campaign", natural=_owner)
def _activate_campaign(world, s, actor, step):
    campaigns.set_status(s, actor=actor, campaign_id=world.campaign(step), status="active")


@action("change_budget", natural=_owner)
def _change_budget(world, s, actor, step):
    c = s.get(Campaign, world.campaign(step))
    campaigns.update_campaign(
        s,
        actor=actor,
        campaign_id=c.id,
        name=c.name,
        category=c.category,
        start_date=c.start_date,
        end_date=c.end_date,
        budget_cents=BUDGETS[step.index % len(BUDGETS)] + step.amount,
        is_public=c.is_public,
    )


# ---- snapshots and invariants -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Every row of every table, as plain tuples keyed by table name (f.snapshot), plus named views of them."""

    tables: dict[str, list[tuple]]

    def rows(self, table: str) -> list[dict]:
        columns = [c.name for c in Base.metadata.tables[table].columns]
        return [dict(zip(columns, row, strict=True)) for row in self.tables[table]]


def take(db) -> Snapshot:
    return Snapshot(f.snapshot(db))


INVARIANTS: list[Callable[[Snapshot, Snapshot], None]] = []


def invariant(fn):
    INVARIANTS.append(fn)
    return fn


@invariant
def committed_is_within_budget_and_equals_accepted_payments(before, after):
    requests = after.rows("ad_requests")
    for c in after.rows("campaigns"):
        owed = sum(
            r["payment_cents"]
            for r in requests
            if r["campaign_id"] == c["id"] and r["status"] in ("accepted", "completed")
        )
        assert c["committed_cents"] == owed <= c["budget_cents"], c


@invariant
def history_is_append_only(before, after):
    earlier = before.tables["ad_request_events"]
    assert after.tables["ad_request_events"][: len(earlier)] == earlier


@invariant
def turn_matches_status_and_the_last_event(before, after):
    events = after.rows("ad_request_events")
    for r in after.rows("ad_requests"):
        own = [e for e in events if e["ad_request_id"] == r["id"]]
        assert own, r
        assert own[-1]["to_status"] == r["status"], (r, own[-1])
        if r["status"] in OPEN_AD_REQUEST_STATUSES:
            assert r["turn"] == OTHER_PARTY[own[-1]["actor_party"]], (r, own[-1])
            assert r["payment_cents"] == own[-1]["amount_cents"], (r, own[-1])
        else:
            assert r["turn"] is None, r


@invariant
def listing_flags_follow_the_rules(before, after):
    users = {u["id"]: u for u in after.rows("users")}

    def good(user_id):
        u = users[user_id]
        return u["is_active"] and u["approval"] == "approved" and not u["flagged"]

    for c in after.rows("campaigns"):
        expected = c["is_public"] and not c["flagged"] and c["status"] == "active" and good(c["sponsor_id"])
        assert bool(c["listed"]) == bool(expected), c
    for p in after.rows("influencer_profiles"):
        assert bool(p["listed"]) == bool(p["is_public"] and good(p["user_id"])), p


@invariant
def no_open_request_on_a_cancelled_or_completed_campaign(before, after):
    closed = {c["id"] for c in after.rows("campaigns") if c["status"] in ("cancelled", "completed")}
    for r in after.rows("ad_requests"):
        assert not (r["campaign_id"] in closed and r["status"] in OPEN_AD_REQUEST_STATUSES), r


# ---- the driver ----------------------------------------------------------------------------------------------


def _party(session: Session, actor: Actor, request_id: int) -> str | None:
    r = session.get(AdRequest, request_id)
    c = session.get(Campaign, r.campaign_id)
    if actor.role == "sponsor" and c.sponsor_id == actor.id:
        return "sponsor"
    if actor.role == "influencer" and r.influencer_id == actor.id:
        return "influencer"
    return None


def _negotiation_open(session: Session, request_id: int) -> bool:
    return bool(
        session.scalar(
            select(standing.negotiation_open(AdRequest.influencer_id))
            .select_from(AdRequest)
            .join(Campaign, Campaign.id == AdRequest.campaign_id)
            .where(AdRequest.id == request_id)
        )
    )


def run_step(world: World, step: Step) -> None:
    """Run one step in its own transaction and check the step's own rules and every invariant."""
    spec = ACTIONS[step.action]
    context = {}
    with world.db.ReadSession.begin() as s:
        world.remember(s)
        if step.actor == "natural":
            try:
                actor = world.actors[spec.natural(world, s, step)]
            except Skip:
                return
        else:
            actor = world.actors[step.actor]
        if spec.target == "request" and world.request_ids:
            rid = world.request(step)
            context = {
                "rid": rid,
                "version": ad_requests.current_version(s, rid),
                "party": _party(s, actor, rid),
                "open": _negotiation_open(s, rid),
            }
    before = take(world.db)
    known = list(world.request_ids)
    used: dict[str, str] = {}
    try:
        with world.db.Session.begin() as s:
            if spec.target == "request" and world.request_ids:
                used["version"] = world.version_for(s, context["rid"], step)
            spec.run(world, s, actor, step)
        refused = None
    except Skip:
        return
    except DomainError as error:
        refused = error
        world.request_ids[:] = known  # the failed transaction created nothing
    after = take(world.db)

    if refused is not None:
        assert after == before, f"{step} was refused ({refused.message}) but changed the database"
    elif context:
        assert used["version"] == context["version"], f"{step} succeeded with a stale version"
        assert context["party"] is not None, f"{step}: someone who is not a party moved the request"
        if spec.forward:
            assert context["open"], f"{step} moved a frozen negotiation forward"
    elif spec.forward:  # send / ask: the new request's negotiation must have been open
        with world.db.ReadSession.begin() as s:
            assert _negotiation_open(s, world.request_ids[-1]), f"{step} started a negotiation that is not open"
    for check in INVARIANTS:
        check(before, after)


# Negotiation steps drawn more often than moderation, so deals get far enough to be accepted and completed.
WEIGHTS = {
    **{"send": 4, "ask": 3, "accept": 6, "counter": 3, "reject": 2, "withdraw": 2, "edit": 2, "complete": 3},
    **{"flag_user": 3, "unflag_user": 2, "flag_campaign": 2},  # freezes: the rule most worth probing
}
STEPS = st.builds(
    Step,
    action=st.sampled_from([name for name in sorted(ACTIONS) for _ in range(WEIGHTS.get(name, 1))]),
    actor=st.sampled_from(("natural", "natural", "natural", *ACTOR_KEYS)),  # mostly the one who would act
    index=st.integers(0, 11),
    amount=st.sampled_from(AMOUNTS),
    stale=st.booleans(),
)


def test_random_negotiations_by_random_actors_keep_every_invariant(database):
    on_sqlite = database.engine.dialect.name == "sqlite"

    @settings(
        max_examples=30 if on_sqlite else 6,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(steps=st.lists(STEPS, min_size=5, max_size=30))
    def run(steps):
        reset(database)
        world = build_world(database)
        for step in steps:
            run_step(world, step)

    run()


def test_the_harness_reaches_every_action_and_an_accepted_deal(database):
    """A fixed walk through the registry, so a broken harness (every step refused) cannot pass silently."""
    world = build_world(database)
    steps = [
        Step("send", "sponsor", 3, 5_000, False),  # sponsor → Ben on campaign 0 (request 2)
        Step("counter", "ana", 0, 12_000, False),  # Ana asks 120.00 instead of 100.00
        Step("accept", "sponsor", 0, 0, True),  # his page still showed 100.00: refused
        Step("accept", "sponsor", 0, 0, False),
        Step("complete", "sponsor", 0, 0, False),
        Step("flag_user", "admin", 3, 0, False),  # Ben flagged: his ask (request 1) and the new offer freeze
        Step("accept", "sponsor", 1, 0, False),  # refused: frozen
        Step("accept", "ben", 2, 0, False),  # refused: frozen (and Ben's login is stale)
        Step("reject", "sponsor", 1, 0, False),  # getting out of a frozen negotiation is allowed
    ]
    for step in steps:
        run_step(world, step)
    with database.ReadSession.begin() as s:
        statuses = [s.get(AdRequest, rid).status for rid in world.request_ids]
        committed = s.get(Campaign, world.campaign_ids[0]).committed_cents
    assert statuses == ["completed", "rejected", "pending"] and committed == 12_000
    assert set(ACTIONS) >= {"send", "ask", "accept", "reject", "counter", "withdraw", "edit", "complete"}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_registered_action_is_refused_for_a_stranger_without_changing_anything(database, name):
    world = build_world(database)
    run_step(world, Step("send", "sponsor", 0, 10_000, False))
    before = take(database)
    with pytest.raises(DomainError):  # rival: another campaign's sponsor, with no admin rights
        with database.Session.begin() as s:
            ACTIONS[name].run(world, s, world.actors["rival"], Step(name, "rival", 0, 7_000, False))
    assert take(database) == before
