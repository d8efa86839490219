"""Campaigns: a sponsor's own CRUD, visibility and status, admin moderation, and the list read models."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, ad_requests, campaigns
from core.models import CAMPAIGN_STATUSES, AdRequest, AdRequestEvent, AuditLog, Campaign
from core.platform.timeutil import today
from tests import factories as f
from tests import races


def _campaign(db, campaign_id) -> Campaign | None:
    return f.read(db, lambda s: s.get(Campaign, campaign_id))


def _count_statements(db):
    """A list that collects every SQL statement the engine runs while the listener is attached."""
    statements: list[str] = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", collect)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", collect)


def test_a_sponsor_creates_a_campaign_with_every_field_and_it_is_listed(database):
    sponsor = f.sponsor(database)
    start, end = today(), today() + dt.timedelta(days=60)
    campaign_id = f.write(
        database,
        lambda s: campaigns.create_campaign(
            s,
            actor=sponsor,
            name="  Summer Glow ",
            category="Beauty",
            niche="skincare",
            start_date=start,
            end_date=end.isoformat(),
            budget_cents=250_000,
            description="Sunscreen launch",
            goals="10k clicks",
        ),
    )
    c = _campaign(database, campaign_id)
    assert (c.sponsor_id, c.name, c.category, c.niche, c.description, c.goals) == (
        sponsor.id,
        "Summer Glow",
        "Beauty",
        "skincare",
        "Sunscreen launch",
        "10k clicks",
    )
    assert (c.start_date, c.end_date, c.budget_cents, c.committed_cents) == (start, end, 250_000, 0)
    assert (c.status, c.is_public, c.flagged, c.listed) == ("active", True, False, True)
    audit = f.read(
        database,
        lambda s: s.scalar(
            select(AuditLog.action).where(AuditLog.target_id == campaign_id, AuditLog.target_type == "campaign")
        ),
    )
    assert audit == "campaign.created"


@pytest.mark.parametrize("is_public, status", [(False, "active"), (True, "draft")])
def test_private_and_draft_campaigns_are_not_listed(database, is_public, status):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, is_public=is_public, status=status)
    assert _campaign(database, campaign_id).listed is False


def test_a_sponsor_updates_a_campaign(database):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=100_000)
    f.write(
        database,
        lambda s: campaigns.update_campaign(
            s,
            actor=sponsor,
            campaign_id=campaign_id,
            name="Renamed",
            category="Food",
            niche="vegan",
            start_date=today(),
            end_date=today() + dt.timedelta(days=5),
            budget_cents=80_000,
            description="New",
            goals="More",
            is_public=False,
        ),
    )
    c = _campaign(database, campaign_id)
    assert (c.name, c.category, c.niche, c.budget_cents, c.description, c.goals, c.is_public, c.listed) == (
        "Renamed",
        "Food",
        "vegan",
        80_000,
        "New",
        "More",
        False,
        False,
    )
    details = f.read(
        database,
        lambda s: [a.detail for a in s.scalars(select(AuditLog).where(AuditLog.action == "campaign.budget_changed"))],
    )
    assert details == ["from 100000 to 80000 cents"]


def test_the_budget_cannot_drop_below_what_is_committed(database):
    sponsor = f.sponsor(database)
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=100_000)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=60_000)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    before = f.snapshot(database)
    with pytest.raises(InvalidInput, match=r"\$600.00 already committed"):
        f.write(
            database,
            lambda s: campaigns.update_campaign(
                s,
                actor=sponsor,
                campaign_id=campaign_id,
                name="X",
                category="Fitness",
                start_date=today(),
                end_date=today(),
                budget_cents=59_999,
            ),
        )
    assert f.snapshot(database) == before
    f.write(
        database,
        lambda s: campaigns.update_campaign(
            s,
            actor=sponsor,
            campaign_id=campaign_id,
            name="X",
            category="Fitness",
            start_date=today(),
            end_date=today(),
            budget_cents=60_000,
        ),
    )
    assert _campaign(database, campaign_id).budget_cents == 60_000


def test_visibility_can_be_switched_both_ways(database):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor)
    f.write(database, lambda s: campaigns.set_visibility(s, actor=sponsor, campaign_id=campaign_id, is_public=False))
    assert (_campaign(database, campaign_id).is_public, _campaign(database, campaign_id).listed) == (False, False)
    f.write(database, lambda s: campaigns.set_visibility(s, actor=sponsor, campaign_id=campaign_id, is_public=True))
    assert (_campaign(database, campaign_id).is_public, _campaign(database, campaign_id).listed) == (True, True)


def _campaign_in_status(db, sponsor, status: str) -> int:
    campaign_id = f.campaign(db, sponsor, status="draft" if status == "draft" else "active")
    if status in ("completed", "cancelled"):
        f.write(db, lambda s: campaigns.set_status(s, actor=sponsor, campaign_id=campaign_id, status=status))
    return campaign_id


@pytest.mark.parametrize("current", CAMPAIGN_STATUSES)
def test_every_campaign_status_change_is_allowed_or_refused_by_the_state_machine(database, current):
    """From `current` to every status: draft → active/cancelled, active → completed/cancelled/draft, nothing
    out of completed or cancelled; a refused change leaves the database as it was."""
    rules = {
        "draft": {"active", "cancelled"},
        "active": {"completed", "cancelled", "draft"},
        "completed": set(),
        "cancelled": set(),
    }
    sponsor = f.sponsor(database)
    outcomes, expected = {}, {}
    for target in CAMPAIGN_STATUSES:
        campaign_id = _campaign_in_status(database, sponsor, current)
        before = f.snapshot(database, ("campaigns", "ad_requests", "audit_log"))
        try:
            f.write(database, lambda s: campaigns.set_status(s, actor=sponsor, campaign_id=campaign_id, status=target))
        except Conflict as error:
            assert error.message == f"A {current} campaign cannot become {target}."
            assert f.snapshot(database, ("campaigns", "ad_requests", "audit_log")) == before
            outcomes[target] = Conflict
        else:
            c = _campaign(database, campaign_id)
            outcomes[target] = (c.status, c.listed)
        expected[target] = (target, target == "active") if target in rules[current] else Conflict
    assert outcomes == expected


@pytest.mark.parametrize("final", ["completed", "cancelled"])
def test_ending_a_campaign_withdraws_its_open_requests_and_keeps_accepted_ones(database, final):
    sponsor = f.sponsor(database)
    a, b, c = (f.influencer(database) for _ in range(3))
    campaign_id = f.campaign(database, sponsor)
    open_sent = f.request(database, sponsor, campaign_id, a)
    open_asked = f.ask(database, b, campaign_id)
    accepted = f.request(database, sponsor, campaign_id, c)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=c, ad_request_id=accepted, expected_version=ad_requests.current_version(s, accepted)
        ),
    )
    f.write(
        database,
        lambda s: campaigns.set_status(s, actor=sponsor, campaign_id=campaign_id, status=final, note="Season over"),
    )
    statuses = f.read(
        database,
        lambda s: dict(
            s.execute(select(AdRequest.id, AdRequest.status).where(AdRequest.campaign_id == campaign_id)).all()
        ),
    )
    assert statuses == {open_sent: "withdrawn", open_asked: "withdrawn", accepted: "accepted"}
    events = f.read(
        database,
        lambda s: s.execute(
            select(AdRequestEvent.ad_request_id, AdRequestEvent.action, AdRequestEvent.message).where(
                AdRequestEvent.action == "withdrawn"
            )
        ).all(),
    )
    assert sorted(events) == sorted([(open_sent, "withdrawn", "Season over"), (open_asked, "withdrawn", "Season over")])
    assert _campaign(database, campaign_id).committed_cents == 10_000


def test_a_campaign_without_requests_can_be_deleted(database):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor)
    f.write(database, lambda s: campaigns.delete_campaign(s, actor=sponsor, campaign_id=campaign_id))
    assert _campaign(database, campaign_id) is None
    with pytest.raises(NotFound):
        f.write(database, lambda s: campaigns.delete_campaign(s, actor=sponsor, campaign_id=campaign_id))


def test_a_campaign_with_requests_cannot_be_deleted(database):
    sponsor = f.sponsor(database)
    influencer = f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    request_id = f.request(database, sponsor, campaign_id, influencer)
    f.write(
        database,
        lambda s: ad_requests.reject(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        ),
    )
    before = f.snapshot(database)
    with pytest.raises(Conflict, match="Cancel the campaign instead"):
        f.write(database, lambda s: campaigns.delete_campaign(s, actor=sponsor, campaign_id=campaign_id))
    assert f.snapshot(database) == before


@pytest.mark.parametrize("final", ["completed", "cancelled"])
def test_a_finished_campaign_can_no_longer_be_edited(database, final):
    sponsor = f.sponsor(database)
    campaign_id = _campaign_in_status(database, sponsor, final)
    with pytest.raises(Conflict, match="can no longer be edited"):
        f.write(
            database,
            lambda s: campaigns.update_campaign(
                s,
                actor=sponsor,
                campaign_id=campaign_id,
                name="X",
                category="Fitness",
                start_date=today(),
                end_date=today(),
                budget_cents=1,
            ),
        )


def test_an_admin_flags_and_unflags_a_campaign_and_the_sponsor_is_told(database):
    admin = f.admin(database)
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, name="Too Good To Be True")
    f.write(
        database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="Misleading claims")
    )
    c = _campaign(database, campaign_id)
    assert (c.flagged, c.flag_reason, c.listed) == (True, "Misleading claims", False)
    with pytest.raises(Conflict, match="already flagged"):
        f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="x"))
    seen_by_sponsor = f.read(database, lambda s: campaigns.get_campaign(s, actor=sponsor, campaign_id=campaign_id))
    assert seen_by_sponsor["flagged"] and seen_by_sponsor["flag_reason"] == "Misleading claims"

    f.write(database, lambda s: campaigns.unflag_campaign(s, actor=admin, campaign_id=campaign_id, note="Fixed"))
    c = _campaign(database, campaign_id)
    assert (c.flagged, c.flag_reason, c.listed) == (False, None, True)
    with pytest.raises(Conflict, match="not flagged"):
        f.write(database, lambda s: campaigns.unflag_campaign(s, actor=admin, campaign_id=campaign_id))
    from core.messaging import notifications

    titles = list(f.read(database, lambda s: notifications.list_notifications(s, actor=sponsor))["title"])
    assert titles[:2] == [
        "Your campaign “Too Good To Be True” was unflagged",
        "Your campaign “Too Good To Be True” was flagged",
    ]
    with pytest.raises(NotFound):
        f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=999_999, reason="x"))


def test_the_sponsor_campaign_list_counts_requests_by_status_and_budget_use_in_one_query(database):
    sponsor = f.sponsor(database)
    other_sponsor = f.sponsor(database)
    people = [f.influencer(database) for _ in range(6)]
    big = f.campaign(database, sponsor, budget_cents=100_000, name="Big")
    empty = f.campaign(database, sponsor, budget_cents=5_000, name="Empty", status="draft")
    f.campaign(database, other_sponsor, name="Not mine")
    r = [f.request(database, sponsor, big, p, payment_cents=10_000 + i * 1_000) for i, p in enumerate(people[:5])]
    asked = f.ask(database, people[5], big, payment_cents=7_000)  # awaiting the sponsor
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=people[0], ad_request_id=r[0], expected_version=ad_requests.current_version(s, r[0])
        ),
    )  # 10_000 accepted
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=people[1], ad_request_id=r[1], expected_version=ad_requests.current_version(s, r[1])
        ),
    )  # 11_000 → completed
    f.write(
        database,
        lambda s: ad_requests.mark_completed(
            s, actor=sponsor, ad_request_id=r[1], expected_version=ad_requests.current_version(s, r[1])
        ),
    )
    f.write(
        database,
        lambda s: ad_requests.reject(
            s, actor=people[2], ad_request_id=r[2], expected_version=ad_requests.current_version(s, r[2])
        ),
    )
    f.write(
        database,
        lambda s: ad_requests.counter_offer(
            s,
            actor=people[3],
            ad_request_id=r[3],
            expected_version=ad_requests.current_version(s, r[3]),
            payment_cents=20_000,
            message="More please",
        ),
    )
    # r[4] stays pending with the influencer; `asked` is pending with the sponsor.

    statements, stop = _count_statements(database)
    try:
        frame = f.read(database, lambda s: campaigns.list_sponsor_campaigns(s, actor=sponsor))
    finally:
        stop()
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert list(frame["name"]) == ["Empty", "Big"]
    row = frame.set_index("name").loc["Big"]
    assert {
        k: int(row[k])
        for k in ("pending", "negotiating", "accepted", "rejected", "withdrawn", "completed", "awaiting_me", "requests")
    } == {
        "pending": 2,
        "negotiating": 1,
        "accepted": 1,
        "rejected": 1,
        "withdrawn": 0,
        "completed": 1,
        "awaiting_me": 2,
        "requests": 6,
    }
    assert (int(row["budget_cents"]), int(row["committed_cents"]), int(row["remaining_cents"])) == (
        100_000,
        21_000,
        79_000,
    )
    empty_row = frame.set_index("name").loc["Empty"]
    assert (int(empty_row["requests"]), int(empty_row["remaining_cents"]), empty_row["status"]) == (0, 5_000, "draft")

    summary = campaigns.sponsor_summary(frame)
    assert summary == {
        "campaigns": 2,
        "active": 1,
        "flagged": 0,
        "budget_cents": 105_000,
        "committed_cents": 21_000,
        "remaining_cents": 84_000,
        "awaiting_me": 2,
        "open_requests": 3,
        "accepted": 2,
    }
    assert campaigns.sponsor_summary(frame.iloc[0:0])["campaigns"] == 0
    only_drafts = f.read(database, lambda s: campaigns.list_sponsor_campaigns(s, actor=sponsor, status="draft"))
    assert list(only_drafts["id"]) == [empty]
    assert asked in set(
        f.read(database, lambda s: ad_requests.campaign_requests(s, actor=sponsor, campaign_id=big))["id"]
    )

    burn = f.read(database, lambda s: campaigns.budget_burn(s, actor=sponsor))
    assert list(burn["committed_cents"]) == [21_000] and list(burn["cumulative_cents"]) == [21_000]
    assert f.read(database, lambda s: campaigns.budget_burn(s, actor=sponsor, campaign_id=empty)).empty
    options = f.read(database, lambda s: campaigns.sponsor_campaign_options(s, actor=sponsor))
    assert options == [(big, "Big")]


def test_the_admin_campaign_list_filters_and_pages_by_id(database):
    admin = f.admin(database)
    acme = f.sponsor(database, name="Acme Corp")
    other = f.sponsor(database, name="Other Inc")
    ids = [f.campaign(database, acme, name=f"Acme drive {i}") for i in range(4)]
    private = f.campaign(database, other, name="Quiet launch", is_public=False)
    f.write(database, lambda s: campaigns.flag_campaign(s, actor=admin, campaign_id=ids[0], reason="Spam"))

    def listed(**kw):
        frame, total = f.read(database, lambda s: campaigns.list_all_campaigns(s, actor=admin, **kw))
        return list(frame["id"]), total

    assert listed() == (sorted(ids + [private], reverse=True), 5)
    assert listed(text="other inc") == ([private], 1)
    assert listed(text="ACME") == (sorted(ids, reverse=True), 4)
    assert listed(flagged=True) == ([ids[0]], 1)
    assert listed(status="active", flagged=False)[1] == 4
    walked, after = [], None
    while True:
        frame, total = f.read(database, lambda s: campaigns.list_all_campaigns(s, actor=admin, after_id=after, limit=2))
        assert total == 5
        if frame.empty:
            break
        walked += list(frame["id"])
        after = int(frame["id"].iloc[-1])
    assert walked == sorted(ids + [private], reverse=True)


def test_a_sponsor_cannot_touch_another_sponsors_campaign(database):
    owner = f.sponsor(database)
    intruder = f.sponsor(database)
    campaign_id = f.campaign(database, owner)
    before = f.snapshot(database)
    actions = [
        lambda s: campaigns.update_campaign(
            s,
            actor=intruder,
            campaign_id=campaign_id,
            name="Mine now",
            category="Fitness",
            start_date=today(),
            end_date=today(),
            budget_cents=1,
        ),
        lambda s: campaigns.set_visibility(s, actor=intruder, campaign_id=campaign_id, is_public=False),
        lambda s: campaigns.set_status(s, actor=intruder, campaign_id=campaign_id, status="cancelled"),
        lambda s: campaigns.delete_campaign(s, actor=intruder, campaign_id=campaign_id),
    ]
    for action in actions:
        with pytest.raises(PermissionDenied, match="another organization"):
            f.write(database, action)
    assert f.snapshot(database) == before
    assert campaign_id not in set(f.read(database, lambda s: campaigns.list_sponsor_campaigns(s, actor=intruder))["id"])


def test_a_deactivated_sponsors_campaign_is_unlisted_but_kept(database):
    admin = f.admin(database)
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor)
    f.write(database, lambda s: accounts.deactivate_user(s, actor=admin, user_id=sponsor.id, reason="Left"))
    c = _campaign(database, campaign_id)
    assert c is not None and c.listed is False and c.status == "active"


# ---- races with the campaign row (Step 5, defect 13) -------------------------------------------------------


def test_lowering_the_budget_checks_what_is_committed_at_the_lock_not_an_earlier_read(database):
    """The sponsor's transaction read the campaign before a deal was accepted elsewhere: the budget check must
    use the committed amount at the lock and refuse politely, not fail on the database constraint."""
    races.postgres_only(database)
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=100_000)
    request_id = f.request(database, sponsor, campaign_id, influencer, payment_cents=60_000)
    with database.Session.begin() as s:
        early = s.get(Campaign, campaign_id)  # read early in the transaction, and still held
        assert early.committed_cents == 0
        f.write(  # meanwhile, in another transaction, the influencer accepts 600.00
            database,
            lambda other: ad_requests.accept(
                other,
                actor=influencer,
                ad_request_id=request_id,
                expected_version=ad_requests.current_version(other, request_id),
            ),
        )
        with pytest.raises(InvalidInput, match=r"already committed"):
            campaigns.update_campaign(
                s,
                actor=sponsor,
                campaign_id=campaign_id,
                name="Cheaper",
                category="Fitness",
                start_date=today(),
                end_date=today() + dt.timedelta(days=5),
                budget_cents=50_000,
            )
    with database.ReadSession.begin() as s:
        c = s.get(Campaign, campaign_id)
        assert (c.budget_cents, c.committed_cents) == (100_000, 60_000)


def _pending_on(database, campaign_id) -> list[int]:
    return f.read(
        database,
        lambda s: list(
            s.scalars(
                select(AdRequest.id).where(
                    AdRequest.campaign_id == campaign_id, AdRequest.status.in_(("pending", "negotiating"))
                )
            )
        ),
    )


def test_a_request_sent_while_its_campaign_is_being_cancelled_is_never_left_pending(database):
    races.postgres_only(database)
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    with database.Session.begin() as s:
        campaigns.set_status(s, actor=sponsor, campaign_id=campaign_id, status="cancelled")
        worker, outcome = races.in_thread(lambda: f.request(database, sponsor, campaign_id, influencer))
        races.wait_until_blocked_or_done(database, worker)
    worker.join(60)
    assert outcome == ["This campaign is cancelled; only active campaigns take requests and offers."]
    assert _pending_on(database, campaign_id) == []


def test_an_ask_to_join_racing_a_cancel_is_withdrawn_with_the_campaign(database):
    """The other order: the ask holds the campaign lock first, so the cancel waits and then withdraws it."""
    races.postgres_only(database)
    sponsor, influencer = f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    with database.Session.begin() as s:
        request_id = ad_requests.ask_to_join(
            s, actor=influencer, campaign_id=campaign_id, payment_cents=10_000, message="Count me in"
        )
        worker, outcome = races.in_thread(
            lambda: f.write(
                database,
                lambda s2: campaigns.set_status(s2, actor=sponsor, campaign_id=campaign_id, status="cancelled"),
            )
        )
        races.wait_until_blocked_or_done(database, worker)
        assert worker.is_alive(), "the cancel did not wait for the ask's lock"
    worker.join(60)
    assert outcome == ["ok"]
    assert _pending_on(database, campaign_id) == []
    assert f.read(database, lambda s: s.get(AdRequest, request_id).status) == "withdrawn"


def test_an_ask_to_join_racing_a_flag_of_its_campaign_is_refused(database):
    races.postgres_only(database)
    admin, sponsor, influencer = f.admin(database), f.sponsor(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor)
    with database.Session.begin() as s:
        campaigns.flag_campaign(s, actor=admin, campaign_id=campaign_id, reason="Misleading claims")
        worker, outcome = races.in_thread(lambda: f.ask(database, influencer, campaign_id))
        races.wait_until_blocked_or_done(database, worker)
    worker.join(60)
    assert outcome == ["That campaign does not exist or is not public."]
    assert _pending_on(database, campaign_id) == []
