"""Demo organizations: BrightWave and GreenLeaf get addresses, a second brand and teammates in every org role."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from core.demo.timeline import Timeline, waking
from core.marketplace import accounts, invites, organizations
from core.platform.db import Database

# (owner username, organization details, extra brands, teammates as (username, name, org role))
ORGANIZATIONS = {
    "brightwave": (
        {"phone": "+1 415 555 0134", "address": "88 Harbor Street", "city": "San Francisco", "state": "CA",
         "zip_code": "94105", "country": "United States"},
        ["BrightWave Kids"],
        [("jordan.lee", "Jordan Lee", "manager"), ("priya.shah", "Priya Shah", "analyst"),
         ("sam.okafor", "Sam Okafor", "owner")],
    ),
    "greenleaf": (
        {"phone": "+44 20 7946 0321", "address": "12 Market Lane", "city": "London", "state": "",
         "zip_code": "EC2A 4NE", "country": "United Kingdom"},
        ["GreenLeaf Coffee"],
        [("lena.fischer", "Lena Fischer", "manager"), ("tom.baker", "Tom Baker", "analyst")],
    ),
}  # fmt: skip
TEAMMATE_LOGINS = ("jordan.lee (manager at BrightWave)", "priya.shah (analyst at BrightWave)")


def seed_organizations(db: Database, password: str, clock: Timeline | None = None) -> None:
    """Fill in the demo organizations and invite their teammates through the real invitation flow.

    With a clock, the teammates join months ago (a few days apart) and the open invitation went out this week.
    """
    clock = clock or Timeline()
    for index, (owner_name, (details, brands, teammates)) in enumerate(ORGANIZATIONS.items()):
        with clock.story(clock.now - dt.timedelta(days=190 - 20 * index)):
            with db.Session.begin() as s:
                owner = accounts.load_actor_by_username(s, owner_name)
                if owner is None:
                    continue
                organizations.update_organization(s, actor=owner, **details)
                for brand in brands:
                    organizations.add_brand(s, actor=owner, name=brand)
            for username, name, org_role in teammates:
                clock.at(waking(clock.current + dt.timedelta(days=3, hours=5)))
                with db.Session.begin() as s:
                    email = f"{username}@demo.iescp.local"
                    link = invites.invite_member(s, actor=owner, email=email, org_role=org_role).link
                clock.at(waking(clock.current + dt.timedelta(hours=7)))  # accepted the same day
                with db.Session.begin() as s:
                    token = parse_qs(urlsplit(link).query)[invites.LINK_PARAMETER][0]
                    invites.accept_invite(s, token=token, username=username, password=password, display_name=name)
        with clock.story(clock.now - dt.timedelta(days=2, hours=3 * index)), db.Session.begin() as s:
            invites.invite_member(s, actor=owner, email=f"new.hire@{owner_name}.example", org_role="analyst")
