"""Demo product catalogues: a few products per demo organization, gifted in some of its open campaigns."""

from __future__ import annotations

import random

from sqlalchemy import select

from core.crm import products
from core.marketplace import accounts
from core.models import Campaign, User
from core.platform.db import Database

# username of the organization's owner -> (name, SKU, price in cents, description)
CATALOGUES: dict[str, list[tuple[str, str, int, str]]] = {
    "brightwave": [
        ("Wave Pro wireless earbuds", "BW-EB-PRO", 19_900, "Noise-cancelling earbuds with a 30-hour case."),
        ("Wave Mini speaker", "BW-SPK-MINI", 7_900, "Pocket Bluetooth speaker, splash-proof."),
        ("Studio headphones", "BW-HP-STUDIO", 29_900, "Over-ear monitoring headphones."),
        ("Charging case skin", "BW-ACC-SKIN", 1_500, "Silicone skin in five colours."),
    ],
    "greenleaf": [
        ("Smoothie starter box", "GL-BOX-SMOOTH", 3_450, "Twelve frozen smoothie packs."),
        ("Oat & seed granola 1 kg", "GL-GRAN-1KG", 1_299, "Low-sugar granola."),
        ("Reusable produce bags", "GL-BAG-5", 899, "Set of five mesh bags."),
    ],
    "urbanstride": [
        ("Stride Runner 2", "US-RUN-2", 12_900, "Everyday running shoe."),
        ("Trail socks 3-pack", "US-SOCK-3", 1_800, "Merino blend."),
    ],
    "novabank": [
        ("Nova metal card (first year)", "NB-CARD-METAL", 15_000, "First-year fee of the premium card, waived."),
        ("Budgeting notebook", "NB-NOTE", 1_200, "Branded paper planner."),
    ],
    "sofia.travels": [("City guide e-book", "ST-GUIDE", 1_499, "Lisbon in three days.")],
}


def seed_products(db: Database, *, seed: int = 7) -> None:
    """Create each demo organization's catalogue and attach products to up to two of its open campaigns."""
    rng = random.Random(seed)
    for username, catalogue in CATALOGUES.items():
        with db.Session.begin() as s:
            user_id = s.scalar(select(User.id).where(User.username == username))
            owner = accounts.load_actor(s, user_id) if user_id is not None else None
            if owner is None or owner.organization_id is None:
                continue
            ids = [
                products.create_product(s, actor=owner, name=name, sku=sku, price_cents=price, description=text)
                for name, sku, price, text in catalogue
            ]
            open_campaigns = s.scalars(
                select(Campaign.id)
                .where(Campaign.organization_id == owner.organization_id, Campaign.status.in_(("draft", "active")))
                .order_by(Campaign.id)
                .limit(2)
            ).all()
            for campaign_id in open_campaigns:
                for product_id in rng.sample(ids, k=min(len(ids), rng.randint(1, 3))):
                    products.attach_product(
                        s,
                        actor=owner,
                        campaign_id=campaign_id,
                        product_id=product_id,
                        quantity=rng.choice([1, 2, 5, 10, 25]),
                        discount=rng.choice(["0", "0", "10", "15", "25", "100"]),
                    )
            if len(ids) > 3:  # one retired product, to show archiving
                products.archive_product(s, actor=owner, product_id=ids[-1], expected_version=1)
