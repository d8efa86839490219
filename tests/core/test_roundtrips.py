"""Round trips of the negotiation transitions: one read that locks, one guarded write, so extra ones cannot creep back.

A statement count is a check of the design, not a timing: every statement is a network round trip on
PostgreSQL. SQLite runs in-process and has no DML in CTEs, so there the writes run one by one (bounded).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench.roundtrips import counted
from core.errors import Conflict
from core.marketplace import ad_requests
from core.models import AdRequestEvent, AuditLog, Campaign, CacheGeneration, Notification
from core.platform import cachegen
from tests import factories as f

# PostgreSQL: the locking read and the one guarded write. SQLite: BEGIN, the read, the guarded UPDATE(s),
# one INSERT per row and one UPDATE per cache scope, each microseconds in-process.
MOST = {"postgresql": 2, "sqlite": 10}


def _negotiation(db, payment_cents=10_000):
    sponsor, influencer = f.sponsor(db), f.influencer(db)
    campaign_id = f.campaign(db, sponsor)
    request_id = f.request(db, sponsor, campaign_id, influencer, payment_cents=payment_cents)
    return sponsor, influencer, campaign_id, request_id


def _version(db, request_id) -> str:
    return f.read(db, lambda s: ad_requests.current_version(s, request_id))


def _statements(db, fn) -> list[str]:
    with counted(db.engine) as trips, db.Session.begin() as s:
        fn(s)
    return trips.statements


def _counts(db, campaign_id, sponsor_org) -> tuple:
    def read(s):
        return (
            s.scalar(select(func.count()).select_from(AdRequestEvent)),
            s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "ad_request.accepted")),
            s.scalar(select(func.count()).select_from(Notification)),
            s.scalar(select(Campaign.committed_cents).where(Campaign.id == campaign_id)),
            s.scalar(select(CacheGeneration.version).where(CacheGeneration.scope == cachegen.org_scope(sponsor_org))),
        )

    return f.read(db, read)


def test_accept_sends_one_locking_read_and_one_guarded_write_and_still_writes_every_row(database):
    sponsor, influencer, campaign_id, request_id = _negotiation(database)
    before = _counts(database, campaign_id, sponsor.organization_id)
    version = _version(database, request_id)

    statements = _statements(
        database,
        lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=request_id, expected_version=version),
    )

    assert len(statements) <= MOST[database.engine.dialect.name], statements
    events, audits, notes, committed, generation = _counts(database, campaign_id, sponsor.organization_id)
    assert (events - before[0], audits - before[1], notes - before[2]) == (1, 1, 1)
    assert committed - before[3] == 10_000 and generation == before[4] + 1
    assert (
        f.read(database, lambda s: ad_requests.get_thread(s, actor=sponsor, ad_request_id=request_id))["status"]
        == "accepted"
    )


@pytest.mark.parametrize("transition", ["counter", "reject", "withdraw"])
def test_the_other_negotiation_steps_take_the_same_two_trips(database, transition):
    sponsor, influencer, _, request_id = _negotiation(database)
    version = _version(database, request_id)
    calls = {
        "counter": lambda s: ad_requests.counter_offer(
            s,
            actor=influencer,
            ad_request_id=request_id,
            expected_version=version,
            payment_cents=12_000,
            message="More",
        ),
        "reject": lambda s: ad_requests.reject(s, actor=influencer, ad_request_id=request_id, expected_version=version),
        "withdraw": lambda s: ad_requests.withdraw(
            s, actor=sponsor, ad_request_id=request_id, expected_version=version
        ),
    }

    statements = _statements(database, calls[transition])

    assert len(statements) <= MOST[database.engine.dialect.name], statements
    assert _version(database, request_id) != version


def test_an_accept_of_a_moved_request_writes_nothing_and_says_what_changed(database):
    sponsor, influencer, campaign_id, request_id = _negotiation(database)
    shown = _version(database, request_id)
    f.write(
        database,
        lambda s: ad_requests.edit_ad_request(
            s, actor=sponsor, ad_request_id=request_id, expected_version=shown, requirements="More", payment_cents=9_000
        ),
    )
    before = _counts(database, campaign_id, sponsor.organization_id)

    with pytest.raises(Conflict, match="changed while you were looking"):
        f.write(
            database,
            lambda s: ad_requests.accept(s, actor=influencer, ad_request_id=request_id, expected_version=shown),
        )

    assert _counts(database, campaign_id, sponsor.organization_id) == before


def test_an_accept_in_a_session_that_held_the_request_shows_the_new_state_afterwards(database):
    _, influencer, campaign_id, request_id = _negotiation(database)

    def accept_then_read(s):
        loaded = s.get(ad_requests.AdRequest, request_id)
        assert loaded.status == "pending"
        ad_requests.accept(
            s, actor=influencer, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
        )
        return loaded.status, s.get(Campaign, campaign_id).committed_cents

    assert f.write(database, accept_then_read) == ("accepted", 10_000)


def test_bumping_several_cache_scopes_is_one_statement_that_creates_or_increments_each(database):
    with database.Session.begin() as s:
        cachegen.bump(s, "scope:a")
    with counted(database.engine) as trips, database.Session.begin() as s:
        cachegen.bump(s, "scope:b", "scope:a", "scope:b", "scope:c")
    assert [t for t in trips.summary() if not t.startswith(("BEGIN", "COMMIT"))][0].startswith(
        "INSERT INTO cache_generations"
    )
    assert len([t for t in trips.statements if "cache_generations" in t]) == 1
    with database.ReadSession.begin() as s:
        assert cachegen.generations(s, "scope:a", "scope:b", "scope:c", "scope:never") == (2, 1, 1, 0)
