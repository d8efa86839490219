"""One-row writes: send an ad request and accept it, through the services and as hand-written raw SQL.

The raw floor writes the same rows the service writes (the request, its history event, the
notification, the cache generations; for accept also the guarded campaign charge and the audit
row) in one transaction, without the reads and checks the service does first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bench import roundtrips
from bench.measure import RawConnection, interleaved
from bench.scenarios import Context
from core.marketplace import accounts, ad_requests
from core.models import LIVE_AD_REQUEST_STATUSES, AdRequest, Campaign, InfluencerProfile
from core.platform import cachegen
from core.platform.timeutil import utcnow

PAYMENT = 100  # one dollar: the budget never runs out during the bench


@dataclass
class WriteSetup:
    campaign_id: int
    sponsor_id: int
    organization_id: int
    influencer_ids: list[int]


def _setup(ctx: Context, needed: int) -> WriteSetup:
    with ctx.db.ReadSession.begin() as s:
        found = s.execute(
            select(Campaign.id, Campaign.organization_id)
            .where(
                Campaign.sponsor_id == ctx.busy_sponsor.id,
                Campaign.status == "active",
                Campaign.flagged.is_(False),
                Campaign.end_date >= func.current_date(),
            )
            .order_by((Campaign.budget_cents - Campaign.committed_cents).desc())
            .limit(1)
        ).first()
        if found is None:
            raise RuntimeError("the busiest sponsor has no active campaign to bench writes on")
        campaign_id, organization_id = found
        taken = select(AdRequest.influencer_id).where(
            AdRequest.campaign_id == campaign_id, AdRequest.status.in_(LIVE_AD_REQUEST_STATUSES)
        )
        ids = list(
            s.scalars(
                select(InfluencerProfile.user_id)
                .where(InfluencerProfile.listed.is_(True), InfluencerProfile.user_id.not_in(taken))
                .order_by(InfluencerProfile.user_id.desc())
                .limit(needed)
            )
        )
    return WriteSetup(campaign_id, ctx.busy_sponsor.id, organization_id, ids)


def _now_text(dialect: str):
    now = utcnow()
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else now


def bench_writes(ctx: Context, url: str, *, min_reps: int, max_reps: int, budget_s: float) -> dict:
    raw = RawConnection(url)
    q = "?" if raw.dialect == "sqlite" else "%s"
    pairs = max_reps + 10
    setup = _setup(ctx, 2 * pairs)
    core_ids, floor_ids = iter(setup.influencer_ids[:pairs]), iter(setup.influencer_ids[pairs:])
    with ctx.db.ReadSession.begin() as s:
        actors = {i: accounts.load_actor(s, i) for i in setup.influencer_ids[:pairs]}
    sent_core: list[tuple[int, int]] = []
    shown_core: list[tuple[int, int, str]] = []
    sent_floor: list[tuple[int, int]] = []

    def core_send():
        influencer_id = next(core_ids)
        with ctx.db.Session.begin() as s:
            request_id = ad_requests.send_ad_request(
                s,
                actor=ctx.busy_sponsor,
                campaign_id=setup.campaign_id,
                influencer_id=influencer_id,
                payment_cents=PAYMENT,
                requirements="One story with a link",
                message="Bench offer",
            )
        sent_core.append((request_id, influencer_id))

    def page_shows():
        # The page rendered the request, so it holds the version it sends back: not part of the accept.
        request_id, influencer_id = sent_core.pop(0)
        with ctx.db.ReadSession.begin() as s:
            shown_core.append((request_id, influencer_id, ad_requests.current_version(s, request_id)))

    def core_accept():
        request_id, influencer_id, version = shown_core.pop(0)
        with ctx.db.Session.begin() as s:
            ad_requests.accept(s, actor=actors[influencer_id], ad_request_id=request_id, expected_version=version)

    def floor_send():
        influencer_id, now = next(floor_ids), _now_text(raw.dialect)
        with raw.transaction() as conn:
            request_id = conn.execute(
                f"INSERT INTO ad_requests (campaign_id, influencer_id, initiated_by, requirements, payment_cents, "
                f"status, turn, created_at, updated_at) VALUES ({q}, {q}, 'sponsor', {q}, {q}, 'pending', "
                f"'influencer', {q}, {q}) RETURNING id",
                (setup.campaign_id, influencer_id, "One story with a link", PAYMENT, now, now),
            ).fetchone()[0]
            conn.execute(
                f"INSERT INTO ad_request_events (ad_request_id, actor_id, actor_party, action, to_status, "
                f"amount_cents, message, at) VALUES ({q}, {q}, 'sponsor', 'sent', 'pending', {q}, {q}, {q})",
                (request_id, setup.sponsor_id, PAYMENT, "Bench offer", now),
            )
            conn.execute(
                f"INSERT INTO notifications (user_id, kind, title, body, link, created_at) "
                f"VALUES ({q}, 'ad_request', {q}, {q}, {q}, {q})",
                (influencer_id, "New ad request", "Offer", f"request:{request_id}", now),
            )
            conn.execute(
                f"UPDATE cache_generations SET version = version + 1 WHERE scope IN ({q}, {q}, {q})",
                (cachegen.STATS, cachegen.org_scope(setup.organization_id), cachegen.influencer_scope(influencer_id)),
            )
        sent_floor.append((request_id, influencer_id))

    def floor_accept():
        request_id, influencer_id = sent_floor.pop(0)
        now = _now_text(raw.dialect)
        raw.execute_script(
            [
                (
                    f"UPDATE ad_requests SET status = 'accepted', turn = NULL, accepted_at = {q}, updated_at = {q} "
                    f"WHERE id = {q} AND status IN ('pending', 'negotiating') AND turn = 'influencer' "
                    f"AND payment_cents = {q}",
                    (now, now, request_id, PAYMENT),
                ),
                (
                    f"UPDATE campaigns SET committed_cents = committed_cents + {q} WHERE id = {q} AND status = 'active' "
                    f"AND flagged = {'0' if raw.dialect == 'sqlite' else 'false'} AND committed_cents + {q} <= budget_cents",
                    (PAYMENT, setup.campaign_id, PAYMENT),
                ),
                (
                    f"INSERT INTO ad_request_events (ad_request_id, actor_id, actor_party, action, from_status, to_status, "
                    f"amount_cents, message, at) VALUES ({q}, {q}, 'influencer', 'accepted', 'pending', 'accepted', {q}, "
                    f"'', {q})",
                    (request_id, influencer_id, PAYMENT, now),
                ),
                (
                    f"INSERT INTO audit_log (at, actor_id, action, target_type, target_id, amount_cents, detail) "
                    f"VALUES ({q}, {q}, 'ad_request.accepted', 'ad_request', {q}, {q}, {q})",
                    (now, influencer_id, request_id, PAYMENT, f"campaign {setup.campaign_id}"),
                ),
                (
                    f"INSERT INTO notifications (user_id, kind, title, body, link, created_at) "
                    f"VALUES ({q}, 'ad_request', {q}, {q}, {q}, {q})",
                    (setup.sponsor_id, "Accepted", "Accepted", f"campaign:{setup.campaign_id}", now),
                ),
                (
                    f"UPDATE cache_generations SET version = version + 1 WHERE scope IN ({q}, {q}, {q})",
                    (
                        cachegen.STATS,
                        cachegen.org_scope(setup.organization_id),
                        cachegen.influencer_scope(influencer_id),
                    ),
                ),
            ]
        )

    # Sends and accepts alternate so every accept has a fresh pending request of its own.
    results = interleaved(
        {
            "send (service)": core_send,
            "send (raw SQL)": floor_send,
            "page shows the request (untimed)": page_shows,
            "accept (service)": core_accept,
            "accept (raw SQL)": floor_accept,
        },
        min_reps=min_reps,
        max_reps=max_reps,
        budget_s=budget_s,
        warmup=2,
    )
    raw.close()
    # One more of each under the statement counter: the round trips each service sends (BEGIN/COMMIT apart).
    with roundtrips.counted(ctx.db.engine) as send_trips:
        core_send()
    page_shows()
    with roundtrips.counted(ctx.db.engine) as accept_trips:
        core_accept()
    return {
        "one-row write: send ad request": {
            "core": results["send (service)"].as_dict(),
            "floor": results["send (raw SQL)"].as_dict(),
            "statements": send_trips.count,
        },
        "one-row write: accept (budget charged)": {
            "core": results["accept (service)"].as_dict(),
            "floor": results["accept (raw SQL)"].as_dict(),
            "statements": accept_trips.count,
        },
    }


def bench_writes_on_copy(backend: str, url: str, *, log=print, **limits) -> dict:
    """bench_writes on a scratch copy of the data set at url (datasets.scratch_copy): the kept set stays as generated
    for the page benchmark. Nobody may be connected to a PostgreSQL set while it is copied."""
    from bench import datasets
    from core.platform.db import connect

    with datasets.scratch_copy(backend, url, log=log) as scratch_url:
        scratch = connect(scratch_url)
        try:
            return bench_writes(Context.load(scratch), scratch_url, **limits)
        finally:
            scratch.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run only this part against a built data set: `python -m bench.writes --backend postgres --scale 100k`."""
    import argparse
    import json
    import os

    from bench import datasets
    from core.platform import cache
    from core.platform.config import reset_settings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--backend", default="postgres", choices=("sqlite", "postgres"))
    parser.add_argument("--scale", default="100k")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--min-reps", type=int, default=30)
    parser.add_argument("--max-reps", type=int, default=200)
    parser.add_argument("--budget", type=float, default=5.0)
    args = parser.parse_args(argv)
    url = datasets.url_for(args.backend, datasets.SCALES[args.scale], args.seed, args.pg_url)
    os.environ["IESCP_DATABASE_URL"] = url
    reset_settings()
    cache.use(cache.build(None))
    out = bench_writes_on_copy(args.backend, url, min_reps=args.min_reps, max_reps=args.max_reps, budget_s=args.budget)
    print(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
