"""Demo data: a small believable marketplace with demo logins, created through the real services.

Usage: python -m core.demo.seed            (init the database if needed, add demo data once, print logins)
"""

from __future__ import annotations

import argparse
import datetime as dt
import random

from faker import Faker
from sqlalchemy import select, update

from core.demo import deals as demo_deals
from core.demo import pipeline as demo_pipeline
from core.demo import products as demo_products
from core.demo import imports as demo_imports
from core.demo import snapshots as demo_snapshots
from core.errors import PermissionDenied
from core.marketplace import accounts, ad_requests, campaigns
from core.models import AdRequest, AdRequestEvent, Campaign, User
from core.permissions import Actor
from core.demo import organizations as demo_organizations
from core.platform import bootstrap
from core.platform.config import get_settings
from core.platform.db import Database, connect
from core.platform.timeutil import today, utcnow

DEMO_PASSWORD = "Demo-pass-1"
DEMO_ADMIN_PASSWORD = "Admin-demo-1"
MAIN_SPONSOR = "brightwave"
MAIN_INFLUENCER = "maya"

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


def _influencer(
    fake: Faker,
    session,
    username: str,
    name: str,
    category: str,
    niche: str,
    rng: random.Random,
    public: bool | None = None,
) -> int:
    followers = int(rng.choice([8, 15, 40, 90, 250, 600, 1400]) * 1000 * rng.uniform(0.7, 1.4))
    return accounts.register_influencer(
        session,
        username=username,
        email=f"{username}@demo.iescp.local",
        password=DEMO_PASSWORD,
        display_name=name,
        category=category,
        niche=niche,
        platform=rng.choice(["instagram", "youtube", "tiktok", "twitch", "blog"]),
        followers=followers,
        engagement_rate=round(rng.uniform(0.8, 9.5), 1),
        profile_url=f"https://example.com/@{username}",
        bio=fake.sentence(nb_words=14),
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


def seed_demo(db: Database, *, seed: int = 7, influencers: int = 48) -> None:
    """Create the demo marketplace (call on a freshly initialised database)."""
    fake, rng = Faker(), random.Random(seed)
    Faker.seed(seed)
    admin = None
    with db.Session.begin() as s:
        admin_id = s.scalar(select(User.id).where(User.role == "admin"))
        admin = _required(accounts.load_actor(s, admin_id), "the admin")
        for username, name, kind, industry, budget in SPONSORS + PENDING_SPONSORS:
            accounts.register_sponsor(
                s,
                username=username,
                email=f"{username}@demo.iescp.local",
                password=DEMO_PASSWORD,
                name=name,
                kind=kind,
                industry=industry,
                budget_cents=budget,
            )
        for username, *_ in SPONSORS:
            accounts.approve_sponsor(s, actor=admin, user_id=s.scalar(select(User.id).where(User.username == username)))
        _influencer(fake, s, MAIN_INFLUENCER, "Maya Chen", "Tech", "gadget reviews", rng, public=True)
        s.execute(update(User).where(User.username == MAIN_INFLUENCER).values(notify_gchat=False))
        for i in range(influencers):
            category = rng.choice(list(CATEGORY_NICHES))
            name = fake.name()
            username = f"{name.split()[0].lower()}.{i}"
            _influencer(fake, s, username, name, category, rng.choice(CATEGORY_NICHES[category]), rng)

    demo_organizations.seed_organizations(db, DEMO_PASSWORD)
    sponsors = {username: _required(_actor(db, username), username) for username, *_ in SPONSORS}
    campaign_ids: list[tuple[int, Actor, str]] = []
    with db.Session.begin() as s:
        for username, ideas in CAMPAIGN_IDEAS.items():
            for name, category, niche, public in ideas:
                start = today() - dt.timedelta(days=rng.randint(5, 120))
                cid = campaigns.create_campaign(
                    s,
                    actor=sponsors[username],
                    name=name,
                    category=category,
                    niche=niche,
                    description=fake.paragraph(nb_sentences=3),
                    goals=f"Reach {rng.randint(2, 20)}00k people in the {niche} community and drive sign-ups.",
                    start_date=start,
                    end_date=today() + dt.timedelta(days=rng.randint(20, 150)),
                    budget_cents=rng.choice([20_000, 40_000, 75_000, 150_000]) * 100,
                    is_public=public,
                )
                campaign_ids.append((cid, sponsors[username], category))
        ended = campaigns.create_campaign(
            s,
            actor=sponsors["greenleaf"],
            name="Summer smoothie series",
            category="Food",
            niche="meal prep",
            start_date=today() - dt.timedelta(days=150),
            end_date=today() - dt.timedelta(days=60),
            budget_cents=3_000_000,
            description="Smoothie recipes for hot days.",
        )
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
        campaigns.flag_campaign(
            s, actor=admin, campaign_id=flagged, reason="Misleading health claims; please revise before relaunching."
        )

    _negotiations(db, rng, campaign_ids)
    with db.Session.begin() as s:
        campaigns.set_status(s, actor=sponsors["greenleaf"], campaign_id=ended, status="completed")
        bad = s.scalar(select(User.id).where(User.username.like("%.7")))
        if bad:
            accounts.flag_user(s, actor=admin, user_id=bad, reason="Bought followers (audit of 2026-10).")
    _spread_history(db, rng)
    others = [
        a
        for a in (accounts_actor(db, uid) for uid in demo_deals.demo_others(db, 4, exclude=MAIN_INFLUENCER))
        if a is not None
    ]
    demo_deals.seed_deals(
        db,
        rng,
        sponsor=sponsors[MAIN_SPONSOR],
        main=_required(_actor(db, MAIN_INFLUENCER), MAIN_INFLUENCER),
        others=others,
    )
    demo_pipeline.seed_pipeline(db, rng, [sponsors[MAIN_SPONSOR], sponsors["greenleaf"]])
    demo_products.seed_products(db)
    demo_imports.seed_import(db, MAIN_SPONSOR)  # one import run log with rejected rows (core/demo/imports.py)
    demo_snapshots.seed_snapshots(db)


def accounts_actor(db: Database, user_id: int) -> Actor | None:
    with db.ReadSession.begin() as s:
        return accounts.load_actor(s, user_id)


def _negotiations(db: Database, rng: random.Random, campaign_ids) -> None:
    """Requests in every state, with maya always having work waiting."""
    with db.ReadSession.begin() as s:
        people = list(s.execute(select(User.id, User.username).where(User.role == "influencer")).all())
    maya = _required(_actor(db, MAIN_INFLUENCER), MAIN_INFLUENCER)
    others = [p for p in people if p.username != MAIN_INFLUENCER]
    for index, (cid, sponsor, _category) in enumerate(campaign_ids):
        chosen = rng.sample(others, 6)
        targets = ([maya] if index < 6 else []) + [_actor(db, p.username) for p in chosen]
        for n, influencer in enumerate(t for t in targets if t is not None):
            amount = rng.choice([300, 500, 800, 1200, 2000, 3500]) * 100
            try:
                with db.Session.begin() as s:
                    if influencer.id == maya.id and index in (1, 4) or (n % 5 == 4 and index % 2 == 0):
                        rid = ad_requests.ask_to_join(
                            s,
                            actor=influencer,
                            campaign_id=cid,
                            payment_cents=amount,
                            message="I'd love to be part of this — my audience fits well.",
                        )
                        actors = {"influencer": influencer, "sponsor": sponsor}
                        turn = "sponsor"
                    else:
                        rid = ad_requests.send_ad_request(
                            s,
                            actor=sponsor,
                            campaign_id=cid,
                            influencer_id=influencer.id,
                            payment_cents=amount,
                            requirements="1 dedicated video + 2 stories, link in bio for 2 weeks.",
                            message="Hi! We love your content and think this is a great match.",
                        )
                        actors = {"influencer": influencer, "sponsor": sponsor}
                        turn = "influencer"
                _play_out(
                    db, rng, rid, actors, turn, amount, keep_waiting=influencer.id == maya.id and index in (0, 2, 3)
                )
            except Exception as error:  # a demo budget running out is fine; keep the rest of the data
                from core.errors import DomainError

                if not isinstance(error, DomainError):
                    raise


def _play_out(db, rng, rid, actors, turn, amount, *, keep_waiting: bool) -> None:
    """Advance a fresh request a random number of believable steps."""
    if keep_waiting:
        return
    other = {"sponsor": "influencer", "influencer": "sponsor"}
    for _ in range(rng.randint(0, 3)):
        roll = rng.random()
        with db.Session.begin() as s:
            if roll < 0.45:
                amount = int(amount * rng.choice([1.15, 1.25, 0.9])) // 100 * 100
                ad_requests.counter_offer(
                    s,
                    actor=actors[turn],
                    ad_request_id=rid,
                    expected_version=ad_requests.current_version(s, rid),
                    payment_cents=amount,
                    message=rng.choice(
                        [
                            "Could we meet here?",
                            "That works if we add a story.",
                            "Our budget is a bit tighter — how about this?",
                        ]
                    ),
                )
                turn = other[turn]
                continue
            if roll < 0.8:
                ad_requests.accept(
                    s,
                    actor=actors[turn],
                    ad_request_id=rid,
                    expected_version=ad_requests.current_version(s, rid),
                    message="Deal — looking forward!",
                )
                if rng.random() < 0.5:
                    ad_requests.mark_completed(
                        s,
                        actor=actors["sponsor"],
                        ad_request_id=rid,
                        expected_version=ad_requests.current_version(s, rid),
                        message="Great results, thank you!",
                    )
            elif roll < 0.93:
                ad_requests.reject(
                    s,
                    actor=actors[turn],
                    ad_request_id=rid,
                    expected_version=ad_requests.current_version(s, rid),
                    message="Not a fit this time, sorry.",
                )
            else:
                ad_requests.withdraw(
                    s,
                    actor=actors[other[turn]],
                    ad_request_id=rid,
                    expected_version=ad_requests.current_version(s, rid),
                    message="Plans changed.",
                )
            return


def _spread_history(db: Database, rng: random.Random) -> None:
    """Move timestamps into the past so trend charts have months to show."""
    now = utcnow()
    with db.Session.begin() as s:
        for user_id in s.scalars(select(User.id).where(User.role != "admin")):
            s.execute(
                update(User)
                .where(User.id == user_id)
                .values(created_at=now - dt.timedelta(days=rng.randint(5, 300), minutes=rng.randint(0, 900)))
            )
        rows = s.execute(
            select(
                AdRequest.id, AdRequest.created_at, AdRequest.updated_at, AdRequest.accepted_at, AdRequest.completed_at
            )
        ).all()
        for request_id, created, updated, accepted, completed in rows:
            shift = dt.timedelta(days=rng.randint(0, 170), hours=rng.randint(0, 20))
            s.execute(
                update(AdRequest)
                .where(AdRequest.id == request_id)
                .values(
                    created_at=created - shift,
                    updated_at=updated - shift,
                    accepted_at=accepted - shift if accepted else None,
                    completed_at=completed - shift if completed else None,
                )
            )
            for event_id, at in s.execute(
                select(AdRequestEvent.id, AdRequestEvent.at).where(AdRequestEvent.ad_request_id == request_id)
            ).all():
                s.execute(update(AdRequestEvent).where(AdRequestEvent.id == event_id).values(at=at - shift))
        for campaign_id, created in s.execute(select(Campaign.id, Campaign.created_at)).all():
            s.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(created_at=created - dt.timedelta(days=rng.randint(10, 60)))
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Create the database (if needed) and add the demo data once.")
    parser.add_argument("--url", help="database URL (default: IESCP_DATABASE_URL or the SQLite file in data/)")
    parser.add_argument("--no-demo", action="store_true", help="only create/migrate the database and the admin")
    args = parser.parse_args(argv)
    settings = get_settings()
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
