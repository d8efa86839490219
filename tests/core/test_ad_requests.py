"""Ad requests: the negotiation state machine, every transition legal and illegal, and its read models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from core.deals import earnings
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, ad_requests, campaigns
from core.models import AdRequest, AdRequestEvent, AuditLog, Campaign, Notification
from core.permissions import Actor
from core.platform.timeutil import today
from tests import factories as f
from tests import races

PAYMENT = 10_000


def _request(db, request_id) -> AdRequest:
    return f.read(db, lambda s: s.get(AdRequest, request_id))


def _events(db, request_id) -> list[tuple]:
    return f.read(
        db,
        lambda s: [
            tuple(r)
            for r in s.execute(
                select(
                    AdRequestEvent.actor_party,
                    AdRequestEvent.action,
                    AdRequestEvent.from_status,
                    AdRequestEvent.to_status,
                    AdRequestEvent.amount_cents,
                )
                .where(AdRequestEvent.ad_request_id == request_id)
                .order_by(AdRequestEvent.id)
            )
        ],
    )


def _committed(db, campaign_id) -> int:
    return f.read(db, lambda s: s.get(Campaign, campaign_id).committed_cents)


# ---- happy paths -------------------------------------------------------------------------------------------


def test_a_sponsor_sends_a_request_and_the_influencer_is_notified(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=12_345)
    r = _request(database, request_id)
    assert (r.status, r.turn, r.initiated_by, r.payment_cents, r.requirements) == (
        "pending",
        "influencer",
        "sponsor",
        12_345,
        "Two posts and a story",
    )
    assert _events(database, request_id) == [("sponsor", "sent", None, "pending", 12_345)]
    inbox = f.read(database, lambda s: ad_requests.inbox(s, actor=influencer))
    assert list(inbox["id"]) == [request_id] and bool(inbox.loc[0, "awaiting_me"])
    assert inbox.loc[0, "last_message"] == "Hi!"
    titles = f.read(
        database, lambda s: list(s.scalars(select(Notification.title).where(Notification.user_id == influencer.id)))
    )
    assert any(t.startswith("New ad request") for t in titles)


def test_an_influencer_asks_to_join_a_public_campaign_and_the_sponsor_decides(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.ask(database, influencer, campaign_id, payment_cents=8_000)
    r = _request(database, request_id)
    assert (r.status, r.turn, r.initiated_by, r.payment_cents) == ("pending", "sponsor", "influencer", 8_000)
    listed = f.read(database, lambda s: ad_requests.campaign_requests(s, actor=sponsor, campaign_id=campaign_id))
    assert list(listed["id"]) == [request_id] and bool(listed.loc[0, "awaiting_me"])
    f.write(
        database,
        lambda s: ad_requests.accept(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            message="Welcome",
        ),
    )
    assert _request(database, request_id).status == "accepted"
    assert _committed(database, campaign_id) == 8_000


def test_an_influencer_cannot_ask_to_join_a_private_campaign(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, is_public=False)
    with pytest.raises(NotFound, match="not public"):
        f.ask(database, influencer, campaign_id)


def test_accepting_charges_the_budget_and_is_audited(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=50_000)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=20_000)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    r = _request(database, request_id)
    assert (r.status, r.turn, r.accepted_at is not None) == ("accepted", None, True)
    assert _committed(database, campaign_id) == 20_000
    audit = f.read(
        database,
        lambda s: s.execute(
            select(AuditLog.action, AuditLog.amount_cents).where(AuditLog.target_type == "ad_request")
        ).all(),
    )
    assert [tuple(a) for a in audit] == [("ad_request.accepted", 20_000)]
    summary = f.read(database, lambda s: earnings.summary(s, actor=influencer))
    assert (summary["agreed_cents"], summary["paid_cents"], summary["open_offers_cents"]) == (20_000, 0, 0)
    by_month = f.read(database, lambda s: earnings.by_month(s, actor=influencer))
    assert list(by_month["month"]) == [today().strftime("%Y-%m")] and list(by_month["agreed_cents"]) == [20_000]


def test_negotiation_allows_unlimited_counter_offers_taking_turns(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=1_000_000)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=10_000)
    amounts = []
    for round_ in range(12):
        who = influencer if round_ % 2 == 0 else sponsor
        amount = 10_000 + (round_ + 1) * 500
        f.write(
            database,
            lambda s: ad_requests.counter_offer(
                s,
                actor=who,
                ad_request_id=request_id,
                expected_version=ad_requests.current_version(s, request_id),
                payment_cents=amount,
                message=f"Round {round_}",
            ),
        )
        r = _request(database, request_id)
        assert (r.status, r.turn, r.payment_cents) == (
            "negotiating",
            "sponsor" if who is influencer else "influencer",
            amount,
        )
        amounts.append(amount)
        # The party that just countered must now wait.
        with pytest.raises(Conflict, match="turn"):
            f.write(
                database,
                lambda s: ad_requests.counter_offer(
                    s,
                    actor=who,
                    ad_request_id=request_id,
                    expected_version=ad_requests.current_version(s, request_id),
                    payment_cents=amount + 1,
                    message="Again",
                ),
            )
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    events = _events(database, request_id)
    assert [e[1] for e in events] == ["sent"] + ["countered"] * 12 + ["accepted"]
    assert [e[4] for e in events[1:-1]] == amounts and events[-1][4] == amounts[-1]
    assert _committed(database, campaign_id) == amounts[-1]
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=sponsor, ad_request_id=request_id))
    assert thread["status"] == "accepted" and len(thread["events"]) == 14
    assert thread["events"][1]["message"] == "Round 0" and thread["events"][1]["actor"] == influencer.username


def test_the_waiting_party_withdraws_and_the_other_party_is_told(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    f.write(
        database,
        lambda s: ad_requests.withdraw(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            message="Sorry",
        ),
    )
    assert (_request(database, request_id).status, _request(database, request_id).turn) == ("withdrawn", None)
    inbox = f.read(database, lambda s: ad_requests.inbox(s, actor=influencer))
    assert inbox.loc[0, "status"] == "withdrawn" and inbox.loc[0, "last_message"] == "Sorry"
    # A new request between the same pair is possible once the old one is closed.
    again = f.request(database, sponsor, campaign_id, influencer)
    assert _request(database, again).status == "pending"


def test_the_initiator_edits_a_pending_request_until_it_is_answered(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    f.write(
        database,
        lambda s: ad_requests.edit_ad_request(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            requirements="Three posts",
            payment_cents=15_000,
        ),
    )
    r = _request(database, request_id)
    assert (r.requirements, r.payment_cents, r.status, r.turn) == ("Three posts", 15_000, "pending", "influencer")
    assert _events(database, request_id)[-1] == ("sponsor", "edited", "pending", "pending", 15_000)
    f.write(
        database,
        lambda s: ad_requests.counter_offer(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            payment_cents=16_000,
            message="Closer",
        ),
    )
    with pytest.raises(Conflict, match="answered already"):
        f.write(
            database,
            lambda s: ad_requests.edit_ad_request(
                s,
                actor=sponsor,
                ad_request_id=request_id,
                expected_version=ad_requests.current_version(s, request_id),
                requirements="Four",
                payment_cents=17_000,
            ),
        )


def test_the_sponsor_marks_accepted_work_completed(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    f.write(
        database,
        lambda s: ad_requests.mark_completed(
            s, actor=sponsor, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    r = _request(database, request_id)
    assert (r.status, r.completed_at is not None) == ("completed", True)
    assert _committed(database, campaign_id) == PAYMENT
    summary = f.read(database, lambda s: earnings.summary(s, actor=influencer))
    assert (summary["agreed_cents"], summary["paid_cents"]) == (PAYMENT, 0)  # completed is not paid: no invoice


def test_bulk_reject_rejects_everything_selected(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    ids = [f.request(database, sponsor, f.campaign(database, sponsor), influencer) for _ in range(3)]
    n = f.write(
        database,
        lambda s: ad_requests.bulk_reject(
            s,
            actor=influencer,
            expected_versions={i: ad_requests.current_version(s, i) for i in ids + [ids[0]]},
            message="Not my style",
        ),
    )
    assert n == 3
    assert {_request(database, i).status for i in ids} == {"rejected"}


def test_bulk_reject_is_all_or_nothing(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    mine = f.request(database, sponsor, f.campaign(database, sponsor), influencer)
    waiting_for_sponsor = f.ask(database, influencer, f.campaign(database, sponsor))
    before = f.snapshot(database)
    with pytest.raises(Conflict, match="sponsor's turn"):
        f.write(
            database,
            lambda s: ad_requests.bulk_reject(
                s,
                actor=influencer,
                expected_versions={i: ad_requests.current_version(s, i) for i in [mine, waiting_for_sponsor]},
            ),
        )
    assert f.snapshot(database) == before
    with pytest.raises(InvalidInput, match="at least one"):
        f.write(
            database,
            lambda s: ad_requests.bulk_reject(
                s, actor=influencer, expected_versions={i: ad_requests.current_version(s, i) for i in []}
            ),
        )


def test_only_one_live_request_per_influencer_and_campaign(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    f.request(database, sponsor, campaign_id, influencer)
    before = f.snapshot(database)
    with pytest.raises(Conflict, match="already an open or accepted request"):
        f.request(database, sponsor, campaign_id, influencer)
    with pytest.raises(Conflict, match="already an open or accepted request"):
        f.ask(database, influencer, campaign_id)
    assert f.snapshot(database) == before


@pytest.mark.parametrize(
    "problem, expected",
    [
        ("flagged", "flagged by an administrator"),
        ("draft", "only active campaigns"),
        ("ended", "has ended"),
    ],
)
def test_requests_need_an_active_unflagged_running_campaign(database, problem, expected):
    admin, sponsor, influencer = f.admin(database), f.sponsor(database), f.influencer(database)
    if problem == "ended":
        campaign_id = f.campaign(
            database, sponsor, start=today() - dt.timedelta(days=10), end=today() - dt.timedelta(days=1)
        )
    else:
        campaign_id = f.campaign(database, sponsor, status="draft" if problem == "draft" else "active")
    if problem == "flagged":
        f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="x"))
    before = f.snapshot(database)
    with pytest.raises(Conflict, match=expected):
        f.request(database, sponsor, campaign_id, influencer)
    assert f.snapshot(database) == before


def test_a_request_cannot_go_to_a_private_or_flagged_influencer(database):
    admin, sponsor = f.admin(database), f.sponsor(database)
    private = f.influencer(database, is_public=False)
    flagged = f.influencer(database)
    f.write(database, lambda s: accounts.flag_user(s, actor=admin, user_id=flagged.id, reason="Spam"))
    campaign_id = f.campaign(database, sponsor)
    for who in (private, flagged):
        with pytest.raises(NotFound, match="not taking requests"):
            f.request(database, sponsor, campaign_id, who)
    with pytest.raises(NotFound):
        f.write(
            database,
            lambda s: ad_requests.send_ad_request(
                s, actor=sponsor, campaign_id=campaign_id, influencer_id=123_456, payment_cents=1, requirements="x"
            ),
        )


def test_a_request_on_a_flagged_campaign_cannot_be_accepted(database):
    admin, sponsor, influencer = f.admin(database), f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="x"))
    before = f.snapshot(database)
    with pytest.raises(Conflict, match="flagged by an administrator"):
        f.write(
            database,
            lambda s: ad_requests.accept(
                s,
                actor=influencer,
                ad_request_id=request_id,
                expected_version=ad_requests.current_version(s, request_id),
            ),
        )
    assert f.snapshot(database) == before


def test_payments_above_the_remaining_budget_are_refused(database):
    sponsor, a, b = f.sponsor(database), f.influencer(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=30_000)
    first = f.request(database, sponsor, campaign_id, a, payment_cents=20_000)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=a, ad_request_id=first, expected_version=ad_requests.current_version(s, first)
        ),
    )
    before = f.snapshot(database)
    with pytest.raises(InvalidInput, match=r"more than this campaign has left \(\$100.00 of \$300.00\)"):
        f.request(database, sponsor, campaign_id, b, payment_cents=10_001)
    asked = f.ask(database, b, campaign_id, payment_cents=15_000)  # influencers may ask for more
    before = f.snapshot(database)
    with pytest.raises(Conflict, match=r"exceed the campaign budget: only \$100.00 is left"):
        f.write(
            database,
            lambda s: ad_requests.accept(
                s, actor=sponsor, ad_request_id=asked, expected_version=ad_requests.current_version(s, asked)
            ),
        )
    with pytest.raises(InvalidInput, match="more than this campaign has left"):
        f.write(
            database,
            lambda s: ad_requests.counter_offer(
                s,
                actor=sponsor,
                ad_request_id=asked,
                expected_version=ad_requests.current_version(s, asked),
                payment_cents=12_000,
                message="Meet me",
            ),
        )
    assert f.snapshot(database) == before
    f.write(
        database,
        lambda s: ad_requests.counter_offer(
            s,
            actor=sponsor,
            ad_request_id=asked,
            expected_version=ad_requests.current_version(s, asked),
            payment_cents=10_000,
            message="All I have",
        ),
    )
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=b, ad_request_id=asked, expected_version=ad_requests.current_version(s, asked)
        ),
    )
    assert _committed(database, campaign_id) == 30_000


def test_the_read_models_show_each_side_what_they_need(database):
    admin, sponsor, influencer = f.admin(database), f.sponsor(database), f.influencer(database)
    campaign_a = f.campaign(database, sponsor, name="Alpha")
    campaign_b = f.campaign(database, sponsor, name="Beta")
    waiting = f.request(database, sponsor, campaign_a, influencer)
    answered = f.ask(database, influencer, campaign_b)
    inbox = f.read(database, lambda s: ad_requests.inbox(s, actor=influencer))
    assert list(inbox["id"]) == [waiting, answered]  # awaiting me first
    assert list(f.read(database, lambda s: ad_requests.inbox(s, actor=influencer, awaiting_only=True))["id"]) == [
        waiting
    ]
    assert list(f.read(database, lambda s: ad_requests.inbox(s, actor=influencer, status="pending"))["id"]) == [
        waiting,
        answered,
    ]
    mine = f.read(database, lambda s: ad_requests.list_sponsor_requests(s, actor=sponsor))
    assert sorted(mine["id"]) == sorted([waiting, answered])
    only_b = f.read(database, lambda s: ad_requests.list_sponsor_requests(s, actor=sponsor, campaign_id=campaign_b))
    assert list(only_b["id"]) == [answered]
    frame, total = f.read(database, lambda s: ad_requests.list_all_requests(s, actor=admin))
    assert total == 2 and list(frame["id"]) == sorted([waiting, answered], reverse=True)
    page, total = f.read(
        database, lambda s: ad_requests.list_all_requests(s, actor=admin, after_id=max(frame["id"]), limit=1)
    )
    assert total == 2 and list(page["id"]) == [min(frame["id"])]
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=influencer, ad_request_id=waiting))
    assert (thread["my_party"], thread["my_turn"], thread["can_withdraw"], thread["can_edit"]) == (
        "influencer",
        True,
        False,
        False,
    )
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=sponsor, ad_request_id=waiting))
    assert (thread["my_party"], thread["my_turn"], thread["can_withdraw"], thread["can_edit"]) == (
        "sponsor",
        False,
        True,
        True,
    )
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=admin, ad_request_id=waiting))
    assert thread["my_party"] is None and not thread["my_turn"] and len(thread["events"]) == 1
    with pytest.raises(NotFound):
        f.read(database, lambda s: ad_requests.get_thread(s, actor=admin, ad_request_id=999_999))


# ---- the full transition table -----------------------------------------------------------------------------

STATES = [
    "pending-influencers-turn",
    "pending-sponsors-turn",
    "negotiating-influencers-turn",
    "negotiating-sponsors-turn",
    "accepted",
    "rejected",
    "withdrawn",
    "completed",
]
ACTIONS = ["accept", "reject", "counter", "withdraw", "edit", "complete"]
OPEN = {
    "pending-influencers-turn",
    "pending-sponsors-turn",
    "negotiating-influencers-turn",
    "negotiating-sponsors-turn",
}


@dataclass
class Deal:
    sponsor: Actor
    influencer: Actor
    campaign_id: int
    request_id: int


def _deals_in_state(db, sponsor, influencer, state, count) -> list[Deal]:
    """`count` fresh campaigns, each with one request brought to state through the real services
    (all in one transaction: the services never commit, so this is what a page action could do too)."""
    steps = {
        "negotiating-influencers-turn": [(sponsor, "counter")],
        "negotiating-sponsors-turn": [(influencer, "counter")],
        "accepted": [(influencer, "accept")],
        "rejected": [(influencer, "reject")],
        "withdrawn": [(sponsor, "withdraw")],
        "completed": [(influencer, "accept"), (sponsor, "complete")],
    }.get(state, [])
    deals = []
    with db.Session.begin() as s:
        for _ in range(count):
            campaign_id = campaigns.create_campaign(
                s,
                actor=sponsor,
                name="Deal",
                category="Fitness",
                start_date=today(),
                end_date=today() + dt.timedelta(days=9),
                budget_cents=100_000,
            )
            if state in ("pending-sponsors-turn", "negotiating-influencers-turn"):
                request_id = ad_requests.ask_to_join(
                    s, actor=influencer, campaign_id=campaign_id, payment_cents=PAYMENT, message="Let me in"
                )
            else:
                request_id = ad_requests.send_ad_request(
                    s,
                    actor=sponsor,
                    campaign_id=campaign_id,
                    influencer_id=influencer.id,
                    payment_cents=PAYMENT,
                    requirements="Two posts",
                )
            for who, action in steps:
                _do(s, action, who, request_id, PAYMENT + 100)
            deals.append(Deal(sponsor, influencer, campaign_id, request_id))
    return deals


def _do(session, action, actor, request_id, amount):
    if action == "accept":
        ad_requests.accept(
            session,
            actor=actor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(session, request_id),
            message="ok",
        )
    elif action == "reject":
        ad_requests.reject(
            session,
            actor=actor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(session, request_id),
            message="no",
        )
    elif action == "counter":
        ad_requests.counter_offer(
            session,
            actor=actor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(session, request_id),
            payment_cents=amount,
            message="How about this",
        )
    elif action == "withdraw":
        ad_requests.withdraw(
            session,
            actor=actor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(session, request_id),
            message="never mind",
        )
    elif action == "edit":
        ad_requests.edit_ad_request(
            session,
            actor=actor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(session, request_id),
            requirements="Edited brief",
            payment_cents=amount,
        )
    elif action == "complete":
        ad_requests.mark_completed(
            session,
            actor=actor,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(session, request_id),
        )
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(action)


def _turn_of(state: str) -> str | None:
    if state.endswith("influencers-turn"):
        return "influencer"
    if state.endswith("sponsors-turn"):
        return "sponsor"
    return None


def _initiator_of(state: str) -> str:
    return "influencer" if state in ("pending-sponsors-turn", "negotiating-influencers-turn") else "sponsor"


def _expected(state: str, action: str, party: str):
    """The rule, written independently of the code: the resulting (status, turn) or the error raised."""
    is_open, turn = state in OPEN, _turn_of(state)
    other = "sponsor" if party == "influencer" else "influencer"
    if action in ("accept", "reject", "counter"):
        if not (is_open and turn == party):
            return Conflict
        return {"accept": ("accepted", None), "reject": ("rejected", None), "counter": ("negotiating", other)}[action]
    if action == "withdraw":
        return ("withdrawn", None) if is_open and turn == other else Conflict
    if action == "edit":
        if _initiator_of(state) != party:
            return PermissionDenied
        return ("pending", other) if state.startswith("pending") else Conflict
    if action == "complete":
        if party != "sponsor":
            return PermissionDenied
        return ("completed", None) if state == "accepted" else Conflict
    raise AssertionError(action)


ACTION_EVENTS = {
    "accept": "accepted",
    "reject": "rejected",
    "counter": "countered",
    "withdraw": "withdrawn",
    "edit": "edited",
    "complete": "completed",
}


# Every table an ad-request service writes to.
TOUCHED_TABLES = ("ad_requests", "ad_request_events", "campaigns", "notifications", "audit_log", "cache_generations")


def _attempt(db, deal: Deal, action: str, party: str):
    """Try one action on a fresh deal; return what happened and any broken invariant."""
    actor = deal.sponsor if party == "sponsor" else deal.influencer
    before_row = _request(db, deal.request_id)
    before_events = _events(db, deal.request_id)
    before_committed = _committed(db, deal.campaign_id)
    amount = PAYMENT + 700
    problems = []
    try:
        before = f.snapshot(db, TOUCHED_TABLES)
        f.write(db, lambda s: _do(s, action, actor, deal.request_id, amount))
    except (Conflict, PermissionDenied, InvalidInput, NotFound) as error:
        if not error.message or error.message.startswith("("):
            problems.append(f"unreadable message {error.message!r}")
        if f.snapshot(db, TOUCHED_TABLES) != before:
            problems.append("the database changed after a refused action")
        after_row = _request(db, deal.request_id)
        if (
            after_row.status,
            after_row.turn,
            after_row.payment_cents,
            after_row.requirements,
            after_row.updated_at,
        ) != (
            before_row.status,
            before_row.turn,
            before_row.payment_cents,
            before_row.requirements,
            before_row.updated_at,
        ):
            problems.append("the request row changed")
        if _events(db, deal.request_id) != before_events:
            problems.append("the history changed")
        return type(error), problems
    after_row = _request(db, deal.request_id)
    events = _events(db, deal.request_id)
    if events[:-1] != before_events or len(events) != len(before_events) + 1:
        problems.append("not exactly one history row was appended")
    elif events[-1][:4] != (party, ACTION_EVENTS[action], before_row.status, after_row.status):
        problems.append(f"wrong history row {events[-1]}")
    new_amount = amount if action in ("counter", "edit") else before_row.payment_cents
    if after_row.payment_cents != new_amount or events[-1][4] not in (new_amount, None):
        problems.append("wrong amount")
    charged = before_row.payment_cents if action == "accept" else 0
    if _committed(db, deal.campaign_id) != before_committed + charged:
        problems.append("committed budget is wrong")
    return (after_row.status, after_row.turn), problems


@pytest.mark.parametrize("state", STATES)
def test_every_transition_is_allowed_only_from_the_right_state_and_turn(database, state):
    """For a request in `state` (status and whose turn), each action by each party: the new (status, turn), or
    the error; a refused action leaves the row, its history and the whole database unchanged."""
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    outcomes, expected, problems = {}, {}, {}
    deals = iter(_deals_in_state(database, sponsor, influencer, state, len(ACTIONS) * 2))
    for action in ACTIONS:
        for party in ("sponsor", "influencer"):
            deal = next(deals)
            outcomes[action, party], found = _attempt(database, deal, action, party)
            expected[action, party] = _expected(state, action, party)
            if found:
                problems[action, party] = found
    assert outcomes == expected
    assert problems == {}


def test_an_offer_on_a_campaign_that_has_ended_can_no_longer_be_accepted(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    with database.Session.begin() as s:  # time passes: the campaign's last day was yesterday
        s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(start_date=today() - dt.timedelta(days=10), end_date=today() - dt.timedelta(days=1))
        )
    with pytest.raises(Conflict, match="has ended"):
        with database.Session.begin() as s:
            ad_requests.accept(
                s,
                actor=influencer,
                ad_request_id=request_id,
                expected_version=ad_requests.current_version(s, request_id),
            )
    with database.ReadSession.begin() as s:
        assert s.get(Campaign, campaign_id).committed_cents == 0


# ---- act on what the user saw (Step 5, defect 1) -----------------------------------------------------------


def _version(db, request_id) -> str:
    """The version a page showing the request now would render."""
    return f.read(db, lambda s: ad_requests.current_version(s, request_id))


def _edit(db, who: Actor, request_id: int, *, payment_cents: int, requirements: str = "Two posts and a story"):
    version = _version(db, request_id)
    f.write(
        db,
        lambda s: ad_requests.edit_ad_request(
            s,
            actor=who,
            ad_request_id=request_id,
            expected_version=version,
            requirements=requirements,
            payment_cents=payment_cents,
        ),
    )


def test_influencer_cannot_accept_an_offer_that_changed_since_she_saw_it(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=100_000)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=10_000)
    shown = _version(database, request_id)  # her screen: "Accept $100.00"
    _edit(database, sponsor, request_id, payment_cents=90_000)  # meanwhile the sponsor makes it $900
    before = f.snapshot(database)
    with pytest.raises(Conflict, match=r"changed while you were looking at it \(now \$900\.00\)"):
        f.write(
            database,
            lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=request_id, expected_version=shown),
        )
    assert f.snapshot(database) == before
    assert _committed(database, campaign_id) == 0


def test_sponsor_cannot_accept_an_ask_lowered_to_one_dollar_after_he_saw_it(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.ask(database, influencer, campaign_id, payment_cents=5_000)
    shown = _version(database, request_id)
    _edit(database, influencer, request_id, payment_cents=100)
    with pytest.raises(Conflict, match=r"now \$1\.00"):
        f.write(
            database, lambda s: ad_requests.accept(s, actor=sponsor, ad_request_id=request_id, expected_version=shown)
        )
    assert _request(database, request_id).status == "pending"


def test_a_version_taken_after_the_change_accepts_the_new_amount(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=10_000)
    _edit(database, sponsor, request_id, payment_cents=12_000)
    shown = _version(database, request_id)
    f.write(
        database, lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=request_id, expected_version=shown)
    )
    assert _committed(database, campaign_id) == 12_000


@dataclass
class Stale:
    """A transition attempted with the version from before an edit that kept status and amount."""

    who: str
    call: object


STALE_TRANSITIONS = {
    "reject": Stale(
        "influencer", lambda s, a, rid, v: ad_requests.reject(s, actor=a, ad_request_id=rid, expected_version=v)
    ),
    "counter": Stale(
        "influencer",
        lambda s, a, rid, v: ad_requests.counter_offer(
            s, actor=a, ad_request_id=rid, expected_version=v, payment_cents=15_000, message="More"
        ),
    ),
    "accept": Stale(
        "influencer", lambda s, a, rid, v: ad_requests.accept(s, actor=a, ad_request_id=rid, expected_version=v)
    ),
    "withdraw": Stale(
        "sponsor", lambda s, a, rid, v: ad_requests.withdraw(s, actor=a, ad_request_id=rid, expected_version=v)
    ),
    "edit": Stale(
        "sponsor",
        lambda s, a, rid, v: ad_requests.edit_ad_request(
            s, actor=a, ad_request_id=rid, expected_version=v, requirements="Other", payment_cents=10_000
        ),
    ),
}


@pytest.mark.parametrize("name", list(STALE_TRANSITIONS))
def test_every_transition_refuses_a_version_from_before_an_edit_of_the_requirements_only(database, name):
    """Same status, same amount, new terms: the newest history event is part of the version."""
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=10_000)
    shown = _version(database, request_id)
    _edit(database, sponsor, request_id, payment_cents=10_000, requirements="Five posts, two stories, one video")
    stale = STALE_TRANSITIONS[name]
    actor = influencer if stale.who == "influencer" else sponsor
    before = f.snapshot(database)
    with pytest.raises(Conflict, match="changed while you were looking"):
        f.write(database, lambda s: stale.call(s, actor, request_id, shown))
    assert f.snapshot(database) == before


def test_completing_refuses_a_version_from_before_the_deal_was_accepted(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    shown = _version(database, request_id)  # the sponsor's page, before she accepted
    f.write(
        database, lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=request_id, expected_version=shown)
    )
    with pytest.raises(Conflict, match=r"now accepted"):
        f.write(
            database,
            lambda s: ad_requests.mark_completed(s, actor=sponsor, ad_request_id=request_id, expected_version=shown),
        )
    assert _request(database, request_id).status == "accepted"


@pytest.mark.parametrize("version", ["", "garbage", None])
def test_a_missing_or_malformed_version_is_refused_as_an_out_of_date_page(database, version):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    with pytest.raises((InvalidInput, Conflict)):
        f.write(
            database,
            lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=request_id, expected_version=version),
        )
    assert _request(database, request_id).status == "pending"


def test_bulk_decline_declines_nothing_when_one_row_changed_since_it_was_shown(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    first = f.request(database, sponsor, f.campaign(database, sponsor), influencer, payment_cents=10_000)
    second = f.request(database, sponsor, campaign_id, influencer, payment_cents=10_000)
    shown = f.read(database, lambda s: ad_requests.inbox(s, actor=influencer))
    versions = dict(zip(shown["id"], shown["version"], strict=True))
    _edit(database, sponsor, second, payment_cents=99_000)  # now a much better offer she has not seen
    before = f.snapshot(database)
    with pytest.raises(Conflict, match=r"now \$990\.00"):
        f.write(database, lambda s: ad_requests.bulk_reject(s, actor=influencer, expected_versions=versions))
    assert f.snapshot(database) == before
    assert {_request(database, first).status, _request(database, second).status} == {"pending"}


def test_bulk_decline_declines_the_rows_as_they_were_shown(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    ids = [f.request(database, sponsor, f.campaign(database, sponsor), influencer) for _ in range(3)]
    shown = f.read(database, lambda s: ad_requests.inbox(s, actor=influencer))
    versions = {int(i): v for i, v in zip(shown["id"], shown["version"], strict=True) if i != ids[2]}
    assert f.write(database, lambda s: ad_requests.bulk_reject(s, actor=influencer, expected_versions=versions)) == 2
    assert [_request(database, i).status for i in ids] == ["rejected", "rejected", "pending"]


def test_every_read_model_shows_the_version_a_transition_accepts(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    current = _version(database, request_id)
    inbox = f.read(database, lambda s: ad_requests.inbox(s, actor=influencer))
    listed = f.read(database, lambda s: ad_requests.campaign_requests(s, actor=sponsor, campaign_id=campaign_id))
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=influencer, ad_request_id=request_id))
    assert inbox.loc[0, "version"] == listed.loc[0, "version"] == thread["version"] == current
    f.write(
        database,
        lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=thread["id"], expected_version=current),
    )
    assert _version(database, request_id) != current


def test_an_accept_waiting_for_the_lock_sees_an_edit_committed_meanwhile(database):
    """Sponsor edits the terms (same amount) and holds the lock; the influencer's accept of the old terms
    queues behind it and must be refused once the edit commits, not applied to the new terms."""
    races.postgres_only(database)
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=10_000)
    shown = _version(database, request_id)

    with database.Session.begin() as s:
        ad_requests.edit_ad_request(
            s,
            actor=sponsor,
            ad_request_id=request_id,
            expected_version=shown,
            requirements="Ten posts and a video",
            payment_cents=10_000,
        )
        worker, outcome = races.in_thread(
            lambda: f.write(
                database,
                lambda s2: ad_requests.accept(s2, actor=influencer, ad_request_id=request_id, expected_version=shown),
            )
        )
        races.wait_until_blocked_or_done(database, worker)
        assert worker.is_alive(), "the accept did not wait for the edit's lock"
    worker.join(60)
    assert len(outcome) == 1 and "changed while you were looking" in outcome[0], outcome
    r = _request(database, request_id)
    assert (r.status, r.requirements) == ("pending", "Ten posts and a video")


# ---- good standing freezes a negotiation (Step 5, defects 2 and 3) -----------------------------------------


def _flag_user(db, user_id: int) -> None:
    f.write(db, lambda s: accounts.flag_user(s, actor=f.admin(db), user_id=user_id, reason="Under review"))


def _accept_now(db, who: Actor, request_id: int):
    return f.write(
        db,
        lambda s: ad_requests.accept(
            s, actor=who, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )


def _counter_now(db, who: Actor, request_id: int, amount: int):
    return f.write(
        db,
        lambda s: ad_requests.counter_offer(
            s,
            actor=who,
            ad_request_id=request_id,
            expected_version=ad_requests.current_version(s, request_id),
            payment_cents=amount,
            message="Counter",
        ),
    )


def test_influencer_cannot_accept_an_offer_from_a_flagged_sponsor_but_can_decline_it(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    _flag_user(database, sponsor.id)
    before = f.snapshot(database)
    with pytest.raises(Conflict, match="sponsor's account is on hold"):
        _accept_now(database, influencer, request_id)
    with pytest.raises(Conflict, match="sponsor's account is on hold"):
        _counter_now(database, influencer, request_id, 20_000)
    assert f.snapshot(database) == before
    thread = f.read(database, lambda s: ad_requests.get_thread(s, actor=influencer, ad_request_id=request_id))
    assert thread["frozen"] and thread["my_turn"]
    f.write(
        database,
        lambda s: ad_requests.reject(s, actor=influencer, ad_request_id=request_id, expected_version=thread["version"]),
    )
    assert _request(database, request_id).status == "rejected"


def test_sponsor_cannot_accept_an_ask_from_a_deactivated_influencer_but_can_withdraw_his_counter(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    asked = f.ask(database, influencer, campaign_id, payment_cents=8_000)
    other = f.ask(database, influencer, f.campaign(database, sponsor), payment_cents=8_000)
    _counter_now(database, sponsor, other, 7_000)  # his offer now waits for her
    f.write(
        database,
        lambda s: accounts.deactivate_user(s, actor=f.admin(database), user_id=influencer.id, reason="Left"),
    )
    with pytest.raises(Conflict, match="influencer's account is on hold"):
        _accept_now(database, sponsor, asked)
    assert _committed(database, campaign_id) == 0
    f.write(
        database,
        lambda s: ad_requests.withdraw(
            s, actor=sponsor, ad_request_id=other, expected_version=ad_requests.current_version(s, other)
        ),
    )
    assert _request(database, other).status == "withdrawn"


def test_a_frozen_negotiation_thaws_unchanged_when_the_flag_is_lifted(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    admin = f.admin(database)
    _flag_user(database, influencer.id)
    with pytest.raises(Conflict, match="not in good standing"):
        _accept_now(database, influencer, request_id)  # an Actor loaded before the flag is still refused
    f.write(database, lambda s: accounts.unflag_user(s, actor=admin, user_id=influencer.id))
    _accept_now(database, influencer, request_id)
    assert _committed(database, campaign_id) == PAYMENT


def test_completing_a_deal_waits_while_the_influencer_is_flagged(database):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    _accept_now(database, influencer, request_id)
    _flag_user(database, influencer.id)
    with pytest.raises(Conflict, match="influencer's account is on hold"):
        f.write(
            database,
            lambda s: ad_requests.mark_completed(
                s, actor=sponsor, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
            ),
        )
    assert _request(database, request_id).status == "accepted"


def test_reminders_skip_negotiations_frozen_by_a_flagged_sponsor_or_campaign(database):
    from core.messaging import reminders

    sponsor, flagged_sponsor, influencer = f.sponsor(database), f.sponsor(database), f.influencer(database)
    live = f.request(database, sponsor, f.campaign(database, sponsor), influencer)
    frozen = f.request(database, flagged_sponsor, f.campaign(database, flagged_sponsor), influencer)
    held_campaign = f.campaign(database, sponsor)
    held = f.request(database, sponsor, held_campaign, influencer)
    _flag_user(database, flagged_sponsor.id)
    f.write(
        database,
        lambda s: campaigns.flag_campaign(s, actor=f.admin(database), campaign_id=held_campaign, reason="Review"),
    )
    assert f.read(database, lambda s: reminders.awaiting_user_ids(s, "influencer")) == [influencer.id]
    recipients = f.read(database, lambda s: reminders.load_recipients(s, "influencer", [influencer.id]))
    assert [item.ad_request_id for item in recipients[0].items] == [live] and recipients[0].total == 1
    assert frozen != held


CLOSED_CAMPAIGNS = {
    "flagged": lambda db, sponsor, cid: f.write(
        db, lambda s: campaigns.flag_campaign(s, actor=f.admin(db), campaign_id=cid, reason="Review")
    ),
    "draft": lambda db, sponsor, cid: f.write(
        db, lambda s: campaigns.set_status(s, actor=sponsor, campaign_id=cid, status="draft")
    ),
    "ended": lambda db, sponsor, cid: f.write(
        db,
        lambda s: s.execute(
            update(Campaign)
            .where(Campaign.id == cid)
            .values(start_date=today() - dt.timedelta(days=10), end_date=today() - dt.timedelta(days=1))
        ),
    ),
}


@pytest.mark.parametrize("closed", list(CLOSED_CAMPAIGNS))
@pytest.mark.parametrize("side", ["influencer", "sponsor"])
def test_counter_offers_and_edits_are_refused_on_flagged_draft_or_ended_campaigns(database, closed, side):
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    if side == "influencer":  # the sponsor's offer waits for her
        countered = f.request(database, sponsor, campaign_id, influencer)
        edited, editor = f.ask(database, influencer, f.campaign(database, sponsor), payment_cents=5_000), influencer
    else:  # her ask waits for him
        countered = f.ask(database, influencer, campaign_id)
        edited, editor = f.request(database, sponsor, f.campaign(database, sponsor), influencer), sponsor
    CLOSED_CAMPAIGNS[closed](database, sponsor, campaign_id)
    CLOSED_CAMPAIGNS[closed](database, sponsor, _request(database, edited).campaign_id)
    me = influencer if side == "influencer" else sponsor
    before = f.snapshot(database)
    with pytest.raises(Conflict):
        _counter_now(database, me, countered, 12_345)
    with pytest.raises(Conflict):
        f.write(
            database,
            lambda s: ad_requests.edit_ad_request(
                s,
                actor=editor,
                ad_request_id=edited,
                expected_version=ad_requests.current_version(s, edited),
                requirements="New terms",
                payment_cents=6_000,
            ),
        )
    assert f.snapshot(database) == before
