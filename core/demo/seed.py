"""Demo data: a small believable marketplace with demo logins, created through the real services.

Usage: python -m core.demo.seed            (init the database if needed, add demo data once, print logins)
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from typing import NamedTuple

from faker import Faker
from sqlalchemy import select, update

from core.demo import deals as demo_deals
from core.demo import imports as demo_imports
from core.demo import inbox as demo_inbox
from core.demo import organizations as demo_organizations
from core.demo import pipeline as demo_pipeline
from core.demo import products as demo_products
from core.demo import reports as demo_reports
from core.demo import snapshots as demo_snapshots
from core.demo import timeline
from core.demo.content import campaigns as campaign_text
from core.demo.content import conversation, profiles
from core.demo.content import niches as content_niches
from core.errors import PermissionDenied
from core.marketplace import accounts, ad_requests, campaigns
from core.models import InfluencerProfile, User
from core.permissions import Actor
from core.platform import bootstrap
from core.platform.config import get_settings
from core.platform.db import Database, connect
from core.platform.timeutil import today

DEMO_PASSWORD = "Demo-pass-1"
DEMO_ADMIN_PASSWORD = "Admin-demo-1"
EX_CONFIG = 78  # sysexits.h: a configuration error
MAIN_SPONSOR = "brightwave"
MAIN_INFLUENCER = "maya"
EARLY = 10  # creators who joined in the demo's first months

SPONSORS = [
    ("brightwave", "BrightWave Audio", "company", "Consumer electronics", 25_000_000),
    ("greenleaf", "GreenLeaf Foods", "company", "Food & beverage", 12_000_000),
    ("urbanstride", "UrbanStride", "company", "Footwear", 9_000_000),
    ("novabank", "Nova Bank", "company", "Financial services", 30_000_000),
    ("sofia.travels", "Sofia Marin", "individual", "Travel agency", 1_500_000),
]
PENDING_SPONSORS = [
    ("lumacosmetics", "Luma Cosmetics", "company", "Beauty", 8_000_000),
    ("peakgear", "Peak Gear Co.", "company", "Outdoor equipment", 5_000_000),
]
CATEGORY_NICHES = {
    "Tech": ["gadget reviews", "smart home", "audio gear", "coding"],
    "Fitness": ["yoga", "running", "strength training", "home workouts"],
    "Food": ["vegan baking", "street food", "meal prep", "coffee"],
    "Travel": ["budget travel", "van life", "luxury hotels", "hiking"],
    "Beauty": ["skincare", "makeup tutorials", "clean beauty"],
    "Fashion": ["streetwear", "sustainable fashion", "sneakers"],
    "Gaming": ["speedruns", "indie games", "esports"],
    "Finance": ["personal finance", "investing basics"],
}
CAMPAIGN_IDEAS = {
    "brightwave": [
        ("Wave Pro launch", "Tech", "audio gear", True),
        ("Holiday gift guide", "Tech", "gadget reviews", True),
        ("Runners' earbuds", "Fitness", "running", True),
        ("Creator studio kit (invite only)", "Tech", "coding", False),
    ],
    "greenleaf": [
        ("Plant-based week", "Food", "vegan baking", True),
        ("Morning coffee ritual", "Food", "coffee", True),
    ],
    "urbanstride": [("Spring sneaker drop", "Fashion", "sneakers", True), ("Trail season", "Travel", "hiking", True)],
    "novabank": [
        ("Money basics for students", "Finance", "personal finance", True),
        ("Travel card perks", "Travel", "budget travel", False),
    ],
    "sofia.travels": [("Hidden Portugal", "Travel", "van life", True)],
}


class DemoCampaign(NamedTuple):
    """A campaign the demo negotiates on, with what its messages and timeline need."""

    id: int
    sponsor: Actor
    name: str
    niche: str
    sponsor_name: str
    created: dt.datetime


def _influencer(
    session,
    username: str,
    name: str,
    category: str,
    niche: str,
    rng: random.Random,
    words: random.Random,
    public: bool | None = None,
) -> int:
    followers = int(rng.choice([8, 15, 40, 90, 250, 600, 1400]) * 1000 * rng.uniform(0.7, 1.4))
    platform = rng.choice(["instagram", "youtube", "tiktok", "twitch", "blog"])
    return accounts.register_influencer(
        session,
        username=username,
        email=f"{username}@demo.iescp.local",
        password=DEMO_PASSWORD,
        display_name=name,
        category=category,
        niche=niche,
        platform=platform,
        followers=followers,
        engagement_rate=round(rng.uniform(0.8, 9.5), 1),
        profile_url=f"https://example.com/@{username}",
        bio=profiles.bio(words, category=category, niche_name=niche, platform=platform),
        is_public=rng.random() > 0.08 if public is None else public,
    )


def _actor(db: Database, username: str) -> Actor | None:
    """The Actor of username, or None when that user may not log in."""
    with db.ReadSession.begin() as s:
        return accounts.load_actor_by_username(s, username)


def _required(actor: Actor | None, who: str) -> Actor:
    """actor, which the seed needs to act as (the services refuse a missing actor the same way)."""
    if actor is None:
        raise PermissionDenied(f"Please log in first. (The demo seed cannot act as {who}.)")
    return actor


def already_seeded(db: Database) -> bool:
    with db.ReadSession.begin() as s:
        return s.scalar(select(User.id).where(User.username == MAIN_SPONSOR)) is not None


def _days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def seed_demo(db: Database, *, seed: int = 7, influencers: int = 48) -> None:
    """Create the demo marketplace (call on a freshly initialised database).

    Everything goes through the real services; a Timeline then spreads each story (a sign-up, a negotiation, a
    deal) over the demo's months, and the monthly reports of the past months are archived as the worker would have.
    """
    fake, rng = Faker(), random.Random(seed)
    Faker.seed(seed)
    words = random.Random(seed + 1)  # text choices, apart from rng so wording never changes the data's shape
    clock = timeline.Timeline()
    now = clock.now
    with db.ReadSession.begin() as s:
        admin = _required(accounts.load_actor(s, s.scalar(select(User.id).where(User.role == "admin"))), "the admin")
    joined: dict[str, dt.datetime] = {}
    for username, name, kind, industry, budget in SPONSORS + PENDING_SPONSORS:
        pending = username not in {u for u, *_ in SPONSORS}
        start = now - (
            _days(rng.uniform(1, 6)) if pending else _days(285 if username == MAIN_SPONSOR else rng.uniform(200, 270))
        )
        with clock.story(start):
            with db.Session.begin() as s:
                user_id = accounts.register_sponsor(
                    s,
                    username=username,
                    email=f"{username}@demo.iescp.local",
                    password=DEMO_PASSWORD,
                    name=name,
                    kind=kind,
                    industry=industry,
                    budget_cents=budget,
                )
            if not pending:
                clock.step(rng, dt.timedelta(hours=2), dt.timedelta(hours=30))  # the admin reviews it the next day
                with db.Session.begin() as s:
                    accounts.approve_sponsor(s, actor=admin, user_id=user_id)
        joined[username] = start
    people: list[tuple[str, str, str, str, bool | None]] = [
        (MAIN_INFLUENCER, "Maya Chen", "Tech", "gadget reviews", True)
    ]
    for i in range(influencers):
        category = rng.choice(list(CATEGORY_NICHES))
        name = fake.name()
        people.append((f"{name.split()[0].lower()}.{i}", name, category, rng.choice(CATEGORY_NICHES[category]), None))
    for position, (username, name, category, niche, public) in enumerate(people):
        # The first creators joined early: the deals (demo_others) pick them for months-old work.
        start = now - _days(
            275 if position == 0 else rng.uniform(220, 300) if position <= EARLY else rng.uniform(15, 300)
        )
        with clock.story(start), db.Session.begin() as s:
            _influencer(s, username, name, category, niche, rng, words, public=public)
        joined[username] = start
    with db.Session.begin() as s:
        s.execute(update(User).where(User.username == MAIN_INFLUENCER).values(notify_gchat=False))

    demo_organizations.seed_organizations(db, DEMO_PASSWORD, clock)
    sponsors = {username: _required(_actor(db, username), username) for username, *_ in SPONSORS}
    sponsor_names = {username: name for username, name, *_ in SPONSORS}
    campaign_ids: list[DemoCampaign] = []
    for username, ideas in CAMPAIGN_IDEAS.items():
        for name, category, niche, public in ideas:
            first_day = today() - dt.timedelta(days=rng.randint(5, 120))
            created = _noon(first_day) - _days(rng.uniform(2, 12))
            with clock.story(created), db.Session.begin() as s:
                cid = campaigns.create_campaign(
                    s,
                    actor=sponsors[username],
                    name=name,
                    category=category,
                    niche=niche,
                    description=campaign_text.description(
                        words, campaign=name, sponsor=sponsor_names[username], category=category, niche_name=niche
                    ),
                    goals=campaign_text.goals(words, niche_name=niche),
                    start_date=first_day,
                    end_date=today() + dt.timedelta(days=rng.randint(20, 150)),
                    budget_cents=rng.choice([20_000, 40_000, 75_000, 150_000]) * 100,
                    is_public=public,
                )
            campaign_ids.append(DemoCampaign(cid, sponsors[username], name, niche, sponsor_names[username], created))
    ended_start = today() - dt.timedelta(days=150)
    with clock.story(_noon(ended_start) - _days(6)), db.Session.begin() as s:
        ended = campaigns.create_campaign(
            s,
            actor=sponsors["greenleaf"],
            name="Summer smoothie series",
            category="Food",
            niche="meal prep",
            start_date=ended_start,
            end_date=today() - dt.timedelta(days=60),
            budget_cents=3_000_000,
            description="Smoothie recipes for hot days: creators who prep breakfasts ahead show our frozen packs "
            "in real mornings. We send a month of product; you keep your voice.",
        )
    with clock.story(now - _days(9)), db.Session.begin() as s:
        campaigns.create_campaign(
            s,
            actor=sponsors["brightwave"],
            name="Next year's flagship (draft)",
            category="Tech",
            niche="audio gear",
            start_date=today() + dt.timedelta(days=40),
            end_date=today() + dt.timedelta(days=120),
            budget_cents=10_000_000,
            status="draft",
        )
    with clock.story(now - _days(4)):
        with db.Session.begin() as s:
            flagged = campaigns.create_campaign(
                s,
                actor=sponsors["sofia.travels"],
                name="Miracle detox tea giveaway",
                category="Food",
                niche="coffee",
                start_date=today(),
                end_date=today() + dt.timedelta(days=30),
                budget_cents=500_000,
                description="Lose 10 kg in a week!",
            )
        clock.step(rng, dt.timedelta(hours=3), dt.timedelta(hours=20))  # a user report, then the admin looks
        with db.Session.begin() as s:
            campaigns.flag_campaign(
                s,
                actor=admin,
                campaign_id=flagged,
                reason="Misleading health claims; please revise before relaunching.",
            )

    _negotiations(db, rng, words, clock, campaign_ids, joined)
    with clock.story(_noon(today() - dt.timedelta(days=58))), db.Session.begin() as s:
        campaigns.set_status(s, actor=sponsors["greenleaf"], campaign_id=ended, status="completed")
    flagged_at = now - _days(rng.uniform(20, 40))
    with clock.story(flagged_at), db.Session.begin() as s:
        bad = s.scalar(select(User.id).where(User.username.like("%.7")))
        if bad:
            accounts.flag_user(s, actor=admin, user_id=bad, reason=f"Bought followers (audit of {flagged_at:%Y-%m}).")
    others = [
        a
        for a in (accounts_actor(db, uid) for uid in demo_deals.demo_others(db, 7, exclude=MAIN_INFLUENCER))
        if a is not None
    ]
    demo_deals.seed_deals(
        db,
        rng,
        sponsor=sponsors[MAIN_SPONSOR],
        main=_required(_actor(db, MAIN_INFLUENCER), MAIN_INFLUENCER),
        others=others,
        clock=clock,
        words=words,
    )
    demo_pipeline.seed_pipeline(db, rng, [sponsors[MAIN_SPONSOR], sponsors["greenleaf"]], words=words)
    demo_products.seed_products(db)
    demo_imports.seed_import(db, MAIN_SPONSOR)  # one import run log with rejected rows (core/demo/imports.py)
    clock.apply(db)
    demo_inbox.read_old_notifications(db, rng, now=now)
    demo_snapshots.seed_snapshots(db)
    demo_reports.seed_reports(db, now=now)


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12))


def accounts_actor(db: Database, user_id: int) -> Actor | None:
    with db.ReadSession.begin() as s:
        return accounts.load_actor(s, user_id)


def _negotiations(
    db: Database,
    rng: random.Random,
    words: random.Random,
    clock: timeline.Timeline,
    campaign_ids: list[DemoCampaign],
    joined: dict[str, dt.datetime],
) -> None:
    """Requests in every state, with maya always having fresh work waiting; each one a story of its own."""
    with db.ReadSession.begin() as s:
        people = list(s.execute(select(User.id, User.username).where(User.role == "influencer")).all())
    maya = _required(_actor(db, MAIN_INFLUENCER), MAIN_INFLUENCER)
    others = [p for p in people if p.username != MAIN_INFLUENCER]
    for index, (cid, sponsor, campaign_name, niche, sponsor_name, created) in enumerate(campaign_ids):
        chosen = rng.sample(others, 6)
        targets = ([maya] if index < 6 else []) + [_actor(db, p.username) for p in chosen]
        for n, influencer in enumerate(t for t in targets if t is not None):
            amount = rng.choice([300, 500, 800, 1200, 2000, 3500]) * 100
            waiting = influencer.id == maya.id and index in (0, 2, 3)
            earliest = max(created, joined.get(influencer.username, created)) + _days(1)
            latest = clock.now - _days(2)
            start = (
                clock.now - dt.timedelta(hours=rng.uniform(3, 72))
                if waiting
                else earliest + (latest - earliest) * rng.random()
                if latest > earliest
                else earliest
            )
            said = {
                "first": influencer.display_name.split()[0],
                "campaign": campaign_name,
                "sponsor": sponsor_name,
                "niche": niche,
                "audience": content_niches.niche(niche).audience,
            }
            try:
                with clock.story(start):
                    with db.Session.begin() as s:
                        if influencer.id == maya.id and index in (1, 4) or (n % 5 == 4 and index % 2 == 0):
                            rid = ad_requests.ask_to_join(
                                s,
                                actor=influencer,
                                campaign_id=cid,
                                payment_cents=amount,
                                message=conversation.line(words, "influencer", "asked", **said),
                            )
                            turn = "sponsor"
                        else:
                            rid = ad_requests.send_ad_request(
                                s,
                                actor=sponsor,
                                campaign_id=cid,
                                influencer_id=influencer.id,
                                payment_cents=amount,
                                requirements=campaign_text.requirements(words, platform=_platform_of(s, influencer.id)),
                                message=conversation.line(words, "sponsor", "sent", **said),
                            )
                            turn = "influencer"
                    actors = {"influencer": influencer, "sponsor": sponsor}
                    _play_out(db, rng, words, clock, rid, actors, turn, amount, said, keep_waiting=waiting)
            except Exception as error:  # a demo budget running out is fine; keep the rest of the data
                from core.errors import DomainError

                if not isinstance(error, DomainError):
                    raise


def _platform_of(session, influencer_id: int) -> str:
    """The platform an influencer posts on (the brief is written for it)."""
    return session.scalar(select(InfluencerProfile.platform).where(InfluencerProfile.user_id == influencer_id)) or ""


def _play_out(db, rng, words, clock, rid, actors, turn, amount, said, *, keep_waiting: bool) -> None:
    """Advance a fresh request a random number of believable steps, each a few hours to days after the last."""
    if keep_waiting:
        return
    other = {"sponsor": "influencer", "influencer": "sponsor"}
    for _ in range(rng.randint(0, 3)):
        roll = rng.random()
        clock.step(rng, dt.timedelta(hours=2), dt.timedelta(days=3))
        with db.Session.begin() as s:
            version = ad_requests.current_version(s, rid)
            if roll < 0.45:
                amount = int(amount * rng.choice([1.15, 1.25, 0.9])) // 100 * 100
                ad_requests.counter_offer(
                    s,
                    actor=actors[turn],
                    ad_request_id=rid,
                    expected_version=version,
                    payment_cents=amount,
                    message=conversation.line(words, turn, "countered", **said),
                )
                turn = other[turn]
                continue
            if roll < 0.8:
                ad_requests.accept(
                    s,
                    actor=actors[turn],
                    ad_request_id=rid,
                    expected_version=version,
                    message=conversation.line(words, turn, "accepted", **said),
                )
            elif roll < 0.93:
                ad_requests.reject(
                    s,
                    actor=actors[turn],
                    ad_request_id=rid,
                    expected_version=version,
                    message=conversation.line(words, turn, "rejected", **said),
                )
            else:
                ad_requests.withdraw(
                    s,
                    actor=actors[other[turn]],
                    ad_request_id=rid,
                    expected_version=version,
                    message=conversation.line(words, other[turn], "withdrawn", **said),
                )
        if roll < 0.8 and rng.random() < 0.5:  # delivered and closed a week or three later
            clock.step(rng, dt.timedelta(days=7), dt.timedelta(days=21))
            with db.Session.begin() as s:
                ad_requests.mark_completed(
                    s,
                    actor=actors["sponsor"],
                    ad_request_id=rid,
                    expected_version=ad_requests.current_version(s, rid),
                    message=conversation.line(words, "sponsor", "completed", **said),
                )
        return


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Create the database (if needed) and add the demo data once.")
    parser.add_argument("--url", help="database URL (default: IESCP_DATABASE_URL or the SQLite file in data/)")
    parser.add_argument("--no-demo", action="store_true", help="only create/migrate the database and the admin")
    args = parser.parse_args(argv)
    settings = get_settings()
    if settings.production and not args.no_demo:
        # Demo accounts have published passwords: a production database never gets them.
        parser.exit(EX_CONFIG, "IESCP_ENV=production never adds demo data or demo logins: use --no-demo.\n")
    db = connect(args.url or settings.database_url)
    result = bootstrap.init_database(
        db, admin_password=None if args.no_demo else (settings.admin_password or DEMO_ADMIN_PASSWORD)
    )
    if result.generated_admin_password:
        print(
            f"Admin account created: {settings.admin_username} / {result.generated_admin_password} "
            "(shown once — store it now)"
        )
    if not args.no_demo and not already_seeded(db):
        print("Adding demo data…", flush=True)
        seed_demo(db)
    if not args.no_demo:
        admin_pw = settings.admin_password or DEMO_ADMIN_PASSWORD
        print("\nDemo logins:")
        print(
            f"  admin       {settings.admin_username} / {admin_pw if result.admin_created or not settings.admin_password else '(IESCP_ADMIN_PASSWORD)'}"
        )
        print(f"  sponsor     {MAIN_SPONSOR} / {DEMO_PASSWORD}   (pending sponsor: lumacosmetics / {DEMO_PASSWORD})")
        print(f"  teammates   {', '.join(demo_organizations.TEAMMATE_LOGINS)} / {DEMO_PASSWORD}")
        print(f"  influencer  {MAIN_INFLUENCER} / {DEMO_PASSWORD}")
    db.dispose()


if __name__ == "__main__":
    main()
