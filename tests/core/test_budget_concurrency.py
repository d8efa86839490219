"""The budget invariant under truly concurrent accepts: real threads (SQLite and PostgreSQL) and real processes.

Every worker opens its own transaction (`with database.Session.begin()`), all start together at a barrier,
and the database alone decides who wins.
"""
from __future__ import annotations

import multiprocessing
import threading
import traceback

import pytest
from sqlalchemy import func, select

from core import ad_requests, db as dbmod
from core.errors import Conflict
from core.models import AdRequest, AdRequestEvent, Campaign
from tests import factories as f

BUDGET = 10_000
OFFER = 3_000
WORKERS = 10
JOIN_TIMEOUT = 120  # seconds; only reached when something deadlocks


def _run_threads(jobs) -> list[str]:
    """Run every job in its own thread, released together; returns 'ok', 'conflict' or a traceback each."""
    barrier = threading.Barrier(len(jobs))
    results: list[str | None] = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait(timeout=30)
            job()
            results[index] = "ok"
        except Conflict:
            results[index] = "conflict"
        except BaseException:  # anything else is a bug and must show up in the assertion
            results[index] = traceback.format_exc()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def _accepted_state(db, campaign_id):
    with db.ReadSession.begin() as s:
        committed, budget = s.execute(select(Campaign.committed_cents, Campaign.budget_cents)
                                      .where(Campaign.id == campaign_id)).one()
        accepted_sum = s.scalar(select(func.coalesce(func.sum(AdRequest.payment_cents), 0))
                                .where(AdRequest.campaign_id == campaign_id,
                                       AdRequest.status.in_(("accepted", "completed"))))
        accepted_events = s.scalar(select(func.count()).select_from(AdRequestEvent)
                                   .join(AdRequest, AdRequest.id == AdRequestEvent.ad_request_id)
                                   .where(AdRequest.campaign_id == campaign_id, AdRequestEvent.action == "accepted"))
        statuses = dict(s.execute(select(AdRequest.status, func.count()).where(AdRequest.campaign_id == campaign_id)
                                  .group_by(AdRequest.status)).all())
    return committed, budget, accepted_sum, accepted_events, statuses


def _accept_job(db, actor, request_id):
    def job():
        with db.Session.begin() as s:
            ad_requests.accept(s, actor=actor, ad_request_id=request_id)
    return job


@pytest.mark.parametrize("accepting_side", ["influencers", "sponsor"])
def test_concurrent_accepts_never_commit_more_than_the_budget(database, accepting_side):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=BUDGET)
    people = [f.influencer(database) for _ in range(WORKERS)]
    if accepting_side == "influencers":
        # Sponsor-sent offers of 30.00 each; every influencer accepts at the same moment.
        jobs = [_accept_job(database, p, f.request(database, sponsor, campaign_id, p, payment_cents=OFFER))
                for p in people]
    else:
        # Influencers asked to join for 30.00 each; the sponsor accepts them all at once from ten browser tabs.
        jobs = [_accept_job(database, sponsor, f.ask(database, p, campaign_id, payment_cents=OFFER)) for p in people]

    results = _run_threads(jobs)

    assert sorted(results) == ["conflict"] * 7 + ["ok"] * 3, results
    committed, budget, accepted_sum, accepted_events, statuses = _accepted_state(database, campaign_id)
    assert committed == 3 * OFFER <= budget
    assert accepted_sum == committed and accepted_events == 3
    assert statuses == {"accepted": 3, "pending": 7}


def test_two_parties_racing_on_one_request_cannot_both_win(database):
    """The influencer accepts while the sponsor withdraws the same offer: exactly one of them happens."""
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=1_000_000)
    people = [f.influencer(database) for _ in range(4)]
    for person in people:
        request_id = f.request(database, sponsor, campaign_id, person, payment_cents=OFFER)

        def withdraw(request_id=request_id):
            with database.Session.begin() as s:
                ad_requests.withdraw(s, actor=sponsor, ad_request_id=request_id)

        results = _run_threads([_accept_job(database, person, request_id), withdraw])
        assert sorted(results) == ["conflict", "ok"], results
        with database.ReadSession.begin() as s:
            status = s.get(AdRequest, request_id).status
            actions = list(s.scalars(select(AdRequestEvent.action).where(AdRequestEvent.ad_request_id == request_id)
                                     .order_by(AdRequestEvent.id)))
        winner = "accepted" if results[0] == "ok" else "withdrawn"
        assert status == winner and actions == ["sent", winner]
    committed, _, accepted_sum, _, _ = _accepted_state(database, campaign_id)
    assert committed == accepted_sum


# ---- real processes on one SQLite file ---------------------------------------------------------------------

def _accept_in_process(url: str, actor, request_id: int, barrier, results) -> None:
    """Runs in a spawned process: its own engine, its own transaction, released at the barrier."""
    database = dbmod.connect(url)
    try:
        barrier.wait(timeout=60)
        with database.Session.begin() as s:
            ad_requests.accept(s, actor=actor, ad_request_id=request_id)
        results.put((request_id, "ok"))
    except Conflict:
        results.put((request_id, "conflict"))
    except BaseException:
        results.put((request_id, traceback.format_exc()))
    finally:
        database.dispose()


def test_concurrent_accepts_from_separate_processes_respect_the_budget(sqlite_database):
    database = sqlite_database
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=BUDGET)
    people = [f.influencer(database) for _ in range(5)]
    requests = [(p, f.request(database, sponsor, campaign_id, p, payment_cents=OFFER)) for p in people]
    url = database.engine.url.render_as_string(hide_password=False)
    database.dispose()

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(requests))
    results = context.Queue()
    processes = [context.Process(target=_accept_in_process, args=(url, person, request_id, barrier, results))
                 for person, request_id in requests]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=JOIN_TIMEOUT) for _ in processes]
    for process in processes:
        process.join(JOIN_TIMEOUT)
    assert all(process.exitcode == 0 for process in processes)

    assert sorted(result for _, result in outcomes) == ["conflict"] * 2 + ["ok"] * 3, outcomes
    committed, budget, accepted_sum, accepted_events, statuses = _accepted_state(database, campaign_id)
    assert committed == 3 * OFFER <= budget
    assert accepted_sum == committed and accepted_events == 3
    winners = {request_id for request_id, result in outcomes if result == "ok"}
    with database.ReadSession.begin() as s:
        accepted_ids = set(s.scalars(select(AdRequest.id).where(AdRequest.campaign_id == campaign_id,
                                                                AdRequest.status == "accepted")))
    assert accepted_ids == winners
