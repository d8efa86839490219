"""The budget invariant under truly concurrent accepts: real threads (SQLite and PostgreSQL) and real processes.

Every worker opens its own transaction (`with database.Session.begin()`), all start together at a barrier,
and the database alone decides who wins.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import traceback

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, DomainError
from core.marketplace import accounts, ad_requests, campaigns
from core.models import AdRequest, AdRequestEvent, AuditLog, Campaign, User
from core.platform import db as dbmod
from core.platform.timeutil import today
from tests import factories as f

BUDGET = 10_000
OFFER = 3_000
WORKERS = 10
JOIN_TIMEOUT = 120  # seconds; only reached when something deadlocks


def _run_threads(jobs) -> list[str]:
    """Run every job in its own thread, released together; returns 'ok', the domain error's name in lower case
    ('conflict', 'invalidinput'…) or a traceback for each."""
    barrier = threading.Barrier(len(jobs))
    results: list[str | None] = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait(timeout=30)
            job()
            results[index] = "ok"
        except DomainError as error:  # "conflict", "invalidinput"…
            results[index] = type(error).__name__.lower()
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
        committed, budget = s.execute(
            select(Campaign.committed_cents, Campaign.budget_cents).where(Campaign.id == campaign_id)
        ).one()
        accepted_sum = s.scalar(
            select(func.coalesce(func.sum(AdRequest.payment_cents), 0)).where(
                AdRequest.campaign_id == campaign_id, AdRequest.status.in_(("accepted", "completed"))
            )
        )
        accepted_events = s.scalar(
            select(func.count())
            .select_from(AdRequestEvent)
            .join(AdRequest, AdRequest.id == AdRequestEvent.ad_request_id)
            .where(AdRequest.campaign_id == campaign_id, AdRequestEvent.action == "accepted")
        )
        statuses = dict(
            s.execute(
                select(AdRequest.status, func.count())
                .where(AdRequest.campaign_id == campaign_id)
                .group_by(AdRequest.status)
            ).all()
        )
    return committed, budget, accepted_sum, accepted_events, statuses


def _accept_job(db, actor, request_id):
    def job():
        with db.Session.begin() as s:
            ad_requests.accept(
                s, actor=actor, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
            )

    return job


@pytest.mark.parametrize("accepting_side", ["influencers", "sponsor"])
def test_concurrent_accepts_never_commit_more_than_the_budget(database, accepting_side):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=BUDGET)
    people = [f.influencer(database) for _ in range(WORKERS)]
    if accepting_side == "influencers":
        # Sponsor-sent offers of 30.00 each; every influencer accepts at the same moment.
        jobs = [
            _accept_job(database, p, f.request(database, sponsor, campaign_id, p, payment_cents=OFFER)) for p in people
        ]
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
                ad_requests.withdraw(
                    s,
                    actor=sponsor,
                    ad_request_id=request_id,
                    expected_version=ad_requests.current_version(s, request_id),
                )

        results = _run_threads([_accept_job(database, person, request_id), withdraw])
        assert sorted(results) == ["conflict", "ok"], results
        with database.ReadSession.begin() as s:
            status = s.get(AdRequest, request_id).status
            actions = list(
                s.scalars(
                    select(AdRequestEvent.action)
                    .where(AdRequestEvent.ad_request_id == request_id)
                    .order_by(AdRequestEvent.id)
                )
            )
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
            ad_requests.accept(
                s, actor=actor, ad_request_id=request_id, expected_version=ad_requests.current_version(s, request_id)
            )
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
    processes = [
        context.Process(target=_accept_in_process, args=(url, person, request_id, barrier, results))
        for person, request_id in requests
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=JOIN_TIMEOUT) for _ in processes]
    for process in processes:
        process.join(JOIN_TIMEOUT)
    assert all(process.exitcode == 0 for process in processes)

    assert sorted(result for _, result in outcomes) == ["conflict"] * 2 + ["ok"] * 3, outcomes
    committed, budget, accepted_sum, accepted_events, statuses = _accepted_state(database, campaign_id)
    assert committed == 3 * OFFER <= budget
    assert accepted_sum == committed and accepted_events == 3 and statuses == {"accepted": 3, "pending": 2}
    winners = {request_id for request_id, result in outcomes if result == "ok"}
    with database.ReadSession.begin() as s:
        accepted_ids = set(
            s.scalars(select(AdRequest.id).where(AdRequest.campaign_id == campaign_id, AdRequest.status == "accepted"))
        )
    assert accepted_ids == winners


# ---- other races the database must settle ------------------------------------------------------------------


def test_lowering_the_budget_while_accepts_race_never_breaks_the_invariant(database):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=5 * OFFER)
    people = [f.influencer(database) for _ in range(5)]
    jobs = [_accept_job(database, p, f.request(database, sponsor, campaign_id, p, payment_cents=OFFER)) for p in people]

    def lower_budget():
        with database.Session.begin() as s:
            campaigns.update_campaign(
                s,
                actor=sponsor,
                campaign_id=campaign_id,
                name="Smaller",
                category="Fitness",
                start_date=today(),
                end_date=today() + dt.timedelta(days=9),
                budget_cents=2 * OFFER,
            )

    results = _run_threads(jobs + [lower_budget])

    assert set(results) <= {"ok", "conflict", "invalidinput"}, results  # no crash, no constraint violation
    committed, budget, accepted_sum, accepted_events, _ = _accepted_state(database, campaign_id)
    assert committed <= budget and accepted_sum == committed and accepted_events == committed // OFFER
    if budget == 2 * OFFER:  # the cut came while at most two offers were accepted: exactly two fit in the end
        assert results[-1] == "ok" and results[:-1].count("ok") == 2
    else:  # three or more were accepted first, so the cut was refused and all five fit the old budget
        assert budget == 5 * OFFER and results[-1] == "invalidinput" and results[:-1].count("ok") == 5


def test_two_sign_ups_racing_for_one_username_end_with_one_account(database):
    def sign_up(n):
        def job():
            with database.Session.begin() as s:
                accounts.register_influencer(
                    s,
                    username="same_name",
                    email=f"racer{n}@example.com",
                    password=f.PASSWORD,
                    display_name=f"Racer {n}",
                    category="Fitness",
                    platform="instagram",
                    followers=10,
                )

        return job

    results = _run_threads([sign_up(n) for n in range(4)])

    assert sorted(results) == ["conflict"] * 3 + ["ok"], results
    with database.ReadSession.begin() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.username == "same_name")) == 1


def test_an_offer_and_an_ask_racing_for_one_pair_leave_one_live_request(database):
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor)
    influencer = f.influencer(database)

    def offer():
        with database.Session.begin() as s:
            ad_requests.send_ad_request(
                s,
                actor=sponsor,
                campaign_id=campaign_id,
                influencer_id=influencer.id,
                payment_cents=OFFER,
                requirements="A post",
            )

    def ask():
        with database.Session.begin() as s:
            ad_requests.ask_to_join(s, actor=influencer, campaign_id=campaign_id, payment_cents=OFFER, message="Me!")

    results = _run_threads([offer, ask, offer, ask])

    assert sorted(results) == ["conflict"] * 3 + ["ok"], results
    with database.ReadSession.begin() as s:
        assert s.scalar(select(func.count()).select_from(AdRequest).where(AdRequest.campaign_id == campaign_id)) == 1


def test_parallel_wrong_passwords_all_count_towards_the_lockout(database):
    """A brute-force attempt in parallel must not slip past the counter (no lost updates)."""
    influencer = f.influencer(database)

    def guess(n):
        def job():
            with database.Session.begin() as s:
                result = accounts.authenticate(s, username=influencer.username, password=f"Wrong-guess-{n}")
            assert not result.ok

        return job

    results = _run_threads([guess(n) for n in range(4)])

    assert results == ["ok"] * 4, results
    with database.ReadSession.begin() as s:
        assert s.get(User, influencer.id).failed_logins == 4


def test_cancelling_a_campaign_while_its_offers_are_answered_settles_every_request_once(database):
    """Influencers accept or decline while the sponsor cancels: each request ends either as its influencer's
    answer or withdrawn by the cancel, with one history row for it, and no deadlock or crash."""
    sponsor = f.sponsor(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=1_000_000)
    people = [f.influencer(database) for _ in range(6)]
    request_ids = [f.request(database, sponsor, campaign_id, p, payment_cents=OFFER) for p in people]
    answers = ["accepted" if i % 2 == 0 else "rejected" for i in range(len(people))]

    def answer(person, request_id, what):
        def job():
            with database.Session.begin() as s:
                (ad_requests.accept if what == "accepted" else ad_requests.reject)(
                    s,
                    actor=person,
                    ad_request_id=request_id,
                    expected_version=ad_requests.current_version(s, request_id),
                )

        return job

    def cancel():
        with database.Session.begin() as s:
            campaigns.set_status(s, actor=sponsor, campaign_id=campaign_id, status="cancelled")

    results = _run_threads([answer(p, r, a) for p, r, a in zip(people, request_ids, answers)] + [cancel])

    assert set(results) <= {"ok", "conflict"}, results
    assert results[-1] == "ok"
    with database.ReadSession.begin() as s:
        final = {r.id: r.status for r in s.scalars(select(AdRequest).where(AdRequest.campaign_id == campaign_id))}
        history = {
            r: list(
                s.scalars(
                    select(AdRequestEvent.to_status)
                    .where(AdRequestEvent.ad_request_id == r)
                    .order_by(AdRequestEvent.id)
                )
            )
            for r in request_ids
        }
    for request_id, what, result in zip(request_ids, answers, results):
        assert final[request_id] == (what if result == "ok" else "withdrawn"), (request_id, what, result)
        assert history[request_id] == ["pending", final[request_id]], history
    committed, _, accepted_sum, _, _ = _accepted_state(database, campaign_id)
    assert committed == accepted_sum == OFFER * list(final.values()).count("accepted")


def test_two_admins_deciding_on_one_sponsor_at_once_make_one_decision(database):
    admin = f.admin(database)
    for _ in range(3):
        user_id = f.sponsor(database, approved=False)

        def approve(user_id=user_id):
            with database.Session.begin() as s:
                accounts.approve_sponsor(s, actor=admin, user_id=user_id)

        def reject(user_id=user_id):
            with database.Session.begin() as s:
                accounts.reject_sponsor(s, actor=admin, user_id=user_id, reason="Not a real company")

        results = _run_threads([approve, reject])
        assert sorted(results) == ["conflict", "ok"], results
        with database.ReadSession.begin() as s:
            approval = s.get(User, user_id).approval
            decisions = list(
                s.scalars(select(AuditLog.action).where(AuditLog.target_type == "user", AuditLog.target_id == user_id))
            )
        assert approval == ("approved" if results[0] == "ok" else "rejected")
        assert decisions == [f"sponsor.{approval}"]
